/**
 * @module The route step on Kubernetes. The host rule `<slug>.<domain>` is the tenant-pod chart's Ingress, made
 * with the pod; publishing checks that the cluster holds it, and the release's removal takes it away. Until the
 * Ingress exists, the ingress controller answers the tenant's host with its default backend (404), not with
 * the local gateway's 503 and Retry-After. A frozen tenant's Ingress sends every path to the activator (the
 * chart's ExternalName Service `activator`, which leads to the platform's activator), its own rules kept in an
 * annotation; publishing (the wake, or any apply) puts them back.
 */
import type { Observed, PodDeployment, RoutingDriver, TenantRef } from '@tenantry/control-plane';
import { kubectlGet, runCommand } from './command.js';
import { ACTIVATOR_SERVICE, FROZEN_RULES_ANNOTATION, tenantNamespace } from './tenant-namespace.js';

export interface IngressRoutingOptions {
  domain: string;
  /** @defaultValue kubectl (on PATH) */
  kubectl?: string;
  env?: Record<string, string>;
}

interface IngressPath {
  path?: string;
  pathType?: string;
  backend: { service?: { name: string; port: { name?: string; number?: number } } };
}
interface Ingress {
  metadata: { annotations?: Record<string, string> };
  spec?: { rules?: { host?: string; http?: { paths: IngressPath[] } }[] };
}

export class IngressRouting implements RoutingDriver {
  constructor(private readonly options: IngressRoutingOptions) {}

  async reserve(): Promise<void> {}

  /** Puts back the rules a freeze kept (when there are), then checks that the Ingress routes the tenant's host. */
  async publish(tenant: TenantRef, deployment: PodDeployment): Promise<void> {
    const got = await this.ingress(tenant);
    const kept = 'object' in got ? got.object.metadata.annotations?.[FROZEN_RULES_ANNOTATION] : undefined;
    if (kept !== undefined) {
      await this.patch(tenant, { metadata: { annotations: { [FROZEN_RULES_ANNOTATION]: null } }, spec: { rules: JSON.parse(kept) as unknown } });
    }
    const observed = await this.observe(tenant, deployment);
    if (observed.state !== 'present') throw new Error(observed.message);
  }

  /**
   * Sends every path of the tenant's host to the activator, which holds its requests and wakes it. The chart's
   * rules are kept on the Ingress, in the same patch; a freeze run again keeps the first record.
   */
  async freeze(tenant: TenantRef): Promise<void> {
    const got = await this.ingress(tenant);
    if ('absent' in got) throw new Error(`${tenantNamespace(tenant)} has no Ingress tenant to freeze: ${got.absent}`);
    const ingress = got.object;
    if (ingress.metadata.annotations?.[FROZEN_RULES_ANNOTATION] !== undefined) return;
    const rules = ingress.spec?.rules ?? [];
    const toActivator = rules.map((rule) => ({
      ...rule,
      http: {
        paths: (rule.http?.paths ?? []).map((p) => ({
          ...p,
          backend: { service: { name: ACTIVATOR_SERVICE, port: p.backend.service?.port ?? { name: 'http' } } },
        })),
      },
    }));
    await this.patch(tenant, { metadata: { annotations: { [FROZEN_RULES_ANNOTATION]: JSON.stringify(rules) } }, spec: { rules: toActivator } });
  }

  /** The tenant's Ingress with its host rule, sent to its own Services; both come with the pod step's release, which makes them again. */
  async observe(tenant: TenantRef, _deployment: PodDeployment): Promise<Observed> {
    const namespace = tenantNamespace(tenant);
    const got = await this.ingress(tenant);
    if ('absent' in got) return { state: 'missing', message: `${namespace} has no Ingress tenant: ${got.absent}` };
    const hosts = (got.object.spec?.rules ?? []).map((r) => r.host);
    const host = `${tenant.slug}.${this.options.domain}`;
    if (!hosts.includes(host)) return { state: 'unhealthy', message: `the Ingress of ${namespace} routes ${hosts.join(', ') || 'no host'}, not ${host}` };
    if (got.object.metadata.annotations?.[FROZEN_RULES_ANNOTATION] !== undefined)
      return { state: 'unhealthy', message: `the Ingress of ${namespace} still sends ${host} to the activator, as for a frozen tenant` };
    return { state: 'present' };
  }

  /** The Ingress goes with the pod's release. */
  async remove(): Promise<void> {}

  publicUrl(tenant: TenantRef): string {
    return `https://${tenant.slug}.${this.options.domain}/`;
  }

  private ingress(tenant: TenantRef) {
    return kubectlGet<Ingress>(this.options.kubectl ?? 'kubectl', ['ingress', 'tenant', '--namespace', tenantNamespace(tenant)], this.options.env);
  }

  private async patch(tenant: TenantRef, patch: object): Promise<void> {
    await runCommand(
      this.options.kubectl ?? 'kubectl',
      ['patch', 'ingress', 'tenant', '--namespace', tenantNamespace(tenant), '--type', 'merge', '--patch', JSON.stringify(patch)],
      { env: this.options.env, timeoutMs: 60_000, quietStdout: true },
    );
  }
}
