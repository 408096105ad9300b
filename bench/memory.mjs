#!/usr/bin/env node
// Memory of one idle trial tenant and one idle production tenant: VmRSS (and, for reference, PSS)
// of every process of the tenant (its pod's programs, its redis-server, a production tenant's Postgres), per program, after --idle-s seconds without traffic. A program's
// processes are its pid plus all descendants (for Postgres: the postmaster and the processes it forks).
//
//   node bench/memory.mjs [--idle-s 5] [--port 8193] [--limit-s 300] [--keep-home]
import { existsSync, readFileSync } from 'node:fs';
import { ROOT, createTenant, log, parentMap, parseFlags, processTree, readPidFile, runBench, sleep, startPlatform, waitTenantServes } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), { 'idle-s': 5, port: 8193, 'limit-s': 300, 'keep-home': false });
const POD_PROGRAMS = ['user-backend', 'admin-backend', 'scheduler', 'frontend'];
/** The bench platform's TENANTRY_HOME, named so in process titles (a temporary folder of the machine it ran on). */
let platformHome;

/** VmRSS and its parts (kB) from /proc/<pid>/status, PSS (kB) from smaps_rollup, and the process title. */
function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  let pss = null;
  try {
    pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    /* not readable */
  }
  // Relative to the repository, so the results name no folder of the machine they ran on.
  const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter(Boolean)
    .join(' ')
    .replaceAll(`${ROOT}/`, '')
    .replaceAll(platformHome ?? '\0', '$TENANTRY_HOME')
    .slice(0, 120);
  return { pid, rssKiB: field('VmRSS'), rssAnonKiB: field('RssAnon'), rssFileKiB: field('RssFile'), rssShmemKiB: field('RssShmem'), pssKiB: pss, title };
}

function measureProgram(rootPid, parents) {
  const processes = [];
  for (const pid of processTree(rootPid, parents)) {
    try {
      processes.push(memoryOf(pid));
    } catch {
      /* exited meanwhile */
    }
  }
  const sum = (k) => processes.reduce((a, p) => a + (p[k] ?? 0), 0);
  return { processes: processes.length, rssKiB: sum('rssKiB'), pssKiB: sum('pssKiB'), rssShmemKiB: sum('rssShmemKiB'), detail: processes };
}

function measureTenant(home, slug, tier, parents) {
  const programs = {};
  for (const program of POD_PROGRAMS) {
    const pidFile = readPidFile(home, `pod-${slug}`, program);
    if (!pidFile) throw new Error(`no pid file for pod-${slug}.${program}`);
    programs[program] = measureProgram(pidFile.pid, parents);
  }
  // Its own redis-server (queues and login throttle).
  const redisPid = readPidFile(home, `redis-${slug}`, 'redis');
  if (!redisPid) throw new Error(`no pid file for redis-${slug}.redis`);
  programs.redis = measureProgram(redisPid.pid, parents);
  if (tier === 'production') {
    const pidFile = readPidFile(home, `db-${slug}`, 'postgres');
    if (!pidFile) throw new Error(`no pid file for db-${slug}.postgres`);
    programs.postgres = measureProgram(pidFile.pid, parents);
  }
  const total = { processes: 0, rssKiB: 0, pssKiB: 0 };
  for (const p of Object.values(programs)) {
    total.processes += p.processes;
    total.rssKiB += p.rssKiB;
    total.pssKiB += p.pssKiB;
  }
  return { slug, tier, programs, total };
}

/** Children of the shared trial Postgres server (its connection backends and helpers). */
function trialServerChildren(home, parents) {
  const pidFile = readPidFile(home, 'trial-postgres', 'postgres');
  if (!pidFile) return new Set();
  return new Set(processTree(pidFile.pid, parents).filter((p) => p !== pidFile.pid));
}

const mib = (kib) => Math.round((kib / 1024) * 10) / 10;

await runBench('memory', flags['limit-s'] * 1000, async () => {
  if (!existsSync('/proc/self/status')) throw new Error('this bench reads /proc; it runs on Linux only');
  const platform = await startPlatform({ name: 'memory', port: flags.port, keepHome: flags['keep-home'] });
  platformHome = platform.home;
  const id = Date.now().toString(36).slice(-5);
  const tenants = [
    { slug: `bmt${id}`, tier: 'trial' },
    { slug: `bmp${id}`, tier: 'production' },
  ];
  const trialChildrenBefore = trialServerChildren(platform.home, parentMap());
  for (const t of tenants) {
    log(`creating ${t.tier} tenant ${t.slug}`);
    await createTenant(platform, t.slug, t.tier);
    await waitTenantServes(platform, t.slug, { intervalMs: 10 });
    log(`${t.slug} serves`);
  }
  log(`idle for ${flags['idle-s']} s`);
  await sleep(flags['idle-s'] * 1000);

  const parents = parentMap();
  const results = tenants.map((t) => measureTenant(platform.home, t.slug, t.tier, parents));
  // A trial tenant's database lives on the shared trial server; backends that appeared there while the
  // trial tenant was created are shown separately (not in the tenant's total, which counts its own processes).
  const newTrialBackends = [...trialServerChildren(platform.home, parents)].filter((p) => !trialChildrenBefore.has(p));
  const sharedTrialServer = newTrialBackends
    .map((pid) => {
      try {
        return memoryOf(pid);
      } catch {
        return null;
      }
    })
    .filter(Boolean);

  for (const r of results) {
    log(`${r.tier} tenant ${r.slug}: total RSS ${mib(r.total.rssKiB)} MiB (PSS ${mib(r.total.pssKiB)} MiB) in ${r.total.processes} processes`);
    for (const [name, p] of Object.entries(r.programs))
      log(
        `  ${name.padEnd(14)} ${String(mib(p.rssKiB)).padStart(7)} MiB RSS  ${String(mib(p.pssKiB)).padStart(7)} MiB PSS  (${p.processes} process${p.processes > 1 ? 'es' : ''})`,
      );
  }
  log(
    `new backends on the shared trial Postgres since the trial tenant was created: ${sharedTrialServer.length}, RSS ${mib(sharedTrialServer.reduce((a, p) => a + p.rssKiB, 0))} MiB`,
  );

  const table = {};
  for (const r of results) {
    table[r.tier] = {
      perProgramRssMiB: Object.fromEntries(Object.entries(r.programs).map(([n, p]) => [n, mib(p.rssKiB)])),
      perProgramPssMiB: Object.fromEntries(Object.entries(r.programs).map(([n, p]) => [n, mib(p.pssKiB)])),
      totalRssMiB: mib(r.total.rssKiB),
      totalPssMiB: mib(r.total.pssKiB),
      processes: r.total.processes,
    };
  }
  return {
    parameters: {
      idleSeconds: flags['idle-s'],
      measured:
        'sum of VmRSS (/proc/<pid>/status) over each program’s pid and its descendants (/proc/*/stat ppid); PSS from /proc/<pid>/smaps_rollup for reference',
      note: 'RSS counts shared pages (Postgres shared buffers, shared libraries) once per process, so summed RSS over-states real use; PSS divides shared pages among the processes that map them',
    },
    summary: table,
    sharedTrialPostgresBackendsOfTrialTenant: {
      note: 'children of the shared trial Postgres server that appeared while the trial tenant was provisioned (not part of the totals above)',
      processes: sharedTrialServer.length,
      rssMiB: mib(sharedTrialServer.reduce((a, p) => a + p.rssKiB, 0)),
      pssMiB: mib(sharedTrialServer.reduce((a, p) => a + (p.pssKiB ?? 0), 0)),
      detail: sharedTrialServer.map(({ pid, rssKiB, pssKiB, title }) => ({ pid, rssKiB, pssKiB, title: title.replace(/login_\w+|db_\w+/g, '<tenant>') })),
    },
    tenants: results,
  };
});
