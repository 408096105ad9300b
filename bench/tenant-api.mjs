#!/usr/bin/env node
// Throughput of one tenant's user API through the gateway, as its users reach it: a single-row GET
// (GET /api/projects/:id, signed in) and a small insert (POST /api/projects), each with a pool of
// --connections keep-alive connections for --duration-s seconds after --warmup-s, --runs times;
// medians of req/s and latency percentiles. The same GET straight to the user backend's port shows
// what the gateway costs.
//
//   node bench/tenant-api.mjs [--tier trial] [--connections 20] [--duration-s 10] [--warmup-s 2] [--runs 3] [--port 8194] [--limit-s 600]
import autocannon from 'autocannon';
import { createTenant, leasedPorts, log, onCleanup, parseFlags, percentile, runBench, startPlatform, waitTenantServes } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), { tier: 'trial', connections: 20, 'duration-s': 10, 'warmup-s': 2, runs: 3, port: 8194, 'limit-s': 600 });
const round = (v, d = 1) => (v === null || v === undefined ? null : Math.round(v * 10 ** d) / 10 ** d);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function load({ port, host, token, route, ids, seconds }) {
  let next = 0;
  let created = 0;
  const headers = { host, authorization: `Bearer ${token}` };
  const request =
    route === 'insert'
      ? {
          method: 'POST',
          path: '/api/projects',
          headers: { ...headers, 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ name: `load ${(created += 1)}` }) }),
        }
      : { method: 'GET', headers, setupRequest: (req) => ({ ...req, path: `/api/projects/${ids[(next += 1) % ids.length]}` }) };
  const expected = route === 'insert' ? 201 : 200;
  const latencies = [];
  const statuses = {};
  const instance = autocannon({ url: `http://127.0.0.1:${port}`, connections: flags.connections, duration: seconds, timeout: 10, requests: [request] });
  const off = onCleanup(() => instance.stop());
  instance.on('response', (_client, status, _bytes, ms) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === expected) latencies.push(ms);
  });
  const result = await instance;
  off();
  const unexpected = Object.entries(statuses)
    .filter(([s]) => Number(s) !== expected)
    .reduce((a, [, n]) => a + n, 0);
  return {
    requestsPerSec: round((statuses[expected] ?? 0) / result.duration, 0),
    latencyMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
    statusCounts: statuses,
    ok: unexpected === 0 && result.errors === 0 && result.timeouts === 0,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

await runBench('tenant-api', flags['limit-s'] * 1000, async () => {
  const platform = await startPlatform({ name: 'tenant-api', port: flags.port });
  const slug = `bta${Date.now().toString(36).slice(-5)}`;
  await createTenant(platform, slug, flags.tier);
  await waitTenantServes(platform, slug);
  const host = `${slug}.localhost:${flags.port}`;
  const signup = await platform.tenant(slug, '/api/auth/signup', 10_000, {
    method: 'POST',
    body: { email: 'bench@bench.test', password: 'a long enough password', name: 'Bench' },
  });
  if (signup.status !== 201) throw new Error(`sign-up answered ${signup.status}: ${signup.body}`);
  const token = signup.json.token;
  const ids = [];
  for (let i = 0; i < 200; i += 1) {
    const made = await platform.tenant(slug, '/api/projects', 10_000, {
      method: 'POST',
      body: { name: `seed ${i}` },
      headers: { authorization: `Bearer ${token}` },
    });
    ids.push(made.json.id);
  }
  const direct = leasedPorts(platform.home)[`pod-${slug}`]['user-backend'];
  const targets = [
    { name: 'get via gateway', port: flags.port, route: 'get' },
    { name: 'insert via gateway', port: flags.port, route: 'insert' },
    { name: 'get direct to user-backend', port: direct, route: 'get' },
  ];
  const runs = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let run = 1; run <= flags.runs; run += 1) {
    for (const target of targets) {
      await load({ port: target.port, host, token, route: target.route, ids, seconds: flags['warmup-s'] });
      const result = await load({ port: target.port, host, token, route: target.route, ids, seconds: flags['duration-s'] });
      runs[target.name].push(result);
      log(
        `run ${run} ${target.name.padEnd(28)} ${String(result.requestsPerSec).padStart(6)} req/s  p50 ${result.latencyMs.p50} ms  p99 ${result.latencyMs.p99} ms${result.ok ? '' : `  NOT OK ${JSON.stringify(result.statusCounts)}`}`,
      );
    }
  }
  const summary = Object.fromEntries(
    Object.entries(runs).map(([name, rs]) => [
      name,
      {
        requestsPerSec: median(rs.map((r) => r.requestsPerSec)),
        latencyP50Ms: median(rs.map((r) => r.latencyMs.p50)),
        latencyP99Ms: median(rs.map((r) => r.latencyMs.p99)),
        allOk: rs.every((r) => r.ok),
      },
    ]),
  );
  for (const [name, s] of Object.entries(summary))
    log(`median ${name.padEnd(28)} ${s.requestsPerSec} req/s, p50 ${s.latencyP50Ms} ms, p99 ${s.latencyP99Ms} ms`);
  const target = summary['get via gateway'].requestsPerSec >= 2000;
  log(`target ≥ 2,000 req/s for the GET through the gateway: ${target ? 'met' : 'NOT met'}`);
  return {
    parameters: {
      tier: flags.tier,
      connections: flags.connections,
      durationSeconds: flags['duration-s'],
      warmupSeconds: flags['warmup-s'],
      runs: flags.runs,
      seededProjects: ids.length,
      client: 'autocannon, same machine',
    },
    summary,
    targetGet2000Met: target,
    runs,
  };
});
