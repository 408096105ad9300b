/** @module Runs workloads (groups of processes) and keeps them running. */
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { WaitTimeoutError, type Logger } from '@tenantry/core';
import { executable, SupervisedProcess } from './supervised-process.js';
import type { LogRotation } from './rotating-log.js';
import type { WarmPool } from './warm-pool.js';
import type { ProcessStatus, WorkloadSpec, WorkloadStatus } from '@tenantry/driver-local';

/** A process that exited this many times without ever passing its health check is crash-looping. */
const CRASH_LOOP_RESTARTS = 3;
/** Processes marked startLater starting at once, at most. */
const LATER_AT_ONCE = 1;
/** Longest a process marked startLater waits for its turn while others keep starting. */
const LATER_WAIT_MAX_MS = 10_000;

export class CrashLoopError extends Error {
  constructor(workload: string, process: ProcessStatus, logTail: string) {
    const exit = process.lastExit ? `last exit code ${process.lastExit.code ?? '-'}, signal ${process.lastExit.signal ?? '-'}` : 'no exit recorded';
    super(`program ${process.name} of ${workload} keeps exiting before it is ready (${exit})${logTail ? `; its log ends: ${logTail}` : ''}`);
    this.name = 'CrashLoopError';
  }
}

interface Workload {
  spec: WorkloadSpec;
  processes: SupervisedProcess[];
}

export interface SupervisorOptions {
  /** Folder for logs: `<logRoot>/<workload>/<process>.log`. */
  logRoot: string;
  /** Folder for pid files of running processes. */
  runDir: string;
  /** Time between liveness probes of ready processes. @defaultValue 5000 */
  livenessIntervalMs?: number;
  /** Size and count of each process's log files. @defaultValue 10 MiB × 5 */
  logRotation?: LogRotation;
  /** Pre-started processes for specs marked warmStart; stopped by stopAll. */
  pool?: WarmPool;
  log: Logger;
}

/**
 * Runs workloads and keeps them running. Processes marked startLater wait in one queue across workloads: the
 * first of them starts once no other process is starting (and one at a time), or after LATER_WAIT_MAX_MS; so
 * when many pods start at once, each one's first programs get the CPU first. Pre-started processes are
 * replaced only while no process not marked startLater is starting.
 */
export class Supervisor extends EventEmitter {
  private readonly workloads = new Map<string, Workload>();
  /** Processes by the port they listen on (their health check's): what the gateway asks about. */
  private readonly byPort = new Map<number, SupervisedProcess>();
  private readonly later: SupervisedProcess[] = [];
  /** Processes starting now: those not marked startLater, and those that are. */
  private readonly startingFirst = new Set<SupervisedProcess>();
  private readonly startingLater = new Set<SupervisedProcess>();
  private laterTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SupervisorOptions) {
    super();
    mkdirSync(options.runDir, { recursive: true, mode: 0o700 });
    mkdirSync(options.logRoot, { recursive: true, mode: 0o700 });
    options.pool?.refillWhen(() => this.startingFirst.size === 0);
  }

  /**
   * For the gateway: undefined when the program at this port serves (or is not known here); else resolves
   * once it does (it is queued, starting or restarting), and rejects if it is stopped first.
   */
  whenServing(port: number): Promise<void> | undefined {
    return this.byPort.get(port)?.whenServing();
  }

  /**
   * Stops processes that a previous run left behind (its parent was killed hard), using the pid
   * files it wrote. Only a live process whose command line still matches is signalled.
   */
  async reapOrphans(): Promise<number> {
    let reaped = 0;
    for (const file of readdirSync(this.options.runDir).filter((f) => f.endsWith('.pid'))) {
      const path = join(this.options.runDir, file);
      try {
        const { pid, command, stopSignal } = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; command: string; stopSignal: NodeJS.Signals };
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmdline.startsWith(executable(command))) {
          process.kill(pid, stopSignal);
          const deadline = Date.now() + 10_000;
          while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          if (isAlive(pid)) process.kill(pid, 'SIGKILL');
          reaped += 1;
          this.options.log.warn({ pid, file }, 'stopped a process left by a previous run');
        }
      } catch {
        // The process is gone or the file is unreadable: nothing to reap.
      }
      rmSync(path, { force: true });
    }
    return reaped;
  }

  /** Starts a workload, or replaces it when its spec changed; the same spec again is a no-op. */
  async apply(spec: WorkloadSpec): Promise<WorkloadStatus> {
    const existing = this.workloads.get(spec.name);
    if (existing && isDeepStrictEqual(existing.spec, spec)) return this.status(spec.name)!;
    if (existing) await this.remove(spec.name);
    const log = this.options.log.child({ workload: spec.name, ...(spec.labels.tenant ? { tenant: spec.labels.tenant } : {}) });
    const processes = spec.processes.map(
      (p) =>
        new SupervisedProcess(
          spec.name,
          p,
          {
            logDir: join(this.options.logRoot, spec.name),
            runDir: this.options.runDir,
            ...(this.options.livenessIntervalMs ? { livenessIntervalMs: this.options.livenessIntervalMs } : {}),
            ...(this.options.logRotation ? { logRotation: this.options.logRotation } : {}),
            pool: this.options.pool,
          },
          log,
        ),
    );
    this.workloads.set(spec.name, { spec, processes });
    for (const p of processes) {
      this.byPort.set(p.spec.health.port, p);
      p.on('change', () => {
        this.track(p);
        this.emit('change', spec.name);
      });
      if (p.spec.startLater) {
        p.queue();
        this.later.push(p);
      } else p.start();
    }
    this.startQueued();
    return this.status(spec.name)!;
  }

  /** Stops every process of a workload; removing an unknown workload is a no-op. */
  async remove(name: string): Promise<void> {
    const workload = this.workloads.get(name);
    if (!workload) return;
    this.workloads.delete(name);
    await Promise.all(workload.processes.map((p) => p.stop()));
    for (const p of workload.processes) if (this.byPort.get(p.spec.health.port) === p) this.byPort.delete(p.spec.health.port);
    this.emit('change', name);
  }

  private track(p: SupervisedProcess): void {
    const starting = p.spec.startLater ? this.startingLater : this.startingFirst;
    if (p.current === 'starting') starting.add(p);
    else if (starting.delete(p)) this.startQueued();
  }

  /** Starts the processes marked startLater whose turn came. */
  private startQueued(): void {
    clearTimeout(this.laterTimer);
    for (;;) {
      while (this.later.length > 0 && this.later[0]!.current !== 'queued') this.later.shift();
      const next = this.later[0];
      if (!next) return;
      const waited = Date.now() - next.queuedAt;
      if ((this.startingFirst.size > 0 || this.startingLater.size >= LATER_AT_ONCE) && waited < LATER_WAIT_MAX_MS) {
        this.laterTimer = setTimeout(() => this.startQueued(), LATER_WAIT_MAX_MS - waited);
        this.laterTimer.unref();
        return;
      }
      this.later.shift();
      try {
        next.start();
      } catch (err) {
        // Called from timers and other processes' changes: a program that cannot be spawned must not stop the rest.
        this.options.log.error({ workload: next.workload, process: next.spec.name, err }, 'could not start a program');
      }
    }
  }

  status(name: string): WorkloadStatus | undefined {
    const workload = this.workloads.get(name);
    if (!workload) return undefined;
    const processes = workload.processes.map((p) => p.status());
    const first = processes.filter((_, i) => !workload.processes[i]!.spec.startLater);
    return {
      name,
      labels: workload.spec.labels,
      ready: processes.every((p) => p.state === 'ready'),
      serving: first.every((p) => p.state === 'ready'),
      processes,
    };
  }

  /** Resolves when every process of the workload passed its health check (with `serving`, those not marked startLater). */
  async waitReady(name: string, timeoutMs: number, serving = false): Promise<WorkloadStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = this.status(name);
      if (!status) throw new Error(`workload ${name} does not exist`);
      if (serving ? status.serving : status.ready) return status;
      const crashing = status.processes.find((p) => p.state !== 'ready' && p.restarts >= CRASH_LOOP_RESTARTS);
      if (crashing) throw new CrashLoopError(name, crashing, this.logTail(name, crashing.name));
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(`workload ${name} to become ready`, timeoutMs);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.off('change', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 250));
        this.on('change', done);
      });
    }
  }

  /** The last lines a process wrote, for error messages. */
  private logTail(workload: string, processName: string): string {
    try {
      const text = readFileSync(join(this.options.logRoot, workload, `${processName}.log`), 'utf8');
      return text.trimEnd().split('\n').slice(-3).join(' | ').slice(-600);
    } catch {
      return '';
    }
  }

  /** Stops every workload: pods first, then databases, then the platform's own services; each layer at once. */
  async stopAll(): Promise<void> {
    await this.options.pool?.close();
    const layerOf = (name: string) => this.workloads.get(name)?.spec.labels.layer;
    for (const layer of ['pod', 'master', 'database', undefined]) {
      const names = [...this.workloads.keys()].filter((n) => layer === undefined || layerOf(n) === layer);
      await Promise.all(names.map((n) => this.remove(n)));
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
