/** @module The tenant domain: tiers, statuses, slug rules and host names. */

export const TIERS = ['production', 'trial'] as const;
export type Tier = (typeof TIERS)[number];

/** A tenant's phase: where its life stands (the `status.phase` of a Kubernetes object). */
/** The phase: `frozen` is a ready tenant of which nothing runs (its spec's state is frozen) until it is woken. */
export const TENANT_STATUSES = ['pending', 'provisioning', 'ready', 'frozen', 'failed', 'deprovisioning'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** What the operator wants a tenant to be: running, or frozen to nothing until its next request. */
export const TENANT_STATES = ['active', 'frozen'] as const;
export type TenantState = (typeof TENANT_STATES)[number];

/** What an operator asks of a tenant (written by the API, read by the reconciler). */
export interface TenantSpec {
  name: string;
  tier: Tier;
  state: TenantState;
}

/** The conditions a tenant's status reports, one per resource the reconciler keeps, and the whole. */
export const CONDITION_TYPES = [
  'DatabaseReady',
  'SchemaReady',
  'StorageReady',
  'QueueReady',
  'MailReady',
  'AnalyticsReady',
  'PodReady',
  'Routed',
  /** True while nothing of the tenant runs (its spec's state is frozen); since when is its transition time. */
  'Frozen',
  'Reconciled',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** One observation of a tenant, as Kubernetes conditions are: a reader learns why without reading logs. */
export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, for programs: e.g. Observed, Repaired, Missing, ApplyFailed. */
  reason: string;
  /** For people: what was seen or done. */
  message: string;
  /** When `status` last changed. */
  lastTransitionTime: string;
  /** The spec generation this condition was observed for. */
  observedGeneration: number;
}

/** The slug of the master pod: the control plane is served at `master.<domain>`. */
export const MASTER_SLUG = 'master';

/** Names a tenant may not take: they are the platform's own hosts or commonly expected by users. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  MASTER_SLUG,
  'www',
  'api',
  'admin',
  'app',
  'apps',
  'auth',
  'login',
  'account',
  'accounts',
  'billing',
  'dashboard',
  'console',
  'status',
  'static',
  'assets',
  'cdn',
  'media',
  'docs',
  'help',
  'support',
  'blog',
  'mail',
  'email',
  'smtp',
  'imap',
  'pop',
  'ftp',
  'ns',
  'ns1',
  'ns2',
  'dns',
  'localhost',
  'gateway',
  'ingress',
  'internal',
  'platform',
  'tenantry',
  'system',
  'root',
  'default',
  'kube-system',
  'metrics',
  // Words the tenants API uses as paths beside /admin/api/tenants/<slug>.
  'events',
]);

/** A DNS label of 3 to 63 characters (`slugProblem` also refuses RESERVED_SLUGS). */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;

/** Why a slug is refused, or undefined when it is a valid tenant slug. */
export function slugProblem(slug: unknown): string | undefined {
  if (typeof slug !== 'string' || slug.length === 0) return 'slug is required: a DNS label such as "acme"';
  if (slug.length < 3 || slug.length > 63) return `slug "${slug}" must be 3 to 63 characters long`;
  if (!SLUG_PATTERN.test(slug)) {
    return `slug "${slug}" must be a DNS label: only a-z, 0-9 and '-', not starting or ending with '-'`;
  }
  if (RESERVED_SLUGS.has(slug)) return `slug "${slug}" is reserved by the platform; choose another name`;
  return undefined;
}

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/** The host a tenant is served at: `<slug>.<domain>`. */
export function tenantHost(slug: string, domain: string): string {
  return `${slug}.${domain}`.toLowerCase();
}

/** A tenant's public origin through a gateway on `port`: http://<slug>.<domain>[:port]/. */
export function tenantUrl(slug: string, domain: string, port: number): string {
  return `http://${tenantHost(slug, domain)}${port === 80 ? '' : `:${port}`}/`;
}

/** A readable default display name for a slug: "acme-corp" becomes "Acme Corp". */
export function defaultTenantName(slug: string): string {
  return slug
    .split('-')
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}
