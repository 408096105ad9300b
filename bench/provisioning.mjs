#!/usr/bin/env node
// Provisioning time: from POST /admin/api/tenants to the first 200 from GET /api/user/config at the
// tenant's host (polled every ~10 ms through the gateway). Rounds: N trial one after another,
// N production one after another, then N of each tier at once. Tenants are deleted after each round.
//
//   node bench/provisioning.mjs [--count 20] [--poll-ms 10] [--port 8191] [--limit-s 900] [--keep-home]
import {
  createTenant, deleteTenants, log, parseFlags, runBench, sleep, startPlatform, summarize, waitTenantServes,
} from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), { count: 20, 'poll-ms': 10, port: 8191, 'limit-s': 900, 'keep-home': false });
const N = flags.count;
if (!Number.isInteger(N) || N < 1 || N > 50) throw new Error('--count must be an integer from 1 to 50');
const TARGETS = { trial: { p50Ms: 500 }, production: { p50Ms: 2000 } };
const runId = Date.now().toString(36).slice(-5);

/** Provisions one tenant and measures POST → first 200 at its host. */
async function provisionOne(platform, slug, tier) {
  const t0 = performance.now();
  await createTenant(platform, slug, tier);
  const postMs = performance.now() - t0;
  const t1 = await waitTenantServes(platform, slug, { intervalMs: flags['poll-ms'] });
  const totalMs = t1 - t0;
  // The catalog's own step timings, to see what dominates.
  const record = (await platform.api('GET', `/admin/api/tenants/${slug}`)).json ?? {};
  const steps = Object.fromEntries((record.steps ?? []).map((s) => [s.name, s.durationMs]));
  const catalogMs = record.readyAt && record.createdAt ? Date.parse(record.readyAt) - Date.parse(record.createdAt) : null;
  return { slug, tier, ms: Math.round(totalMs), postMs: Math.round(postMs), catalogCreatedToReadyMs: catalogMs, stepMs: steps };
}

function summarizeRound(name, mode, samples, wallMs) {
  const byTier = {};
  for (const tier of ['trial', 'production']) {
    const mine = samples.filter((s) => s.tier === tier);
    if (mine.length === 0) continue;
    const steps = {};
    for (const step of ['database', 'storage', 'pod', 'route']) {
      const values = mine.map((s) => s.stepMs[step]).filter((v) => typeof v === 'number');
      if (values.length > 0) steps[step] = summarize(values);
    }
    byTier[tier] = { postToFirst200Ms: summarize(mine.map((s) => s.ms)), catalogStepMs: steps };
  }
  for (const [tier, s] of Object.entries(byTier)) {
    log(`${name}: ${tier} n=${s.postToFirst200Ms.n} p50=${s.postToFirst200Ms.p50} ms p95=${s.postToFirst200Ms.p95} ms max=${s.postToFirst200Ms.max} ms`);
  }
  return { name, mode, wallMs: Math.round(wallMs), byTier, samples };
}

await runBench('provisioning', flags['limit-s'] * 1000, async () => {
  const platform = await startPlatform({ name: 'provisioning', port: flags.port, keepHome: flags['keep-home'] });
  const rounds = [];

  for (const tier of ['trial', 'production']) {
    const name = `${tier}-sequential`;
    log(`round ${name}: ${N} ${tier} tenants one after another`);
    const samples = [];
    const started = performance.now();
    for (let i = 0; i < N; i += 1) {
      const slug = `b${runId}-${tier[0]}s${i}`;
      const sample = await provisionOne(platform, slug, tier);
      samples.push(sample);
      log(`  ${slug}: ${sample.ms} ms (steps ${JSON.stringify(sample.stepMs)})`);
    }
    rounds.push(summarizeRound(name, 'sequential', samples, performance.now() - started));
    log(`deleting ${samples.length} tenants`);
    await deleteTenants(platform, samples.map((s) => s.slug));
    await sleep(1000);
  }

  {
    const name = 'concurrent-mixed';
    log(`round ${name}: ${N} trial + ${N} production tenants at once`);
    const jobs = [];
    for (let i = 0; i < N; i += 1) {
      jobs.push({ slug: `b${runId}-tc${i}`, tier: 'trial' });
      jobs.push({ slug: `b${runId}-pc${i}`, tier: 'production' });
    }
    const started = performance.now();
    const settled = await Promise.allSettled(
      jobs.map((j) =>
        provisionOne(platform, j.slug, j.tier).then((s) => {
          log(`  ${s.slug}: ${s.ms} ms`);
          return s;
        }),
      ),
    );
    const wallMs = performance.now() - started;
    const failures = settled.filter((r) => r.status === 'rejected').map((r) => String(r.reason?.message ?? r.reason));
    const samples = settled.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const round = summarizeRound(name, 'concurrent', samples, wallMs);
    round.failures = failures;
    rounds.push(round);
    log(`deleting ${jobs.length} tenants`);
    await deleteTenants(platform, jobs.map((j) => j.slug));
    if (failures.length > 0) throw new Error(`${failures.length} tenant(s) failed in the concurrent round: ${failures.slice(0, 3).join(' | ')}`);
  }

  const p50 = (round, tier) => rounds.find((r) => r.name === round)?.byTier[tier]?.postToFirst200Ms.p50 ?? null;
  const targets = {
    trialSequentialP50: { targetMs: TARGETS.trial.p50Ms, measuredMs: p50('trial-sequential', 'trial') },
    productionSequentialP50: { targetMs: TARGETS.production.p50Ms, measuredMs: p50('production-sequential', 'production') },
    trialConcurrentP50: { targetMs: TARGETS.trial.p50Ms, measuredMs: p50('concurrent-mixed', 'trial') },
    productionConcurrentP50: { targetMs: TARGETS.production.p50Ms, measuredMs: p50('concurrent-mixed', 'production') },
  };
  for (const t of Object.values(targets)) t.met = t.measuredMs !== null && t.measuredMs <= t.targetMs;
  for (const [k, t] of Object.entries(targets)) log(`target ${k}: ${t.measuredMs} ms vs ≤ ${t.targetMs} ms → ${t.met ? 'met' : 'NOT met'}`);

  return {
    parameters: {
      countPerTier: N,
      pollIntervalMs: flags['poll-ms'],
      measured: 'POST /admin/api/tenants sent → first 200 from GET /api/user/config with Host <slug>.localhost via the gateway',
      percentiles: 'linear interpolation between closest ranks',
      provisioningConcurrency: Number(process.env.TENANTRY_PROVISIONING_CONCURRENCY ?? 4),
    },
    targets,
    rounds,
  };
});
