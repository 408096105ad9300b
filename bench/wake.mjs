#!/usr/bin/env node
// Wake latency: a tenant is frozen (PATCH {"state":"frozen"}, then its phase polled until frozen), then
// C requests for GET /api/user/config at its host are sent at once; each request's time to its whole
// answer is recorded, with its status. Per tier (trial; production, whose Postgres instance is stopped
// too), C = 1, 10 and 100, each round repeated. Wakes per round are counted from the tenant's
// generation (a wake is one spec change back to active). Each round the tenant stays frozen --frozen-ms
// before its first requests. Idle freezing is off during the bench.
//
//   node bench/wake.mjs [--rounds 5] [--frozen-ms 2000] [--port 8193] [--limit-s 900] [--keep-home] [--tag x → results/wake-x.json]
import { createTenant, deleteTenants, log, parseFlags, runBench, sleep, startPlatform, summarize, waitTenantPhase, waitTenantServes } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), { rounds: 5, 'frozen-ms': 2000, port: 8193, 'limit-s': 900, 'keep-home': false, tag: '' });
const ROUNDS = flags.rounds;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 20) throw new Error('--rounds must be an integer from 1 to 20');
const CONCURRENCY = [1, 10, 100];
const TARGETS = { trial: { p50Ms: 300, p99Ms: 1000 }, production: { p50Ms: 500 } };

/** Freezes the tenant and measures PATCH → phase frozen. */
async function freeze(platform, slug) {
  const started = performance.now();
  const answer = await platform.api('PATCH', `/admin/api/tenants/${slug}`, { state: 'frozen' });
  if (answer.status !== 200) throw new Error(`freezing ${slug} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const tenant = await waitTenantPhase(platform, slug, 'frozen');
  return { ms: performance.now() - started, generation: tenant.generation };
}

/** C first requests at once to a frozen tenant; each one's latency and status, and how many wakes it took. */
async function wakeRound(platform, slug, concurrency) {
  const { generation, ms: freezeMs } = await freeze(platform, slug);
  // A tenant stays frozen a while before its first request comes (the platform's pre-started programs,
  // taken by the previous round's wake, are replaced meanwhile).
  await sleep(flags['frozen-ms']);
  const answers = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const started = performance.now();
      try {
        const answer = await platform.tenant(slug, '/api/user/config', 30_000);
        return { ms: performance.now() - started, status: answer.status };
      } catch (err) {
        return { ms: performance.now() - started, status: 'error', error: err.message };
      }
    }),
  );
  const woken = await waitTenantPhase(platform, slug, 'ready');
  return { freezeMs, answers, wakes: woken.generation - generation };
}

await runBench(flags.tag ? `wake-${flags.tag}` : 'wake', flags['limit-s'] * 1000, async () => {
  const platform = await startPlatform({ name: 'wake', port: flags.port, keepHome: flags['keep-home'], env: { TENANTRY_FREEZE_AFTER_TRIAL: 'off' } });
  const tenants = { trial: 'wake-trial', production: 'wake-prod' };
  for (const [tier, slug] of Object.entries(tenants)) await createTenant(platform, slug, tier);
  for (const slug of Object.values(tenants)) await waitTenantServes(platform, slug, { intervalMs: 20, timeoutMs: 120_000 });
  // A tenant serves before its programs started later are up; its spec can change once it is ready.
  for (const slug of Object.values(tenants)) await waitTenantPhase(platform, slug, 'ready', 120_000);
  const results = {};
  for (const [tier, slug] of Object.entries(tenants)) {
    results[tier] = {};
    for (const concurrency of CONCURRENCY) {
      const latencies = [];
      const freezes = [];
      let failed = 0;
      const wakes = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const { freezeMs, answers, wakes: count } = await wakeRound(platform, slug, concurrency);
        freezes.push(freezeMs);
        wakes.push(count);
        for (const a of answers) {
          if (a.status === 200) latencies.push(a.ms);
          else failed += 1;
        }
      }
      results[tier][`c${concurrency}`] = {
        requests: concurrency * ROUNDS,
        failed,
        wakesPerRound: wakes,
        firstRequestMs: summarize(latencies),
        freezeMs: summarize(freezes),
      };
      log(`${tier} c=${concurrency}: p50 ${results[tier][`c${concurrency}`].firstRequestMs.p50} ms, failed ${failed}, wakes ${wakes.join(',')}`);
    }
  }
  await deleteTenants(platform, Object.values(tenants));
  await platform.stop();
  return { rounds: ROUNDS, frozenMs: flags['frozen-ms'], concurrency: CONCURRENCY, targets: TARGETS, results };
});
