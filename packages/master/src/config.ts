/**
 * @module The master's configuration: what its controller (in the scheduler) and its API (in the
 * admin backend) read besides their pod's own settings, when IS_MASTER=true. The controller's is one
 * variant per driver (TENANTRY_DRIVER): every setting the chosen driver needs is required and named
 * when missing, so no code checks for what the variant guarantees.
 */
import * as z from 'zod/mini';
import { ConfigError, env } from '@tenantry/core';

/** What the master's controller reads whatever its driver. */
const masterShared = {
  /** The platform key that seals secrets in the tenant catalog. */
  TENANTRY_SECRET_KEY: env.secretKey(),
  TENANTRY_DOMAIN: z._default(z.string(), 'localhost'),
  TENANTRY_PUBLIC_PORT: env.port(8080),
  TENANTRY_POD_MANIFEST: z.optional(z.string()),
  TENANTRY_PROVISIONING_CONCURRENCY: env.integer(1, 64, 4),
  /** How often (ms) every tenant is reconciled even when nothing announced a change: how soon drift is repaired. */
  TENANTRY_RESYNC_INTERVAL_MS: env.integer(200, 3_600_000, 30_000),
  /** S3 storage for tenants (an S3-compatible server with STS); unset, a folder per tenant (locally) or the IAM role's bucket. */
  TENANTRY_S3_ENDPOINT: z.optional(env.url(['http', 'https'])),
  TENANTRY_S3_BUCKET: z._default(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')), 'tenant-data'),
  TENANTRY_S3_REGION: z._default(z.string(), 'us-east-1'),
  TENANTRY_S3_ACCESS_KEY_ID: z.optional(z.string().check(z.minLength(3))),
  TENANTRY_S3_SECRET_ACCESS_KEY: z.optional(z.string().check(z.minLength(8))),
  /** A trial tenant with no real request for this long is frozen (e.g. 90s, 60m, 2h, or off). */
  TENANTRY_FREEZE_AFTER_TRIAL: env.durationOrOff('60m'),
  /** The same for production tenants: off unless set. */
  TENANTRY_FREEZE_AFTER_PRODUCTION: env.durationOrOff('off'),
};

/** The local driver: the node agent, the platform's Postgres servers, the mail catcher, each tenant's redis-server. */
const localMaster = z.object({
  ...masterShared,
  TENANTRY_DRIVER: z.literal('local'),
  TENANTRY_AGENT_URL: env.url(['http']),
  TENANTRY_AGENT_TOKEN: z.string(),
  TENANTRY_STORAGE_ROOT: z.string(),
  TENANTRY_COMPILE_CACHE_DIR: z.optional(z.string()),
  TENANTRY_TENANT_UIDS: z.optional(z.string()),
  TENANTRY_TRIAL_DATABASE_URL: env.url(['postgres', 'postgresql']),
  TENANTRY_NAMING_KEY: z.string(),
  TENANTRY_POSTGRES_ROOT: z.string(),
  TENANTRY_POSTGRES_SUPERUSER_PASSWORD: z.string(),
  TENANTRY_POSTGRES_BIN_DIR: z.optional(z.string()),
  /** The redis-server binary and the folder of each tenant's own server. */
  TENANTRY_REDIS_SERVER: z.string(),
  TENANTRY_TENANT_REDIS_ROOT: z.string(),
  TENANTRY_MAIL_SMTP_PORT: env.port(),
  TENANTRY_MAIL_HTTP_PORT: env.port(),
  TENANTRY_MAIL_KEY: z.string(),
});

/** The kubernetes driver: terraform and helm run as child processes. */
const kubernetesMaster = z.object({
  ...masterShared,
  TENANTRY_DRIVER: z.literal('kubernetes'),
  /** The Terraform folder with the `tenant/` root and `modules/` (the repository's deploy/terraform). */
  TENANTRY_TERRAFORM_DIR: z.string(),
  /** The platform's variables for the tenant root: region and platform (the platform root's tenant_platform output). */
  TENANTRY_TERRAFORM_VAR_FILE: z.string(),
  /** A backend settings file for the tenant states (bucket, region, lock table); each tenant's key is added. */
  TENANTRY_TERRAFORM_BACKEND_CONFIG: z.string(),
  TENANTRY_TERRAFORM_BIN: z._default(z.string(), 'terraform'),
  TENANTRY_TERRAFORM_TIMEOUT_SECONDS: env.integer(60, 4 * 3600, 2400),
  /** The tenant-pod chart (deploy/helm/tenant-pod). */
  TENANTRY_HELM_CHART: z.string(),
  /** The operator's values for every tenant (image, ingress, network CIDRs), comma-separated files. */
  TENANTRY_HELM_VALUES: z.optional(z.string()),
  TENANTRY_HELM_BIN: z._default(z.string(), 'helm'),
  TENANTRY_KUBECTL_BIN: z._default(z.string(), 'kubectl'),
  TENANTRY_HELM_TIMEOUT_SECONDS: env.integer(30, 3600, 600),
  /** Where tenant releases are recorded: the master's own namespace. */
  TENANTRY_RELEASE_NAMESPACE: z._default(
    z.string().check(z.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name')),
    'tenantry-system',
  ),
  /** Terraform data directories and the values files of running installs. */
  TENANTRY_WORK_DIR: z._default(z.string(), '/tmp/tenantry-provisioning'),
  /** The SMTP relay tenants send through, e.g. smtp://user:password@email-smtp.eu-west-1.amazonaws.com:587. */
  TENANTRY_SMTP_RELAY_URL: env.url(['smtp', 'smtps']),
});

const MASTER_VARIANTS = { local: localMaster, kubernetes: kubernetesMaster } as const;

/** The master's controller settings: one variant per driver (TENANTRY_DRIVER), each setting it needs required. */
export type MasterConfig = z.output<typeof localMaster> | z.output<typeof kubernetesMaster>;
export type LocalMasterConfig = z.output<typeof localMaster>;
export type KubernetesMasterConfig = z.output<typeof kubernetesMaster>;

/**
 * Reads the master's controller settings: TENANTRY_DRIVER (local by default) picks the variant, and
 * every setting that variant needs and lacks is named.
 */
export function readControllerConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<MasterConfig> {
  const driver = environment.TENANTRY_DRIVER || 'local';
  if (driver !== 'local' && driver !== 'kubernetes') throw new ConfigError('scheduler', ['TENANTRY_DRIVER: must be local or kubernetes']);
  const problems: string[] = [];
  if (environment.TENANTRY_S3_ENDPOINT) {
    for (const key of ['TENANTRY_S3_ACCESS_KEY_ID', 'TENANTRY_S3_SECRET_ACCESS_KEY']) {
      if (!environment[key]) problems.push(`${key}: is required with TENANTRY_S3_ENDPOINT`);
    }
  }
  return readMasterSettings('scheduler', MASTER_VARIANTS[driver], { ...environment, TENANTRY_DRIVER: driver }, `with TENANTRY_DRIVER=${driver}`, problems);
}

/** What the master's API reads: who may operate, the key that opens the catalog's secrets, where tenants are served. */
const masterApi = z.object({
  /** The operator's bearer token (the dashboard's sign-in too). */
  ADMIN_TOKEN: z.string().check(z.minLength(16, 'must be at least 16 characters')),
  /** The platform key that seals secrets in the tenant catalog. */
  TENANTRY_SECRET_KEY: env.secretKey(),
  TENANTRY_DOMAIN: z._default(z.string(), 'localhost'),
  TENANTRY_PUBLIC_PORT: env.port(8080),
  /** Where the master probes tenants' health: the entry users take. @defaultValue http://127.0.0.1:<TENANTRY_PUBLIC_PORT> */
  TENANTRY_PROBE_URL: z.optional(env.url(['http', 'https'])),
});

export type MasterApiConfig = z.output<typeof masterApi>;

/** Reads the master's API settings (the admin backend's, when IS_MASTER=true); each missing one is named. */
export function readMasterApiConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<MasterApiConfig> {
  return readMasterSettings('admin-backend', masterApi, environment, '');
}

/** Parses master settings, naming first every required one that is missing ("is required when IS_MASTER=true …"). */
function readMasterSettings<S extends z.ZodMiniObject>(
  program: string,
  schema: S,
  environment: NodeJS.ProcessEnv,
  when: string,
  problems: string[] = [],
): Readonly<z.output<S>> {
  for (const [key, field] of Object.entries(schema.def.shape)) {
    const optional = (field as { _zod: { optin?: string } })._zod.optin !== undefined;
    if (!optional && !environment[key]) problems.push(`${key}: is required when IS_MASTER=true${when ? ` ${when}` : ''}`);
  }
  const result = schema.safeParse(environment);
  if (!result.success) {
    const missing = new Set(problems.map((p) => p.split(':')[0]));
    for (const issue of result.error.issues) {
      const key = issue.path.join('.');
      if (!missing.has(key)) problems.push(`${key || '(environment)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(program, problems);
  return Object.freeze(result.data);
}
