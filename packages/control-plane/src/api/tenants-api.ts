/** @module The tenants API (`/admin/api/tenants`), mounted by the master's admin backend. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { defaultTenantName, errorMessage, usageBuckets, USAGE_MAX_BUCKETS } from '@tenantry/core';
import { serveApiDocument, type SecuritySchemes } from '@tenantry/api-schemas';
import { STEP_LOG_MAX_LINES, type StepLog } from '../catalog/step-logs.js';
import type { TenantCatalog, TenantRecord } from '../catalog/tenant-catalog.js';
import type { TenantSchema } from '../drivers.js';
import { migrateFleet } from '../fleet/fleet-migration.js';
import { costEstimate } from './cost-estimate.js';
import { ControlPlaneErrors } from '../errors.js';
import type { ProvisioningQueue } from '../provisioning/queue.js';
import { STEP_NAMES } from '../provisioning/steps.js';
import type { TenantHealth } from './tenant-health.js';
import { tenantResource, type PublicAddress } from './tenant-resource.js';
import {
  ErrorBody,
  LogQuery,
  NewTenant,
  OPERATOR_ONLY,
  PlatformUsage,
  PlatformUsageQuery,
  SlugParams,
  SpecChange,
  StepLogAnswer,
  StepParams,
  streamed,
  Tenant,
  TenantGone,
  TenantList,
  TenantUsage,
  tenantsApiInputError,
  UsageQuery,
  type Static,
} from './tenants-api-schemas.js';

/** Where the tenants API's OpenAPI document is served (beside the API, on the master). */
export const TENANTS_API_DOCUMENT_PATH = '/admin/api/platform/openapi.json';

export interface TenantsApiOptions {
  catalog: TenantCatalog;
  queue: ProvisioningQueue;
  /** Lets a request through when it comes from an operator (admin token or master admin); throws otherwise. */
  authorize: (request: FastifyRequest) => Promise<void>;
  address: PublicAddress;
  schema: TenantSchema;
  /** The last health probe of each tenant, when the master runs a monitor. */
  health?: (slug: string) => TenantHealth | null;
  /** Where the master's analytics consumer stores usage (the analytics package's store). */
  analytics?: UsageStore;
  /** The document's server (the master's public URL) and how an operator authenticates (the admin backend's schemes). */
  document: { serverUrl: string; security: SecuritySchemes };
}

/** `GET /admin/api/tenants/:slug/steps/:step/log`: the step's lines, oldest first. */
export interface StepLogResource extends StepLog {
  slug: string;
  step: string;
}

/** One tenant's totals over a period, as the analytics store reports them. */
export interface UsageTotals {
  tenant: string;
  requests: number;
  errors: number;
  activeUsers: number;
  jobs: number;
  jobsFailed: number;
  storageBytes: number;
}

/** What the usage views read; `@tenantry/analytics`' stores have this shape. */
export interface UsageStore {
  usage(tenant: string, query: { from: Date; to: Date; bucketMinutes?: number }): Promise<unknown[]>;
  tenants(query: { from: Date; to: Date; limit?: number; tenants?: string[] }): Promise<UsageTotals[]>;
}

/** Every bucket of the window, empty ones as zeros, so a chart has one slot per bucket. */
function fillBuckets(points: { at: string }[], window: { from: Date; to: Date; bucketMinutes: number }): unknown[] {
  const size = window.bucketMinutes * 60_000;
  const byStart = new Map(points.map((p) => [Date.parse(p.at), p]));
  const filled: unknown[] = [];
  for (let at = Math.floor(window.from.getTime() / size) * size; at < window.to.getTime(); at += size) {
    filled.push(
      byStart.get(at) ?? { at: new Date(at).toISOString(), requests: 0, errors: 0, p95LatencyMs: null, signups: 0, logins: 0, jobs: 0, jobsFailed: 0 },
    );
  }
  return filled;
}

/**
 * The window of a usage view, from its query (each value checked by its schema). A series (`series`)
 * may not have more than USAGE_MAX_BUCKETS buckets: each is a row read, kept and answered, and one
 * request must not exhaust the master.
 */
function usageWindow(query: Static<typeof UsageQuery>, series: boolean): { from: Date; to: Date; bucketMinutes: number } {
  const hours = Number(query.hours ?? 24);
  const bucketMinutes = Number(query.bucketMinutes ?? 60);
  if (series && usageBuckets(hours, bucketMinutes) > USAGE_MAX_BUCKETS) {
    throw ControlPlaneErrors.invalidQuery(
      `at most ${USAGE_MAX_BUCKETS} buckets per answer (hours × 60 / bucketMinutes): ${hours} h in buckets of ${bucketMinutes} min is ${usageBuckets(hours, bucketMinutes)}; ask fewer hours or larger buckets (at least ${Math.ceil((hours * 60) / USAGE_MAX_BUCKETS)} min for ${hours} h)`,
    );
  }
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  return { from: new Date(to.getTime() - hours * 3_600_000), to, bucketMinutes };
}

/** A live view re-reads the catalog on every announced change, and at least this often. */
const REFRESH_MS = 5_000;

/** Ends each open live stream (called when the server closes). */
const liveStreams = new Set<() => void>();

/**
 * The tenants API with its own OpenAPI document (served without authentication: it says nothing
 * the routes do not); every route behind `options.authorize`.
 */
export async function tenantsApi(app: FastifyInstance, options: TenantsApiOptions): Promise<void> {
  await serveApiDocument(app, {
    path: TENANTS_API_DOCUMENT_PATH,
    title: 'Tenantry tenants API',
    description: "The master's control plane for operators: create, watch and delete tenants, read their provisioning logs and usage, migrate the fleet.",
    ...options.document,
  });
  // A refused parameter, query or body is the catalogue's error for that part, with the field's rule.
  app.setSchemaErrorFormatter(tenantsApiInputError);
  await app.register(tenantsRoutes, options);
}

async function tenantsRoutes(app: FastifyInstance, options: TenantsApiOptions): Promise<void> {
  const { catalog, queue, address } = options;
  const tags = ['tenants'];
  const resource = (record: TenantRecord) => tenantResource(record, address, options.health?.(record.slug) ?? null);
  // The body is read as JSON whatever its content type says: `curl -d '{...}'` sends JSON labelled
  // as a form, and refusing it would only make the user guess. What is not JSON is a 400 that says so.
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(ControlPlaneErrors.invalidBody('the body is not valid JSON; send a JSON object such as {"slug":"acme","tier":"trial"}'), undefined);
    }
  });

  app.addHook('onRequest', options.authorize);

  app.post<{ Body: Static<typeof NewTenant> }>(
    '/admin/api/tenants',
    {
      schema: {
        tags,
        summary: 'Create a tenant (202, provisioned in the background); the same body again answers the same tenant (200), and retries a failed one (202)',
        body: NewTenant,
        response: {
          200: { ...Tenant, description: 'the tenant existed already with this tier and name' },
          202: { ...Tenant, description: 'provisioning started' },
          409: { ...ErrorBody, description: 'the slug is taken with another tier or name, or the tenant is being deleted' },
          ...OPERATOR_ONLY,
        },
      },
    },
    async (request, reply) => {
      const { slug, tier, name } = request.body;
      const input = { slug, tier, name: name?.trim() ?? defaultTenantName(slug) };
      const { tenant, created } = await catalog.create(input, STEP_NAMES);
      // Creating a failed tenant again with the same body retries it.
      const retried = !created && tenant.status === 'failed';
      if (retried) await catalog.retry(tenant.slug);
      if (created || retried) await queue.enqueue(tenant.slug, 'provision');
      const current = retried ? ((await catalog.get(tenant.slug)) ?? tenant) : tenant;
      reply.header('location', `/admin/api/tenants/${tenant.slug}`);
      reply.code(created || retried ? 202 : 200);
      return resource(current);
    },
  );

  app.get(
    '/admin/api/tenants',
    { schema: { tags, summary: 'Every tenant, with its steps and health', response: { 200: TenantList, ...OPERATOR_ONLY } } },
    async () => {
      const tenants = await catalog.list();
      return { tenants: tenants.map(resource) };
    },
  );

  app.get<{ Params: Static<typeof SlugParams> }>(
    '/admin/api/tenants/:slug',
    {
      schema: { tags, summary: 'One tenant, with its steps and health', params: SlugParams, response: { 200: Tenant, 404: ErrorBody, ...OPERATOR_ONLY } },
    },
    async (request) => {
      const tenant = await catalog.get(request.params.slug);
      if (!tenant) throw ControlPlaneErrors.tenantNotFound(request.params.slug);
      return resource(tenant);
    },
  );

  // The spec changes here; the reconciler converges the tenant to it (observedGeneration follows the generation).
  app.patch<{ Params: Static<typeof SlugParams>; Body: Static<typeof SpecChange> }>(
    '/admin/api/tenants/:slug',
    {
      schema: {
        tags,
        summary: "Change a tenant's spec (its name, its state: frozen or active; the tier once moving exists); it converges in the background",
        description:
          'Answers the tenant with its spec changed and its generation counted; its observedGeneration reaches the generation once the reconciler has applied the change (a name goes into its mail and pod; state frozen stops everything of the tenant, and active, or its first request, wakes it).',
        params: SlugParams,
        body: SpecChange,
        response: { 200: Tenant, 404: ErrorBody, 409: ErrorBody, ...OPERATOR_ONLY },
      },
      schemaErrorFormatter: (problems, part) => tenantsApiInputError(problems, part, SpecChange),
    },
    async (request) => {
      const { slug } = request.params;
      const { tier, state } = request.body;
      const name = request.body.name?.trim();
      const tenant = await catalog.get(slug);
      if (!tenant) throw ControlPlaneErrors.tenantNotFound(slug);
      if (tenant.status !== 'ready' && tenant.status !== 'frozen') throw ControlPlaneErrors.tenantNotReady(slug, tenant.status);
      if (tier !== undefined && tier !== tenant.spec.tier) throw ControlPlaneErrors.tierChangeUnsupported(slug, tier);
      const change = {
        ...(name !== undefined && name !== tenant.spec.name ? { name } : {}),
        ...(state !== undefined && state !== tenant.spec.state ? { state } : {}),
      };
      if (Object.keys(change).length === 0) {
        // Asked to wake a tenant already meant to be active (its wake failed, or waits to be retried): try now.
        if (state === 'active' && tenant.status === 'frozen') await queue.enqueue(slug, 'reconcile');
        return resource(tenant);
      }
      const changed = await catalog.updateSpec(slug, change);
      if (!changed) throw ControlPlaneErrors.tenantNotFound(slug);
      await queue.enqueue(slug, 'reconcile');
      return resource(changed);
    },
  );

  // A step's log: every line it reported (its progress, each attempt's start and failure), oldest first.
  app.get<{ Params: Static<typeof StepParams>; Querystring: Static<typeof LogQuery> }>(
    '/admin/api/tenants/:slug/steps/:step/log',
    {
      schema: {
        tags,
        summary: `A step's log (${STEP_NAMES.join(', ')}): every line it reported, oldest first`,
        params: StepParams,
        querystring: LogQuery,
        response: { 200: StepLogAnswer, 404: ErrorBody, ...OPERATOR_ONLY },
      },
    },
    async (request): Promise<StepLogResource> => {
      const { slug, step } = request.params;
      if (!STEP_NAMES.includes(step)) throw ControlPlaneErrors.stepNotFound(step, STEP_NAMES);
      const limit = Number(request.query.limit ?? STEP_LOG_MAX_LINES);
      const log = await catalog.logs.read(slug, step, limit);
      if (!log) throw ControlPlaneErrors.tenantNotFound(slug);
      return { slug, step, lines: log.lines, truncated: log.truncated };
    },
  );

  app.delete<{ Params: Static<typeof SlugParams> }>(
    '/admin/api/tenants/:slug',
    {
      schema: {
        tags,
        summary: 'Delete a tenant and everything it has (202, in the background)',
        params: SlugParams,
        response: { 202: Type.Union([Tenant, TenantGone]), 404: ErrorBody, 409: ErrorBody, ...OPERATOR_ONLY },
      },
    },
    async (request, reply) => {
      const { slug } = request.params;
      if (!(await catalog.markDeprovisioning(slug))) throw ControlPlaneErrors.tenantNotFound(slug);
      await queue.enqueue(slug, 'deprovision');
      reply.code(202);
      const tenant = await catalog.get(slug);
      // A fast worker may have finished the deletion already.
      return tenant ? resource(tenant) : { slug, status: 'deprovisioning' };
    },
  );

  // Server-sent events: the whole list (with each tenant's steps) again whenever it changes,
  // so the operator dashboard shows provisioning step by step without reloading.
  app.get(
    '/admin/api/tenants/events',
    {
      schema: {
        tags,
        summary: 'Live: the tenant list again (as GET /admin/api/tenants answers it) whenever it changes, as server-sent events; never ends',
        response: { 200: streamed('text/event-stream', 'server-sent events: `data: {"tenants":[...]}` frames, and `: keep-alive` comments'), ...OPERATOR_ONLY },
      },
    },
    async (request, reply) => {
      await streamEvents(request, reply, catalog, async () => ({ tenants: (await catalog.list()).map(resource) }));
    },
  );

  // Usage from the analytics store: one tenant over time, and the platform's totals with the top tenants.
  const fromStore = async <T>(read: (store: UsageStore) => Promise<T>): Promise<T> => {
    if (!options.analytics) throw ControlPlaneErrors.noAnalytics();
    try {
      return await read(options.analytics);
    } catch (err) {
      throw ControlPlaneErrors.analyticsUnavailable(errorMessage(err));
    }
  };
  app.get<{ Params: Static<typeof SlugParams>; Querystring: Static<typeof UsageQuery> }>(
    '/admin/api/tenants/:slug/usage',
    {
      schema: {
        tags: ['usage'],
        summary: `A tenant's usage over time, in buckets (at most ${USAGE_MAX_BUCKETS} per answer), with its totals and cost estimate`,
        params: SlugParams,
        querystring: UsageQuery,
        response: { 200: TenantUsage, 404: ErrorBody, 503: { ...ErrorBody, description: 'no analytics store, or it did not answer' }, ...OPERATOR_ONLY },
      },
    },
    async (request) => {
      const { slug } = request.params;
      const tenant = await catalog.get(slug);
      if (!tenant) throw ControlPlaneErrors.tenantNotFound(slug);
      const window = usageWindow(request.query, true);
      const [points, [totals]] = await fromStore((store) => Promise.all([store.usage(slug, window), store.tenants({ ...window, tenants: [slug] })]));
      const series = fillBuckets(points as { at: string }[], window);
      return {
        tenant: slug,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        bucketMinutes: window.bucketMinutes,
        totals: totals ?? { tenant: slug, requests: 0, errors: 0, activeUsers: 0, jobs: 0, jobsFailed: 0, storageBytes: 0 },
        costEstimate: costEstimate(tenant.tier),
        series,
      };
    },
  );
  app.get<{ Querystring: Static<typeof PlatformUsageQuery> }>(
    '/admin/api/platform/usage',
    {
      schema: {
        tags: ['usage'],
        summary: "The platform's usage totals and each tenant's, over the last hours",
        querystring: PlatformUsageQuery,
        response: { 200: PlatformUsage, 503: { ...ErrorBody, description: 'no analytics store, or it did not answer' }, ...OPERATOR_ONLY },
      },
    },
    async (request) => {
      const window = usageWindow(request.query, false);
      const [usage, records] = await Promise.all([fromStore((store) => store.tenants(window)), catalog.list()]);
      const tiers = new Map(records.map((r) => [r.slug, r.tier]));
      // The master's own traffic is the platform's, not a tenant's.
      const tenants = usage
        .filter((t) => tiers.has(t.tenant))
        .map((t) => ({ ...t, tier: tiers.get(t.tenant)!, costEstimate: costEstimate(tiers.get(t.tenant)!) }));
      const sum = (k: 'requests' | 'errors' | 'activeUsers' | 'jobs' | 'jobsFailed' | 'storageBytes') => tenants.reduce((n, t) => n + t[k], 0);
      return {
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        totals: {
          tenants: records.length,
          requests: sum('requests'),
          errors: sum('errors'),
          activeUsers: sum('activeUsers'),
          jobs: sum('jobs'),
          jobsFailed: sum('jobsFailed'),
          storageBytes: sum('storageBytes'),
          costUsdPerMonth: records.reduce((n, r) => n + costEstimate(r.tier).totalUsdPerMonth, 0),
        },
        tenants,
      };
    },
  );

  // The fleet migration: progress as one JSON line per event, then the summary (or error) line.
  app.post(
    '/admin/api/fleet/migrations',
    {
      schema: {
        tags: ['migrations'],
        summary: "Migrate every ready tenant's database to this build's schema; progress streamed as it goes",
        response: {
          200: streamed(
            'application/x-ndjson',
            'one JSON object per line: {"event":...} per step of the run, then {"summary":...} or {"error":{"code","message"}}',
          ),
          ...OPERATOR_ONLY,
        },
      },
    },
    async (request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
      try {
        const summary = await migrateFleet(catalog, options.schema, {
          onEvent: (event) => reply.raw.write(`${JSON.stringify({ event })}\n`),
        });
        reply.raw.end(`${JSON.stringify({ summary })}\n`);
      } catch (err) {
        request.log.error({ err }, 'fleet migration stopped');
        reply.raw.end(`${JSON.stringify({ error: { code: 'FLEET_MIGRATION_FAILED', message: errorMessage(err) } })}\n`);
      }
    },
  );

  // Live streams never end by themselves: end them when the server closes, or it would wait for them.
  app.addHook('preClose', async () => {
    for (const end of liveStreams) end();
  });
}

/**
 * Streams `load()` as an SSE `message` whenever the catalog announces a change (and at least every
 * few seconds, whatever happens to the announcements), until the client goes away.
 */
async function streamEvents(request: FastifyRequest, reply: FastifyReply, catalog: TenantCatalog, load: () => Promise<unknown>): Promise<void> {
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  let open = true;
  let wake: () => void = () => undefined;
  let changed = true;
  let unwatch = () => undefined as unknown;
  const end = () => {
    open = false;
    wake();
  };
  liveStreams.add(end);
  request.raw.once('close', end);
  let last = '';
  try {
    unwatch = await catalog.watch(() => {
      changed = true;
      wake();
    });
    while (open) {
      if (!changed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, REFRESH_MS);
        });
      }
      changed = false;
      if (!open) break;
      const json = JSON.stringify(await load());
      if (json !== last) {
        reply.raw.write(`data: ${json}\n\n`);
        last = json;
      } else {
        reply.raw.write(': keep-alive\n\n');
      }
    }
  } catch (err) {
    // The browser's EventSource reconnects by itself; say why this stream ended.
    request.log.warn({ err }, 'live view stopped');
    reply.raw.write(`event: error\ndata: ${JSON.stringify({ message: errorMessage(err) })}\n\n`);
  } finally {
    unwatch();
    liveStreams.delete(end);
  }
  reply.raw.end();
}
