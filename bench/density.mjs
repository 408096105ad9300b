#!/usr/bin/env node
// Density: how many tenants one machine holds when most are frozen. N trial tenants are registered in
// batches (each batch provisioned, then frozen), then the platform is measured:
//   - all frozen: memory (PSS of every process of the platform) and CPU over a quiet window, against the
//     same platform with no tenant (the cost of a frozen tenant);
//   - A tenants woken by their first request and kept under light traffic (one request per tenant every
//     2 s): memory and CPU again (the cost of an active tenant);
//   - wake latency: C first requests at once to one frozen tenant (one wake), and C frozen tenants each
//     sent its first request at the same moment (C wakes), C = 1, 10, 100: each request's time to its
//     whole answer and its status.
// Idle freezing is off (tenants are frozen by PATCH); the idle sweep's cost is not in the numbers.
//
//   node bench/density.mjs [--tenants 1000] [--active 50] [--batch 20] [--window-s 20] [--ports 10000-20999]
//                          [--port 8194] [--limit-s 5400] [--keep-home] [--tag x → results/density-x.json]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createTenant, log, parentMap, parseFlags, processTree, runBench, sleep, startPlatform, summarize } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), {
  tenants: 1000,
  active: 50,
  batch: 20,
  'window-s': 20,
  ports: '10000-20999',
  port: 8194,
  'limit-s': 5400,
  'keep-home': false,
  tag: '',
});
const N = flags.tenants;
const ACTIVE = flags.active;
const WAKE_CONCURRENCY = [1, 10, 100].filter((c) => c <= N);
const WAKE_ROUNDS = { 1: 10, 10: 3, 100: 1 };
if (!Number.isInteger(N) || N < 1 || N > 5000) throw new Error('--tenants must be an integer from 1 to 5000');
if (!Number.isInteger(ACTIVE) || ACTIVE < 1 || ACTIVE > N) throw new Error('--active must be an integer from 1 to --tenants');
if (!Number.isInteger(flags.batch) || flags.batch < 1 || flags.batch > 100) throw new Error('--batch must be an integer from 1 to 100');
const TARGETS = { frozenTenantPlatformMiB: 1, frozenTenantProcesses: 0, failedRequests: 0 };
const CLOCK_TICKS = 100;
const slugOf = (i) => `dense-${String(i).padStart(4, '0')}`;

/** Every process of the platform: its PSS (KiB), CPU time so far (ticks) and what it runs (its program, not its arguments' folders). */
function measureTree(rootPid) {
  const processes = new Map();
  for (const pid of processTree(rootPid, parentMap())) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pssKiB = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // The program's file, or the process title without its variable parts (a Postgres backend's client port).
      const script = args.find((a) => /\.(m?js)$/.test(a));
      const what = (script ? script.split('/').slice(-3).join('/') : (args.join(' ').split('/').pop() ?? '?')).replace(/\(\d+\)|\d{2,}/g, '#');
      processes.set(pid, { pssKiB, cpuTicks: Number(fields[11]) + Number(fields[12]), what });
    } catch {
      /* exited meanwhile */
    }
  }
  return processes;
}

/** How many processes run each program. */
function census(processes) {
  const counts = {};
  for (const { what } of processes.values()) counts[what] = (counts[what] ?? 0) + 1;
  return counts;
}

/**
 * Memory at the end of a window of `seconds`, and the CPU the platform used during it (% of one core),
 * counted over the processes alive at both ends.
 */
async function window(platform, seconds, during = async () => sleep(seconds * 1000)) {
  const before = measureTree(platform.pid);
  const started = performance.now();
  await during();
  const after = measureTree(platform.pid);
  const elapsedS = (performance.now() - started) / 1000;
  let ticks = 0;
  for (const [pid, p] of after) if (before.has(pid)) ticks += p.cpuTicks - before.get(pid).cpuTicks;
  return {
    pssMiB: Math.round([...after.values()].reduce((a, p) => a + p.pssKiB, 0) / 102.4) / 10,
    processes: after.size,
    census: census(after),
    cpuPercentOfOneCore: Math.round((ticks / CLOCK_TICKS / elapsedS) * 1000) / 10,
    windowS: Math.round(elapsedS * 10) / 10,
  };
}

/** The platform settled: its pre-started programs loaded and a quiet second. */
async function settle(platform) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const quiet = await window(platform, 1);
    const launchers = Object.entries(quiet.census).filter(([what]) => what.endsWith('prestart-launcher.js'));
    if (launchers.reduce((a, [, n]) => a + n, 0) >= 4 && quiet.cpuPercentOfOneCore < 25) return;
  }
  log('the platform did not settle within 120 s; measuring anyway');
}

async function phaseOf(platform, slug) {
  return (await platform.api('GET', `/admin/api/tenants/${slug}`)).json?.status;
}

async function waitPhases(platform, slugs, phase, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const left = new Set(slugs);
  while (left.size > 0) {
    for (const slug of [...left]) {
      const status = await phaseOf(platform, slug);
      if (status === phase) left.delete(slug);
      else if (status === 'failed') throw new Error(`${slug} failed while waiting for ${phase}`);
    }
    if (left.size === 0) break;
    if (Date.now() > deadline) throw new Error(`${[...left].slice(0, 5).join(', ')}… not ${phase} within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

async function freezeAll(platform, slugs) {
  for (const slug of slugs) {
    const answer = await platform.api('PATCH', `/admin/api/tenants/${slug}`, { state: 'frozen' });
    if (answer.status !== 200) throw new Error(`freezing ${slug} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  }
  await waitPhases(platform, slugs, 'frozen', 300_000);
}

/** One first request to each tenant, all sent at once; each one's time to its whole answer and status. */
async function firstRequests(platform, slugs) {
  return Promise.all(
    slugs.map(async (slug) => {
      const started = performance.now();
      try {
        const answer = await platform.tenant(slug, '/api/user/config', 60_000);
        return { ms: performance.now() - started, status: answer.status };
      } catch (err) {
        return { ms: performance.now() - started, status: 'error', error: err.message };
      }
    }),
  );
}

await runBench(flags.tag ? `density-${flags.tag}` : 'density', flags['limit-s'] * 1000, async () => {
  const platform = await startPlatform({
    name: 'density',
    port: flags.port,
    keepHome: flags['keep-home'],
    env: { TENANTRY_FREEZE_AFTER_TRIAL: 'off', TENANTRY_PORTS: flags.ports },
  });
  await settle(platform);
  const empty = await window(platform, flags['window-s']);
  log(`no tenant: ${empty.pssMiB} MiB PSS, ${empty.processes} processes, ${empty.cpuPercentOfOneCore} % CPU`);

  // Registering: each batch provisioned at once, then frozen.
  const registered = [];
  const batchSeconds = [];
  const started = performance.now();
  for (let first = 0; first < N; first += flags.batch) {
    const batchStarted = performance.now();
    const slugs = Array.from({ length: Math.min(flags.batch, N - first) }, (_, i) => slugOf(first + i));
    for (const slug of slugs) await createTenant(platform, slug, 'trial');
    await waitPhases(platform, slugs, 'ready', 600_000);
    await freezeAll(platform, slugs);
    registered.push(...slugs);
    batchSeconds.push((performance.now() - batchStarted) / 1000);
    if (registered.length % 100 === 0 || registered.length === N) {
      const now = measureTree(platform.pid);
      log(
        `${registered.length}/${N} registered and frozen in ${Math.round((performance.now() - started) / 1000)} s; ` +
          `${Math.round([...now.values()].reduce((a, p) => a + p.pssKiB, 0) / 1024)} MiB PSS, ${now.size} processes, ${Math.round(os.freemem() / 1048576)} MiB free`,
      );
    }
  }
  const registerSeconds = Math.round((performance.now() - started) / 100) / 10;

  await settle(platform);
  const allFrozen = await window(platform, flags['window-s']);
  const frozenTenant = {
    platformMiB: Math.round(((allFrozen.pssMiB - empty.pssMiB) / N) * 1000) / 1000,
    processes: (allFrozen.processes - empty.processes) / N,
    cpuPercentOfOneCore: Math.round(((allFrozen.cpuPercentOfOneCore - empty.cpuPercentOfOneCore) / N) * 10000) / 10000,
  };
  log(
    `all ${N} frozen: ${allFrozen.pssMiB} MiB PSS, ${allFrozen.processes} processes, ${allFrozen.cpuPercentOfOneCore} % CPU; per frozen tenant ${frozenTenant.platformMiB} MiB`,
  );
  const changed = Object.keys({ ...empty.census, ...allFrozen.census }).filter((what) => (empty.census[what] ?? 0) !== (allFrozen.census[what] ?? 0));
  if (changed.length > 0)
    log(`processes not as on the empty platform: ${changed.map((w) => `${w} ${empty.census[w] ?? 0} → ${allFrozen.census[w] ?? 0}`).join(', ')}`);

  // A tenants woken and kept under light traffic.
  const active = registered.slice(0, ACTIVE);
  const woken = await firstRequests(platform, active);
  let trafficFailed = 0;
  let trafficRequests = 0;
  const activeWindow = await window(platform, flags['window-s'], async () => {
    const until = Date.now() + flags['window-s'] * 1000;
    await Promise.all(
      active.map(async (slug, i) => {
        await sleep((2000 * i) / active.length);
        while (Date.now() < until) {
          trafficRequests += 1;
          const answer = await platform.tenant(slug, '/api/user/config', 10_000).catch(() => ({ status: 'error' }));
          if (answer.status !== 200) trafficFailed += 1;
          await sleep(2000);
        }
      }),
    );
  });
  const activeTenant = {
    pssMiB: Math.round(((activeWindow.pssMiB - allFrozen.pssMiB) / ACTIVE) * 10) / 10,
    processes: (activeWindow.processes - allFrozen.processes) / ACTIVE,
    cpuPercentOfOneCore: Math.round(((activeWindow.cpuPercentOfOneCore - allFrozen.cpuPercentOfOneCore) / ACTIVE) * 100) / 100,
  };
  log(`${ACTIVE} active: ${activeWindow.pssMiB} MiB PSS, ${activeWindow.cpuPercentOfOneCore} % CPU; per active tenant ${activeTenant.pssMiB} MiB`);
  await freezeAll(platform, active);

  // Wake latency, one frozen tenant: C first requests to it at once (one wake), three rounds.
  const oneTenant = {};
  for (const concurrency of WAKE_CONCURRENCY) {
    const slug = registered[ACTIVE];
    const answers = [];
    for (let round = 0; round < 3; round += 1) {
      answers.push(...(await firstRequests(platform, Array(concurrency).fill(slug))));
      await freezeAll(platform, [slug]);
    }
    oneTenant[`c${concurrency}`] = wakeSummary(answers);
    log(`one tenant, ${concurrency} first requests: p50 ${oneTenant[`c${concurrency}`].firstRequestMs.p50} ms, failed ${oneTenant[`c${concurrency}`].failed}`);
  }

  // Wake latency, C frozen tenants: a first request each, all at once; never the same tenant twice.
  const wakes = {};
  let next = ACTIVE + 1;
  for (const concurrency of WAKE_CONCURRENCY) {
    const answers = [];
    for (let round = 0; round < WAKE_ROUNDS[concurrency]; round += 1) {
      const slugs = Array.from({ length: concurrency }, () => registered[next++ % registered.length]);
      answers.push(...(await firstRequests(platform, slugs)));
      await freezeAll(platform, slugs);
    }
    wakes[`c${concurrency}`] = wakeSummary(answers);
    log(
      `wake c=${concurrency}: p50 ${wakes[`c${concurrency}`].firstRequestMs.p50} ms, p99 ${wakes[`c${concurrency}`].firstRequestMs.p99} ms, failed ${wakes[`c${concurrency}`].failed}`,
    );
  }
  await platform.stop();
  return {
    tenants: N,
    active: ACTIVE,
    targets: TARGETS,
    registerSeconds,
    batchSeconds: summarize(batchSeconds.map((s) => s * 1000)),
    empty,
    allFrozen,
    frozenTenant,
    activeWindow,
    activeTenant,
    activeWake: {
      requests: woken.length,
      failed: woken.filter((a) => a.status !== 200).length,
      firstRequestMs: summarize(woken.filter((a) => a.status === 200).map((a) => a.ms)),
    },
    activeTraffic: { requests: trafficRequests, failed: trafficFailed },
    oneTenant,
    wakes,
  };
});

function wakeSummary(answers) {
  const ok = answers.filter((a) => a.status === 200).map((a) => a.ms);
  return { requests: answers.length, failed: answers.length - ok.length, statuses: [...new Set(answers.map((a) => a.status))], firstRequestMs: summarize(ok) };
}
