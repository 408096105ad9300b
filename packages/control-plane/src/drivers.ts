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

/** Reports a line of progress from inside a step (shown in the CLI and stored with the step). */
export type ProgressReporter = (message: string) => void;

/**
 * What a driver sees of one of a tenant's resources; observing never changes anything. Each driver's
 * `observe` answers for the resource its `create` (or `deploy`, `publish`) made, from the grant that call
 * returned, and rejects when it cannot look at all (e.g. a server shared by every tenant is unreachable):
 * that says nothing about the tenant's resource.
 */
export type Observed =
  /** There and working. */
  | { state: 'present' }
  /** Not there: applying its step again makes it. `message` says what is gone. */
  | { state: 'missing'; message: string }
  /** There but not working: applying its step again repairs it. `message` says what is wrong. */
  | { state: 'unhealthy'; message: string };

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
  /**
   * Logs in with `grant.url` and runs a query: missing when the login or database is refused (role, password
   * or database gone), unhealthy when the tenant's own (dedicated) server does not answer.
   */
  observe(tenant: TenantRef, grant: DatabaseGrant): Promise<Observed>;
  /** A frozen tenant's: stops the server that is the tenant's alone (its data kept). None when nothing runs for it alone. */
  suspend?(tenant: TenantRef, progress?: ProgressReporter): Promise<void>;
  /** Starts again what `suspend` stopped; resolves once it answers. */
  resume?(tenant: TenantRef, progress?: ProgressReporter): Promise<void>;
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
  /** Whether the tenant's prefix is there and reachable as the grant says (a folder of the tenant's own; an S3 prefix with its credentials). */
  observe(tenant: TenantRef, grant: StorageGrant): Promise<Observed>;
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
  /** Logs in to Redis with `grant.url` and sends PING: missing when the login is refused (user deleted or password changed). */
  observe(tenant: TenantRef, grant: JobQueueGrant): Promise<Observed>;
  /** A frozen tenant's: stops the server that is the tenant's alone (its jobs kept). None when nothing runs for it alone. */
  suspend?(tenant: TenantRef): Promise<void>;
  /** Starts again what `suspend` stopped; resolves once it answers. */
  resume?(tenant: TenantRef): Promise<void>;
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
  /** Whether the grant's credentials still hold, as far as the mail server lets that be checked. */
  observe(tenant: TenantRef, grant: MailGrant): Promise<Observed>;
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
  /** Whether the tenant's topic or stream is there (present when the bus has nothing of the tenant's own to check). */
  observe(tenant: TenantRef, grant: AnalyticsGrant): Promise<Observed>;
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
   * assigns) and resolves once every program passed its health check. `serving`, when the driver starts
   * some programs before others, is called once the pod serves (its first programs are up), before the
   * rest are waited for: the tenant's route can be published then.
   */
  deploy(
    tenant: TenantRef,
    env: Record<string, string>,
    progress: ProgressReporter,
    serving?: (deployment: PodDeployment) => Promise<void>,
  ): Promise<PodDeployment>;
  remove(tenant: TenantRef, progress: ProgressReporter): Promise<void>;
  /** Whether the tenant's pod runs: missing when it is gone, unhealthy when one of its programs is down or not ready. */
  observe(tenant: TenantRef): Promise<Observed>;
  /** A frozen tenant's: stops every program, keeping the pod's spec and ports. Without it the driver cannot freeze tenants. */
  suspend?(tenant: TenantRef, progress?: ProgressReporter): Promise<void>;
  /** Starts the programs again and resolves once the pod serves (a driver may start some programs later). */
  resume?(tenant: TenantRef, progress?: ProgressReporter): Promise<void>;
}

export interface RoutingDriver {
  /** Makes the tenant's host known while it is being provisioned (answered with 503 + Retry-After). */
  reserve(tenant: TenantRef): Promise<void>;
  /** Sends the tenant's host to its pod. */
  publish(tenant: TenantRef, deployment: PodDeployment): Promise<void>;
  remove(tenant: TenantRef): Promise<void>;
  /** A frozen tenant's host: requests are held and wake the tenant. Without it the driver cannot freeze tenants. */
  freeze?(tenant: TenantRef, deployment: PodDeployment): Promise<void>;
  /** Whether the tenant's host is routed to the pod `deployment` describes (missing when the host is unknown). */
  observe(tenant: TenantRef, deployment: PodDeployment): Promise<Observed>;
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
  /**
   * Steps a step must wait for with these drivers, beyond the order of the steps themselves: e.g. several steps
   * reading one Terraform state that one of them applies.
   */
  order?: Readonly<Partial<Record<string, readonly string[]>>>;
}
