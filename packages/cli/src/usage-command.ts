/** @module `tenantry usage <slug>`: a tenant's requests, errors, latency, users and jobs, from the master's analytics. */
import { USAGE_MAX_BUCKETS } from '@tenantry/core';
import { clientFor } from './tenants-command.js';

/** Hourly buckets, or the smallest of these sizes that keeps a long window within what the master answers. */
const BUCKET_MINUTES = [60, 360, 1440] as const;

/** The bucket size for a window of `hours`: the series stays within USAGE_MAX_BUCKETS. */
export function usageBucketMinutes(hours: number): number {
  return BUCKET_MINUTES.find((minutes) => (hours * 60) / minutes <= USAGE_MAX_BUCKETS) ?? 1440;
}

export interface UsageCommand {
  slug: string;
  hours: number;
  json: boolean;
  url?: string | undefined;
  token?: string | undefined;
  domain?: string | undefined;
}

export async function runUsageCommand(command: UsageCommand): Promise<void> {
  const report = await clientFor(command).usage(command.slug, command.hours, usageBucketMinutes(command.hours));
  if (command.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const t = report.totals;
  const lines = [
    `${report.tenant}, last ${command.hours} h: ${t.requests} requests, ${t.errors} errors, ${t.activeUsers} active users, ${t.jobs} jobs (${t.jobsFailed} failed), ${t.storageBytes} bytes uploaded`,
    ...report.series.map(
      (p) => `  ${p.at}  ${String(p.requests).padStart(8)} requests  ${String(p.errors).padStart(5)} errors  p95 ${p.p95LatencyMs ?? '—'} ms`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
