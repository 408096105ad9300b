/**
 * @module The Kubernetes names of a tenant and of the master's identity: the namespace `tenant-<slug>`, the helm
 * release of the same name, its programs' Services and port, the annotations a freeze records, the master's
 * service account and the ClusterRole it binds in each tenant namespace.
 * The platform chart's RBAC and admission policy carry the same names (its test checks them against these).
 */
import type { TenantRef } from '@tenantry/control-plane';

/** Every tenant namespace begins with this; the master may write nowhere else (the platform chart's admission policy). */
export const TENANT_NAMESPACE_PREFIX = 'tenant-';
/** The master's service account, in the master's namespace. */
export const MASTER_SERVICE_ACCOUNT = 'tenantry-master';
/** What a tenant release holds; the master binds it to itself in each tenant namespace, and nowhere else. */
export const TENANT_RELEASE_CLUSTER_ROLE = 'tenantry-tenant-release';

export function tenantNamespace(tenant: Pick<TenantRef, 'slug'>): string {
  return `${TENANT_NAMESPACE_PREFIX}${tenant.slug}`;
}

/** The helm release of a tenant has its namespace's name (recorded in the master's namespace). */
export function releaseName(tenant: Pick<TenantRef, 'slug'>): string {
  return tenantNamespace(tenant);
}

/** The port every program of a tenant pod listens on and its Service exposes (the tenant-pod chart's `port`). */
export const TENANT_POD_PORT = 8080;

/** The in-cluster URL of one program's Service (the chart names each Service after its program). */
export function tenantServiceUrl(tenant: Pick<TenantRef, 'slug'>, program: string): string {
  return `http://${program}.${tenantNamespace(tenant)}.svc:${TENANT_POD_PORT}`;
}

/** On each Deployment of a frozen tenant: the replicas it had, which a wake gives back. */
export const FROZEN_REPLICAS_ANNOTATION = 'tenantry.io/frozen-replicas';
/** On the Ingress of a frozen tenant: its rules as the chart made them, which a wake puts back. */
export const FROZEN_RULES_ANNOTATION = 'tenantry.io/frozen-rules';
/**
 * The Service in each tenant namespace (ExternalName, made by the tenant-pod chart) that leads to the platform's
 * activator; a frozen tenant's Ingress sends every path there.
 */
export const ACTIVATOR_SERVICE = 'activator';
