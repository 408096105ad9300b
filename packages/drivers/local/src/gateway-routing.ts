/** @module Routing: `<slug>.<domain>` registered in the local gateway, with the pod manifest's path rules. */
import type { PodDeployment, RoutingDriver, TenantRef } from '@tenantry/control-plane';
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

  async remove(tenant: TenantRef): Promise<void> {
    await this.agent.deleteRoute(tenantHost(tenant.slug, this.domain));
  }
}
