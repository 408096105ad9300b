/** @module The CLI's client of the tenants API, reached through the gateway at master.<domain>. */
import { request } from 'node:http';
import { TenantryError } from '@tenantry/core';
import type { FleetMigrationEvent, FleetMigrationSummary, StepLogResource, TenantResource } from '@tenantry/control-plane';

export interface TenantUsageReport {
  tenant: string;
  from: string;
  to: string;
  bucketMinutes: number;
  totals: { requests: number; errors: number; activeUsers: number; jobs: number; jobsFailed: number; storageBytes: number };
  series: { at: string; requests: number; errors: number; p95LatencyMs: number | null }[];
}
import { CliErrors } from './errors.js';

export class PlatformClient {
  constructor(
    private readonly baseUrl: string,
    private readonly masterHost: string,
    private readonly token: string,
  ) {}

  create(slug: string, tier: string, name?: string): Promise<TenantResource> {
    return this.call('POST', '/admin/api/tenants', { slug, tier, ...(name ? { name } : {}) });
  }

  async list(): Promise<TenantResource[]> {
    return (await this.call<{ tenants: TenantResource[] }>('GET', '/admin/api/tenants')).tenants;
  }

  get(slug: string): Promise<TenantResource> {
    return this.call('GET', `/admin/api/tenants/${encodeURIComponent(slug)}`);
  }

  /** Changes the tenant's spec; it converges in the background. */
  update(slug: string, change: { name?: string; state?: 'active' | 'frozen' }): Promise<TenantResource> {
    return this.call('PATCH', `/admin/api/tenants/${encodeURIComponent(slug)}`, change);
  }

  delete(slug: string): Promise<TenantResource> {
    return this.call('DELETE', `/admin/api/tenants/${encodeURIComponent(slug)}`);
  }

  /** A provisioning step's log: its newest `limit` lines (the API's default when not given), oldest first. */
  stepLog(slug: string, step: string, limit?: number): Promise<StepLogResource> {
    const query = limit === undefined ? '' : `?limit=${limit}`;
    return this.call('GET', `/admin/api/tenants/${encodeURIComponent(slug)}/steps/${encodeURIComponent(step)}/log${query}`);
  }

  /** A tenant's usage over the last `hours` in buckets of `bucketMinutes`, from the master's analytics store. */
  usage(slug: string, hours: number, bucketMinutes = 60): Promise<TenantUsageReport> {
    return this.call('GET', `/admin/api/tenants/${encodeURIComponent(slug)}/usage?hours=${hours}&bucketMinutes=${bucketMinutes}`);
  }

  /** Runs the fleet migration, calling `onEvent` for each progress line; resolves with the summary. */
  async migrateFleet(onEvent: (event: FleetMigrationEvent) => void): Promise<FleetMigrationSummary> {
    let summary: FleetMigrationSummary | undefined;
    let status = 0;
    let failure = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request(
          new URL('/admin/api/fleet/migrations', this.baseUrl),
          {
            method: 'POST',
            headers: { host: this.masterHost, authorization: `Bearer ${this.token}` },
          },
          (res) => {
            status = res.statusCode ?? 0;
            let buffered = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffered += chunk;
              let newline: number;
              while ((newline = buffered.indexOf('\n')) >= 0) {
                const line = buffered.slice(0, newline).trim();
                buffered = buffered.slice(newline + 1);
                if (!line) continue;
                let message: { event?: FleetMigrationEvent; summary?: FleetMigrationSummary; error?: { message: string } };
                try {
                  message = JSON.parse(line);
                } catch {
                  failure = `answered HTTP ${status} with a line that is not JSON: ${line.slice(0, 200)}`;
                  continue;
                }
                if (message.event) onEvent(message.event);
                if (message.summary) summary = message.summary;
                if (message.error) failure = message.error.message;
              }
            });
            res.on('end', () => {
              const rest = buffered.trim();
              if (!failure && rest) {
                try {
                  failure = (JSON.parse(rest) as { error?: { message?: string } }).error?.message ?? `answered HTTP ${status}: ${rest.slice(0, 300)}`;
                } catch {
                  failure = `answered HTTP ${status}: ${rest.slice(0, 300)}`;
                }
              }
              resolve();
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
    } catch (err) {
      throw CliErrors.unreachable(this.baseUrl, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    if (!summary) throw CliErrors.api(new TenantryError('HTTP_ERROR', status, failure || `the fleet migration ended without a summary (HTTP ${status})`));
    return summary;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let response: { status: number; text: string };
    try {
      response = await send(
        new URL(path, this.baseUrl),
        method,
        {
          host: this.masterHost,
          authorization: `Bearer ${this.token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
        },
        payload,
      );
    } catch (err) {
      throw CliErrors.unreachable(this.baseUrl, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      throw CliErrors.unreachable(this.baseUrl, `answered ${response.status} with a body that is not JSON`);
    }
    if (response.status >= 400) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      throw CliErrors.api(new TenantryError(error?.code ?? 'HTTP_ERROR', response.status, error?.message ?? `HTTP ${response.status}`));
    }
    return json as T;
  }
}

/** A request with an explicit Host header (fetch would not send one), over node:http. */
function send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}
