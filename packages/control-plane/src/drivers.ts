/**
 * @module The driver interfaces the provisioning steps call. The local driver implements them with
 * Postgres instances, folders, supervised processes and the gateway; the Kubernetes driver with
 * Terraform and Helm. Nothing in the control plane imports a backend directly.
 */
import type { Tier } from '@tenantry/core';

/** What a driver needs to know about a tenant. */
export interface TenantRef {
  slug: string;
  name: string;
  tier: Tier;
}

/** What a driver sees of one of a tenant's resources; observing never changes anything. */
export type Observed =
  | { state: 'present' }
  /** Not there: applying its step again makes it. */
  | { state: 'missing'; message: string }
  /** There but not working: applying its step again repairs it. */
  | { state: 'unhealthy'; message: string };

/** Reports a line of progress from inside a step (shown in the CLI and stored with the step). */
export type ProgressReporter = (message: string) => void;

export interface DatabaseGrant {
  /** The tenant's own connection URL: its login role, its database, nothing else. */
  url: string;
  /** Where the database lives, for operators (no secrets). */
  location: Record<string, string | number>;
}

export interface DatabaseDriver {
  /** Creates the tenant's database and login role, or finds them and resets the password. */
  create(tenant: TenantRef, progress: ProgressReporter): Promise<DatabaseGrant>;
  /** Removes the database, its roles and any instance made for it; a no-op when nothing is left. */
  remove(tenant: TenantRef, progress: ProgressReporter): Promise<void>;
}

export interface StorageGrant {
  /** The tenant's storage prefix as a URL: file:///…/<slug>/ locally, s3://<bucket>/<slug>/ on AWS. */
  url: string;
  /** What the pod needs besides STORAGE_URL to reach it, e.g. S3_ENDPOINT and credentials scoped to the prefix. */
  env?: Record<string, string>;
}

export interface StorageDriver {
  create(tenant: TenantRef): Promise<StorageGrant>;
  remove(tenant: TenantRef): Promise<void>;
}

export interface JobQueueGrant {
  /** The tenant's own Redis login: it reaches only keys and channels under `prefix`. */
  url: string;
  /** Key prefix for the tenant's queues (BullMQ's `prefix` option), e.g. `t:acme`. */
  prefix: string;
}

export interface JobQueueDriver {
  /** Creates the tenant's Redis user limited to its prefix, or finds it and resets the password. */
  create(tenant: TenantRef): Promise<JobQueueGrant>;
  /** Removes the user and every key under the tenant's prefix. */
  remove(tenant: TenantRef): Promise<void>;
}

export interface MailGrant {
  /** The tenant's outgoing mail server with its own credentials, e.g. smtp://acme:…@host:587. */
  url: string;
  /** The From address of the tenant's mail. */
  from: string;
  /** Where the tenant's admin backend reads its sent mail (locally, its mailbox in the SMTP catcher). */
  inboxUrl?: string;
}

export interface MailDriver {
  /** Gives the tenant credentials for outgoing mail (idempotent). */
  create(tenant: TenantRef): Promise<MailGrant>;
  /** Revokes them and drops anything kept for the tenant. */
  remove(tenant: TenantRef): Promise<void>;
}

export interface AnalyticsGrant {
  /** What the tenant's programs need to publish analytics, e.g. KAFKA_BROKERS (empty when the bus is in the tenant's Redis). */
  env: Record<string, string>;
}

export interface AnalyticsBusDriver {
  /** Makes the tenant's analytics stream or topic ready (idempotent). */
  create(tenant: TenantRef): Promise<AnalyticsGrant>;
  /** Deletes it with any events not yet consumed. */
  remove(tenant: TenantRef): Promise<void>;
}

export interface SchemaVersion {
  version: number;
}

/** The tenant app's database schema: brought up to date before the pod starts, and by fleet migrations. */
export interface TenantSchema {
  /** The version this build brings. */
  readonly latestVersion: number;
  migrate(databaseUrl: string): Promise<SchemaVersion & { applied: number[] }>;
}

export interface PodDeployment {
  /** Where each program of the pod listens, by program name (the gateway's upstreams). */
  endpoints: Record<string, string>;
}

export interface ComputeDriver {
  /**
   * Runs the tenant pod with `env` (the pod environment contract, without PORT, which the driver
   * assigns) and resolves once every program passed its health check.
   */
  deploy(tenant: TenantRef, env: Record<string, string>, progress: ProgressReporter): Promise<PodDeployment>;
  remove(tenant: TenantRef, progress: ProgressReporter): Promise<void>;
}

export interface RoutingDriver {
  /** Makes the tenant's host known while it is being provisioned (answered with 503 + Retry-After). */
  reserve(tenant: TenantRef): Promise<void>;
  /** Sends the tenant's host to its pod. */
  publish(tenant: TenantRef, deployment: PodDeployment): Promise<void>;
  remove(tenant: TenantRef): Promise<void>;
  /** The tenant's public origin, e.g. https://acme.example.com/. */
  publicUrl(tenant: TenantRef): string;
}

/** Everything provisioning needs from a backend. */
export interface PlatformDrivers {
  database: DatabaseDriver;
  storage: StorageDriver;
  compute: ComputeDriver;
  routing: RoutingDriver;
  queue: JobQueueDriver;
  mail: MailDriver;
  analytics: AnalyticsBusDriver;
  schema: TenantSchema;
}
