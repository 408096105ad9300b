/** @module One OS process kept running: spawn, health, restart with backoff, graceful stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@tenantry/core';
import { inBackground, toForeground } from './background-priority.js';
import { probe } from './health.js';
import { OutputBudget } from './output-budget.js';
import { DEFAULT_LOG_ROTATION, RotatingLog, type LogRotation } from './rotating-log.js';
import { hand, type WarmPool } from './warm-pool.js';
import type { ProcessSpec, ProcessState, ProcessStatus } from '@tenantry/driver-local';

/** Restart delays grow from the first to the last and reset after a process has run this long. */
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5000;
const STABLE_AFTER_MS = 10_000;
/**
 * A starting process is probed every 10 ms at first, then every 5 % of the time it has taken so far, at most
 * every 50 ms: its readiness is seen within 5 % of its start, and many processes starting at once on a busy
 * machine (a burst of new tenants) are not probed a thousand times a second.
 */
const READINESS_INTERVAL_MS = 10;
const READINESS_INTERVAL_MAX_MS = 50;
const READINESS_INTERVAL_SHARE = 0.05;
const PAGE_BYTES = 4096;
const LIVENESS_FAILURES_BEFORE_KILL = 3;

/** The binary a spec's command names: "node" is the Node.js that runs the platform. */
export function executable(command: string): string {
  return command === 'node' ? process.execPath : command;
}

export interface ProcessPaths {
  /** Folder for `<process>.log`. */
  logDir: string;
  /** Folder for `<workload>.<process>.pid`, used to reap processes orphaned by a hard kill. */
  runDir: string;
  /** Time between liveness probes (health and memory) of a ready process. @defaultValue 5000 */
  livenessIntervalMs?: number;
  /** Size, count and read rate of each process's log files. @defaultValue 10 MiB × 5, 4 MiB/s */
  logRotation?: LogRotation;
  /** Pre-started processes a spec marked warmStart is started from when one is ready. */
  pool?: WarmPool | undefined;
}

export class SupervisedProcess extends EventEmitter {
  private child: ChildProcess | undefined;
  private state: ProcessState = 'stopped';
  private restarts = 0;
  private streak = 0;
  private startedAt = 0;
  private lastExit: ProcessStatus['lastExit'];
  private timer: NodeJS.Timeout | undefined;
  private livenessFailures = 0;
  private exited: Promise<void> = Promise.resolve();
  private prestarted = false;
  /** While the process does not serve: resolves once it does (shared by every caller). */
  private serving: { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } | undefined;
  /** When it was queued (startLater), for the supervisor's start queue. */
  queuedAt = 0;

  constructor(
    readonly workload: string,
    readonly spec: ProcessSpec,
    private readonly paths: ProcessPaths,
    private readonly log: Logger,
  ) {
    super();
  }

  get pidFile(): string {
    return join(this.paths.runDir, `${this.workload}.${this.spec.name}.pid`);
  }

  status(): ProcessStatus {
    return {
      name: this.spec.name,
      state: this.state,
      ...(this.child?.pid ? { pid: this.child.pid } : {}),
      port: this.spec.health.port,
      restarts: this.restarts,
      ...(this.child ? { prestarted: this.prestarted } : {}),
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
    };
  }

  get current(): ProcessState {
    return this.state;
  }

  /** Marks a process that waits for its turn to start (the supervisor starts it). */
  queue(): void {
    if (this.state !== 'stopped') return;
    this.queuedAt = Date.now();
    this.setState('queued');
  }

  /**
   * Undefined when the process serves, or will not (stopped); else resolves once it passed its health
   * check and rejects if it is stopped first.
   */
  whenServing(): Promise<void> | undefined {
    if (this.state === 'ready' || this.state === 'stopped' || this.state === 'stopping') return undefined;
    if (!this.serving) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      // A caller that stopped waiting leaves no unhandled rejection behind.
      promise.catch(() => undefined);
      this.serving = { promise, resolve, reject };
    }
    return this.serving.promise;
  }

  start(): void {
    if (this.state !== 'stopped' && this.state !== 'backoff' && this.state !== 'queued') return;
    // Only the supervisor's user can read the logs: a tenant's program must not read another's.
    mkdirSync(this.paths.logDir, { recursive: true, mode: 0o700 });
    const logFile = new RotatingLog(join(this.paths.logDir, `${this.spec.name}.log`), this.paths.logRotation);
    let child: ChildProcess;
    const blank = this.paths.pool?.take(this.spec);
    // A program started later stays in the background until it serves; a first one leaves it at once.
    const [command, args] = this.spec.startLater
      ? inBackground(executable(this.spec.command), this.spec.args)
      : [executable(this.spec.command), this.spec.args];
    try {
      child =
        blank ??
        spawn(command, args, {
          env: this.spec.env,
          cwd: this.spec.cwd,
          stdio: ['ignore', 'pipe', 'pipe'],
          ...(this.spec.uid !== undefined ? { uid: this.spec.uid } : {}),
          ...(this.spec.gid !== undefined ? { gid: this.spec.gid } : {}),
        });
    } catch (err) {
      logFile.close();
      throw err;
    }
    this.prestarted = blank !== undefined;
    let logFailed = false;
    const budget = new OutputBudget(
      (this.paths.logRotation ?? DEFAULT_LOG_ROTATION).bytesPerSecond,
      [child.stdout, child.stderr].filter((pipe) => pipe !== null),
    );
    const writeLog = (chunk: Buffer) => {
      budget.spend(chunk.length);
      try {
        logFile.write(chunk);
      } catch (err) {
        // A full disk must not stop the platform; say it once per start, keep the program running.
        if (!logFailed) this.log.warn({ process: this.spec.name, err }, 'could not write the process log; its output is dropped');
        logFailed = true;
      }
    };
    child.stdout?.on('data', writeLog);
    child.stderr?.on('data', writeLog);
    // 'close' comes after both pipes ended, so no output is written after the file is closed.
    child.once('close', () => logFile.close());
    child.once('exit', () => budget.stop());
    this.child = child;
    this.startedAt = Date.now();
    this.setState('starting');
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.onExit(child, code, signal);
        resolve();
      });
      // A program that cannot be started (e.g. a missing binary) emits no 'exit': treat it as one.
      child.once('error', (err) => {
        if (child.pid !== undefined) return;
        logFile.close();
        this.log.error({ process: this.spec.name, err: err.message }, 'process could not be spawned');
        this.onExit(child, null, null);
        resolve();
      });
    });
    if (child.pid) {
      // Written and removed synchronously: a program restarted at once (a redeploy) must not have its
      // new pid file removed by its predecessor's late removal, or a hard kill would leave it orphaned.
      try {
        writeFileSync(this.pidFile, JSON.stringify({ pid: child.pid, command: this.spec.command, stopSignal: this.spec.stopSignal }));
      } catch (err) {
        this.log.warn({ process: this.spec.name, err }, 'could not write pid file');
      }
    }
    if (blank && !this.spec.startLater) toForeground(blank.pid);
    if (blank) hand(blank, { env: this.spec.env, cwd: this.spec.cwd, uid: this.spec.uid, gid: this.spec.gid });
    this.scheduleProbe(READINESS_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    const child = this.child;
    if (!child || this.state === 'stopped') {
      this.setState('stopped');
      return;
    }
    this.setState('stopping');
    child.kill(this.spec.stopSignal);
    const killer = setTimeout(() => child.kill('SIGKILL'), this.spec.stopTimeoutMs);
    await this.exited;
    clearTimeout(killer);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    clearTimeout(this.timer);
    this.child = undefined;
    this.lastExit = { code, signal, at: new Date().toISOString() };
    rmSync(this.pidFile, { force: true });
    if (this.state === 'stopping') {
      this.setState('stopped');
      return;
    }
    this.restarts += 1;
    this.streak = Date.now() - this.startedAt > STABLE_AFTER_MS ? 0 : this.streak + 1;
    const wait = Math.min(BACKOFF_FIRST_MS * 2 ** Math.max(0, this.streak - 1), BACKOFF_MAX_MS);
    this.log.warn({ process: this.spec.name, code, signal, restartInMs: wait }, 'process exited; restarting');
    this.setState('backoff');
    this.timer = setTimeout(() => this.start(), wait);
  }

  private scheduleProbe(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runProbe(), ms);
  }

  private async runProbe(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const healthy = await probe(this.spec.health);
    if (child !== this.child || this.state === 'stopping') return;
    if (this.state === 'starting') {
      if (healthy) {
        this.livenessFailures = 0;
        if (this.spec.startLater) toForeground(child.pid);
        this.setState('ready');
        this.scheduleProbe(this.paths.livenessIntervalMs ?? 5000);
      } else {
        this.scheduleProbe(Math.min(READINESS_INTERVAL_MAX_MS, Math.max(READINESS_INTERVAL_MS, (Date.now() - this.startedAt) * READINESS_INTERVAL_SHARE)));
      }
      return;
    }
    const rssMb = residentMb(child.pid);
    if (this.spec.memoryLimitMb !== undefined && rssMb !== undefined && rssMb > this.spec.memoryLimitMb) {
      this.log.warn({ process: this.spec.name, rssMb, limitMb: this.spec.memoryLimitMb }, 'process exceeded its memory limit; killing it');
      child.kill('SIGKILL');
      return;
    }
    this.livenessFailures = healthy ? 0 : this.livenessFailures + 1;
    if (this.livenessFailures >= LIVENESS_FAILURES_BEFORE_KILL) {
      this.log.warn({ process: this.spec.name }, 'process failed its health check; killing it');
      child.kill('SIGKILL');
      return;
    }
    this.scheduleProbe(this.paths.livenessIntervalMs ?? 5000);
  }

  private setState(state: ProcessState): void {
    if (this.state === state) return;
    this.state = state;
    if (this.serving && (state === 'ready' || state === 'stopped' || state === 'stopping')) {
      if (state === 'ready') this.serving.resolve();
      else this.serving.reject(new Error(`program ${this.spec.name} was stopped`));
      this.serving = undefined;
    }
    this.emit('change', this.status());
  }
}

/** Resident memory of a process in MiB, from /proc (Linux); undefined where it cannot be read. */
function residentMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (pages * PAGE_BYTES) / 1048576;
  } catch {
    return undefined;
  }
}
