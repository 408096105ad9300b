/**
 * @module The analytics store on Apache Cassandra (or Amazon Keyspaces), for when one Postgres is not enough.
 *
 * Tables (all partitioned by tenant and a time bucket, clustered by time):
 * - `events ((tenant_id, hour, type), minute, event_id)`: the raw events, one row each, `USING TTL` so a row
 *   expires `rawTtlDays` after the event happened. The partition is an hour of one type of one tenant's
 *   events (not a day: a busy tenant's day of requests would be a partition of gigabytes), so p95 reads
 *   only requests and active users only logins and signups.
 * - `minutes ((tenant_id, day), minute)`: per-minute aggregates, at most 1,440 rows a partition, TTL
 *   `aggregateTtlDays`, plus a `pending` cell that says "raw events arrived since this row was computed".
 * - `tenant_days ((day), tenant_id)`: which tenants have data on a day, so `tenants()` needs no scan.
 *
 * Why it is idempotent and exact without counters, logged batches or lightweight transactions:
 * 1. A raw row's key contains the event id, so writing an event again (redelivery, two consumers) is an
 *    upsert of the same row: the raw table holds each event once, whatever happens.
 * 2. Aggregates are never incremented: they are *recomputed* from the raw rows of the minute ("roll-up")
 *    and overwritten. Each roll-up writes with `USING TIMESTAMP minuteStart + rowsSeen` (microseconds), so
 *    of two roll-ups of a minute the one that saw more rows wins, whichever lands last. Raw rows of a
 *    minute only ever get added (until they expire), so more rows means a later, complete view.
 * 3. `write()` first writes the raw rows, *then* sets `pending` on each minute it touched (a server-side
 *    timestamp). A roll-up reads `pending` and its WRITETIME first, then the raw rows, writes the
 *    aggregate, and deletes `pending` `USING TIMESTAMP` that writetime: a write whose raw rows the roll-up
 *    may have missed set `pending` later, so its marker survives and the minute is rolled up again.
 * 4. Readers use the aggregate of a minute only when `pending` is not set; otherwise they count that
 *    minute from its raw rows (and, once the minute is sealed, store the roll-up they just computed).
 * So at every moment `usage()`/`tenants()` equal what a single serial writer would have produced. A
 * crash between steps is repaired by redelivery (the bus redelivers unacknowledged batches; the raw
 * upserts are no-ops and `pending` is set again), by the next reader, or by `prune()`.
 *
 * Roll-ups happen once a minute is sealed (`sealAfterMs` past its end) so a busy minute is read once, not
 * once per batch: by a timer in the instance that wrote it, by readers, and by `prune()` (the hourly
 * sweep over every tenant's last `rawTtlDays` days). Until then readers count the minute from raw rows.
 *
 * `written`/`duplicates`: by default only repeats within a batch count as duplicates (an event stored
 * before is upserted again, harmlessly). With `countDuplicates`, ids already present are found by one
 * read per (partition, minute) before writing (`event_id IN ?`, at most 100 ids per read), which costs
 * about a third of the write throughput; exact for one writer, and when two consumers write the same new
 * event at the same moment both may report it as written. Either way the stored events and every number
 * `usage()` and `tenants()` return stay exact.
 *
 * Differences from the Postgres store: an event older than `rawTtlDays` when it arrives is not stored
 * (Postgres stores it and prunes it within the hour) and is therefore not in the aggregates, and an
 * event arriving after its minute's raw rows expired cannot be added to that minute. `prune()` deletes
 * nothing (the TTLs given to the constructor do that; its arguments are ignored): it rolls up.
 *
 * Amazon Keyspaces: every statement here is in the subset Keyspaces supports (no counters, no logged or
 * multi-partition batches, no materialized views, no secondary indexes, no ALLOW FILTERING, no
 * aggregate functions, `IN` lists of at most 100). To run on it:
 * - replication: pass `replication: { class: 'SingleRegionStrategy' }` (the default here is SimpleStrategy,
 *   RF 1, for a local node). DDL is asynchronous there: `migrate()` polls until each table answers.
 * - tables need `CUSTOM_PROPERTIES = {'ttl': {'status': 'enabled'}, 'client_side_timestamps': {'status':
 *   'enabled'}}` (pass `tableOptions`): `USING TTL` needs the first, `USING TIMESTAMP` and WRITETIME the
 *   second. The `compaction`/`gc_grace_seconds` options written here for Cassandra are not accepted there
 *   (`tableOptions` replaces them).
 * - client timestamps must lie within 2 days before and 5 minutes after the server's clock: a minute
 *   can only be rolled up within 2 days of its end (the hourly `prune()` does it long before), and a
 *   `pending` marker older than 2 days cannot be cleared (it then expires with the raw rows).
 * - writes are always LOCAL_QUORUM (the default here); reads at LOCAL_QUORUM too, for the read-your-writes
 *   the roll-up protocol relies on.
 * - connections need TLS (port 9142, `clientOptions.sslOptions`) and SigV4 or service-specific credentials
 *   (`clientOptions.authProvider`, e.g. aws-sigv4-auth-cassandra-plugin); `localDataCenter` is the region.
 * - batches are capped in statements (see its quotas; `maxBatchStatements: 30` is within them), and a
 *   partition takes at most 1,000 writes/s: a tenant sending more than 1,000 events/s of one type needs
 *   its raw partitions split further (e.g. a shard of the event id in the partition key).
 * - no `system.peers`-based schema agreement: `migrate()` also checks that each table answers.
 */
import cassandra from 'cassandra-driver';
import type { ClientOptions, types } from 'cassandra-driver';
import { EVENT_TYPES, type AnalyticsEvent, type EventType } from './events.js';
import type { AnalyticsStore, TenantUsage, UsagePoint, UsageQuery } from './store.js';

export interface CassandraStoreOptions {
  /** `host:port` of one or more nodes. */
  contactPoints: string[];
  /** The driver's local data centre (Keyspaces: the region, e.g. `eu-west-1`). */
  localDataCenter: string;
  /** Made by `migrate()` if missing. */
  keyspace: string;
  /** The keyspace's replication map. @defaultValue `{ class: 'SimpleStrategy', replication_factor: 1 }` */
  replication?: Record<string, string | number>;
  /** Table options for CREATE TABLE (`WITH ...`). @defaultValue TimeWindowCompactionStrategy for raw events, short gc_grace_seconds */
  tableOptions?: { events?: string; minutes?: string; tenantDays?: string };
  /** Raw events expire this many days after they happened. @defaultValue 7 */
  rawTtlDays?: number;
  /** Per-minute aggregates expire this many days after the minute. @defaultValue 400 */
  aggregateTtlDays?: number;
  /** Requests in flight at once per call. @defaultValue 64 */
  concurrency?: number;
  /** Raw rows per unlogged (single-partition) batch. @defaultValue 100; 30 on Amazon Keyspaces */
  maxBatchStatements?: number;
  /** Whether `write()` reads which events are stored already, to report them as duplicates. @defaultValue false */
  countDuplicates?: boolean;
  /** A minute is rolled up this long after its end. @defaultValue 30000 */
  sealAfterMs?: number;
  /** Anything else for the driver: credentials, TLS, pooling. */
  clientOptions?: Partial<ClientOptions>;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const IN_LIMIT = 100;
const TYPES: readonly EventType[] = EVENT_TYPES;
const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

interface Counts {
  requests: number;
  errors: number;
  signups: number;
  logins: number;
  jobs: number;
  jobsFailed: number;
  storageBytes: number;
  /** Raw rows the counts come from. */
  events: number;
}

const emptyCounts = (): Counts => ({ requests: 0, errors: 0, signups: 0, logins: 0, jobs: 0, jobsFailed: 0, storageBytes: 0, events: 0 });

function addCounts(into: Counts, c: Counts): void {
  into.requests += c.requests;
  into.errors += c.errors;
  into.signups += c.signups;
  into.logins += c.logins;
  into.jobs += c.jobs;
  into.jobsFailed += c.jobsFailed;
  into.storageBytes += c.storageBytes;
  into.events += c.events;
}

/** One minute of one tenant, as read from `minutes`: its aggregate, or `pendingAt` when it must be counted from raw rows. */
interface MinuteRow {
  minute: number;
  counts: Counts;
  /** WRITETIME of `pending` (µs) when set. */
  pendingAt: bigint | null;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first error after all settle. */
async function forEachLimited<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      if (failure) return;
      try {
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure) throw failure.error;
}

/** percentile_cont(0.95) as Postgres computes it (linear interpolation), rounded to 2 decimals like the Postgres store. */
function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const position = 0.95 * (values.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const value = values[lower]! + (values[upper]! - values[lower]!) * (position - lower);
  return Math.round(value * 100) / 100;
}

function* rangeOf(from: number, to: number, unit: number): Generator<number> {
  for (let at = floorTo(from, unit); at < to; at += unit) yield at;
}

export class CassandraStore implements AnalyticsStore {
  private readonly client: cassandra.Client;
  private readonly ks: string;
  private readonly rawTtlSeconds: number;
  private readonly aggregateTtlSeconds: number;
  private readonly concurrency: number;
  private readonly maxBatch: number;
  private readonly sealAfterMs: number;
  private readonly countDuplicates: boolean;
  /** Minutes this instance marked pending, rolled up by the timer once sealed. */
  private readonly toRollUp = new Map<string, { tenant: string; minute: number }>();
  /** (day, tenant) pairs already in tenant_days: the row never changes until it expires. */
  private readonly knownTenantDays = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private rollingUp: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: CassandraStoreOptions) {
    if (!/^[a-z][a-z0-9_]{0,47}$/.test(options.keyspace)) throw new Error(`not a keyspace name: ${options.keyspace}`);
    this.ks = options.keyspace;
    this.rawTtlSeconds = Math.round((options.rawTtlDays ?? 7) * 86_400);
    this.aggregateTtlSeconds = Math.round((options.aggregateTtlDays ?? 400) * 86_400);
    this.concurrency = options.concurrency ?? 64;
    this.maxBatch = options.maxBatchStatements ?? 100;
    this.sealAfterMs = options.sealAfterMs ?? 30_000;
    this.countDuplicates = options.countDuplicates ?? false;
    this.client = new cassandra.Client({
      contactPoints: options.contactPoints,
      localDataCenter: options.localDataCenter,
      ...options.clientOptions,
      // bigint columns and WRITETIME as JS bigint, not Long.
      encoding: { useBigIntAsLong: true, ...options.clientOptions?.encoding },
      queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true, isIdempotent: true, ...options.clientOptions?.queryOptions },
      policies: {
        ...options.clientOptions?.policies,
        // Server-side write timestamps: `pending` markers are ordered by the cluster's clocks, not by
        // the clocks of the hosts that run consumers (see step 3 in the module comment).
        timestampGeneration: null as unknown as cassandra.policies.timestampGeneration.TimestampGenerator,
      },
    });
    this.timer = setInterval(() => void this.rollUpSealed(), Math.max(1_000, Math.min(this.sealAfterMs, 10_000)));
    this.timer.unref();
  }

  async migrate(): Promise<void> {
    const replication = JSON.stringify(this.options.replication ?? { class: 'SimpleStrategy', replication_factor: 1 }).replace(/"/g, "'");
    await this.client.execute(`CREATE KEYSPACE IF NOT EXISTS ${this.ks} WITH replication = ${replication}`, [], { prepare: false });
    const tableOptions = {
      // Rows only expire (never deleted): time windows let whole SSTables drop once expired.
      events:
        "compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS', 'compaction_window_size': 6} AND gc_grace_seconds = 10800",
      minutes: 'gc_grace_seconds = 10800',
      tenantDays: 'gc_grace_seconds = 10800',
      ...this.options.tableOptions,
    };
    const tables = [
      `CREATE TABLE IF NOT EXISTS ${this.ks}.events (
         tenant_id text, hour timestamp, type text, minute timestamp, event_id uuid,
         at timestamp, status int, latency_ms double, user_id text, outcome text, bytes bigint, data text,
         PRIMARY KEY ((tenant_id, hour, type), minute, event_id)
       ) WITH ${tableOptions.events}`,
      `CREATE TABLE IF NOT EXISTS ${this.ks}.minutes (
         tenant_id text, day timestamp, minute timestamp,
         requests bigint, errors bigint, signups bigint, logins bigint, jobs bigint, jobs_failed bigint, storage_bytes bigint,
         events bigint, pending boolean,
         PRIMARY KEY ((tenant_id, day), minute)
       ) WITH ${tableOptions.minutes}`,
      `CREATE TABLE IF NOT EXISTS ${this.ks}.tenant_days (day timestamp, tenant_id text, PRIMARY KEY ((day), tenant_id)) WITH ${tableOptions.tenantDays}`,
    ];
    for (const ddl of tables) await this.client.execute(ddl, [], { prepare: false });
    // The driver waits for agreement after each DDL; check again, then that every table answers.
    // (checkSchemaAgreement exists in the driver but not in its type declarations.)
    const metadata = this.client.metadata as unknown as { checkSchemaAgreement(): Promise<boolean> };
    for (let attempt = 0; attempt < 100 && !(await metadata.checkSchemaAgreement()); attempt++) await sleep(100);
    for (const table of ['events', 'minutes', 'tenant_days']) {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.client.execute(`SELECT * FROM ${this.ks}.${table} LIMIT 1`, [], { prepare: false });
          break;
        } catch (err) {
          if (attempt >= 100) throw err;
          await sleep(200);
        }
      }
    }
  }

  async write(events: readonly AnalyticsEvent[]): Promise<{ written: number; duplicates: number }> {
    if (events.length === 0) return { written: 0, duplicates: 0 };
    const now = Date.now();
    // One row per id, like ON CONFLICT DO NOTHING: later copies in the same batch are duplicates.
    const unique = new Map<string, AnalyticsEvent>();
    for (const event of events) if (!unique.has(event.id)) unique.set(event.id, event);

    // Raw rows by (partition, minute); events past their raw retention are not stored (see module comment).
    const slices = new Map<string, { tenant: string; hour: number; type: EventType; minute: number; events: AnalyticsEvent[] }>();
    for (const event of unique.values()) {
      if (this.rawTtl(event.at, now) <= 0) continue;
      const minute = floorTo(event.at, MINUTE);
      const key = `${event.tenantId}\u0000${event.type}\u0000${minute}`;
      let slice = slices.get(key);
      if (!slice) slices.set(key, (slice = { tenant: event.tenantId, hour: floorTo(minute, HOUR), type: event.type, minute, events: [] }));
      slice.events.push(event);
    }

    // Which ids are stored already (for `duplicates`, and to skip rewriting them), when asked: it costs a
    // read per minute slice, about a third of the store's throughput. Without it an event written again is
    // simply upserted, and only repeats within the batch are reported as duplicates.
    const existing = new Set<string>();
    const lookups = [...slices.values()].flatMap((slice) => chunk(slice.events, IN_LIMIT).map((part) => ({ slice, part })));
    if (this.countDuplicates)
      await forEachLimited(lookups, this.concurrency, async ({ slice, part }) => {
        const result = await this.client.execute(
          `SELECT event_id FROM ${this.ks}.events WHERE tenant_id = ? AND hour = ? AND type = ? AND minute = ? AND event_id IN ?`,
          [slice.tenant, new Date(slice.hour), slice.type, new Date(slice.minute), part.map((e) => e.id)],
        );
        for (const row of result.rows) existing.add(String(row.event_id));
      });

    // Raw rows: unlogged batches within one partition only.
    const batches: AnalyticsEvent[][] = [];
    const byPartition = new Map<string, AnalyticsEvent[]>();
    for (const slice of slices.values()) {
      const fresh = slice.events.filter((e) => !existing.has(e.id));
      if (fresh.length === 0) continue;
      const key = `${slice.tenant}\u0000${slice.type}\u0000${slice.hour}`;
      const partition = byPartition.get(key);
      if (partition) partition.push(...fresh);
      else byPartition.set(key, fresh);
    }
    for (const partition of byPartition.values()) batches.push(...chunk(partition, this.maxBatch));
    const insert = `INSERT INTO ${this.ks}.events (tenant_id, hour, type, minute, event_id, at, status, latency_ms, user_id, outcome, bytes, data)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`;
    await forEachLimited(batches, this.concurrency, async (batch) => {
      const queries = batch.map((e) => ({ query: insert, params: this.rawParams(e, now) }));
      if (queries.length === 1) await this.client.execute(queries[0]!.query, queries[0]!.params);
      else await this.client.batch(queries, { logged: false });
    });

    // Then mark every minute touched, new events or not: a redelivered batch may carry events whose
    // first write never got as far as this step.
    const minutes = new Map<string, { tenant: string; minute: number }>();
    for (const slice of slices.values()) minutes.set(`${slice.tenant}\u0000${slice.minute}`, { tenant: slice.tenant, minute: slice.minute });
    await forEachLimited(minutes.values(), this.concurrency, async ({ tenant, minute }) => {
      await this.client.execute(`UPDATE ${this.ks}.minutes USING TTL ? SET pending = true WHERE tenant_id = ? AND day = ? AND minute = ?`, [
        // Gone no later than the minute's first raw row: a marker never outlives the rows it points to.
        Math.max(1, this.rawTtl(minute, now)),
        tenant,
        new Date(floorTo(minute, DAY)),
        new Date(minute),
      ]);
    });
    const tenantDays = new Map<string, { tenant: string; day: number }>();
    for (const { tenant, minute } of minutes.values()) {
      const day = floorTo(minute, DAY);
      const key = `${day}\u0000${tenant}`;
      if (!this.knownTenantDays.has(key)) tenantDays.set(key, { tenant, day });
    }
    await forEachLimited(tenantDays, this.concurrency, async ([key, { tenant, day }]) => {
      await this.client.execute(`INSERT INTO ${this.ks}.tenant_days (day, tenant_id) VALUES (?, ?) USING TTL ?`, [
        new Date(day),
        tenant,
        Math.max(1, this.aggregateTtl(day + DAY, now)),
      ]);
      if (this.knownTenantDays.size > 100_000) this.knownTenantDays.clear();
      this.knownTenantDays.add(key);
    });
    for (const [key, value] of minutes) this.toRollUp.set(key, value);

    // Events past their retention count as written (Postgres would insert them, to prune them within the hour).
    const written = unique.size - [...slices.values()].reduce((n, s) => n + s.events.filter((e) => existing.has(e.id)).length, 0);
    return { written, duplicates: events.length - written };
  }

  async usage(tenant: string, query: UsageQuery): Promise<UsagePoint[]> {
    const from = query.from.getTime();
    const to = query.to.getTime();
    const bucketMs = (query.bucketMinutes ?? 60) * MINUTE;
    const bucketOf = (ms: number) => floorTo(ms, bucketMs);
    const [minutes, latencies] = await Promise.all([this.minuteCounts(tenant, from, to), this.requestLatencies(tenant, from, to)]);
    const buckets = new Map<number, Counts>();
    for (const { minute, counts } of minutes) {
      if (minute < from) continue;
      let bucket = buckets.get(bucketOf(minute));
      if (!bucket) buckets.set(bucketOf(minute), (bucket = emptyCounts()));
      addCounts(bucket, counts);
    }
    const latencyByBucket = new Map<number, number[]>();
    for (const { at, latencyMs } of latencies) {
      const list = latencyByBucket.get(bucketOf(at)) ?? [];
      list.push(latencyMs);
      latencyByBucket.set(bucketOf(at), list);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([at, c]) => ({
        at: new Date(at).toISOString(),
        requests: c.requests,
        errors: c.errors,
        p95LatencyMs: p95(latencyByBucket.get(at) ?? []),
        signups: c.signups,
        logins: c.logins,
        jobs: c.jobs,
        jobsFailed: c.jobsFailed,
      }));
  }

  async tenants(query: UsageQuery & { limit?: number; tenants?: string[] }): Promise<TenantUsage[]> {
    const from = query.from.getTime();
    const to = query.to.getTime();
    let tenants: string[];
    if (query.tenants) {
      tenants = [...new Set(query.tenants)];
    } else {
      const found = new Set<string>();
      await forEachLimited(rangeOf(from, to, DAY), this.concurrency, async (day) => {
        for (const row of await this.all(`SELECT tenant_id FROM ${this.ks}.tenant_days WHERE day = ?`, [new Date(day)])) found.add(String(row.tenant_id));
      });
      tenants = [...found];
    }
    const results: TenantUsage[] = [];
    await forEachLimited(tenants, Math.max(1, Math.floor(this.concurrency / 4)), async (tenant) => {
      const minutes = await this.minuteCounts(tenant, from, to);
      const inRange = minutes.filter((m) => m.minute >= from);
      if (inRange.length === 0) return;
      const total = emptyCounts();
      for (const m of inRange) addCounts(total, m.counts);
      // Active users from the raw logins and signups, read only in the hours that have any.
      const hours = new Set(minutes.filter((m) => m.counts.logins + m.counts.signups > 0).map((m) => floorTo(m.minute, HOUR)));
      const users = new Set<string>();
      await forEachLimited(
        [...hours].flatMap((hour) => (['login', 'signup'] as const).map((type) => ({ hour, type }))),
        8,
        async ({ hour, type }) => {
          const rows = await this.all(
            `SELECT at, user_id FROM ${this.ks}.events WHERE tenant_id = ? AND hour = ? AND type = ? AND minute >= ? AND minute < ?`,
            [tenant, new Date(hour), type, new Date(floorTo(from, MINUTE)), new Date(to)],
          );
          for (const row of rows) {
            const at = (row.at as Date).getTime();
            if (at >= from && at < to && row.user_id !== null) users.add(String(row.user_id));
          }
        },
      );
      results.push({
        tenant,
        requests: total.requests,
        errors: total.errors,
        activeUsers: users.size,
        jobs: total.jobs,
        jobsFailed: total.jobsFailed,
        storageBytes: total.storageBytes,
      });
    });
    results.sort((a, b) => b.requests - a.requests || (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
    return results.slice(0, query.limit ?? 1_000);
  }

  /** Reads each tenant's days newest first, exact like `usage()` (pending minutes counted from raw rows), until one has a request. */
  async lastRequests(tenants: readonly string[], since: Date): Promise<Map<string, Date>> {
    const from = floorTo(since.getTime(), MINUTE);
    const to = Date.now() + MINUTE;
    const found = new Map<string, Date>();
    await forEachLimited(new Set(tenants), Math.max(1, Math.floor(this.concurrency / 4)), async (tenant) => {
      for (let day = floorTo(to, DAY); day + DAY > from; day -= DAY) {
        const minutes = await this.minuteCounts(tenant, Math.max(day, from), Math.min(day + DAY, to));
        const last = minutes.findLast((m) => m.counts.requests > 0);
        if (last) {
          found.set(tenant, new Date(last.minute + MINUTE));
          return;
        }
      }
    });
    return found;
  }

  /**
   * Deletes nothing: rows expire by their TTL (`rawTtlDays`/`aggregateTtlDays` given to the constructor;
   * the arguments are ignored). Rolls up every sealed minute still pending in the raw retention window,
   * so no aggregate depends on raw rows that are about to expire. Run it hourly, like the Postgres prune.
   */
  async prune(_rawDays?: number, _aggregateDays?: number): Promise<void> {
    const now = Date.now();
    const from = now - this.rawTtlSeconds * 1000 - DAY;
    const days = [...rangeOf(from, now + MINUTE, DAY)];
    const tenantDays: { day: number; tenant: string }[] = [];
    await forEachLimited(days, this.concurrency, async (day) => {
      for (const row of await this.all(`SELECT tenant_id FROM ${this.ks}.tenant_days WHERE day = ?`, [new Date(day)])) {
        tenantDays.push({ day, tenant: String(row.tenant_id) });
      }
    });
    await forEachLimited(tenantDays, Math.max(1, Math.floor(this.concurrency / 4)), async ({ day, tenant }) => {
      await this.minuteCounts(tenant, day, Math.min(day + DAY, now));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.rollingUp;
    await this.client.shutdown();
  }

  private rawTtl(at: number, now: number): number {
    return this.rawTtlSeconds - Math.floor((now - at) / 1000);
  }

  private aggregateTtl(at: number, now: number): number {
    return this.aggregateTtlSeconds - Math.floor((now - at) / 1000);
  }

  private rawParams(e: AnalyticsEvent, now: number): unknown[] {
    const d = e.data as Partial<{ status: number; latencyMs: number; userId: string; outcome: string; bytes: number }>;
    const minute = floorTo(e.at, MINUTE);
    const unset = cassandra.types.unset;
    const or = <T>(v: T | null) => (v === null ? unset : v);
    return [
      e.tenantId,
      new Date(floorTo(minute, HOUR)),
      e.type,
      new Date(minute),
      e.id,
      new Date(e.at),
      or(e.type === 'request' && typeof d.status === 'number' ? Math.trunc(d.status) : null),
      or(e.type === 'request' && typeof d.latencyMs === 'number' ? d.latencyMs : null),
      or((e.type === 'login' || e.type === 'signup') && typeof d.userId === 'string' ? d.userId : null),
      or(e.type === 'job' && typeof d.outcome === 'string' ? d.outcome : null),
      or(e.type === 'storage' && typeof d.bytes === 'number' ? BigInt(Math.trunc(d.bytes)) : null),
      JSON.stringify(e.data),
      Math.min(this.rawTtl(e.at, now), 630_720_000),
    ];
  }

  /** All rows of a query, page by page. */
  private async all(query: string, params: unknown[]): Promise<types.Row[]> {
    const rows: types.Row[] = [];
    let pageState: string | undefined;
    do {
      const result = await this.client.execute(query, params, { fetchSize: 5_000, pageState });
      for (const row of result.rows) rows.push(row);
      pageState = result.pageState ?? undefined;
    } while (pageState);
    return rows;
  }

  /**
   * One tenant's minutes in [floor(from), to), exact: aggregates where no raw events are pending, counted
   * from the raw rows where they are (and then, if the minute is sealed, rolled up on the way).
   */
  private async minuteCounts(tenant: string, from: number, to: number): Promise<MinuteRow[]> {
    const rows: MinuteRow[] = [];
    await forEachLimited(rangeOf(from, to, DAY), 4, async (day) => {
      const result = await this.all(
        `SELECT minute, requests, errors, signups, logins, jobs, jobs_failed, storage_bytes, events, pending, WRITETIME(pending) AS pending_at
         FROM ${this.ks}.minutes WHERE tenant_id = ? AND day = ? AND minute >= ? AND minute < ?`,
        [tenant, new Date(day), new Date(floorTo(from, MINUTE)), new Date(to)],
      );
      for (const r of result) {
        rows.push({
          minute: (r.minute as Date).getTime(),
          pendingAt: r.pending === null ? null : (r.pending_at as bigint),
          counts: {
            requests: num(r.requests),
            errors: num(r.errors),
            signups: num(r.signups),
            logins: num(r.logins),
            jobs: num(r.jobs),
            jobsFailed: num(r.jobs_failed),
            storageBytes: num(r.storage_bytes),
            events: num(r.events),
          },
        });
      }
    });
    await forEachLimited(
      rows.filter((r) => r.pendingAt !== null),
      8,
      async (row) => {
        const raw = await this.rollUp(tenant, row.minute, row.pendingAt!);
        // Fewer raw rows than the aggregate counted: some have expired, the aggregate is the fuller view.
        if (raw.events >= row.counts.events) row.counts = raw;
      },
    );
    return rows.filter((r) => r.counts.events > 0).sort((a, b) => a.minute - b.minute);
  }

  /** Raw request latencies with `at` in [from, to). */
  private async requestLatencies(tenant: string, from: number, to: number): Promise<{ at: number; latencyMs: number }[]> {
    const out: { at: number; latencyMs: number }[] = [];
    await forEachLimited(rangeOf(from, to, HOUR), 8, async (hour) => {
      const rows = await this.all(
        `SELECT at, latency_ms FROM ${this.ks}.events WHERE tenant_id = ? AND hour = ? AND type = 'request' AND minute >= ? AND minute < ?`,
        [tenant, new Date(hour), new Date(floorTo(from, MINUTE)), new Date(to)],
      );
      for (const row of rows) {
        const at = (row.at as Date).getTime();
        if (at >= from && at < to && row.latency_ms !== null) out.push({ at, latencyMs: Number(row.latency_ms) });
      }
    });
    return out;
  }

  /** Counts one minute from its raw rows. */
  private async countRaw(tenant: string, minute: number): Promise<Counts> {
    const counts = emptyCounts();
    await Promise.all(
      TYPES.map(async (type) => {
        const rows = await this.all(`SELECT status, outcome, bytes FROM ${this.ks}.events WHERE tenant_id = ? AND hour = ? AND type = ? AND minute = ?`, [
          tenant,
          new Date(floorTo(minute, HOUR)),
          type,
          new Date(minute),
        ]);
        counts.events += rows.length;
        if (type === 'request') {
          counts.requests += rows.length;
          for (const row of rows) if (num(row.status) >= 500) counts.errors += 1;
        } else if (type === 'signup') counts.signups += rows.length;
        else if (type === 'login') counts.logins += rows.length;
        else if (type === 'job') {
          counts.jobs += rows.length;
          for (const row of rows) if (row.outcome === 'failed') counts.jobsFailed += 1;
        } else for (const row of rows) counts.storageBytes += num(row.bytes);
      }),
    );
    return counts;
  }

  /**
   * Counts a pending minute from its raw rows; once it is sealed, stores that as its aggregate and clears
   * `pending` as of `pendingAt` (a later marker survives). `pendingAt` must be read before the raw rows.
   */
  private async rollUp(tenant: string, minute: number, pendingAt: bigint): Promise<Counts> {
    const counts = await this.countRaw(tenant, minute);
    const now = Date.now();
    if (this.closed || minute + MINUTE + this.sealAfterMs > now) return counts;
    const key = [tenant, new Date(floorTo(minute, DAY)), new Date(minute)];
    const ttl = this.aggregateTtl(minute, now);
    if (counts.events > 0 && ttl > 0) {
      await this.client.execute(
        `UPDATE ${this.ks}.minutes USING TTL ? AND TIMESTAMP ? SET requests = ?, errors = ?, signups = ?, logins = ?, jobs = ?,
           jobs_failed = ?, storage_bytes = ?, events = ? WHERE tenant_id = ? AND day = ? AND minute = ?`,
        [
          ttl,
          BigInt(minute) * 1000n + BigInt(counts.events),
          BigInt(counts.requests),
          BigInt(counts.errors),
          BigInt(counts.signups),
          BigInt(counts.logins),
          BigInt(counts.jobs),
          BigInt(counts.jobsFailed),
          BigInt(counts.storageBytes),
          BigInt(counts.events),
          ...key,
        ],
      );
    }
    await this.client.execute(`DELETE pending FROM ${this.ks}.minutes USING TIMESTAMP ? WHERE tenant_id = ? AND day = ? AND minute = ?`, [pendingAt, ...key]);
    return counts;
  }

  /** The timer: rolls up the sealed minutes this instance marked. */
  private rollUpSealed(): Promise<void> {
    this.rollingUp = this.rollingUp.then(async () => {
      if (this.closed) return;
      const sealedBefore = Date.now() - MINUTE - this.sealAfterMs;
      const due = [...this.toRollUp].filter(([, m]) => m.minute < sealedBefore);
      await forEachLimited(due, 8, async ([key, { tenant, minute }]) => {
        if (this.closed) return;
        const result = await this.client.execute(
          `SELECT pending, WRITETIME(pending) AS pending_at FROM ${this.ks}.minutes WHERE tenant_id = ? AND day = ? AND minute = ?`,
          [tenant, new Date(floorTo(minute, DAY)), new Date(minute)],
        );
        const row = result.rows[0];
        if (row && row.pending !== null) await this.rollUp(tenant, minute, row.pending_at as bigint);
        this.toRollUp.delete(key);
      }).catch(() => {
        // Cassandra away or busy: the minutes stay listed and pending; the next tick, a reader or prune() retries.
      });
    });
    return this.rollingUp;
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
