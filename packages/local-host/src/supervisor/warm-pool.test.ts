import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger, waitFor } from '@tenantry/core';
import { workloadSpecSchema, type ProcessSpec } from '@tenantry/driver-local';
import { freePort } from '../test-support/platform-process.js';
import { backgroundPriority } from './background-priority.js';
import { Supervisor } from './supervisor.js';
import { WarmPool } from './warm-pool.js';

const root = mkdtempSync(join(tmpdir(), 'tenantry-warm-pool-'));
const runDir = join(root, 'run');
const pool = new WarmPool({ size: 1, runDir, refillDelayMs: 50, log: createLogger('test', 'silent') });
const supervisor = new Supervisor({ logRoot: join(root, 'logs'), runDir, pool, log: createLogger('test', 'silent') });

after(async () => {
  await supervisor.stopAll();
  rmSync(root, { recursive: true, force: true });
});

/**
 * A program as the pod's are written: its code loads, then its main waits at the start gate. It answers
 * with what it is: pid, environment, folder, user, and when its code loaded and its main began.
 */
const gate = fileURLToPath(import.meta.resolve('@tenantry/core/start-gate'));
const program = join(root, 'program.mjs');
writeFileSync(
  program,
  `import { createServer } from 'node:http';
import { getPriority } from 'node:os';
import { startGateOpened } from ${JSON.stringify(gate)};
const loadedAt = Date.now();
startGateOpened().then(() => {
  const startedAt = Date.now();
  const me = { pid: process.pid, env: { ...process.env }, cwd: process.cwd(), uid: process.getuid(), groups: process.getgroups(), connected: process.connected ?? false, loadedAt, startedAt, niceAtStart: getPriority() };
  createServer((q, r) => r.end(JSON.stringify(me))).listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
});
`,
);

function spec(port: number, env: Record<string, string>, extra: Partial<ProcessSpec> = {}) {
  return {
    name: 'p',
    command: 'node',
    args: ['--max-semi-space-size=1', program],
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: String(port), ...env },
    health: { kind: 'http' as const, port, path: '/' },
    warmStart: true,
    ...extra,
  };
}

/** The pool's loaded processes of the test's program. */
const loaded = () => pool.stats().find((p) => p.command.endsWith(` ${program}`))?.loaded ?? [];

async function whoAmI(port: number): Promise<{
  pid: number;
  env: Record<string, string>;
  cwd: string;
  uid: number;
  groups: number[];
  connected: boolean;
  loadedAt: number;
  startedAt: number;
  niceAtStart: number;
}> {
  return (await fetch(`http://127.0.0.1:${port}/`)).json() as never;
}

test('a warm program starts from a process whose code loaded before it was asked for, with exactly its own environment and folder', async () => {
  pool.keepWarm([workloadSpecSchema.parse({ name: 'w', processes: [spec(1, {})] }).processes[0]!]);
  const [waiting] = await waitFor(() => (loaded().length === 1 ? loaded() : undefined), { what: 'a pre-started process', timeoutMs: 10_000 });
  const folder = join(root, 'tenant-a');
  mkdirSync(folder);
  const port = await freePort();
  const asked = Date.now();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-a', processes: [spec(port, { TENANT_ID: 'a', SECRET: 'for-a-only' }, { cwd: folder })] }));
  const status = await supervisor.waitReady('pod-a', 10_000);
  assert.equal(status.processes[0]!.prestarted, true);
  const me = await whoAmI(port);
  assert.equal(me.pid, waiting, 'the process that was waiting');
  assert.ok(me.loadedAt < asked, 'its code loaded before the pod was applied');
  assert.ok(me.startedAt >= asked, 'its main ran only once it had its identity');
  assert.deepEqual(Object.keys(me.env).sort(), ['NODE_ENV', 'PATH', 'PORT', 'SECRET', 'TENANT_ID'], 'nothing of the launcher or the supervisor is left');
  assert.equal(me.cwd, folder);
  assert.equal(me.connected, false, 'no channel back to the supervisor');
  assert.equal(existsSync(join(runDir, `warm-pool.${me.pid}.pid`)), false, 'the pool let go of it');
  assert.ok(existsSync(join(runDir, 'pod-a.p.pid')), "it is the workload's now");
});

test('a pre-started process takes one identity once: another tenant and a restart each get a new one, and the pool refills', async () => {
  const first = (await whoAmI(Number(supervisor.status('pod-a')!.processes[0]!.port))).pid;
  await waitFor(() => loaded().length === 1 || undefined, { what: 'the pool to refill', timeoutMs: 10_000 });
  const port = await freePort();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-b', processes: [spec(port, { TENANT_ID: 'b' })] }));
  await supervisor.waitReady('pod-b', 10_000);
  const b = await whoAmI(port);
  assert.notEqual(b.pid, first);
  assert.equal(b.env.TENANT_ID, 'b');
  assert.equal(b.env.SECRET, undefined, "nothing of tenant a's");

  await waitFor(() => loaded().length === 1 || undefined, { what: 'the pool to refill', timeoutMs: 10_000 });
  process.kill(b.pid, 'SIGKILL');
  const back = await waitFor(
    () => {
      const status = supervisor.status('pod-b')!;
      return status.ready && status.processes[0]!.pid !== b.pid ? status : undefined;
    },
    { what: 'the restart', timeoutMs: 10_000 },
  );
  assert.equal(back.processes[0]!.prestarted, true);
  const again = await whoAmI(port);
  assert.ok(![first, b.pid].includes(again.pid));
  assert.equal(again.env.TENANT_ID, 'b');
  await supervisor.remove('pod-b');
});

test('a process still loading its code can take an identity: its main runs once both are done', async () => {
  const slow = join(root, 'slow.mjs');
  // Loading takes a second: the module's own code keeps the CPU busy, as a big bundle's compilation does.
  writeFileSync(slow, `const until = Date.now() + 1000; while (Date.now() < until);\n${readFileSync(program, 'utf8')}`);
  const port = await freePort();
  const slowSpec = { ...spec(port, { TENANT_ID: 'e' }), args: [slow] };
  pool.keepWarm([workloadSpecSchema.parse({ name: 'w', processes: [slowSpec] }).processes[0]!]);
  const loading = () => pool.stats().find((p) => p.command.endsWith(` ${slow}`))?.loading ?? [];
  const [waiting] = await waitFor(() => (loading().length === 1 ? loading() : undefined), { what: 'a process loading the slow program', timeoutMs: 10_000 });
  const asked = Date.now();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-e', processes: [slowSpec] }));
  await supervisor.waitReady('pod-e', 10_000);
  const me = await whoAmI(port);
  assert.equal(me.pid, waiting);
  assert.ok(me.loadedAt >= asked, 'it was still loading when it took its identity');
  assert.equal(me.env.TENANT_ID, 'e');
  assert.equal(me.connected, false, 'no channel back to the supervisor');
  assert.equal(supervisor.status('pod-e')!.processes[0]!.restarts, 0);
  await supervisor.remove('pod-e');
});

test('a program warms up while it waits (never with a tenant in it), is loaded only once warm, and its main runs after; run the ordinary way it does not warm up', async () => {
  const core = fileURLToPath(import.meta.resolve('@tenantry/core'));
  const warm = join(root, 'warm.mjs');
  writeFileSync(
    warm,
    `import { createServer } from 'node:http';
import { runMain, warmUpAtGate } from ${JSON.stringify(core)};
let warmedAt = null;
let tenantWhileWarm = null;
warmUpAtGate(async () => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  tenantWhileWarm = process.env.TENANT_ID ?? null;
  warmedAt = Date.now();
});
runMain(async () => {
  const me = { pid: process.pid, warmedAt, tenantWhileWarm, startedAt: Date.now() };
  createServer((q, r) => r.end(JSON.stringify(me))).listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
});
`,
  );
  const port = await freePort();
  const warmSpec = { ...spec(port, { TENANT_ID: 'w' }), args: [warm] };
  pool.keepWarm([workloadSpecSchema.parse({ name: 'w', processes: [warmSpec] }).processes[0]!]);
  const stats = () => pool.stats().find((p) => p.command.endsWith(` ${warm}`));
  const [ready] = await waitFor(() => (stats()?.loaded.length === 1 ? stats()!.loaded : undefined), { what: 'the warm program loaded', timeoutMs: 10_000 });
  const loadedSeen = Date.now();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-w', processes: [warmSpec] }));
  await supervisor.waitReady('pod-w', 10_000);
  const me = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as {
    pid: number;
    warmedAt: number | null;
    tenantWhileWarm: string | null;
    startedAt: number;
  };
  assert.equal(me.pid, ready);
  assert.ok(me.warmedAt !== null && me.warmedAt <= loadedSeen, 'said loaded only once warmed up');
  assert.equal(me.tenantWhileWarm, null, 'no tenant in it while warming up');
  assert.ok(me.startedAt >= me.warmedAt);
  await supervisor.remove('pod-w');

  const cold = await freePort();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-cold', processes: [{ ...spec(cold, { TENANT_ID: 'c' }), args: [warm], warmStart: false }] }));
  await supervisor.waitReady('pod-cold', 10_000);
  assert.equal(((await (await fetch(`http://127.0.0.1:${cold}/`)).json()) as { warmedAt: number | null }).warmedAt, null, 'no gate, no warm-up');
  await supervisor.remove('pod-cold');
});

test('as root, the process drops to the spec user and group, with no other groups, before its main runs', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root');
  await waitFor(() => loaded().length === 1 || undefined, { what: 'the pool to refill', timeoutMs: 10_000 });
  const port = await freePort();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-c', processes: [spec(port, {}, { uid: 65534, gid: 65534 })] }));
  await supervisor.waitReady('pod-c', 10_000);
  const me = await whoAmI(port);
  assert.equal(me.uid, 65534);
  assert.deepEqual(me.groups, [65534]);
  assert.equal(supervisor.status('pod-c')!.processes[0]!.prestarted, true);
  await supervisor.remove('pod-c');
});

/** The priority (nice value) of each thread of a process. */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => getPriority(Number(tid)));
}

test('pre-started processes wait at the lowest priority, every thread; one taken for a first program runs at the normal priority before its main, one started later once it serves', async (t) => {
  if (!backgroundPriority()) return t.skip('needs Linux and CAP_SYS_NICE');
  const [waiting] = await waitFor(() => (loaded().length === 1 ? loaded() : undefined), { what: 'a pre-started process', timeoutMs: 10_000 });
  assert.deepEqual(new Set(threadNiceness(waiting!)), new Set([19]), 'every thread of the waiting process is in the background');
  const normal = getPriority();

  const port = await freePort();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-f', processes: [spec(port, { TENANT_ID: 'f' })] }));
  await supervisor.waitReady('pod-f', 10_000);
  const first = await whoAmI(port);
  assert.equal(first.pid, waiting);
  assert.equal(first.niceAtStart, normal, 'its main ran at the normal priority');
  assert.deepEqual(new Set(threadNiceness(first.pid)), new Set([normal]));
  await supervisor.remove('pod-f');

  await waitFor(() => loaded().length === 1 || undefined, { what: 'the pool to refill', timeoutMs: 10_000 });
  const laterPort = await freePort();
  await supervisor.apply(workloadSpecSchema.parse({ name: 'pod-g', processes: [spec(laterPort, { TENANT_ID: 'g' }, { startLater: true })] }));
  await supervisor.waitReady('pod-g', 10_000);
  const later = await whoAmI(laterPort);
  assert.equal(later.niceAtStart, 19, 'a program started later starts in the background');
  assert.deepEqual(new Set(threadNiceness(later.pid)), new Set([normal]), 'and leaves it once it serves');
  await supervisor.remove('pod-g');
});

test('with none loaded the program starts the ordinary way; stopping the supervisor stops the waiting processes and their pid files', async () => {
  const cold = new WarmPool({ size: 0, runDir, log: createLogger('test', 'silent') });
  const plain = new Supervisor({ logRoot: join(root, 'logs-cold'), runDir: join(root, 'run-cold'), pool: cold, log: createLogger('test', 'silent') });
  const port = await freePort();
  await plain.apply(workloadSpecSchema.parse({ name: 'pod-d', processes: [spec(port, { TENANT_ID: 'd' })] }));
  await plain.waitReady('pod-d', 10_000);
  assert.equal(plain.status('pod-d')!.processes[0]!.prestarted, false);
  assert.equal((await whoAmI(port)).env.TENANT_ID, 'd');
  await plain.stopAll();

  await waitFor(() => loaded().length === 1 || undefined, { what: 'the pool to refill', timeoutMs: 10_000 });
  const waiting = pool.stats().flatMap((p) => [...p.loaded, ...p.loading]);
  await supervisor.stopAll();
  for (const pid of waiting) assert.throws(() => process.kill(pid, 0), 'the waiting process is gone');
  assert.deepEqual(
    readdirSync(runDir).filter((f) => f.startsWith('warm-pool.')),
    [],
  );
});
