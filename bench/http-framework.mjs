#!/usr/bin/env node
// Express 5 vs Fastify 5 for the tenant user backend: the same small projects API
// (bench/lib/http-framework-servers/{express,fastify}.mjs) in its own Node process, over a pg.Pool
// (max 10) on a real throwaway Postgres holding 1,000 projects. Per repetition each framework in turn
// (E, F, E, F, ...; only one server runs at a time) is started fresh and measured for:
//   - cold start: spawn to the first 200 of GET /api/health, and to the first 200 of a DB-backed GET;
//   - idle RSS (VmRSS of /proc/<pid>/status) 1 s after that first GET;
//   - equivalence: the same status for a set of valid and invalid requests, the same body for a row;
//   - GET /api/projects/:id cycling through the 1,000 real ids, then POST /api/projects (INSERT ...
//     RETURNING): autocannon, --connections connections, --warmup-s warm-up then --duration-s measured;
//     every response must have the expected status (200, 201) or the run is reported with errors;
//   - RSS after the load (VmRSS, and VmHWM = peak).
// Rows created by the POST runs are deleted (and the table vacuumed) after every server. Reported
// values are medians over the repetitions. Load generator, server and Postgres share the machine, so
// the CPU time of each (and of any other program) is recorded per run; before each server the bench
// waits (up to --quiet-wait-s) for other programs to calm down, and a server whose runs were disturbed
// by them is measured again (up to --retries times, within --limit-s).
//
//   node bench/http-framework.mjs [--repeat 3] [--duration-s 10] [--warmup-s 2] [--connections 20]
//                                 [--quiet-wait-s 60] [--retries 2] [--limit-s 1200]
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { startTestPostgres } from '../packages/drivers/local/dist/test-support/test-postgres.js';
import { ROOT, anyFreePort, http, log, onCleanup, parseFlags, percentile, processTree, runBench, sleep } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), {
  repeat: 3,
  'duration-s': 10,
  'warmup-s': 2,
  connections: 20,
  'limit-s': 1200,
  'quiet-wait-s': 60,
  retries: 2,
});
/** A run during which other programs used more than this (% of one core) is disturbed: measured again if time allows. */
const DISTURBED_OTHER_CPU = 25;
const SERVERS_DIR = join(ROOT, 'bench', 'lib', 'http-framework-servers');
const FRAMEWORKS = {
  express: { file: join(SERVERS_DIR, 'express.mjs'), label: 'Express 5' },
  fastify: { file: join(SERVERS_DIR, 'fastify.mjs'), label: 'Fastify 5' },
};
const ROWS = 1000;
const POOL_MAX = 10;
const median = (xs) =>
  percentile(
    xs.filter((x) => x !== null && x !== undefined),
    50,
  );
const round = (x, digits = 2) => (x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits);
const versionOf = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** VmRSS and VmHWM (peak) of a process, in KiB. */
function memoryKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const CPUS = os.cpus().length;
const PF_KTHREAD = 0x00200000;

/** CPU ticks (user + system) of every process now, and which are kernel threads, from /proc/<pid>/stat. */
function cpuSnapshot() {
  const ticks = new Map();
  const kernel = new Set();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      ticks.set(pid, Number(f[11]) + Number(f[12]));
      if (Number(f[6]) & PF_KTHREAD) kernel.add(pid);
    } catch {
      /* exited meanwhile */
    }
  }
  return { ticks, kernel, machine: machineCpu(), at: performance.now() };
}

/**
 * Where the CPU went between two snapshots, in % of one core: the server, Postgres (the postmaster
 * and its processes), this process (autocannon), kernel threads, every other program, and the whole
 * machine (busy time of /proc/stat, which also holds interrupt time charged to no process). A process
 * that started and ended between the snapshots is missed.
 */
function cpuBetween(a, b, { serverPid, postgresPids }) {
  const seconds = (b.at - a.at) / 1000;
  const pct = (ticks) => Math.round((ticks / CLK_TCK / seconds) * 100);
  const postgres = new Set(postgresPids);
  const sums = { server: 0, postgres: 0, loadGenerator: 0, kernelThreads: 0, otherPrograms: 0 };
  for (const [pid, t] of b.ticks) {
    const delta = t - (a.ticks.get(pid) ?? 0);
    if (pid === serverPid) sums.server += delta;
    else if (postgres.has(pid)) sums.postgres += delta;
    else if (pid === process.pid) sums.loadGenerator += delta;
    else if (b.kernel.has(pid)) sums.kernelThreads += delta;
    else sums.otherPrograms += delta;
  }
  const percent = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, pct(v)]));
  percent.machine = Math.round(((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * CPUS * 100);
  return { percent, serverSeconds: sums.server / CLK_TCK };
}

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat; guest time is inside user. */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Another program keeping the CPUs busy would skew the comparison: waits (up to --quiet-wait-s)
 * until programs other than this bench and its Postgres use under DISTURBED_OTHER_CPU % of one core
 * over one second. Returns that figure.
 */
async function waitQuiet(db) {
  const deadline = Date.now() + flags['quiet-wait-s'] * 1000;
  let warned = false;
  for (;;) {
    const a = cpuSnapshot();
    await sleep(1000);
    const other = cpuBetween(a, cpuSnapshot(), { serverPid: -1, postgresPids: db.pids() }).percent.otherPrograms;
    if (other < DISTURBED_OTHER_CPU || Date.now() > deadline) {
      if (other >= DISTURBED_OTHER_CPU) log(`other programs still use ${other} % of a core; measuring anyway`);
      return other;
    }
    if (!warned) {
      log(`other programs use ${other} % of a core; waiting up to ${flags['quiet-wait-s']} s for them to calm down`);
      warned = true;
    }
  }
}

// ---------------------------------------------------------------- Postgres

async function startDatabase() {
  log('starting a throwaway Postgres');
  const started = performance.now();
  const db = await startTestPostgres();
  onCleanup(async () => {
    log('stopping Postgres');
    await db.stop();
  });
  log(`Postgres ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  onCleanup(() => client.end().catch(() => undefined));
  await client.query(`CREATE TABLE projects (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    description text,
    created_at timestamptz DEFAULT now()
  )`);
  // Every tenth project without a description, so that both null and text are served.
  const { rows } = await client.query(
    `INSERT INTO projects (name, description)
     SELECT 'project ' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'description of project ' || g END
     FROM generate_series(1, $1::int) AS g RETURNING id`,
    [ROWS],
  );
  await client.query('VACUUM ANALYZE projects');
  const ids = rows.map((r) => r.id);
  const dataDir = (await client.query('SHOW data_directory')).rows[0].data_directory;
  const postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  log(`table projects created with ${ids.length} rows`);
  return {
    url: db.adminUrl,
    ids,
    /** The postmaster and every Postgres process it forked. */
    pids: () => processTree(postmasterPid),
    /** Deletes the rows the POST runs created, so that every server starts from the same table. */
    reset: async () => {
      const { rowCount } = await client.query('DELETE FROM projects WHERE NOT (id = ANY($1::uuid[]))', [ids]);
      await client.query('VACUUM ANALYZE projects');
      return rowCount;
    },
  };
}

// ---------------------------------------------------------------- the servers

/**
 * Spawns one server and polls it every 5 ms until GET /api/health answers 200, then makes one
 * DB-backed GET. Returns its pid, port, the cold-start times and a stop function.
 */
async function startServer(framework, db) {
  const port = await anyFreePort();
  const started = performance.now();
  const child = spawn(process.execPath, [FRAMEWORKS[framework].file], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATABASE_URL: db.url, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (c) => {
    if (output.length < 20_000) output += c.toString('utf8');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let alive = true;
  const exited = new Promise((r) =>
    child.once('exit', (code, signal) => {
      alive = false;
      r({ code, signal });
    }),
  );
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (!alive) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        log(`${framework} server (pid ${child.pid}) did not stop in 5 s; killing it`);
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };
  const offCleanup = onCleanup(stop);

  const deadline = Date.now() + 30_000;
  let healthMs;
  while (healthMs === undefined) {
    if (!alive) throw new Error(`${framework} server exited during start-up: ${output.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${framework} server did not answer in 30 s: ${output.slice(-2000)}`);
    try {
      const res = await http(port, { host: '127.0.0.1', path: '/api/health', timeoutMs: 2000, headers: { connection: 'close' } });
      if (res.status === 200) healthMs = performance.now() - started;
    } catch {
      await sleep(5);
    }
  }
  const first = await http(port, { host: '127.0.0.1', path: `/api/projects/${db.ids[0]}`, headers: { connection: 'close' } });
  if (first.status !== 200) throw new Error(`${framework}: first GET answered ${first.status}: ${first.body.slice(0, 300)}`);
  const firstQueryMs = performance.now() - started;
  return {
    framework,
    pid: child.pid,
    port,
    coldStartMs: { health: round(healthMs, 1), firstDbQuery: round(firstQueryMs, 1) },
    stop: async () => {
      await stop();
      offCleanup();
    },
  };
}

// ---------------------------------------------------------------- equivalence

/** Requests with their expected status; both frameworks must answer each the same way. */
function equivalenceCases(db) {
  const body = (value) => JSON.stringify(value);
  return [
    { name: 'health', path: '/api/health', status: 200 },
    { name: 'existing project', path: `/api/projects/${db.ids[1]}`, status: 200, compareBody: true },
    { name: 'project without description', path: `/api/projects/${db.ids[9]}`, status: 200, compareBody: true },
    { name: 'unknown project', path: `/api/projects/${randomUUID()}`, status: 404 },
    { name: 'id not a UUID', path: '/api/projects/not-a-uuid', status: 400 },
    { name: 'unknown route', path: '/api/nothing-here', status: 404 },
    { name: 'create', method: 'POST', path: '/api/projects', body: body({ name: 'p', description: 'd' }), status: 201 },
    { name: 'create without description', method: 'POST', path: '/api/projects', body: body({ name: 'p' }), status: 201 },
    { name: 'create, extra property ignored', method: 'POST', path: '/api/projects', body: body({ name: 'p', other: 1 }), status: 201 },
    { name: 'name of 200 characters', method: 'POST', path: '/api/projects', body: body({ name: 'n'.repeat(200) }), status: 201 },
    { name: 'description of 2000 characters', method: 'POST', path: '/api/projects', body: body({ name: 'p', description: 'd'.repeat(2000) }), status: 201 },
    { name: 'empty object', method: 'POST', path: '/api/projects', body: body({}), status: 400 },
    { name: 'empty name', method: 'POST', path: '/api/projects', body: body({ name: '' }), status: 400 },
    { name: 'name of 201 characters', method: 'POST', path: '/api/projects', body: body({ name: 'n'.repeat(201) }), status: 400 },
    { name: 'name not a string', method: 'POST', path: '/api/projects', body: body({ name: 5 }), status: 400 },
    { name: 'description null', method: 'POST', path: '/api/projects', body: body({ name: 'p', description: null }), status: 400 },
    { name: 'description of 2001 characters', method: 'POST', path: '/api/projects', body: body({ name: 'p', description: 'd'.repeat(2001) }), status: 400 },
    { name: 'body not JSON', method: 'POST', path: '/api/projects', body: '{"name": ', status: 400 },
    { name: 'body an array', method: 'POST', path: '/api/projects', body: '[]', status: 400 },
    {
      name: 'content type not JSON',
      method: 'POST',
      path: '/api/projects',
      body: 'name=p',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
    },
  ];
}

async function checkEquivalence(server, cases, reference) {
  const failures = [];
  for (const c of cases) {
    const res = await http(server.port, { host: '127.0.0.1', method: c.method ?? 'GET', path: c.path, body: c.body, headers: c.headers ?? {} });
    if (res.status !== c.status) failures.push(`${c.name}: ${res.status} instead of ${c.status} (${res.body.slice(0, 200)})`);
    else if (res.json === undefined) failures.push(`${c.name}: the body is not JSON: ${res.body.slice(0, 200)}`);
    else if (c.status >= 400 && typeof res.json?.error?.code !== 'string') failures.push(`${c.name}: no error.code in ${res.body.slice(0, 200)}`);
    else if (c.status === 201 && (typeof res.json.id !== 'string' || typeof res.json.created_at !== 'string'))
      failures.push(`${c.name}: no id/created_at in ${res.body}`);
    if (c.compareBody && res.status === 200) {
      reference[c.name] ??= { framework: server.framework, body: res.body };
      if (reference[c.name].body !== res.body) {
        failures.push(`${c.name}: body differs from ${reference[c.name].framework}'s: ${res.body} vs ${reference[c.name].body}`);
      }
    }
  }
  if (failures.length > 0) throw new Error(`${server.framework} is not equivalent:\n  ${failures.join('\n  ')}`);
  return cases.length;
}

// ---------------------------------------------------------------- load

/**
 * One autocannon run. Latency percentiles come from every response's own time (autocannon records
 * whole milliseconds only); autocannon's figures are kept alongside.
 */
async function load(server, route, db, seconds, { measured }) {
  let next = Math.floor(Math.random() * db.ids.length);
  let created = 0;
  const request =
    route === 'get'
      ? { method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/projects/${db.ids[next++ % db.ids.length]}` }) }
      : {
          method: 'POST',
          path: '/api/projects',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ name: `load ${(created += 1)}`, description: 'created by the load test' }) }),
        };
  const expected = route === 'get' ? 200 : 201;
  const latencies = [];
  const statuses = {};
  const before = cpuSnapshot();
  const instance = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections: flags.connections,
    duration: seconds,
    timeout: 10,
    requests: [request],
  });
  const offCleanup = onCleanup(() => instance.stop());
  instance.on('response', (client, statusCode, bytes, responseTime) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode === expected) latencies.push(responseTime);
  });
  const r = await instance;
  offCleanup();
  if (!measured) return null;
  const { percent: cpu, serverSeconds: serverCpuSeconds } = cpuBetween(before, cpuSnapshot(), { serverPid: server.pid, postgresPids: db.pids() });
  const unexpected = Object.entries(statuses)
    .filter(([code]) => Number(code) !== expected)
    .reduce((a, [, n]) => a + n, 0);
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    requestsPerSec: round((statuses[expected] ?? 0) / r.duration, 0),
    responses: total,
    expectedStatus: expected,
    statusCounts: statuses,
    unexpectedStatus: unexpected,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    ok: unexpected === 0 && r.errors === 0 && r.timeouts === 0 && total > 0,
    latencyMs: {
      p50: round(percentile(latencies, 50), 3),
      p90: round(percentile(latencies, 90), 3),
      p99: round(percentile(latencies, 99), 3),
      max: latencies.length
        ? round(
            latencies.reduce((a, b) => Math.max(a, b)),
            3,
          )
        : null,
      mean: latencies.length ? round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 3) : null,
    },
    serverCpuMicrosecondsPerRequest: statuses[expected] ? round((serverCpuSeconds / statuses[expected]) * 1e6, 0) : null,
    autocannon: {
      requestsPerSecAverage: r.requests.average,
      latencyMs: { p50: r.latency.p50, p99: r.latency.p99, average: r.latency.average, max: r.latency.max },
      duration: r.duration,
    },
    cpuPercent: cpu,
  };
}

// ---------------------------------------------------------------- report

function summarizeRuns(runs) {
  const pick = (f) => median(runs.map(f));
  return {
    requestsPerSec: round(
      pick((r) => r.requestsPerSec),
      0,
    ),
    latencyP50Ms: round(
      pick((r) => r.latencyMs.p50),
      3,
    ),
    latencyP99Ms: round(
      pick((r) => r.latencyMs.p99),
      3,
    ),
    serverCpuPercent: round(
      pick((r) => r.cpuPercent.server),
      0,
    ),
    serverCpuMicrosecondsPerRequest: round(
      pick((r) => r.serverCpuMicrosecondsPerRequest),
      0,
    ),
    postgresCpuPercent: round(
      pick((r) => r.cpuPercent.postgres),
      0,
    ),
    loadGeneratorCpuPercent: round(
      pick((r) => r.cpuPercent.loadGenerator),
      0,
    ),
    machineCpuPercent: round(
      pick((r) => r.cpuPercent.machine),
      0,
    ),
    kernelThreadsCpuPercent: round(
      pick((r) => r.cpuPercent.kernelThreads),
      0,
    ),
    otherProgramsCpuPercent: round(
      pick((r) => r.cpuPercent.otherPrograms),
      0,
    ),
    runsWithErrors: runs.filter((r) => !r.ok).length,
    runsDisturbed: runs.filter((r) => r.cpuPercent.otherPrograms > DISTURBED_OTHER_CPU).length,
  };
}

function printTable(summary) {
  const rows = [];
  const fws = Object.keys(FRAMEWORKS);
  const cell = (v, unit = '') => (v === null || v === undefined ? '-' : `${v}${unit}`);
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
  rows.push(['', ...fws.map((f) => FRAMEWORKS[f].label), 'fastify/express']);
  for (const route of ['get', 'post']) {
    const name = route === 'get' ? 'GET /api/projects/:id' : 'POST /api/projects';
    const s = Object.fromEntries(fws.map((f) => [f, summary[f].routes[route]]));
    rows.push([`${name} req/s`, ...fws.map((f) => cell(s[f].requestsPerSec)), ratio(s.fastify.requestsPerSec, s.express.requestsPerSec)]);
    rows.push([`${name} p50`, ...fws.map((f) => cell(s[f].latencyP50Ms, ' ms')), ratio(s.fastify.latencyP50Ms, s.express.latencyP50Ms)]);
    rows.push([`${name} p99`, ...fws.map((f) => cell(s[f].latencyP99Ms, ' ms')), ratio(s.fastify.latencyP99Ms, s.express.latencyP99Ms)]);
    rows.push([
      `${name} server CPU per request`,
      ...fws.map((f) => cell(s[f].serverCpuMicrosecondsPerRequest, ' µs')),
      ratio(s.fastify.serverCpuMicrosecondsPerRequest, s.express.serverCpuMicrosecondsPerRequest),
    ]);
    rows.push([
      `${name} CPU % server/pg/load/other`,
      ...fws.map((f) => `${s[f].serverCpuPercent}/${s[f].postgresCpuPercent}/${s[f].loadGeneratorCpuPercent}/${s[f].otherProgramsCpuPercent}`),
      '',
    ]);
    rows.push([`${name} runs with errors / disturbed`, ...fws.map((f) => `${s[f].runsWithErrors} / ${s[f].runsDisturbed} of ${flags.repeat}`), '']);
  }
  const mib = (k) => (k ? `${(k / 1024).toFixed(1)} MiB` : '-');
  rows.push(['idle RSS after start-up', ...fws.map((f) => mib(summary[f].idleRssKiB)), ratio(summary.fastify.idleRssKiB, summary.express.idleRssKiB)]);
  rows.push(['RSS after load', ...fws.map((f) => mib(summary[f].rssAfterLoadKiB)), ratio(summary.fastify.rssAfterLoadKiB, summary.express.rssAfterLoadKiB)]);
  rows.push(['peak RSS (VmHWM)', ...fws.map((f) => mib(summary[f].peakRssKiB)), ratio(summary.fastify.peakRssKiB, summary.express.peakRssKiB)]);
  rows.push([
    'cold start to first 200 (health)',
    ...fws.map((f) => cell(summary[f].coldStartMs.health, ' ms')),
    ratio(summary.fastify.coldStartMs.health, summary.express.coldStartMs.health),
  ]);
  rows.push([
    'cold start to first DB-backed 200',
    ...fws.map((f) => cell(summary[f].coldStartMs.firstDbQuery, ' ms')),
    ratio(summary.fastify.coldStartMs.firstDbQuery, summary.express.coldStartMs.firstDbQuery),
  ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  process.stdout.write(
    `\nmedians of ${flags.repeat} runs each, ${flags.connections} connections, ${flags['duration-s']} s per run after ${flags['warmup-s']} s warm-up\n`,
  );
  process.stdout.write(`${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
  process.stdout.write('\n');
}

// ---------------------------------------------------------------- main

const perRunSeconds = 2 * (flags['warmup-s'] + flags['duration-s']) + flags['quiet-wait-s'] + 10;
const minimumLimit = Object.keys(FRAMEWORKS).length * flags.repeat * perRunSeconds + 60;
if (flags['limit-s'] < minimumLimit) throw new Error(`--limit-s ${flags['limit-s']} is too short for these settings; at least ${minimumLimit}`);

await runBench('http-framework', flags['limit-s'] * 1000, async () => {
  const db = await startDatabase();
  const cases = equivalenceCases(db);
  const reference = {};
  const runs = Object.fromEntries(Object.keys(FRAMEWORKS).map((f) => [f, []]));

  const benchStarted = Date.now();
  const discarded = [];
  /** One fresh server of `framework`: start, check, load both routes, stop. */
  const measureOnce = async (framework, rep) => {
    const quietBefore = await waitQuiet(db);
    const server = await startServer(framework, db);
    await sleep(1000);
    const idle = memoryKiB(server.pid);
    const checked = await checkEquivalence(server, cases, reference);
    let openapi;
    if (framework === 'fastify') {
      const res = await http(server.port, { host: '127.0.0.1', path: '/api/openapi.json' });
      openapi = { status: res.status, openapi: res.json?.openapi, paths: Object.keys(res.json?.paths ?? {}) };
    }
    const routes = {};
    for (const route of ['get', 'post']) {
      await load(server, route, db, flags['warmup-s'], { measured: false });
      routes[route] = await load(server, route, db, flags['duration-s'], { measured: true });
      const r = routes[route];
      log(
        `  ${route.toUpperCase()}: ${r.requestsPerSec} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
          `CPU % server ${r.cpuPercent.server}, postgres ${r.cpuPercent.postgres}, autocannon ${r.cpuPercent.loadGenerator}, kernel threads ${r.cpuPercent.kernelThreads}, other programs ${r.cpuPercent.otherPrograms} (machine ${r.cpuPercent.machine} of ${CPUS * 100})` +
          `${r.ok ? '' : `, ERRORS: ${JSON.stringify({ statuses: r.statusCounts, errors: r.errors, timeouts: r.timeouts })}`}`,
      );
    }
    const after = memoryKiB(server.pid);
    await server.stop();
    const removed = await db.reset();
    log(
      `  cold start ${server.coldStartMs.health} ms (health) / ${server.coldStartMs.firstDbQuery} ms (DB), ` +
        `RSS idle ${(idle.rssKiB / 1024).toFixed(1)} MiB, after load ${(after.rssKiB / 1024).toFixed(1)} MiB; ${removed} created rows deleted`,
    );
    return {
      repetition: rep,
      otherProgramsCpuPercentBefore: quietBefore,
      coldStartMs: server.coldStartMs,
      idleRssKiB: idle.rssKiB,
      rssAfterLoadKiB: after.rssKiB,
      peakRssKiB: after.hwmKiB,
      equivalenceChecksPassed: checked,
      ...(openapi ? { openapiDocument: openapi } : {}),
      routes,
      disturbed: Object.values(routes).some((r) => r.cpuPercent.otherPrograms > DISTURBED_OTHER_CPU),
    };
  };
  for (let rep = 1; rep <= flags.repeat; rep += 1) {
    for (const framework of Object.keys(FRAMEWORKS)) {
      for (let attempt = 0; ; attempt += 1) {
        log(`repetition ${rep}/${flags.repeat}: ${FRAMEWORKS[framework].label}${attempt > 0 ? ` (again, ${attempt})` : ''}`);
        const run = await measureOnce(framework, rep);
        const timeLeftS = flags['limit-s'] - (Date.now() - benchStarted) / 1000 - 30;
        // Servers still to measure after this one, each needing up to perRunSeconds.
        const names = Object.keys(FRAMEWORKS);
        const stillToRun = (flags.repeat - rep) * names.length + (names.length - 1 - names.indexOf(framework));
        const canRetry = attempt < flags.retries && timeLeftS > (stillToRun + 1) * perRunSeconds;
        if (!run.disturbed || !canRetry) {
          if (run.disturbed) log(`  WARNING: other programs used over ${DISTURBED_OTHER_CPU} % of a core during this run; kept (no retry left)`);
          runs[framework].push(run);
          break;
        }
        log(`  other programs used over ${DISTURBED_OTHER_CPU} % of a core during this run; measuring it again`);
        discarded.push({ framework, ...run });
      }
    }
  }

  const summary = {};
  for (const [framework, list] of Object.entries(runs)) {
    summary[framework] = {
      routes: { get: summarizeRuns(list.map((r) => r.routes.get)), post: summarizeRuns(list.map((r) => r.routes.post)) },
      idleRssKiB: median(list.map((r) => r.idleRssKiB)),
      rssAfterLoadKiB: median(list.map((r) => r.rssAfterLoadKiB)),
      peakRssKiB: median(list.map((r) => r.peakRssKiB)),
      coldStartMs: {
        health: round(median(list.map((r) => r.coldStartMs.health)), 1),
        firstDbQuery: round(median(list.map((r) => r.coldStartMs.firstDbQuery)), 1),
      },
    };
  }
  printTable(summary);
  const anyErrors = Object.values(summary).some((s) => s.routes.get.runsWithErrors + s.routes.post.runsWithErrors > 0);
  if (anyErrors) log('WARNING: some runs had unexpected statuses, errors or timeouts; see runs[...].routes[...].ok');

  const rel = (p) => relative(ROOT, p);
  return {
    parameters: {
      servers: Object.fromEntries(Object.entries(FRAMEWORKS).map(([f, { file }]) => [f, rel(file)])),
      versions: {
        express: versionOf('express'),
        fastify: versionOf('fastify'),
        '@fastify/swagger': versionOf('@fastify/swagger'),
        pg: versionOf('pg'),
        autocannon: versionOf('autocannon'),
      },
      database: `throwaway Postgres (embedded binaries), table projects with ${ROWS} rows, pg.Pool max ${POOL_MAX} per server`,
      routes: {
        get: 'GET /api/projects/:id, SELECT by primary key, cycling through the 1,000 ids; expected 200',
        post: 'POST /api/projects {name, description}, INSERT ... RETURNING; expected 201',
      },
      load: `autocannon, ${flags.connections} connections, ${flags['warmup-s']} s warm-up then ${flags['duration-s']} s measured, per route (autocannon stops at its next 1 s sample, so a run lasts up to 1 s longer; runs[].routes[].autocannon.duration)`,
      repetitions: flags.repeat,
      order: 'per repetition: express then fastify, each server started fresh and stopped before the next; values are medians over repetitions',
      requestsPerSec: 'responses with the expected status divided by the duration autocannon measured',
      cpu: 'CPU time (user+system) over the measured run in % of one core (the machine has cpuCount cores), from /proc/<pid>/stat: server process, Postgres (postmaster and its processes), this process (autocannon), kernel threads, other programs; machine = all busy time from /proc/stat (includes interrupt time); per request = server CPU time / expected responses',
      disturbed: `a server's runs are measured again (up to ${flags.retries} times, if the time limit allows) when other programs (not this bench, its server, its Postgres or kernel threads) used over ${DISTURBED_OTHER_CPU} % of a core during one of them; discardedRuns keeps those`,
      quiet: `before each server the bench waits (up to quiet-wait-s) until other programs use under ${DISTURBED_OTHER_CPU} % of one core; otherProgramsCpuPercentBefore records it`,
      latency: 'percentiles of every expected-status response time (ms, sub-millisecond resolution) in the measured run',
      rss: 'VmRSS of the server process from /proc/<pid>/status: idle = 1 s after the first DB-backed 200; after load = right after the POST run; peak = VmHWM',
      coldStart:
        'from spawn of the server process to the first 200 of GET /api/health (polled every 5 ms), and to the first 200 of a DB-backed GET right after',
      equivalence: `${cases.length} requests (valid, not found, invalid id, invalid bodies, bad JSON, wrong content type) answered with the same status by both; the same body byte for byte for two rows`,
      configuration: {
        express: 'express.json({limit: 1mb}) on the POST route, hand-written validation, ETag and X-Powered-By off, res.json',
        fastify:
          'logger off, JSON Schema for params, body and responses (Ajv validation, fast-json-stringify serialization), Ajv coerceTypes off, @fastify/swagger registered',
      },
      note: 'autocannon (in this process), the server and Postgres share the machine, without CPU pinning',
    },
    summary,
    equivalenceReference: Object.fromEntries(Object.entries(reference).map(([k, v]) => [k, v.body])),
    runs,
    discardedRuns: discarded,
  };
});
