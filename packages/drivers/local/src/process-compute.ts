/** @module Compute: a tenant pod as supervised OS processes, one per program of the pod manifest. */
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComputeDriver, Observed, PodDeployment, ProgressReporter, TenantRef } from '@tenantry/control-plane';
import { LOOPBACK_HOST, environmentFor, programUrlVariable } from '@tenantry/pod-contract';
import type { PodManifest } from '@tenantry/pod-manifest';
import type { AgentClient } from './agent/agent-client.js';
import { workloadSpecSchema, type ProcessSpec, type ProcessStatus, type WorkloadSpecInput } from './agent/protocol.js';
import type { ServiceUser } from './os-users.js';
import type { TenantUsers } from './tenant-users.js';

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
  /** The tenant's own OS user, every program runs as (when the platform runs as root). */
  user?: ServiceUser | undefined;
  /** Programs the manifest allows may start from pre-started processes. @defaultValue true */
  warmStart?: boolean;
  /** Programs the manifest marks startLater start after the programs every starting pod waits for. @defaultValue true */
  startLater?: boolean;
}

/**
 * Builds the workload of a pod: every program with the part of the pod's environment its manifest entry reads,
 * its own HOST and PORT (loopback: only the gateway and its siblings reach it) and its siblings' URLs.
 */
export function podWorkload({
  slug,
  manifest,
  env,
  programEnv = {},
  ports,
  layer = 'pod',
  compileCacheDir,
  user,
  warmStart = true,
  startLater = true,
}: PodWorkloadOptions): WorkloadSpecInput {
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
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
        health: { kind: 'http', port, path: program.healthPath },
        ...(program.memoryMb ? { memoryLimitMb: program.memoryMb } : {}),
        warmStart: warmStart && program.warmStart,
        startLater: startLater && program.startLater,
      };
    }),
  };
}

/** The processes podWorkload makes of a manifest, with no tenant in them: what the node agent keeps pre-started. */
export function warmStartSpecs(manifest: PodManifest): ProcessSpec[] {
  const ports = Object.fromEntries(manifest.programs.map((p) => [p.name, 0]));
  return workloadSpecSchema.parse(podWorkload({ slug: 'warm-pool', manifest, env: {}, ports })).processes.filter((p) => p.warmStart);
}

export interface ProcessComputeOptions {
  agent: AgentClient;
  manifest: PodManifest;
  /** @defaultValue 30000 */
  readyTimeoutMs?: number;
  compileCacheDir?: string | undefined;
  /** OS users per tenant; without it (or not as root) every pod runs as the platform's user. */
  users?: TenantUsers | undefined;
}

/** How long a pod that serves may take to have its programs started later up (below the agent's 5 min cap). */
const LATER_READY_TIMEOUT_MS = 240_000;

export class ProcessCompute implements ComputeDriver {
  constructor(private readonly options: ProcessComputeOptions) {}

  async deploy(
    tenant: TenantRef,
    env: Record<string, string>,
    progress: ProgressReporter,
    serving?: (deployment: PodDeployment) => Promise<void>,
  ): Promise<PodDeployment> {
    const { agent, manifest } = this.options;
    const name = podWorkloadName(tenant.slug);
    const ports = await agent.leasePorts(
      name,
      manifest.programs.map((p) => p.name),
    );
    const user = await this.options.users?.ensure(tenant.slug);
    const { compileCacheDir } = this.options;
    if (user && compileCacheDir) {
      // The tenant's own compile cache, writable by its user only.
      const dir = join(compileCacheDir, tenant.slug);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(compileCacheDir, 0o711);
      await chown(dir, user.uid, user.gid);
    }
    progress(`starting ${manifest.programs.map((p) => p.name).join(', ')}${user ? ` as OS user ${user.name} (uid ${user.uid})` : ''}`);
    await agent.applyWorkload(podWorkload({ slug: tenant.slug, manifest, env, ports, compileCacheDir, user }));
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    const deployment = { endpoints: Object.fromEntries(Object.entries(ports).map(([program, port]) => [program, `http://127.0.0.1:${port}`])) };
    if (serving && this.options.manifest.programs.some((p) => p.startLater)) {
      await agent.waitWorkloadServing(name, timeoutMs);
      progress('serving; waiting for the programs started later');
      await serving(deployment);
      // They get the CPU last: on a busy machine (a burst of creations) they may take long. One that keeps
      // exiting still fails the step at once (the agent's crash-loop answer).
      await agent.waitWorkloadReady(name, LATER_READY_TIMEOUT_MS);
    } else await agent.waitWorkloadReady(name, timeoutMs);
    return deployment;
  }

  /** Stops every program; the workload's spec and ports stay with the node agent. */
  async suspend(tenant: TenantRef): Promise<void> {
    await this.options.agent.suspendWorkload(podWorkloadName(tenant.slug));
  }

  /** Starts the programs again and resolves once the pod serves (its programs not marked startLater passed their health check). */
  async resume(tenant: TenantRef): Promise<void> {
    const name = podWorkloadName(tenant.slug);
    await this.options.agent.resumeWorkload(name);
    await this.options.agent.waitWorkloadServing(name, this.options.readyTimeoutMs ?? 30_000);
  }

  async remove(tenant: TenantRef): Promise<void> {
    await this.options.agent.deleteWorkload(podWorkloadName(tenant.slug));
    // Nothing the tenant's uid owned may outlive its user: a later tenant may get the same uid.
    if (this.options.compileCacheDir) await rm(join(this.options.compileCacheDir, tenant.slug), { recursive: true, force: true });
    await this.options.users?.remove(tenant.slug);
  }

  /**
   * The pod's workload on the node agent: every program of the manifest running and past its health check,
   * or, for one marked startLater, waiting for its turn or starting (the gateway holds its requests meanwhile).
   */
  async observe(tenant: TenantRef): Promise<Observed> {
    const name = podWorkloadName(tenant.slug);
    const status = await this.options.agent.workloadStatus(name);
    if (!status) return { state: 'missing', message: `the node agent runs no workload ${name}: the pod is gone` };
    const problems = this.options.manifest.programs.flatMap(({ name: program }) => {
      const running = status.processes.find((p) => p.name === program);
      if (!running) return [`program ${program} is not in the workload`];
      const startingLater = running.state === 'queued' || (running.state === 'starting' && running.restarts === 0);
      return running.state === 'ready' || (startingLater && status.serving) ? [] : [notReady(running)];
    });
    return problems.length === 0 ? { state: 'present' } : { state: 'unhealthy', message: `${name}: ${problems.join('; ')}` };
  }
}

/** e.g. "program scheduler is backoff after 4 restarts, last exit code 1 at …". */
function notReady({ name, state, restarts, lastExit }: ProcessStatus): string {
  const exit = lastExit ? `, last exit ${lastExit.signal ? `by ${lastExit.signal}` : `code ${lastExit.code}`} at ${lastExit.at}` : '';
  return `program ${name} is ${state} after ${restarts} restart(s)${exit}`;
}
