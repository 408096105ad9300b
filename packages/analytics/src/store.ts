/** @module The analytics store: where the master keeps events and their per-minute aggregates. Cassandra and Postgres implement it. */
import type { UsageTotals } from '@tenantry/control-plane';
import type { AnalyticsEvent } from './events.js';

export interface UsagePoint {
  /** Start of the bucket, ISO 8601. */
  at: string;
  requests: number;
  errors: number;
  /** p95 of request latency in the bucket, from the raw events (null past their retention). */
  p95LatencyMs: number | null;
  signups: number;
  logins: number;
  jobs: number;
  jobsFailed: number;
}

export interface UsageQuery {
  from: Date;
  to: Date;
  /** Bucket size in minutes. @defaultValue 60 */
  bucketMinutes?: number;
}

export type TenantUsage = UsageTotals;

export interface AnalyticsStore {
  /** Creates the tables (idempotent). */
  migrate(): Promise<void>;
  /** Writes events; an event whose id is already stored is ignored, so redelivery never double counts. */
  write(events: readonly AnalyticsEvent[]): Promise<{ written: number; duplicates: number }>;
  /** One tenant's usage over time. */
  usage(tenant: string, query: UsageQuery): Promise<UsagePoint[]>;
  /** Totals per tenant over a period (all, or just `tenants`), most requests first. */
  tenants(query: UsageQuery & { limit?: number; tenants?: string[] }): Promise<TenantUsage[]>;
  /**
   * When each of `tenants` last had a request at or after `since` (the minute it fell in, not before):
   * the end of that minute, never earlier than the request. A tenant with none since then is absent.
   * What idle freezing goes by where the platform's entry keeps no record of traffic (Kubernetes).
   */
  lastRequests(tenants: readonly string[], since: Date): Promise<Map<string, Date>>;
  /** Drops raw events older than `rawDays` and aggregates older than `aggregateDays`. */
  prune(rawDays: number, aggregateDays: number): Promise<void>;
  close(): Promise<void>;
}
