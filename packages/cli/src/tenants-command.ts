/** @module `tenantry tenants …`: create, list, get, update, freeze, wake, delete, with live progress for --wait, and a step's log. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { delay, tenantHost, MASTER_SLUG } from '@tenantry/core';
import type { TenantResource } from '@tenantry/control-plane';
import { CliError, CliErrors } from './errors.js';
import { PlatformClient } from './platform-client.js';

export interface TenantsCommand {
  action: 'create' | 'list' | 'get' | 'update' | 'freeze' | 'wake' | 'delete' | 'logs';
  slug: string;
  /** The step whose log `logs` prints. */
  step?: string | undefined;
  /** How many of the newest log lines `logs` prints (the API's default: all it keeps). */
  limit?: number | undefined;
  tier?: string | undefined;
  name?: string | undefined;
  json: boolean;
  wait: boolean;
  timeoutSeconds: number;
  url?: string | undefined;
  token?: string | undefined;
  domain?: string | undefined;
}

/** The API client from --url/--token/--domain, the environment, or $TENANTRY_HOME/admin-token. */
export function clientFor(command: Pick<TenantsCommand, 'url' | 'token' | 'domain'>): PlatformClient {
  const url = command.url ?? `http://127.0.0.1:${process.env.PORT ?? 8080}`;
  const domain = command.domain ?? process.env.TENANTRY_DOMAIN ?? 'localhost';
  let token = command.token ?? process.env.TENANTRY_TOKEN;
  if (!token) {
    const file = join(resolve(process.env.TENANTRY_HOME ?? '.tenantry'), 'admin-token');
    if (!existsSync(file)) throw CliErrors.noToken(file);
    token = readFileSync(file, 'utf8').trim();
  }
  return new PlatformClient(url, tenantHost(MASTER_SLUG, domain), token);
}

export async function runTenantsCommand(command: TenantsCommand): Promise<void> {
  const client = clientFor(command);
  const print = (human: string, json: unknown): void => {
    process.stdout.write(`${command.json ? JSON.stringify(json) : human}\n`);
  };
  switch (command.action) {
    case 'list': {
      const tenants = await client.list();
      return print(tenants.length === 0 ? 'no tenants yet' : table(tenants), { tenants });
    }
    case 'get': {
      const tenant = await client.get(command.slug);
      return print(describe(tenant), tenant);
    }
    case 'logs': {
      const log = await client.stepLog(command.slug, command.step!, command.limit);
      if (command.json) return print('', log);
      if (log.truncated) process.stderr.write(`(older lines left out: showing the newest ${log.lines.length})\n`);
      if (log.lines.length === 0) return print(`step ${log.step} of tenant ${log.slug} has logged nothing yet`, log);
      return print(log.lines.map((l) => `${l.at}  ${l.line}`).join('\n'), log);
    }
    case 'create': {
      let tenant = await client.create(command.slug, command.tier!, command.name);
      if (!command.json) process.stdout.write(`tenant ${tenant.slug} (${tenant.tier}): ${tenant.status}\n`);
      if (command.wait) tenant = await waitFor(client, command, (t) => t.status === 'ready' || t.status === 'failed');
      if (tenant.status === 'failed') {
        if (command.json) process.stdout.write(`${JSON.stringify(tenant)}\n`);
        throw CliErrors.provisioningFailed(tenant.slug, tenant.error ?? 'unknown error');
      }
      return print(tenant.status === 'ready' ? `ready: ${tenant.url}` : `follow it with: tenantry tenants get ${tenant.slug}`, tenant);
    }
    case 'update': {
      let tenant = await client.update(command.slug, { name: command.name });
      if (!command.json) process.stdout.write(`tenant ${tenant.slug}: generation ${tenant.generation}, observed ${tenant.observedGeneration}\n`);
      const generation = tenant.generation;
      if (command.wait) tenant = await waitFor(client, command, (t) => t.observedGeneration >= generation, tenant);
      return print(
        tenant.observedGeneration >= generation ? `applied: ${tenant.spec.name}` : `applying; follow it with: tenantry tenants get ${tenant.slug}`,
        tenant,
      );
    }
    case 'freeze':
    case 'wake': {
      const state = command.action === 'freeze' ? 'frozen' : 'active';
      let tenant = await client.update(command.slug, { state });
      if (!command.json) process.stdout.write(`tenant ${tenant.slug}: ${command.action === 'freeze' ? 'freezing' : 'waking'} (${tenant.status})\n`);
      const settled = (t: TenantResource) => t.observedGeneration >= tenant.generation && t.status === (state === 'frozen' ? 'frozen' : 'ready');
      if (command.wait) tenant = await waitFor(client, command, settled, tenant);
      const since = tenant.conditions.find((c) => c.type === 'Frozen')?.lastTransitionTime;
      return print(
        settled(tenant)
          ? state === 'frozen'
            ? `frozen since ${since}: nothing of it runs; its first request wakes it`
            : `awake: ${tenant.url}`
          : `${command.action === 'freeze' ? 'freezing' : 'waking'}; follow it with: tenantry tenants get ${tenant.slug}`,
        tenant,
      );
    }
    case 'delete': {
      let tenant: TenantResource | undefined;
      try {
        tenant = await client.delete(command.slug);
      } catch (err) {
        // Deleting what is already gone succeeds: the command is safe to repeat.
        if (err instanceof CliError && err.code === 'TENANT_NOT_FOUND')
          return print(`tenant ${command.slug} does not exist (nothing to delete)`, { slug: command.slug, status: 'deleted' });
        throw err;
      }
      if (!command.json) process.stdout.write(`tenant ${tenant.slug}: ${tenant.status}\n`);
      if (command.wait) {
        await waitFor(client, command, () => false).catch((err: unknown) => {
          if (!(err instanceof CliError && err.code === 'TENANT_NOT_FOUND')) throw err;
        });
        return print(`deleted ${command.slug}`, { slug: command.slug, status: 'deleted' });
      }
      return print(`deletion started; check with: tenantry tenants get ${command.slug}`, tenant);
    }
  }
}

/** Polls the tenant, printing each step's and each condition's change as it happens, until `done` or the timeout. */
async function waitFor(client: PlatformClient, command: TenantsCommand, done: (t: TenantResource) => boolean, from?: TenantResource): Promise<TenantResource> {
  const deadline = Date.now() + command.timeoutSeconds * 1000;
  // What `from` showed is not news: only changes since are printed.
  const seen = new Map<string, string>((from?.steps ?? []).map((step) => [step.name, stepLine(step)]));
  const shown = new Map((from?.conditions ?? []).map((c) => [c.type, conditionLine(c)]));
  for (;;) {
    const tenant = await client.get(command.slug);
    if (!command.json) {
      for (const condition of tenant.conditions) {
        const line = conditionLine(condition);
        if (shown.get(condition.type) !== line) {
          shown.set(condition.type, line);
          process.stdout.write(`  ${line}\n`);
        }
      }
      for (const step of tenant.steps) {
        const line = stepLine(step);
        if (seen.get(step.name) !== line && step.state !== 'pending') {
          seen.set(step.name, line);
          const took = step.durationMs !== null && (step.state === 'done' || step.state === 'removed') ? ` (${step.durationMs} ms)` : '';
          process.stdout.write(`  ${step.name.padEnd(9)} ${line}${took}${step.error ? ` — ${step.error}` : ''}\n`);
        }
      }
    }
    if (done(tenant)) return tenant;
    if (Date.now() > deadline) throw CliErrors.timeout(command.slug, command.timeoutSeconds);
    await delay(100);
  }
}

/** A step's state, with its detail (its last log line: its live progress) while it works. */
function stepLine(step: TenantResource['steps'][number]): string {
  const working = step.state === 'running' || step.state === 'removing';
  return `${step.state}${step.detail && working ? `: ${step.detail}` : ''}`;
}

function conditionLine(c: TenantResource['conditions'][number]): string {
  return `${c.type.padEnd(14)} ${c.status.padEnd(5)} ${c.reason}: ${c.message}`;
}

function describe(t: TenantResource): string {
  const lines = [
    `${t.slug}  ${t.url}`,
    `spec:    name ${JSON.stringify(t.spec.name)}, tier ${t.spec.tier}, state ${t.spec.state} (generation ${t.generation})`,
    `status:  ${t.status}${t.status === 'frozen' ? ` since ${t.conditions.find((c) => c.type === 'Frozen')?.lastTransitionTime ?? '?'}` : ''} (observed generation ${t.observedGeneration})`,
  ];
  if (t.error) lines.push(`error: ${t.error}`);
  lines.push('steps:');
  for (const s of t.steps) lines.push(`  ${s.name.padEnd(9)} ${s.state}${s.durationMs !== null ? ` ${s.durationMs} ms` : ''}${s.error ? ` — ${s.error}` : ''}`);
  if (t.conditions.length > 0) {
    lines.push('conditions:');
    for (const c of t.conditions) lines.push(`  ${conditionLine(c)} (since ${c.lastTransitionTime})`);
  }
  return lines.join('\n');
}

function table(tenants: TenantResource[]): string {
  const rows = tenants.map((t) => [t.slug, t.tier, t.status, t.url]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['SLUG', 'TIER', 'STATUS'][i]!.length));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ');
  return [line(['SLUG', 'TIER', 'STATUS', 'URL']), ...rows.map(line)].join('\n');
}
