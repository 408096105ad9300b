/** @module The node agent protocol: workloads of supervised processes, routes and port leases, as sent over its loopback API. */
import { z } from 'zod';

export const healthCheckSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http'), port: z.number().int(), path: z.string().startsWith('/') }),
  z.object({ kind: z.literal('tcp'), port: z.number().int() }),
]);

export const processSpecSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  /** Run as this user (needed for postgres when the platform runs as root). */
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  health: healthCheckSchema,
  /** Signal for a graceful stop; postgres wants SIGINT (fast shutdown). @defaultValue SIGTERM */
  stopSignal: z.enum(['SIGTERM', 'SIGINT', 'SIGQUIT']).default('SIGTERM'),
  /**
   * Resident memory allowed, checked with each liveness probe; above it the process is killed and
   * restarted, as a container runtime does at its memory limit. Unset: no limit.
   */
  memoryLimitMb: z.number().int().positive().optional(),
  /** Time allowed for a graceful stop before SIGKILL. @defaultValue 5000 */
  stopTimeoutMs: z.number().int().positive().default(5000),
  /**
   * May be started from a process pre-started with its code loaded, which then takes this spec's
   * environment, folder and user (a `node` program whose main goes through runMain). @defaultValue false
   */
  warmStart: z.boolean().default(false),
  /**
   * Started after the processes starting pods wait for (those not marked so) are up, or after 10 s at the
   * latest: a workload serves once its other processes are ready. @defaultValue false
   */
  startLater: z.boolean().default(false),
});

export const workloadSpecSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'workload names are lowercase DNS labels'),
  /** Free-form labels, e.g. { tenant: "acme", kind: "pod" }. */
  labels: z.record(z.string(), z.string()).default({}),
  processes: z.array(processSpecSchema).min(1),
});

export type HealthCheck = z.output<typeof healthCheckSchema>;
export type ProcessSpec = z.output<typeof processSpecSchema>;
export type WorkloadSpec = z.output<typeof workloadSpecSchema>;
export type WorkloadSpecInput = z.input<typeof workloadSpecSchema>;

/** queued: a process marked startLater waiting for its turn to start. */
export type ProcessState = 'queued' | 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped';

export interface ProcessStatus {
  name: string;
  state: ProcessState;
  pid?: number;
  port: number;
  restarts: number;
  /** Started from a pre-started process (set while it runs). */
  prestarted?: boolean;
  lastExit?: { code: number | null; signal: string | null; at: string };
}

export interface WorkloadStatus {
  name: string;
  labels: Record<string, string>;
  /** Every process passed its health check. */
  ready: boolean;
  /** Every process not marked startLater passed its health check: the workload serves. */
  serving: boolean;
  processes: ProcessStatus[];
}

export const routeSpecSchema = z.object({
  tenant: z.string(),
  /** pending: 503 until ready; frozen: the gateway holds requests and wakes the tenant. */
  state: z.enum(['pending', 'ready', 'frozen']),
  upstreams: z.array(z.object({ prefix: z.string().startsWith('/'), port: z.number().int() })).default([]),
});
export type RouteSpec = z.output<typeof routeSpecSchema>;

export const portLeaseSchema = z.object({ names: z.array(z.string().min(1)).min(1) });
