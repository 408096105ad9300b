/** @module Configuration of `tenantry up`, read once from the environment. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import { DEFAULT_TENANT_UIDS, parseUidRange, UID_RANGE_RULE } from '@tenantry/driver-local';

/** The ports the kernel hands to outgoing connections (Linux); tenant ports must stay out of it. */
function ephemeralPorts(): { first: number; last: number } | undefined {
  try {
    const [first, last] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return first && last ? { first, last } : undefined;
  } catch {
    return undefined;
  }
}

const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

const schema = z
  .object({
    PORT: env.port(8080),
    HOST: z._default(z.string(), '127.0.0.1'),
    TENANTRY_HOME: z.pipe(
      z._default(z.string(), '.tenantry'),
      z.transform((p: string) => resolve(p)),
    ),
    TENANTRY_DOMAIN: z._default(z.string().check(z.regex(DOMAIN, 'must be a lowercase domain such as localhost or example.com')), 'localhost'),
    DATABASE_URL: z.optional(env.url(['postgres', 'postgresql'])),
    TRIAL_DATABASE_URL: z.optional(env.url(['postgres', 'postgresql'])),
    REDIS_URL: z.optional(env.url(['redis'])),
    /** embedded: Redis Streams → Postgres; kafka-cassandra: Kafka → Cassandra (started here unless the next two name them). */
    TENANTRY_ANALYTICS: z._default(z.enum(['embedded', 'kafka-cassandra']), 'embedded'),
    KAFKA_BROKERS: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/, 'must be a comma-separated list of host:port, e.g. 127.0.0.1:9092')),
    ),
    CASSANDRA_KEYSPACE: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,47}$/, 'must be a lowercase CQL identifier such as tenantry_analytics'))),
    CASSANDRA_CONTACT_POINTS: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9.-]+:\d+(,[A-Za-z0-9.-]+:\d+)*$/, 'must be a comma-separated list of host:port, e.g. 127.0.0.1:9042')),
    ),
    TENANTRY_PORTS: z.pipe(
      z._default(z.string().check(z.regex(/^\d+-\d+$/, 'must be a range such as 20000-29999')), '20000-29999'),
      z
        .transform((range: string) => {
          const [first, last] = range.split('-').map(Number) as [number, number];
          return { first, last };
        })
        .check(
          z.refine((r) => r.first >= 1024 && r.last <= 65535 && r.last - r.first >= 16, 'must be a range of at least 16 ports within 1024-65535'),
          z.superRefine((r, ctx) => {
            const kernel = ephemeralPorts();
            if (kernel && r.first <= kernel.last && r.last >= kernel.first) {
              ctx.issues.push({
                code: 'custom',
                input: r,
                message: `overlaps ${kernel.first}-${kernel.last}, the ports the kernel gives to outgoing connections, which would take tenants' ports; choose a range outside it, e.g. 20000-29999`,
              });
            }
          }),
        ),
    ),
    TENANTRY_POD_MANIFEST: z.optional(z.string()),
    /** folder: a folder per tenant; s3: a prefix per tenant on S3_ENDPOINT, with credentials limited to it. */
    TENANTRY_STORAGE: z._default(z.enum(['folder', 's3']), 'folder'),
    S3_ENDPOINT: z.optional(env.url(['http', 'https'])),
    S3_BUCKET: z._default(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name such as tenant-data')), 'tenant-data'),
    S3_REGION: z._default(z.string(), 'us-east-1'),
    S3_ACCESS_KEY_ID: z.optional(z.string()),
    S3_SECRET_ACCESS_KEY: z.optional(z.string()),
    TENANTRY_POSTGRES_BIN_DIR: z.optional(z.string()),
    /** The platform key that seals secrets in the tenant catalog; unset, one is made on first start in TENANTRY_HOME/secrets/secret-key. */
    TENANTRY_SECRET_KEY: z.optional(env.secretKey()),
    TENANTRY_PROVISIONING_CONCURRENCY: env.integer(1, 64, 4),
    /** How often (ms) every tenant is reconciled even when nothing announced a change: how soon drift is repaired. */
    TENANTRY_RESYNC_INTERVAL_MS: env.integer(200, 3_600_000, 30_000),
    /** How often (ms) the shared trial server's sessions are read to stop trial queries past their statement timeout. */
    TENANTRY_TRIAL_WATCHDOG_INTERVAL_MS: env.integer(50, 60_000, 1_000),
    TENANTRY_GATEWAY_BODY_IDLE_TIMEOUT_MS: env.integer(100, 3_600_000, 30_000),
    TENANTRY_GATEWAY_BODY_TIMEOUT_MS: env.integer(100, 86_400_000, 300_000),
    TENANTRY_GATEWAY_HALF_CLOSED_TIMEOUT_MS: env.integer(100, 600_000, 5_000),
    TENANTRY_GATEWAY_MAX_CONNECTIONS_PER_CLIENT: env.integer(1, 1_000_000, 256),
    /** A trial tenant with no real request for this long is frozen (90s, 60m, 2h, or off). */
    TENANTRY_FREEZE_AFTER_TRIAL: env.durationOrOff('60m'),
    /** The same for production tenants: off unless set. */
    TENANTRY_FREEZE_AFTER_PRODUCTION: env.durationOrOff('off'),
    /** Longest a request to a frozen tenant is held while it wakes (then 503 with Retry-After). */
    TENANTRY_WAKE_TIMEOUT_MS: env.integer(1_000, 600_000, 15_000),
    /** Pod programs kept pre-started (code loaded, no tenant yet) per program, so a wake or a new tenant skips loading code; 0 turns it off. */
    TENANTRY_WARM_POOL: env.integer(0, 16, 1),
    /** Each process's log is rotated at this size (MiB), keeping this many files. */
    TENANTRY_LOG_MAX_MB: env.integer(1, 10_240, 10),
    TENANTRY_LOG_FILES: env.integer(1, 100, 5),
    TENANTRY_LOG_MB_PER_SECOND: env.integer(1, 1024, 4),
    /** As root, each tenant gets an OS user with a uid (and gid) from this range. */
    TENANTRY_TENANT_UIDS: z._default(
      z.string().check(z.refine((r: string) => parseUidRange(r) !== undefined, UID_RANGE_RULE)),
      `${DEFAULT_TENANT_UIDS.first}-${DEFAULT_TENANT_UIDS.last}`,
    ),
    LOG_LEVEL: env.logLevel(),
  })
  .check(
    z.refine((c) => !c.TRIAL_DATABASE_URL || Boolean(c.DATABASE_URL), {
      message: 'TRIAL_DATABASE_URL needs DATABASE_URL as well',
      path: ['TRIAL_DATABASE_URL'],
    }),
    z.refine((c) => c.TENANTRY_STORAGE === 'folder' || Boolean(c.S3_ENDPOINT && c.S3_ACCESS_KEY_ID && c.S3_SECRET_ACCESS_KEY), {
      message: 'TENANTRY_STORAGE=s3 needs S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (an S3-compatible server with STS, such as MinIO)',
      path: ['TENANTRY_STORAGE'],
    }),
    z.refine((c) => c.TENANTRY_ANALYTICS === 'kafka-cassandra' || (!c.KAFKA_BROKERS && !c.CASSANDRA_CONTACT_POINTS), {
      message: 'KAFKA_BROKERS and CASSANDRA_CONTACT_POINTS are used with TENANTRY_ANALYTICS=kafka-cassandra; set it too',
      path: ['TENANTRY_ANALYTICS'],
    }),
  );

export type HostConfig = z.output<typeof schema>;

export function readHostConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<HostConfig> {
  return readConfig('tenantry up', schema, environment);
}
