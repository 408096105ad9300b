/** @module `tenantry usage <slug>`: a tenant's requests, errors, latency, users and jobs, from the master's analytics. */
import { clientFor } from './tenants-command.js';

export interface UsageCommand {
  slug: string;
  hours: number;
  json: boolean;
  url?: string | undefined;
  token?: string | undefined;
  domain?: string | undefined;
}

export async function runUsageCommand(command: UsageCommand): Promise<void> {
  const report = await clientFor(command).usage(command.slug, command.hours);
  if (command.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const t = report.totals;
  const lines = [
    `${report.tenant}, last ${command.hours} h: ${t.requests} requests, ${t.errors} errors, ${t.activeUsers} active users, ${t.jobs} jobs (${t.jobsFailed} failed), ${t.storageBytes} bytes uploaded`,
    ...report.series.map((p) => `  ${p.at}  ${String(p.requests).padStart(8)} requests  ${String(p.errors).padStart(5)} errors  p95 ${p.p95LatencyMs ?? '—'} ms`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
