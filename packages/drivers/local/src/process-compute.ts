/** @module Compute: a tenant pod as supervised OS processes, one per program of the pod manifest. */
import { join } from 'node:path';
import type { ComputeDriver, PodDeployment, ProgressReporter, TenantRef } from '@tenantry/control-plane';
import { LOOPBACK_HOST, environmentFor, programUrlVariable } from '@tenantry/pod-contract';
import type { PodManifest } from '@tenantry/pod-manifest';
import type { AgentClient } from './agent/agent-client.js';
import type { WorkloadSpecInput } from './agent/protocol.js';

export function podWorkloadName(slug: string): string {
  return `pod-${slug}`;
}

export interface PodWorkloadOptions {
  slug: string;
  manifest: PodManifest;
  /** The pod's environment (the contract, without HOST and PORT): each program gets the part it reads. */
  env: Record<string, string>;
  /** More environment for some programs only, by program name (least privilege for secrets). */
  programEnv?: Record<string, Record<string, string>>;
  ports: Record<string, number>;
  /** @defaultValue 'pod' */
  layer?: string;
  /**
   * Root of Node 22+'s compile cache (NODE_COMPILE_CACHE; older Node ignores it). Each tenant gets
   * its own folder: a cache shared across tenants would let one tenant's process plant code in another's.
   */
  compileCacheDir?: string | undefined;
}

/**
 * Builds the workload of a pod: every program with the part of the pod's environment its manifest entry reads,
 * its own HOST and PORT (loopback: only the gateway and its siblings reach it) and its siblings' URLs.
 */
export function podWorkload({ slug, manifest, env, programEnv = {}, ports, layer = 'pod', compileCacheDir }: PodWorkloadOptions): WorkloadSpecInput {
  const siblings = Object.fromEntries(manifest.programs.map((p) => [programUrlVariable(p.name), `http://127.0.0.1:${ports[p.name]}`]));
  return {
    name: podWorkloadName(slug),
    labels: { tenant: slug, layer },
    processes: manifest.programs.map((program) => {
      const port = ports[program.name]!;
      return {
        name: program.name,
        command: program.command,
        args: program.args,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          NODE_ENV: 'production',
          ...(compileCacheDir ? { NODE_COMPILE_CACHE: join(compileCacheDir, slug) } : {}),
          ...program.env,
          ...siblings,
          ...environmentFor(env, program.reads),
          ...programEnv[program.name],
          HOST: LOOPBACK_HOST,
          PORT: String(port),
        },
        health: { kind: 'http', port, path: program.healthPath },
        ...(program.memoryMb ? { memoryLimitMb: program.memoryMb } : {}),
      };
    }),
  };
}

export interface ProcessComputeOptions {
  agent: AgentClient;
  manifest: PodManifest;
  /** @defaultValue 30000 */
  readyTimeoutMs?: number;
  compileCacheDir?: string | undefined;
}

export class ProcessCompute implements ComputeDriver {
  constructor(private readonly options: ProcessComputeOptions) {}

  async deploy(tenant: TenantRef, env: Record<string, string>, progress: ProgressReporter): Promise<PodDeployment> {
    const { agent, manifest } = this.options;
    const name = podWorkloadName(tenant.slug);
    const ports = await agent.leasePorts(name, manifest.programs.map((p) => p.name));
    progress(`starting ${manifest.programs.map((p) => p.name).join(', ')}`);
    await agent.applyWorkload(podWorkload({ slug: tenant.slug, manifest, env, ports, compileCacheDir: this.options.compileCacheDir }));
    await agent.waitWorkloadReady(name, this.options.readyTimeoutMs ?? 30_000);
    return { endpoints: Object.fromEntries(Object.entries(ports).map(([program, port]) => [program, `http://127.0.0.1:${port}`])) };
  }

  async remove(tenant: TenantRef): Promise<void> {
    await this.options.agent.deleteWorkload(podWorkloadName(tenant.slug));
  }
}
