/**
 * @module The Kubernetes names of a tenant and of the master's identity: the namespace `tenant-<slug>`, the helm
 * release of the same name, the master's service account and the ClusterRole it binds in each tenant namespace.
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
