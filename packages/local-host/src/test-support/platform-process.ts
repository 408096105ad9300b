/** @module Test support: runs `tenantry up` as a child process in a fresh TENANTRY_HOME and talks to it over loopback. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@tenantry/core';
import { freePort } from '@tenantry/driver-local/test-support';

// The other packages' tests take it from here, with the platform harness.
export { freePort };

export const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export class PlatformProcess {
  private child: ChildProcess | undefined;
  output = '';
  /** More environment for `tenantry up`, e.g. TENANTRY_POD_MANIFEST. */
  extraEnv: NodeJS.ProcessEnv = {};

  constructor(
    readonly home: string,
    readonly port: number,
    readonly portRange: string,
  ) {}

  static async create(portRange: string): Promise<PlatformProcess> {
    const home = mkdtempSync(join(tmpdir(), 'tenantry-test-'));
    // Traversable by the postgres user, so the clusters stay inside this folder and go with it.
    chmodSync(home, 0o755);
    return new PlatformProcess(home, await freePort(), portRange);
  }

  /** Stops the platform and deletes its TENANTRY_HOME (unless TENANTRY_TEST_KEEP_HOME is set). */
  async dispose(): Promise<void> {
    await this.stop();
    // TENANTRY_TEST_KEEP_HOME=1 keeps it (logs, state) to look into a failure.
    if (!process.env.TENANTRY_TEST_KEEP_HOME) rmSync(this.home, { recursive: true, force: true });
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, TENANTRY_HOME: this.home, PORT: String(this.port), TENANTRY_PORTS: this.portRange, LOG_LEVEL: 'info', ...this.extraEnv };
  }

  get token(): string {
    return readFileSync(join(this.home, 'admin-token'), 'utf8').trim();
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, [CLI, 'up'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`tenantry up exited with ${code}:\n${this.output}`))));
    await Promise.race([
      exited,
      waitFor(() => this.output.includes('ready; press Ctrl-C to stop'), { what: 'tenantry up to be ready', timeoutMs: 120_000, intervalMs: 100 }).catch(
        (err: Error) => {
          throw new Error(`${err.message}\n${this.output}`);
        },
      ),
    ]);
    exited.catch(() => undefined);
  }

  /** SIGTERM, then waits for the exit: everything the platform started must be stopped by then. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }

  /** SIGKILL, as a crash or an OOM kill would: the platform gets no chance to stop its children. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Pids of every supervised process, from the supervisor's pid files. */
  supervisedPids(): number[] {
    const runDir = join(this.home, 'run');
    return readdirSync(runDir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => (JSON.parse(readFileSync(join(runDir, f), 'utf8')) as { pid: number }).pid);
  }

  /** An HTTP request through the gateway with an explicit Host header. */
  http(
    host: string,
    path: string,
    options: { method?: string; body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { host, ...(options.headers ?? {}) };
    if (options.token !== null && host.startsWith('master.')) headers.authorization ??= `Bearer ${options.token ?? this.token}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, path, method: options.method ?? 'GET', headers, setHost: false, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  api(method: string, path: string, body?: unknown, token?: string | null): Promise<HttpAnswer> {
    return this.http('master.localhost', path, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      ...(token === undefined ? {} : { token }),
    });
  }

  /** Runs the CLI against this platform. */
  cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: this.env, encoding: 'utf8', timeout: 180_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  async waitStatus(slug: string, status: string, timeoutMs = 60_000): Promise<any> {
    return waitFor(
      async () => {
        const answer = await this.api('GET', `/admin/api/tenants/${slug}`);
        if (answer.json?.status === 'failed' && status !== 'failed') throw new Error(`tenant ${slug} failed: ${answer.json.error}`);
        return answer.json?.status === status ? answer.json : undefined;
      },
      { what: `tenant ${slug} to be ${status}`, timeoutMs, intervalMs: 50 },
    );
  }

  async waitGone(slug: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(async () => (await this.api('GET', `/admin/api/tenants/${slug}`)).status === 404, {
      what: `tenant ${slug} to be deleted`,
      timeoutMs,
      intervalMs: 50,
    });
  }

  /** The pid of a supervised process, from the pid file the supervisor writes. */
  pid(workload: string, processName: string): number {
    return (JSON.parse(readFileSync(join(this.home, 'run', `${workload}.${processName}.pid`), 'utf8')) as { pid: number }).pid;
  }

  /** The environment a supervised process runs with now, read from /proc (e.g. the master's scheduler: the node agent's address and token). */
  processEnviron(workload: string, processName: string): Record<string, string> {
    return Object.fromEntries(
      readFileSync(`/proc/${this.pid(workload, processName)}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
  }

  /** The node agent's desired state (workloads with their environment, routes, ports). */
  agentState(): {
    workloads: Record<string, { processes: { name: string; env: Record<string, string> }[] }>;
    routes: Record<string, unknown>;
    ports: Record<string, Record<string, number>>;
  } {
    return JSON.parse(readFileSync(join(this.home, 'agent', 'state.json'), 'utf8'));
  }

  /** Signs up an account on a tenant (the first one is its admin); returns its session token. */
  async signUp(slug: string, email: string, name = 'Owner'): Promise<string> {
    const answer = await this.http(`${slug}.localhost:${this.port}`, '/api/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email, password: 'a long enough password', name }),
    });
    if (answer.status !== 201) throw new Error(`signing up ${email} on ${slug} answered ${answer.status}: ${answer.text}`);
    return answer.json.token;
  }

  /** The environment one program of a tenant's pod was given. */
  podEnv(slug: string, program = 'user-backend'): Record<string, string> {
    const workload = this.agentState().workloads[`pod-${slug}`];
    if (!workload) throw new Error(`no pod for ${slug}`);
    return workload.processes.find((p) => p.name === program)!.env;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
