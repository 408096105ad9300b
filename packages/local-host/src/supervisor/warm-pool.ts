/**
 * @module Pre-started pod programs. A program's start is mostly loading its code (about 200 ms of CPU for
 * each of the pod's four); the pool keeps a few processes per program with their code loaded and no
 * tenant in them, so a tenant's pod (a wake, a new tenant, a restart) skips that part. Each one takes a
 * single tenant's identity once, through its launcher (`prestart-launcher.ts`): it is never given back or
 * reused. Only specs marked `warmStart` (Node programs whose main goes through runMain) are served.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@tenantry/core';
import type { ProcessSpec } from '@tenantry/driver-local';
import { inBackground } from './background-priority.js';

/** What the supervisor hands a pre-started process: the tenant's whole environment, folder and OS user. */
export interface Identity {
  env: Record<string, string>;
  cwd?: string | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
}

/**
 * What a launcher says back: first that it listens for its identity (a message sent before that would be
 * lost), then that its program's code is loaded.
 */
export interface LauncherMessage {
  state: 'listening' | 'loaded';
}

/**
 * Environment read when Node or a library loads, before an identity can be given: part of a pool's key,
 * so a spec that sets one is served by processes started with it. Others Node reads only at its start
 * (NODE_COMPILE_CACHE, for one) do not apply to a pre-started program.
 */
const BOOT_ENVIRONMENT = ['NODE_ENV', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'] as const;
const LAUNCHER = fileURLToPath(new URL('./prestart-launcher.js', import.meta.url));

interface Blank {
  child: ChildProcess;
  state: 'spawned' | LauncherMessage['state'];
  drop: () => void;
}

interface Program {
  command: string[];
  env: Record<string, string>;
  blanks: Blank[];
  /** Launchers that exited before they were taken, in a row: refilling slows down, then stops. */
  failures: number;
  refill: NodeJS.Timeout | undefined;
}

export interface WarmPoolOptions {
  /** Pre-started processes kept per program. 0 turns the pool off. */
  size: number;
  /** Where each pre-started process's pid file goes (the supervisor reaps them after a hard kill). */
  runDir: string;
  /** Delay before a taken process is replaced, so the replacement does not compete with the start it served. @defaultValue 250 */
  refillDelayMs?: number;
  log: Logger;
}

const MAX_FAILURES = 5;

/** How often a refill that had to wait looks again. */
const REFILL_RETRY_MS = 100;

export class WarmPool {
  private readonly programs = new Map<string, Program>();
  private closed = false;
  private mayRefill: () => boolean = () => true;

  constructor(private readonly options: WarmPoolOptions) {}

  /** Replacements start only when this says so (the supervisor's: no pod program is starting). */
  refillWhen(mayRefill: () => boolean): void {
    this.mayRefill = mayRefill;
  }

  /** Starts keeping processes for these programs (a spec not marked warmStart, or a pool of size 0, is ignored). */
  keepWarm(specs: readonly ProcessSpec[]): void {
    for (const spec of specs) this.program(spec);
  }

  /**
   * A pre-started process for this spec, now the caller's (its output and exit are no longer the pool's):
   * a loaded one, else one still loading (ahead of a new process all the same), else undefined. The caller
   * gives it its identity with `hand`.
   */
  take(spec: ProcessSpec): ChildProcess | undefined {
    const program = this.program(spec);
    if (!program) return undefined;
    let index = program.blanks.findIndex((b) => b.state === 'loaded');
    if (index < 0) index = program.blanks.findIndex((b) => b.state === 'listening');
    if (index < 0) return undefined;
    const [blank] = program.blanks.splice(index, 1);
    blank!.drop();
    this.scheduleRefill(program, this.options.refillDelayMs ?? 250);
    return blank!.child;
  }

  /** The processes waiting, by pid, per program (its command line): loaded, or loading and able to take an identity. */
  stats(): { command: string; loaded: number[]; loading: number[] }[] {
    const pids = (blanks: Blank[]) => blanks.flatMap((b) => (b.child.pid ? [b.child.pid] : []));
    return [...this.programs.values()].map((p) => ({
      command: p.command.join(' '),
      loaded: pids(p.blanks.filter((b) => b.state === 'loaded')),
      loading: pids(p.blanks.filter((b) => b.state === 'listening')),
    }));
  }

  /** Stops every process not taken; nothing is started after. */
  async close(): Promise<void> {
    this.closed = true;
    const exits: Promise<unknown>[] = [];
    for (const program of this.programs.values()) {
      clearTimeout(program.refill);
      for (const blank of program.blanks.splice(0)) {
        blank.drop();
        if (blank.child.exitCode === null && blank.child.signalCode === null) {
          exits.push(new Promise((resolve) => blank.child.once('exit', resolve)));
          blank.child.kill('SIGKILL');
        }
      }
    }
    await Promise.all(exits);
  }

  private program(spec: ProcessSpec): Program | undefined {
    if (!spec.warmStart || spec.command !== 'node' || this.options.size <= 0 || this.closed) return undefined;
    // Node's own flags, then the program's file and its arguments.
    const split = spec.args.findIndex((arg) => !arg.startsWith('-'));
    if (split < 0) return undefined;
    const env: Record<string, string> = { PATH: spec.env.PATH ?? process.env.PATH ?? '/usr/bin:/bin' };
    for (const name of BOOT_ENVIRONMENT) if (spec.env[name] !== undefined) env[name] = spec.env[name];
    const command = [...spec.args.slice(0, split), LAUNCHER, ...spec.args.slice(split)];
    const key = JSON.stringify([command, env]);
    let program = this.programs.get(key);
    if (!program) {
      program = { command, env, blanks: [], failures: 0, refill: undefined };
      this.programs.set(key, program);
      this.fill(program);
    }
    return program;
  }

  private scheduleRefill(program: Program, delayMs: number): void {
    if (this.closed || program.refill) return;
    program.refill = setTimeout(() => {
      program.refill = undefined;
      if (this.mayRefill()) this.fill(program);
      else this.scheduleRefill(program, REFILL_RETRY_MS);
    }, delayMs);
    program.refill.unref();
  }

  private fill(program: Program): void {
    while (!this.closed && program.blanks.length < this.options.size && program.failures < MAX_FAILURES) this.startBlank(program);
  }

  private startBlank(program: Program): void {
    const [command, args] = inBackground(process.execPath, program.command);
    const child = spawn(command, args, { env: program.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const pidFile = join(this.options.runDir, `warm-pool.${child.pid ?? 'unknown'}.pid`);
    if (child.pid) writeFileSync(pidFile, JSON.stringify({ pid: child.pid, command: 'node', stopSignal: 'SIGTERM' }));
    let output = '';
    const onOutput = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-2000));
    const onMessage = (message: LauncherMessage) => {
      blank.state = message.state;
      if (message.state === 'loaded') program.failures = 0;
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      rmSync(pidFile, { force: true });
      program.blanks = program.blanks.filter((b) => b !== blank);
      if (this.closed) return;
      program.failures += 1;
      this.options.log.warn({ command: program.command.join(' '), code, signal, output: output.trim() }, 'a pre-started program exited before it was used');
      if (program.failures >= MAX_FAILURES) {
        this.options.log.error({ command: program.command.join(' ') }, 'pre-started programs keep exiting; pods start without them');
        return;
      }
      this.scheduleRefill(program, 1000 * 2 ** program.failures);
    };
    const onError = () => onExit(null, null);
    const blank: Blank = {
      child,
      state: 'spawned',
      drop: () => {
        child.stdout?.off('data', onOutput);
        child.stderr?.off('data', onOutput);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
        rmSync(pidFile, { force: true });
      },
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
    program.blanks.push(blank);
  }
}

/**
 * Gives a taken process its one identity. Its launcher closes the channel once it applied it, before the
 * program's main runs (closing it from here could reach a busy launcher before the message, which it
 * would take for its supervisor gone); one still open after a few seconds is closed from here.
 */
export function hand(child: ChildProcess, identity: Identity): void {
  // A process that died since it was taken cannot be sent anything; its exit is the supervisor's to handle.
  if (!child.connected) return;
  child.send(identity, () => undefined);
  setTimeout(() => child.connected && child.disconnect(), 5000).unref();
}
