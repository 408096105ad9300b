#!/usr/bin/env node
// Provisioning time: from POST /admin/api/tenants to the first 200 from GET /api/user/config at the
// tenant's host (polled every ~10 ms through the gateway). Rounds: N trial one after another (the next
// POST as soon as the previous tenant serves), N trial one after another once the previous one settled
// (its status ready: every program up), N production one after another, 2N trial at once (the issue's
// burst of 40 with N = 20), then N of each tier at once. Tenants are deleted after each round
// (and the bench waits until GET answers 404). A tenant that does not serve within --tenant-timeout-s
// is recorded as a failure (with the catalog's error) and left out of the percentiles.
//
// In the concurrent round all 2N POSTs are sent at once (--post-concurrency limits how many are in flight).
//
//   node bench/provisioning.mjs [--count 20] [--poll-ms 10] [--post-concurrency 40] [--tenant-timeout-s 90]
//                               [--port 8191] [--limit-s 900] [--keep-home] [--tag x → results/provisioning-x.json]
import {
  createTenant,
  deleteTenants,
  log,
  parseFlags,
  runBench,
  sleep,
  startPlatform,
  summarize,
  waitTenantPhase,
  waitTenantServes,
  TENANT_PORTS,
} from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), {
  count: 20,
  'poll-ms': 10,
  'post-concurrency': 40,
  'tenant-timeout-s': 90,
  port: 8191,
  'limit-s': 900,
  'keep-home': false,
  tag: '',
});
const N = flags.count;
if (!Number.isInteger(N) || N < 1 || N > 50) throw new Error('--count must be an integer from 1 to 50');
const TARGETS = { trial: { p50Ms: 500 }, production: { p50Ms: 2000 }, trialBurst: { p50Ms: 10_000 } };
const runId = Date.now().toString(36).slice(-5);

/** A gate letting at most `limit` callers past at once. */
function limiter(limit) {
  let active = 0;
  const waiting = [];
  return async (fn) => {
    while (active >= limit) await new Promise((r) => waiting.push(r));
    active += 1;
    try {
      return await fn();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/** Provisions one tenant and measures POST → first 200 at its host; never throws (failures are returned). */
async function provisionOne(platform, slug, tier, postGate = (fn) => fn(), roundStart = undefined) {
  let t0 = performance.now();
  try {
    await postGate(async () => {
      t0 = performance.now();
      await createTenant(platform, slug, tier);
    });
    const postMs = performance.now() - t0;
    const t1 = await waitTenantServes(platform, slug, { intervalMs: flags['poll-ms'], timeoutMs: flags['tenant-timeout-s'] * 1000 });
    // The catalog's own step timings, to see what dominates.
    const record = (await platform.api('GET', `/admin/api/tenants/${slug}`)).json ?? {};
    const steps = Object.fromEntries((record.steps ?? []).map((s) => [s.name, s.durationMs]));
    const catalogMs = record.readyAt && record.createdAt ? Date.parse(record.readyAt) - Date.parse(record.createdAt) : null;
    return {
      slug,
      tier,
      ms: Math.round(t1 - t0),
      postMs: Math.round(postMs),
      catalogCreatedToReadyMs: catalogMs,
      stepMs: steps,
      ...(roundStart !== undefined ? { postSentAfterRoundStartMs: Math.round(t0 - roundStart), fromRoundStartMs: Math.round(t1 - roundStart) } : {}),
    };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`  ${slug} FAILED after ${Math.round(performance.now() - t0)} ms: ${error.slice(0, 600)}`);
    return { slug, tier, error };
  }
}

/** Deletes the round's tenants and waits for 404s; a tenant that will not go is recorded, not fatal. */
async function deleteAll(platform, slugs) {
  log(`deleting ${slugs.length} tenants`);
  try {
    await deleteTenants(platform, slugs, { timeoutMs: 120_000 });
    return null;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`  delete problem (continuing): ${error}`);
    return error;
  }
}

function summarizeRound(name, mode, samples, wallMs) {
  const byTier = {};
  for (const tier of ['trial', 'production']) {
    const mine = samples.filter((s) => s.tier === tier && !s.error);
    const failed = samples.filter((s) => s.tier === tier && s.error).length;
    if (mine.length + failed === 0) continue;
    const steps = {};
    for (const step of ['database', 'storage', 'pod', 'route']) {
      const values = mine.map((s) => s.stepMs[step]).filter((v) => typeof v === 'number');
      if (values.length > 0) steps[step] = summarize(values);
    }
    byTier[tier] = { failed, postToFirst200Ms: summarize(mine.map((s) => s.ms)), catalogStepMs: steps };
    if (mine.length > 0 && mine.every((s) => typeof s.fromRoundStartMs === 'number')) {
      byTier[tier].roundStartToFirst200Ms = summarize(mine.map((s) => s.fromRoundStartMs));
    }
  }
  for (const [tier, s] of Object.entries(byTier)) {
    const d = s.postToFirst200Ms;
    log(`${name}: ${tier} ok=${d.n} failed=${s.failed}${d.n > 0 ? ` p50=${d.p50} ms p95=${d.p95} ms max=${d.max} ms` : ''}`);
  }
  return { name, mode, wallMs: Math.round(wallMs), byTier, samples };
}

await runBench(flags.tag ? `provisioning-${flags.tag}` : 'provisioning', flags['limit-s'] * 1000, async () => {
  const platform = await startPlatform({ name: 'provisioning', port: flags.port, keepHome: flags['keep-home'] });
  const rounds = [];

  for (const [tier, settle] of [
    ['trial', false],
    ['trial', true],
    ['production', false],
  ]) {
    const name = `${tier}-sequential${settle ? '-settled' : ''}`;
    log(`round ${name}: ${N} ${tier} tenants one after another${settle ? ', each after the previous one is ready' : ''}`);
    const samples = [];
    const started = performance.now();
    for (let i = 0; i < N; i += 1) {
      const sample = await provisionOne(platform, `b${runId}-${tier[0]}${settle ? 'r' : 's'}${i}`, tier);
      samples.push(sample);
      if (!sample.error) log(`  ${sample.slug}: ${sample.ms} ms (steps ${JSON.stringify(sample.stepMs)})`);
      // Ready: its pod's programs started later are up too.
      if (settle && !sample.error) await waitTenantPhase(platform, sample.slug, 'ready');
    }
    rounds.push(summarizeRound(name, 'sequential', samples, performance.now() - started));
    rounds.at(-1).deleteError = await deleteAll(
      platform,
      samples.map((s) => s.slug),
    );
    await sleep(1000);
  }

  {
    const name = 'concurrent-trial';
    log(`round ${name}: ${2 * N} trial tenants at once (POSTs ≤ ${flags['post-concurrency']} in flight)`);
    const postGate = limiter(flags['post-concurrency']);
    const slugs = Array.from({ length: 2 * N }, (_, i) => `b${runId}-tb${i}`);
    const started = performance.now();
    const samples = await Promise.all(slugs.map((slug) => provisionOne(platform, slug, 'trial', postGate, started)));
    rounds.push(summarizeRound(name, 'concurrent', samples, performance.now() - started));
    rounds.at(-1).deleteError = await deleteAll(platform, slugs);
  }

  {
    const name = 'concurrent-mixed';
    log(`round ${name}: ${N} trial + ${N} production tenants at once (POSTs ≤ ${flags['post-concurrency']} in flight)`);
    const postGate = limiter(flags['post-concurrency']);
    const jobs = [];
    for (let i = 0; i < N; i += 1) {
      jobs.push({ slug: `b${runId}-tc${i}`, tier: 'trial' });
      jobs.push({ slug: `b${runId}-pc${i}`, tier: 'production' });
    }
    const started = performance.now();
    const samples = await Promise.all(
      jobs.map((j) =>
        provisionOne(platform, j.slug, j.tier, postGate, started).then((s) => {
          if (!s.error) log(`  ${s.slug}: ${s.ms} ms`);
          return s;
        }),
      ),
    );
    rounds.push(summarizeRound(name, 'concurrent', samples, performance.now() - started));
    rounds.at(-1).deleteError = await deleteAll(
      platform,
      jobs.map((j) => j.slug),
    );
  }

  const pick = (round, tier) => rounds.find((r) => r.name === round)?.byTier[tier];
  const target = (round, tier, targetMs = TARGETS[tier].p50Ms) => {
    const t = pick(round, tier);
    const measuredMs = t?.postToFirst200Ms.p50 ?? null;
    return {
      targetMs,
      measuredMs,
      failedTenants: t?.failed ?? null,
      met: measuredMs !== null && measuredMs <= targetMs && t.failed === 0,
    };
  };
  const targets = {
    trialSequentialP50: target('trial-sequential', 'trial'),
    trialSequentialSettledP50: target('trial-sequential-settled', 'trial'),
    trialBurstP50: target('concurrent-trial', 'trial', TARGETS.trialBurst.p50Ms),
    productionSequentialP50: target('production-sequential', 'production'),
    trialConcurrentP50: target('concurrent-mixed', 'trial'),
    productionConcurrentP50: target('concurrent-mixed', 'production'),
  };
  for (const [k, t] of Object.entries(targets)) {
    log(`target ${k}: ${t.measuredMs} ms vs ≤ ${t.targetMs} ms, ${t.failedTenants} failed → ${t.met ? 'met' : 'NOT met'}`);
  }
  const failures = rounds.flatMap((r) => r.samples.filter((s) => s.error).map((s) => ({ round: r.name, slug: s.slug, error: s.error })));

  return {
    parameters: {
      countPerTier: N,
      pollIntervalMs: flags['poll-ms'],
      concurrentRoundPostsInFlight: flags['post-concurrency'],
      tenantTimeoutSeconds: flags['tenant-timeout-s'],
      tenantPorts: TENANT_PORTS,
      measured: 'POST /admin/api/tenants sent → first 200 from GET /api/user/config with Host <slug>.localhost via the gateway',
      percentiles: 'linear interpolation between closest ranks; failed tenants excluded',
      provisioningConcurrency: Number(process.env.TENANTRY_PROVISIONING_CONCURRENCY ?? 4),
    },
    targets,
    failures,
    rounds,
  };
});
