/** @module Routing: `<slug>.<domain>` registered in the local gateway, with the pod manifest's path rules. */
import type { Observed, PodDeployment, RoutingDriver, TenantRef } from '@tenantry/control-plane';
import { tenantHost, tenantUrl } from '@tenantry/core';
import type { PodManifest } from '@tenantry/pod-manifest';
import type { AgentClient } from './agent/agent-client.js';
import type { RouteSpec } from './agent/protocol.js';

/** The gateway route of a pod: each program's path prefixes to the port it listens on. */
export function podRoute(tenant: string, manifest: PodManifest, deployment: PodDeployment): RouteSpec {
  const upstreams = manifest.programs.flatMap((program) => {
    const endpoint = deployment.endpoints[program.name];
    if (!endpoint) return [];
    const port = Number(new URL(endpoint).port);
    return program.routes.map((prefix) => ({ prefix, port }));
  });
  return { tenant, state: 'ready', upstreams };
}

export class GatewayRouting implements RoutingDriver {
  constructor(
    private readonly agent: AgentClient,
    private readonly manifest: PodManifest,
    private readonly domain: string,
    /** The gateway's port, as users reach it. */
    private readonly publicPort: number,
  ) {}

  publicUrl(tenant: TenantRef): string {
    return tenantUrl(tenant.slug, this.domain, this.publicPort);
  }

  async reserve(tenant: TenantRef): Promise<void> {
    await this.agent.putRoute(tenantHost(tenant.slug, this.domain), { tenant: tenant.slug, state: 'pending', upstreams: [] });
  }

  async publish(tenant: TenantRef, deployment: PodDeployment): Promise<void> {
    await this.agent.putRoute(tenantHost(tenant.slug, this.domain), podRoute(tenant.slug, this.manifest, deployment));
  }

  /** The gateway holds the host's requests and wakes the tenant; where the pod listens is kept for its wake. */
  async freeze(tenant: TenantRef, deployment: PodDeployment): Promise<void> {
    await this.agent.putRoute(tenantHost(tenant.slug, this.domain), { ...podRoute(tenant.slug, this.manifest, deployment), state: 'frozen' });
  }

  async remove(tenant: TenantRef): Promise<void> {
    await this.agent.deleteRoute(tenantHost(tenant.slug, this.domain));
  }

  /** The gateway's route for the tenant's host: ready, the tenant's, and to the pod's ports as `publish` sets them. */
  async observe(tenant: TenantRef, deployment: PodDeployment): Promise<Observed> {
    const host = tenantHost(tenant.slug, this.domain);
    const route = await this.agent.route(host);
    if (!route) return { state: 'missing', message: `the gateway has no route for ${host}` };
    if (route.tenant !== tenant.slug) return { state: 'unhealthy', message: `the gateway routes ${host} to tenant ${route.tenant}` };
    if (route.state !== 'ready') return { state: 'unhealthy', message: `the gateway holds ${host} ${route.state} (answering 503), not routed to the pod` };
    const [routed, wanted] = [upstreams(route), upstreams(podRoute(tenant.slug, this.manifest, deployment))];
    if (routed !== wanted) return { state: 'unhealthy', message: `the gateway routes ${host} to ${routed || 'nothing'}, not to the pod's ${wanted}` };
    return { state: 'present' };
  }
}

/** A route's upstreams in one comparable line, e.g. "/ → 30001, /api → 30002". */
function upstreams(route: RouteSpec): string {
  return route.upstreams
    .map((u) => `${u.prefix} → ${u.port}`)
    .sort()
    .join(', ');
}
