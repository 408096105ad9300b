/**
 * @module The Lua scripts a tenant may run on the shared Redis, and their loading. A script runs
 * server-wide: one that loops blocks every tenant, and one that wrote before looping cannot even be
 * killed. So a tenant's login may not EVAL a script of its own (see `TENANT_REDIS_COMMANDS` in
 * @tenantry/core): it may only EVALSHA one already in the server's script cache, and only the
 * platform's login puts scripts there: BullMQ's, those its queues run. A script runs with its
 * caller's ACL, so each still reaches only the tenant's own keys. The server's cache is lost when it
 * restarts, so the platform loads them at start-up, and the master's scheduler keeps them loaded.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@tenantry/core';
import { errorMessage } from '@tenantry/core';
// BullMQ's scripts as its clients define them (its package names no entry point for them).
import * as bullmqScripts from 'bullmq/dist/cjs/scripts/index.js';
import { Redis } from 'ioredis';

export interface TenantScript {
  name: string;
  lua: string;
  /** The SHA-1 of `lua`, as EVALSHA names it. */
  sha: string;
}

/** Every script a tenant's programs run: BullMQ's, the same text its clients hash. */
export const TENANT_SCRIPTS: readonly TenantScript[] = Object.values(bullmqScripts)
  .filter((s) => typeof s === 'object' && typeof s.content === 'string')
  .map(({ name, content }) => ({ name, lua: content, sha: createHash('sha1').update(content).digest('hex') }));

/** Loads into the server's script cache each tenant script it lacks; returns how many it loaded. `redis`: the platform's login. */
export async function loadTenantScripts(redis: Redis): Promise<number> {
  const present = (await redis.script('EXISTS', ...TENANT_SCRIPTS.map((s) => s.sha))) as number[];
  const missing = TENANT_SCRIPTS.filter((_, i) => present[i] !== 1);
  for (const script of missing) await redis.script('LOAD', script.lua);
  return missing.length;
}

/** The keeper's connection name, as CLIENT LIST shows it. */
export const SCRIPT_KEEPER_CONNECTION = 'tenantry-script-keeper';

export interface TenantScriptKeeperOptions {
  /** The platform's Redis login (allowed SCRIPT LOAD). */
  redisUrl: string;
  log: Logger;
  /** How often the cache is checked besides each (re)connection, for a server flushed or failed over without a reconnect. @defaultValue 30 s */
  intervalMs?: number;
}

/**
 * Keeps the tenant scripts in the server's cache: at start, at every reconnection (a restarted
 * server has an empty cache), and every `intervalMs`. Run by the master's scheduler.
 */
export class TenantScriptKeeper {
  private readonly redis: Redis;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: TenantScriptKeeperOptions) {
    this.redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, connectionName: SCRIPT_KEEPER_CONNECTION });
    // Connection errors are retried by ioredis; a failed load says so.
    this.redis.on('error', () => undefined);
  }

  /** Connects and loads; resolves once the scripts are in the cache. */
  async start(): Promise<void> {
    await this.redis.connect();
    await this.loadNow();
    // Each reconnection may meet a server that restarted with an empty cache.
    this.redis.on('ready', () => void this.load());
    this.timer = setInterval(() => void this.load(), this.options.intervalMs ?? 30_000);
    this.timer.unref();
  }

  /** One load at a time; a failure is logged and retried at the next reconnection or interval. */
  private load(): Promise<void> {
    this.loading ??= this.loadNow()
      .catch((err: unknown) => this.options.log.warn({ err: errorMessage(err) }, 'could not load the tenant queue scripts into Redis; retrying'))
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async loadNow(): Promise<void> {
    const loaded = await loadTenantScripts(this.redis);
    if (loaded > 0) this.options.log.info({ loaded, of: TENANT_SCRIPTS.length }, 'tenant queue scripts loaded into Redis');
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.redis.disconnect();
  }
}
