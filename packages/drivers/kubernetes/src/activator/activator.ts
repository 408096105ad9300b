/**
 * @module The activator: where a frozen tenant's Ingress sends its host on Kubernetes. It is the gateway
 * (`@tenantry/gateway`) with a route table read from the master's tenants API: a frozen tenant's requests are
 * held by the gateway's Waker (one wake per host however many wait, a "starting…" page for a browser past
 * a threshold, 503 with Retry-After past the deadline), woken through the master (PATCH state active, as the
 * local gateway does), and forwarded to the tenant's Services once the master reports it ready: by then its
 * wake has scaled its Deployments back and waited for them to be Ready, and put its Ingress back, so later
 * requests no longer come here. Requests the ingress controller still sends meanwhile are forwarded too.
 */
import { errorMessage, waitFor, type Logger } from '@tenantry/core';
import { Gateway, RouteTable, wakeThroughMaster, type Route, type Upstream } from '@tenantry/gateway';

export interface ActivatorOptions {
  /** The master's admin backend (the tenants API). */
  masterUrl: string;
  adminToken: string;
  /** The pod's programs and the path prefixes each serves (the pod manifest's `routes`). */
  programs: readonly { name: string; routes: readonly string[] }[];
  /** Where a tenant's program is reached: its Service (tenantServiceUrl), or a local server in tests. */
  upstream: (slug: string, program: string) => { host: string; port: number };
  /** Longest a held request waits. @defaultValue 15000 */
  wakeTimeoutMs?: number;
  /** How often the tenant list is read from the master. @defaultValue 5000 */
  syncIntervalMs?: number;
  /** How often a waking tenant's phase is read. @defaultValue 250 */
  pollIntervalMs?: number;
  /** A browser waiting this long gets the "starting…" page. @defaultValue 1500 */
  startingPageAfterMs?: number;
  log: Logger;
}

/** What the activator reads of a tenant in the master's tenants API. */
interface TenantView {
  slug: string;
  host: string;
  status: 'pending' | 'provisioning' | 'ready' | 'frozen' | 'failed' | 'deprovisioning';
  conditions: { type: string; reason: string; message: string }[];
}

/** Frozen-condition reasons that say a wake will not come on its own (when written by this wake, not an earlier one). */
const WAKE_FAILURES = new Set(['WakeFailed', 'SpecNotMet']);

export class Activator {
  readonly routes = new RouteTable();
  readonly gateway: Gateway;
  private readonly requestWake: (slug: string) => Promise<void>;
  private readonly wakeTimeoutMs: number;
  private readonly pollIntervalMs: number;
  /** When each tenant was last woken here: a list read before then is older than what the wake saw. */
  private readonly wokenAt = new Map<string, number>();
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(private readonly options: ActivatorOptions) {
    this.wakeTimeoutMs = options.wakeTimeoutMs ?? 15_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.requestWake = wakeThroughMaster(options.masterUrl, options.adminToken);
    this.gateway = new Gateway({
      routes: this.routes,
      log: options.log,
      wake: {
        wake: (slug) => this.wake(slug),
        timeoutMs: this.wakeTimeoutMs,
        ...(options.startingPageAfterMs === undefined ? {} : { startingPageAfterMs: options.startingPageAfterMs }),
      },
    });
  }

  /** Reads the tenant list once (the activator serves nothing it does not know), then listens and keeps reading it. */
  async start(port: number, host: string): Promise<void> {
    // A master not up yet (both start with the chart) leaves the table empty until the next read.
    await this.sync().catch((err: unknown) => this.options.log.warn({ err: errorMessage(err) }, 'reading the tenant list failed; trying again'));
    this.syncTimer = setInterval(() => {
      this.sync().catch((err: unknown) => this.options.log.warn({ err: errorMessage(err) }, 'reading the tenant list failed; keeping the routes known'));
    }, this.options.syncIntervalMs ?? 5_000);
    await this.gateway.listen(port, host);
  }

  get port(): number {
    return this.gateway.port;
  }

  /** Every tenant's route from the master's list: frozen ones held (and woken), ready ones forwarded, others 503 or unknown. */
  sync(): Promise<void> {
    // One read at a time; a caller during one gets that one.
    this.syncing ??= this.readTenants().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async readTenants(): Promise<void> {
    const started = Date.now();
    const { tenants } = await this.master<{ tenants: TenantView[] }>('/admin/api/tenants');
    const known = new Set<string>();
    for (const tenant of tenants) {
      const state =
        tenant.status === 'ready'
          ? 'ready'
          : tenant.status === 'frozen'
            ? 'frozen'
            : tenant.status === 'pending' || tenant.status === 'provisioning'
              ? 'pending'
              : undefined;
      if (!state) continue;
      known.add(tenant.host);
      // A wake since this list was asked for saw a newer phase than the list's.
      if ((this.wokenAt.get(tenant.slug) ?? 0) >= started) continue;
      const current = this.routes.get(tenant.host);
      if (current?.state !== state) this.routes.set(this.route(tenant.slug, tenant.host, state));
    }
    for (const route of this.routes.list()) if (!known.has(route.host)) this.routes.delete(route.host);
  }

  /**
   * The Waker's wake (once per host at a time): asks the master to wake the tenant, then waits until the master
   * reports it ready (its Deployments Ready, its Ingress back) and opens its route, which lets the held requests through.
   * Fails at once when the master refuses or records a failed wake; the Waker answers 503 with why.
   */
  private async wake(slug: string): Promise<void> {
    const log = this.options.log.child({ tenant: slug });
    log.info('waking the tenant through the master');
    const read = () => this.master<TenantView>(`/admin/api/tenants/${encodeURIComponent(slug)}`);
    const frozenOf = (tenant: TenantView) => JSON.stringify(tenant.conditions.find((c) => c.type === 'Frozen'));
    // An earlier wake's failure is being retried by the reconciler: only a failure written after this wake's ask ends it.
    const before = frozenOf(await read());
    await this.requestWake(slug);
    const outcome = await waitFor(
      async () => {
        const tenant = await read();
        if (tenant.status === 'ready') return { tenant };
        const frozen = tenant.conditions.find((c) => c.type === 'Frozen');
        if (frozen && WAKE_FAILURES.has(frozen.reason) && frozenOf(tenant) !== before) return { failed: frozen.message };
        if (tenant.status !== 'frozen') return { failed: `the tenant is ${tenant.status}` };
        return undefined;
      },
      { what: `tenant ${slug} to be woken`, timeoutMs: this.wakeTimeoutMs, intervalMs: this.pollIntervalMs },
    );
    if ('failed' in outcome) {
      log.warn({ err: outcome.failed }, 'the wake failed');
      throw new Error(outcome.failed);
    }
    this.wokenAt.set(slug, Date.now());
    this.routes.set(this.route(slug, outcome.tenant.host, 'ready'));
    log.info('tenant woken; forwarding its held requests');
  }

  private route(slug: string, host: string, state: Route['state']): Route {
    const upstreams: Upstream[] = this.options.programs.flatMap((program) =>
      program.routes.map((prefix) => ({ prefix, ...this.options.upstream(slug, program.name) })),
    );
    return { host, tenant: slug, state, upstreams };
  }

  private async master<T>(path: string): Promise<T> {
    const response = await fetch(new URL(path, this.options.masterUrl), {
      headers: { authorization: `Bearer ${this.options.adminToken}` },
      signal: AbortSignal.timeout(5_000),
    }).catch((err: unknown) => {
      throw new Error(`the master at ${this.options.masterUrl} did not answer: ${errorMessage(err)}`);
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
      throw new Error(`the master answered ${response.status} to GET ${path}: ${body?.error?.message ?? 'no reason given'}`);
    }
    return (await response.json()) as T;
  }

  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    await this.gateway.close();
  }
}
