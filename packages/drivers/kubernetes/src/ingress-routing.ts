/**
 * @module The route step on Kubernetes. The host rule `<slug>.<domain>` is the tenant-pod chart's Ingress, made
 * with the pod; publishing checks that the cluster holds it, and the release's removal takes it away. Until the
 * Ingress exists, the ingress controller answers the tenant's host with its default backend (404), not with
 * the local gateway's 503 and Retry-After.
 */
import type { Observed, PodDeployment, RoutingDriver, TenantRef } from '@tenantry/control-plane';
import { kubectlGet } from './command.js';
import { tenantNamespace } from './tenant-namespace.js';

export interface IngressRoutingOptions {
  domain: string;
  /** @defaultValue kubectl (on PATH) */
  kubectl?: string;
  env?: Record<string, string>;
}

export class IngressRouting implements RoutingDriver {
  constructor(private readonly options: IngressRoutingOptions) {}

  async reserve(): Promise<void> {}

  async publish(tenant: TenantRef, deployment: PodDeployment): Promise<void> {
    const observed = await this.observe(tenant, deployment);
    if (observed.state !== 'present') throw new Error(observed.message);
  }

  /** The tenant's Ingress with its host rule; both come with the pod step's release, which makes them again. */
  async observe(tenant: TenantRef, _deployment: PodDeployment): Promise<Observed> {
    const namespace = tenantNamespace(tenant);
    type Ingress = { spec?: { rules?: { host?: string }[] } };
    const got = await kubectlGet<Ingress>(this.options.kubectl ?? 'kubectl', ['ingress', 'tenant', '--namespace', namespace], this.options.env);
    if ('absent' in got) return { state: 'missing', message: `${namespace} has no Ingress tenant: ${got.absent}` };
    const hosts = (got.object.spec?.rules ?? []).map((r) => r.host);
    const host = `${tenant.slug}.${this.options.domain}`;
    if (!hosts.includes(host)) return { state: 'unhealthy', message: `the Ingress of ${namespace} routes ${hosts.join(', ') || 'no host'}, not ${host}` };
    return { state: 'present' };
  }

  /** The Ingress goes with the pod's release. */
  async remove(): Promise<void> {}

  publicUrl(tenant: TenantRef): string {
    return `https://${tenant.slug}.${this.options.domain}/`;
  }
}
