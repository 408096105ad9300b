/**
 * @module Waking frozen tenants: the first request to a frozen tenant asks the platform to wake it,
 * and every request that arrives meanwhile waits on that one wake (however many callers), until the
 * tenant's route is ready again, the wake fails, or a deadline passes.
 */
import { errorMessage, type TenantryError } from '@tenantry/core';
import { GatewayErrors } from './errors.js';
import type { Route, RouteTable } from './route-table.js';

/** Longest a request is held for its tenant to wake (or its program to start), by default. */
export const DEFAULT_WAKE_TIMEOUT_MS = 15_000;
/** How long a browser asking for a page waits before it gets the "starting…" page, by default. */
export const DEFAULT_STARTING_PAGE_AFTER_MS = 1_500;

export interface WakeOptions {
  /** Asks the platform to wake a frozen tenant; resolves once asked (its route turns ready once it is awake). */
  wake: (tenant: string) => Promise<void>;
  /** Longest a request waits for its tenant to wake; then 503 with Retry-After. @defaultValue 15000 */
  timeoutMs?: number;
  /** A browser asking for a page gets a "starting…" page that reloads itself after this wait. @defaultValue 1500 */
  startingPageAfterMs?: number;
}

/** How the wakes went since the gateway started. */
export interface WakeStats {
  wakes: number;
  failed: number;
  /** The last wake durations (ms), newest last, at most WAKE_DURATIONS_KEPT. */
  durationsMs: number[];
}

const WAKE_DURATIONS_KEPT = 1_000;

export class WakeError extends Error {
  constructor(readonly error: TenantryError) {
    super(error.message);
  }
}

export class Waker {
  private readonly waking = new Map<string, Promise<number>>();
  readonly stats: WakeStats = { wakes: 0, failed: 0, durationsMs: [] };
  readonly timeoutMs: number;
  readonly startingPageAfterMs: number;

  constructor(
    private readonly routes: RouteTable,
    private readonly options: WakeOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WAKE_TIMEOUT_MS;
    this.startingPageAfterMs = options.startingPageAfterMs ?? DEFAULT_STARTING_PAGE_AFTER_MS;
  }

  /**
   * Resolves with the wake's duration (ms) once the route is ready; rejects with a WakeError when the
   * platform could not wake it or the deadline passed. One wake per host at a time.
   */
  wake(route: Route): Promise<number> {
    let wake = this.waking.get(route.host);
    if (!wake) {
      wake = this.start(route).finally(() => this.waking.delete(route.host));
      this.waking.set(route.host, wake);
    }
    return wake;
  }

  private start(route: Route): Promise<number> {
    const started = performance.now();
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (error?: TenantryError) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearTimeout(deadline);
        if (error) {
          this.stats.failed += 1;
          reject(new WakeError(error));
          return;
        }
        const ms = Math.round(performance.now() - started);
        this.stats.wakes += 1;
        this.stats.durationsMs.push(ms);
        if (this.stats.durationsMs.length > WAKE_DURATIONS_KEPT) this.stats.durationsMs.shift();
        resolve(ms);
      };
      const check = () => {
        const now = this.routes.get(route.host);
        if (!now) settle(GatewayErrors.wakeFailed(route.tenant, 'the tenant is no longer served here'));
        else if (now.state === 'ready') settle();
      };
      const unsubscribe = this.routes.onChange((host) => {
        if (host === route.host) check();
      });
      const deadline = setTimeout(() => settle(GatewayErrors.wakeTimeout(route.tenant, this.timeoutMs)), this.timeoutMs);
      this.options.wake(route.tenant).then(check, (err: unknown) => settle(GatewayErrors.wakeFailed(route.tenant, errorMessage(err))));
    });
  }
}

/** The page a browser gets while its tenant wakes: it reloads itself every second. */
export function startingPage(tenant: string): string {
  const name = tenant.replace(/[^a-z0-9-]/g, '');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1"><title>Starting ${name}…</title></head><body style="font-family:system-ui,sans-serif;margin:4rem;color:#333"><p>Starting ${name}… this page reloads by itself.</p></body></html>`;
}
