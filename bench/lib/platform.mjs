// Shared helpers for the benchmarks: start/stop a private Tenantry platform, talk to it over
// loopback HTTP with an explicit Host header, clean up on every exit path, and write results.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
export const CLI = join(ROOT, 'packages', 'cli', 'dist', 'main.js');
/**
 * Tenant processes get ports from this range: above Linux's default ephemeral range and apart from
 * the default 20000-29999 of a platform you may be running; BENCH_TENANT_PORTS overrides it.
 */
export const TENANT_PORTS = process.env.BENCH_TENANT_PORTS ?? '61000-64999';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

export function log(line) {
  const t = new Date().toISOString().slice(11, 23);
  process.stdout.write(`[${t}] ${line}\n`);
}

/** Minimal `--name value` / `--flag` parser. */
export function parseFlags(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const key = arg.slice(2);
    if (!(key in defaults))
      throw new Error(
        `unknown option ${arg}; known: ${Object.keys(defaults)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    if (typeof defaults[key] === 'boolean') out[key] = true;
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      out[key] = typeof defaults[key] === 'number' ? Number(value) : value;
      if (typeof defaults[key] === 'number' && !Number.isFinite(out[key])) throw new Error(`${arg} must be a number`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- cleanup and the bench runner

const cleanups = [];
/** Registers `fn` to run (last registered first) when the bench ends, fails, times out or is interrupted. */
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

let cleaning;
/** Set when the bench fails or is interrupted: the platform's TENANTRY_HOME is then kept for its logs. */
let benchFailed = false;
async function runCleanups() {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        log(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs `body` with a hard time limit; on success writes bench/results/<name>.json. Whatever happens
 * (error, time limit, Ctrl-C, SIGTERM) every registered cleanup runs before the process exits.
 */
export async function runBench(name, limitMs, body) {
  let exiting = false;
  const abort = async (why, code) => {
    if (exiting) return;
    exiting = true;
    benchFailed = true;
    log(`${why}: stopping everything this bench started`);
    await runCleanups();
    process.exit(code);
  };
  process.on('SIGINT', () => void abort('SIGINT', 130));
  process.on('SIGTERM', () => void abort('SIGTERM', 143));
  const watchdog = setTimeout(() => void abort(`time limit of ${Math.round(limitMs / 1000)} s reached`, 124), limitMs);
  const started = Date.now();
  const loadAverageAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const distNewestFileAtStart = newestDistFile();
  let code = 0;
  try {
    const results = await body();
    const out = {
      benchmark: name,
      machine: { ...machineInfo(), loadAverageAtStart, distNewestFileAtStart },
      tenantryPorts: TENANT_PORTS,
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
      ...results,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${name}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    log(`results written to ${file}`);
  } catch (err) {
    code = 1;
    benchFailed = true;
    log(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    clearTimeout(watchdog);
  }
  if (exiting) return;
  exiting = true;
  await runCleanups();
  process.exit(code);
}

export function machineInfo() {
  const cpus = os.cpus();
  let commit = null;
  let dirty = null;
  try {
    commit = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'packages'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    /* not a git checkout */
  }
  return {
    distNewestFileAt: newestDistFile(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryBytes: os.totalmem(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    gitCommit: commit,
    uncommittedChangesInPackages: dirty,
  };
}

/** When the newest compiled file in a dist folder under packages was written: which build the bench ran. */
function newestDistFile() {
  let newest = 0;
  const walk = (dir, depth) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === 'node_modules') continue;
      const path = join(dir, e.name);
      if (e.isDirectory() && depth > 0) walk(path, depth - 1);
      else if (e.isFile() && /\.m?js$/.test(e.name) && path.includes('/dist/')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'packages'), 5);
  return newest ? new Date(newest).toISOString() : null;
}

// ---------------------------------------------------------------- statistics

/** Percentile by linear interpolation between closest ranks (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function summarize(values) {
  if (values.length === 0) return { n: 0 };
  const r = (x) => Math.round(x);
  return {
    n: values.length,
    min: r(Math.min(...values)),
    p50: r(percentile(values, 50)),
    p95: r(percentile(values, 95)),
    p99: r(percentile(values, 99)),
    max: r(Math.max(...values)),
    mean: r(values.reduce((a, b) => a + b, 0) / values.length),
  };
}

// ---------------------------------------------------------------- loopback HTTP

const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 });

/** One HTTP request to 127.0.0.1:port with an explicit Host header; resolves { status, body, json }. */
export function http(port, { host, method = 'GET', path = '/', headers = {}, body, timeoutMs = 10_000 }) {
  return new Promise((resolvePromise, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: keepAlive,
        headers: {
          host,
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolvePromise({ status: res.statusCode, body: text, json });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${host}${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Is a loopback port free to listen on? */
export function canListen(port) {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => r(true)));
  });
}

/** A port the OS considers free on 127.0.0.1 right now. */
export function anyFreePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** First free loopback port at or above `start` (stays below 20000, away from the tenant port ranges). */
export async function freePort(start) {
  for (let port = start; port < Math.min(start + 500, 19999); port += 1) if (await canListen(port)) return port;
  throw new Error(`no free port from ${start}`);
}

// ---------------------------------------------------------------- the platform

/**
 * Starts `tenantry up` with a fresh TENANTRY_HOME under /tmp and a free gateway port ≥ 8190. The
 * platform is stopped (SIGTERM, then waited for) by the bench's cleanup, whatever happens.
 */
export async function startPlatform({ name, port = 8190, env = {}, readyTimeoutMs = 120_000, keepHome = false }) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build first`);
  const home = `/tmp/bench-home-${name}-${Date.now()}`;
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const gatewayPort = await freePort(Math.max(port, 8190));
  const logFile = join(home, 'up.log');
  const logStream = createWriteStream(logFile);
  log(`starting platform: PORT=${gatewayPort} TENANTRY_HOME=${home} TENANTRY_PORTS=${TENANT_PORTS}`);
  const child = spawn(process.execPath, [CLI, 'up'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(gatewayPort), TENANTRY_HOME: home, TENANTRY_PORTS: TENANT_PORTS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  let output = '';
  let readyResolve;
  const ready = new Promise((r) => (readyResolve = r));
  const onData = (chunk) => {
    logStream.write(chunk);
    if (output.length < 100_000) output += chunk.toString('utf8');
    if (output.includes('ready; press Ctrl-C to stop')) readyResolve();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      if (alive) {
        log(`stopping platform (pid ${child.pid})`);
        child.kill('SIGTERM');
        const result = await Promise.race([exited, sleep(90_000).then(() => null)]);
        if (!result) {
          log('platform did not stop within 90 s; killing it, its child processes and the processes in its run folder');
          const tree = processTree(child.pid);
          for (const pid of tree) {
            try {
              process.kill(pid, 'SIGKILL');
              if (pid !== child.pid) log(`killed leftover pid ${pid}`);
            } catch {
              /* gone */
            }
          }
          await exited;
        }
      }
      killLeftovers(home);
      logStream.end();
      if (!keepHome && !failed && !benchFailed) rmSync(home, { recursive: true, force: true });
      else log(`platform files kept in ${home}`);
    })();
    return stopped;
  };
  let failed = false;
  onCleanup(stop);

  const started = Date.now();
  const outcome = await Promise.race([ready.then(() => 'ready'), exited.then(() => 'exited'), sleep(readyTimeoutMs).then(() => 'timeout')]);
  if (outcome !== 'ready') {
    failed = true;
    throw new Error(`platform ${outcome === 'exited' ? 'exited' : 'was not ready in time'} before "ready"; its output:\n${output.slice(-3000)}`);
  }
  const token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  log(`platform ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return {
    home,
    port: gatewayPort,
    token,
    pid: child.pid,
    stop,
    markFailed: () => {
      failed = true;
    },
    /** Calls the master's tenants API. */
    api: (method, path, body) => http(gatewayPort, { host: 'master.localhost', method, path, body, headers: { authorization: `Bearer ${token}` } }),
    /** A request to a tenant's host through the gateway. */
    tenant: (slug, path = '/api/user/config', timeoutMs = 10_000, options = {}) =>
      http(gatewayPort, { host: `${slug}.localhost`, path, timeoutMs, ...options }),
  };
}

/** The parent pid of every live process (the ppid field of /proc/<pid>/stat). */
export function parentMap() {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  return parents;
}

/** `pid` and all its descendants. */
export function processTree(pid, parents = parentMap()) {
  const out = [pid];
  for (let i = 0; i < out.length; i += 1) for (const [c, p] of parents) if (p === out[i]) out.push(c);
  return out;
}

/** Safety net: stop any process still named in TENANTRY_HOME/run whose command line, environment or working folder is in that home. */
function killLeftovers(home) {
  const runDir = join(home, 'run');
  if (!existsSync(runDir)) return;
  for (const file of readdirSync(runDir).filter((f) => f.endsWith('.pid'))) {
    try {
      const { pid } = JSON.parse(readFileSync(join(runDir, file), 'utf8'));
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        /* not readable */
      }
      const ident = `${readFileSync(`/proc/${pid}/cmdline`, 'utf8')}\0${readFileSync(`/proc/${pid}/environ`, 'utf8')}\0${cwd}/`;
      if (!ident.includes(`${home}/`)) continue;
      process.kill(pid, 'SIGKILL');
      log(`killed leftover ${file.replace(/\.pid$/, '')} (pid ${pid})`);
    } catch {
      /* already gone */
    }
  }
}

// ---------------------------------------------------------------- tenants

/** Reads a pid file of TENANTRY_HOME/run: { pid, ... } or undefined. */
export function readPidFile(home, workload, processName) {
  const file = join(home, 'run', `${workload}.${processName}.pid`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Ports the node agent leased (only the `ports` map of agent/state.json is read). */
export function leasedPorts(home) {
  return JSON.parse(readFileSync(join(home, 'agent', 'state.json'), 'utf8')).ports ?? {};
}

/** POSTs a tenant; throws unless the answer is 202. */
export async function createTenant(platform, slug, tier) {
  const res = await platform.api('POST', '/admin/api/tenants', { slug, tier });
  if (res.status !== 202) throw new Error(`POST ${slug} (${tier}) answered ${res.status}: ${res.body.slice(0, 300)}`);
  return res.json;
}

/**
 * Polls the tenant's host until GET /api/user/config answers 200; returns the time of that answer. The wait
 * between polls is `intervalMs`, growing to 2 % of the time waited so far (at most 100 ms): the answer is
 * timed within 2 % (10 ms under half a second), and forty tenants waited for at once are not polled 4,000
 * times a second, which took a visible share of the two cores the platform measured was using.
 */
export async function waitTenantServes(platform, slug, { intervalMs = 10, timeoutMs = 180_000 } = {}) {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await platform.tenant(slug, '/api/user/config', 5_000);
      if (last.status === 200) return performance.now();
    } catch (err) {
      last = { status: 'error', body: err.message };
    }
    if (Date.now() > deadline) {
      const record = await platform.api('GET', `/admin/api/tenants/${slug}`).catch(() => undefined);
      throw new Error(
        `${slug} did not answer 200 within ${timeoutMs / 1000} s (last: ${last?.status} ${String(last?.body).slice(0, 200)}; ` +
          `catalog status: ${record?.json?.status ?? 'unknown'} ${record?.json?.error ?? ''})`,
      );
    }
    await sleep(Math.max(intervalMs, Math.min(100, (performance.now() - started) * 0.02)));
  }
}

/** Polls the tenant's record until its status is `phase`; returns the record. */
export async function waitTenantPhase(platform, slug, phase, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tenant = (await platform.api('GET', `/admin/api/tenants/${slug}`)).json;
    if (tenant?.status === phase) return tenant;
    if (Date.now() > deadline) throw new Error(`${slug} not ${phase} within ${timeoutMs / 1000} s (it is ${tenant?.status})`);
    await sleep(20);
  }
}

/** DELETEs tenants and waits until GET answers 404 for each. */
export async function deleteTenants(platform, slugs, { timeoutMs = 180_000 } = {}) {
  for (const slug of slugs) {
    const res = await platform.api('DELETE', `/admin/api/tenants/${slug}`);
    if (res.status !== 202 && res.status !== 404) throw new Error(`DELETE ${slug} answered ${res.status}: ${res.body.slice(0, 300)}`);
  }
  const deadline = Date.now() + timeoutMs;
  const left = new Set(slugs);
  while (left.size > 0) {
    for (const slug of [...left]) {
      const res = await platform.api('GET', `/admin/api/tenants/${slug}`);
      if (res.status === 404) left.delete(slug);
    }
    if (left.size === 0) break;
    if (Date.now() > deadline) throw new Error(`tenants not gone after ${timeoutMs / 1000} s: ${[...left].join(', ')}`);
    await sleep(200);
  }
}
