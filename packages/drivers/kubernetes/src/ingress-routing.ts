/**
 * @module The route step on Kubernetes. The host rule `<slug>.<domain>` is the tenant-pod chart's Ingress, made
 * with the pod; publishing checks that the cluster holds it, and the release's removal takes it away. Until the
 * Ingress exists, the ingress controller answers the tenant's host with its default backend (404), not with
 * the local gateway's 503 and Retry-After.
 */
import type { PodDeployment, RoutingDriver, TenantRef } from '@tenantry/control-plane';
import { runCommand } from './command.js';
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

  async publish(tenant: TenantRef, _deployment: PodDeployment): Promise<void> {
    const json = await runCommand(this.options.kubectl ?? 'kubectl', ['get', 'ingress', 'tenant', '--namespace', tenantNamespace(tenant), '-o', 'json'], {
      env: this.options.env,
      timeoutMs: 60_000,
      quietStdout: true,
    });
    const hosts = ((JSON.parse(json) as { spec?: { rules?: { host?: string }[] } }).spec?.rules ?? []).map((r) => r.host);
    const host = `${tenant.slug}.${this.options.domain}`;
    if (!hosts.includes(host)) throw new Error(`the Ingress of ${tenantNamespace(tenant)} routes ${hosts.join(', ') || 'no host'}, not ${host}`);
  }

  /** The Ingress goes with the pod's release. */
  async remove(): Promise<void> {}

  publicUrl(tenant: TenantRef): string {
    return `https://${tenant.slug}.${this.options.domain}/`;
  }
}
