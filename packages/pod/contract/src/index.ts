/**
 * @module @tenantry/pod-contract: the pod environment contract, written once. Every variable a program of a pod
 * can be given, where it comes from, and the one function that builds a pod's environment from a tenant and the
 * provisioning steps' grants. The provisioning step, the master's start-up, both compute drivers and the pod
 * manifest import it; the Helm charts cannot, so their tests compare what they render with it.
 */

/**
 * Where a variable's value comes from:
 * - `tenant`: the tenant and where it is served (on Kubernetes the chart sets these from its values, in clear);
 * - `compute`: the compute driver, per program (the address and port it listens on);
 * - `grant`: a provisioning step's output, often a credential (on Kubernetes, the tenant's Secret);
 * - `platform`: the master's own settings (never given to a tenant's pod).
 */
export type VariableSource = 'tenant' | 'compute' | 'grant' | 'platform';

export const POD_VARIABLES = {
  TENANT_ID: { from: 'tenant', about: 'the tenant slug' },
  TENANT_NAME: { from: 'tenant', about: 'its display name' },
  TENANT_TIER: { from: 'tenant', about: 'trial or production' },
  IS_MASTER: { from: 'tenant', about: 'true only on the master pod' },
  TENANT_URL: { from: 'tenant', about: 'its public origin, e.g. https://acme.example.com/' },
  STORAGE_URL: { from: 'tenant', about: 'its storage: file:///<folder>/ or s3://<bucket>/<slug>/' },
  MAIL_FROM: { from: 'tenant', about: 'the From address of its mail' },
  LOG_LEVEL: { from: 'tenant', about: 'pino level' },
  HOST: { from: 'compute', about: 'the address to listen on: 127.0.0.1 on one machine, 0.0.0.0 in a container' },
  PORT: { from: 'compute', about: 'the port to listen on' },
  DATABASE_URL: { from: 'grant', about: "the tenant database's login" },
  REDIS_URL: { from: 'grant', about: "the tenant's Redis (its own server locally), a login limited to REDIS_PREFIX" },
  REDIS_PREFIX: { from: 'grant', about: 'the only key prefix that login may touch' },
  SMTP_URL: { from: 'grant', about: 'its outgoing mail server, with its credentials' },
  MAIL_INBOX_URL: { from: 'grant', about: 'where its sent mail is read back (the local SMTP catcher only)' },
  S3_ENDPOINT: { from: 'grant', about: 'an S3-compatible server for s3:// storage off AWS' },
  AWS_REGION: { from: 'grant', about: 'for S3 and MSK (IAM) logins' },
  AWS_ACCESS_KEY_ID: { from: 'grant', about: 'S3 credentials limited to its prefix, off AWS (on AWS the IAM role of its service account)' },
  AWS_SECRET_ACCESS_KEY: { from: 'grant', about: 'see AWS_ACCESS_KEY_ID' },
  AWS_SESSION_TOKEN: { from: 'grant', about: 'see AWS_ACCESS_KEY_ID' },
  ANALYTICS_REDIS_URL: { from: 'grant', about: "the analytics bus, when it is the platform's Redis: a login that may only append to the tenant's stream" },
  KAFKA_BROKERS: { from: 'grant', about: 'the analytics bus, when it is Kafka' },
  KAFKA_AUTH: { from: 'grant', about: 'none, or aws-msk-iam' },
  KAFKA_REPLICAS: { from: 'platform', about: "replicas of each tenant topic the master's provisioning creates" },
  CASSANDRA_CONTACT_POINTS: { from: 'platform', about: "the master's analytics store, when it is Cassandra" },
  CASSANDRA_LOCAL_DC: { from: 'platform', about: 'see CASSANDRA_CONTACT_POINTS' },
  CASSANDRA_KEYSPACE: { from: 'platform', about: 'see CASSANDRA_CONTACT_POINTS' },
  CASSANDRA_FLAVOR: { from: 'platform', about: 'cassandra, or keyspaces' },
  CASSANDRA_USERNAME: { from: 'platform', about: 'see CASSANDRA_CONTACT_POINTS' },
  CASSANDRA_PASSWORD: { from: 'platform', about: 'see CASSANDRA_CONTACT_POINTS' },
} as const satisfies Record<string, { from: VariableSource; about: string }>;

export type PodVariable = keyof typeof POD_VARIABLES;
export type PodEnvironment = Partial<Record<PodVariable, string>>;

export const POD_VARIABLE_NAMES = Object.keys(POD_VARIABLES) as PodVariable[];

export function isPodVariable(name: string): name is PodVariable {
  return Object.hasOwn(POD_VARIABLES, name);
}

/** The variables of one source, e.g. `grant`: what the Kubernetes driver puts in the tenant's Secret. */
export function variablesFrom(source: VariableSource): PodVariable[] {
  return POD_VARIABLE_NAMES.filter((name) => POD_VARIABLES[name].from === source);
}

/**
 * What every program of a pod reads: who it is, where it listens, and its analytics publisher (the tenant's own
 * Redis stream, or Kafka).
 */
export const POD_BASE: readonly PodVariable[] = [
  'TENANT_ID',
  'TENANT_NAME',
  'TENANT_TIER',
  'IS_MASTER',
  'TENANT_URL',
  'LOG_LEVEL',
  'HOST',
  'PORT',
  'REDIS_URL',
  'REDIS_PREFIX',
  'ANALYTICS_REDIS_URL',
  'KAFKA_BROKERS',
  'KAFKA_AUTH',
  'AWS_REGION',
];
/** What a program that reads and writes the tenant's files reads besides. */
export const POD_STORAGE: readonly PodVariable[] = ['STORAGE_URL', 'S3_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
/** The master's analytics store (Cassandra, or its own Postgres when unset). */
export const ANALYTICS_STORE: readonly PodVariable[] = [
  'CASSANDRA_CONTACT_POINTS',
  'CASSANDRA_LOCAL_DC',
  'CASSANDRA_KEYSPACE',
  'CASSANDRA_FLAVOR',
  'CASSANDRA_USERNAME',
  'CASSANDRA_PASSWORD',
];

/**
 * What each built-in program reads of the contract (its configuration schema, checked by a test): only the
 * scheduler sends mail, only the backends and the scheduler reach the database, the frontend only renders.
 */
export const BUILT_IN_READS: Record<'user-backend' | 'admin-backend' | 'scheduler' | 'frontend', PodVariable[]> = {
  'user-backend': [...POD_BASE, 'DATABASE_URL', ...POD_STORAGE],
  'admin-backend': [...POD_BASE, 'DATABASE_URL', 'MAIL_INBOX_URL', ...ANALYTICS_STORE],
  scheduler: [...POD_BASE, 'DATABASE_URL', ...POD_STORAGE, 'SMTP_URL', 'MAIL_FROM', 'KAFKA_REPLICAS', ...ANALYTICS_STORE],
  frontend: [...POD_BASE],
};

/** The environment variable through which siblings reach a program: "user-backend" → USER_BACKEND_URL. */
export function programUrlVariable(program: string): string {
  return `${program.replace(/-/g, '_').toUpperCase()}_URL`;
}

/** The address a pod program listens on when it runs as a process on the platform's own machine. */
export const LOOPBACK_HOST = '127.0.0.1';
/** The address it listens on in a container, where probes and Services reach it at the pod's IP. */
export const CONTAINER_HOST = '0.0.0.0';

export interface PodEnvironmentInput {
  tenant: { slug: string; name: string; tier: string };
  isMaster?: boolean;
  /** Its public origin. */
  url: string;
  logLevel?: string;
  database: { url: string };
  queue: { url: string; prefix?: string | undefined };
  storage: { url: string; env?: Record<string, string> };
  mail: { url: string; from: string; inboxUrl?: string | undefined };
  analytics?: { env: Record<string, string> };
  /** The master's own settings (analytics store, topic replicas). */
  platform?: Record<string, string>;
}

/**
 * A pod's environment, without HOST and PORT (which the compute driver sets per program). A grant that hands
 * over a variable the contract does not declare is a programming error: it would reach programs nobody declared
 * as its readers.
 */
export function podEnvironment(input: PodEnvironmentInput): PodEnvironment {
  const environment: Record<string, string> = {
    TENANT_ID: input.tenant.slug,
    TENANT_NAME: input.tenant.name,
    TENANT_TIER: input.tenant.tier,
    IS_MASTER: String(input.isMaster ?? false),
    TENANT_URL: input.url,
    ...(input.logLevel ? { LOG_LEVEL: input.logLevel } : {}),
    DATABASE_URL: input.database.url,
    REDIS_URL: input.queue.url,
    ...(input.queue.prefix ? { REDIS_PREFIX: input.queue.prefix } : {}),
    STORAGE_URL: input.storage.url,
    SMTP_URL: input.mail.url,
    MAIL_FROM: input.mail.from,
    ...(input.mail.inboxUrl ? { MAIL_INBOX_URL: input.mail.inboxUrl } : {}),
  };
  const given: Array<[string, Record<string, string> | undefined, VariableSource[]]> = [
    ['storage', input.storage.env, ['grant']],
    ['analytics', input.analytics?.env, ['grant']],
    ['platform', input.platform, ['platform', 'grant']],
  ];
  for (const [what, extra, sources] of given) {
    for (const [name, value] of Object.entries(extra ?? {})) {
      if (!isPodVariable(name) || !sources.includes(POD_VARIABLES[name].from)) {
        throw new Error(`the ${what} grant sets ${name}, which the pod environment contract does not declare as a ${sources.join(' or ')} variable`);
      }
      environment[name] = value;
    }
  }
  return environment;
}

/** The part of `environment` a program reading `reads` gets. */
export function environmentFor(environment: Record<string, string>, reads: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter(([name]) => reads.includes(name)));
}
