import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger, waitFor } from '@tenantry/core';
import { workloadSpecSchema } from '@tenantry/driver-local';
import { freePort } from '../test-support/platform-process.js';
import { CrashLoopError, Supervisor } from './supervisor.js';

const root = mkdtempSync(join(tmpdir(), 'tenantry-supervisor-'));
const supervisor = new Supervisor({ logRoot: join(root, 'logs'), runDir: join(root, 'run'), log: createLogger('test', 'silent'), livenessIntervalMs: 100 });

after(async () => {
  await supervisor.stopAll();
  rmSync(root, { recursive: true, force: true });
});

const server = (port: number) =>
  `require('node:http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1'); process.on('SIGTERM', () => process.exit(0));`;

test('a killed process is restarted and passes its health check again', async () => {
  const port = await freePort();
  await supervisor.apply(
    workloadSpecSchema.parse({
      name: 'web',
      processes: [{ name: 'http', command: 'node', args: ['-e', server(port)], health: { kind: 'http', port, path: '/' } }],
    }),
  );
  const ready = await supervisor.waitReady('web', 10_000);
  const pid = ready.processes[0]!.pid!;
  process.kill(pid, 'SIGKILL');
  const back = await waitFor(
    () => {
      const status = supervisor.status('web')!;
      return status.ready && status.processes[0]!.pid !== pid ? status : undefined;
    },
    { what: 'the restart', timeoutMs: 10_000 },
  );
  assert.equal(back.processes[0]!.restarts, 1);
  await supervisor.remove('web');
  assert.equal(supervisor.status('web'), undefined);
});

test('a program that keeps exiting, or cannot be started at all, fails fast and still stops', async () => {
  const port = await freePort();
  await supervisor.apply(
    workloadSpecSchema.parse({
      name: 'crasher',
      processes: [{ name: 'bad', command: 'node', args: ['-e', "console.error('boom'); process.exit(7)"], health: { kind: 'tcp', port } }],
    }),
  );
  await assert.rejects(
    supervisor.waitReady('crasher', 30_000),
    (err: unknown) => err instanceof CrashLoopError && /exit code 7/.test(err.message) && /boom/.test(err.message),
  );
  await supervisor.remove('crasher');

  await supervisor.apply(
    workloadSpecSchema.parse({ name: 'missing', processes: [{ name: 'ghost', command: '/nonexistent/program', health: { kind: 'tcp', port } }] }),
  );
  await assert.rejects(supervisor.waitReady('missing', 30_000), CrashLoopError);
  await supervisor.remove('missing');
});

test('a process that ignores SIGTERM is killed after its stop timeout', async () => {
  const port = await freePort();
  const stubborn = `process.on('SIGTERM', () => {}); require('node:http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1');`;
  await supervisor.apply(
    workloadSpecSchema.parse({
      name: 'stubborn',
      processes: [{ name: 'p', command: 'node', args: ['-e', stubborn], health: { kind: 'http', port, path: '/' }, stopTimeoutMs: 300 }],
    }),
  );
  const pid = (await supervisor.waitReady('stubborn', 10_000)).processes[0]!.pid!;
  const started = Date.now();
  await supervisor.remove('stubborn');
  assert.ok(Date.now() - started < 5000);
  assert.throws(() => process.kill(pid, 0));
});

test('a process above its memory limit is killed and restarted, like a container at its limit', async () => {
  const port = await freePort();
  // Grows to about 150 MiB once it serves, past its 100 MiB limit.
  const hog = `${server(port)} const hoard = []; setTimeout(() => { for (let i = 0; i < 30; i++) hoard.push(Buffer.alloc(5 << 20, 1)); }, 50);`;
  await supervisor.apply(
    workloadSpecSchema.parse({
      name: 'hog',
      processes: [{ name: 'p', command: 'node', args: ['-e', hog], health: { kind: 'http', port, path: '/' }, memoryLimitMb: 100 }],
    }),
  );
  await supervisor.waitReady('hog', 10_000);
  const restarted = await waitFor(
    () => {
      const p = supervisor.status('hog')!.processes[0]!;
      return p.restarts >= 1 ? p : undefined;
    },
    { what: 'the memory limit to kill the process', timeoutMs: 10_000 },
  );
  assert.equal(restarted.lastExit?.signal, 'SIGKILL');
  await supervisor.remove('hog');
});

test('a program that writes without end is read at the log rate, so it slows itself and not the platform', async () => {
  const port = await freePort();
  const logRoot = join(root, 'throttled-logs');
  const rate = 256 * 1024;
  const throttled = new Supervisor({
    logRoot,
    runDir: join(root, 'run-throttled'),
    log: createLogger('test', 'silent'),
    logRotation: { maxBytes: 64 * 1024 * 1024, files: 2, bytesPerSecond: rate },
  });
  try {
    // Serves, then writes 16 KiB chunks as fast as the pipe takes them.
    const flood = `${server(port)}; const chunk = 'x'.repeat(16 * 1024); const write = () => process.stdout.write(chunk, write); write();`;
    const started = Date.now();
    await throttled.apply(
      workloadSpecSchema.parse({ name: 'flood', processes: [{ name: 'p', command: 'node', args: ['-e', flood], health: { kind: 'http', port, path: '/' } }] }),
    );
    await throttled.waitReady('flood', 10_000);
    const file = join(logRoot, 'flood', 'p.log');
    // Four seconds' worth of output takes four windows of a second: more than three seconds from the start.
    await waitFor(() => (statSync(file).size >= 4 * rate ? true : undefined), { what: 'four seconds of output', timeoutMs: 20_000 });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 2_500, `${statSync(file).size} bytes read in ${elapsed} ms: faster than ${rate} bytes per second`);
  } finally {
    await throttled.stopAll();
  }
});

test('a process log is rotated by size and count, so a chatty program cannot fill the disk', async () => {
  const port = await freePort();
  const logRoot = join(root, 'rotated-logs');
  const small = new Supervisor({
    logRoot,
    runDir: join(root, 'run-rotated'),
    log: createLogger('test', 'silent'),
    logRotation: { maxBytes: 64 * 1024, files: 3, bytesPerSecond: 64 * 1024 * 1024 },
  });
  try {
    // Writes 1 MiB (16 times the cap), then serves.
    const chatty = `const line = 'x'.repeat(1023) + '\\n'; for (let i = 0; i < 1024; i++) process.stdout.write(line); ${server(port)}`;
    await small.apply(
      workloadSpecSchema.parse({
        name: 'chatty',
        processes: [{ name: 'p', command: 'node', args: ['-e', chatty], health: { kind: 'http', port, path: '/' } }],
      }),
    );
    await small.waitReady('chatty', 10_000);
    const dir = join(logRoot, 'chatty');
    const files = await waitFor(
      () => {
        const names = readdirSync(dir).sort();
        return names.length === 3 ? names : undefined;
      },
      { what: 'three log files', timeoutMs: 10_000 },
    );
    assert.deepEqual(files, ['p.log', 'p.log.1', 'p.log.2']);
    const total = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    assert.ok(total <= 3 * 64 * 1024, `logs take ${total} bytes, more than 3 × 64 KiB`);
    assert.equal(statSync(join(dir, 'p.log.1')).size, 64 * 1024);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  } finally {
    await small.stopAll();
  }
});

test("a workload applied again with a new spec keeps its programs' pid files: the old program's exit never removes the new one's", async () => {
  const port = await freePort();
  const pidFile = join(root, 'run', 'redeployed.http.pid');
  for (let generation = 1; generation <= 5; generation += 1) {
    await supervisor.apply(
      workloadSpecSchema.parse({
        name: 'redeployed',
        processes: [
          { name: 'http', command: 'node', args: ['-e', server(port)], env: { GENERATION: String(generation) }, health: { kind: 'http', port, path: '/' } },
        ],
      }),
    );
    const pid = (await supervisor.waitReady('redeployed', 10_000)).processes[0]!.pid!;
    assert.equal(JSON.parse(readFileSync(pidFile, 'utf8')).pid, pid, `generation ${generation}: the running program's pid`);
  }
  await supervisor.remove('redeployed');
  assert.throws(() => readFileSync(pidFile), /ENOENT/, 'removed with the workload');
});

test('a process marked startLater waits until the other starting processes serve; the gateway can wait for it', async () => {
  const [firstPort, laterPort] = [await freePort(), await freePort()];
  const gate = join(root, 'open-first');
  // Listens only once the test creates the gate file: it stays starting until then.
  const gated = `const t = setInterval(() => { if (require('node:fs').existsSync(${JSON.stringify(gate)})) { clearInterval(t); ${server(firstPort)} } }, 10);`;
  await supervisor.apply(
    workloadSpecSchema.parse({
      name: 'ordered',
      processes: [
        { name: 'first', command: 'node', args: ['-e', gated], health: { kind: 'http', port: firstPort, path: '/' } },
        { name: 'later', command: 'node', args: ['-e', server(laterPort)], health: { kind: 'http', port: laterPort, path: '/' }, startLater: true },
      ],
    }),
  );
  const queued = supervisor.status('ordered')!;
  assert.deepEqual(
    queued.processes.map((p) => [p.name, p.state, p.pid === undefined]),
    [
      ['first', 'starting', false],
      ['later', 'queued', true],
    ],
  );
  const laterServes = supervisor.whenServing(laterPort);
  assert.ok(laterServes, 'a queued program is waited for');
  assert.ok(supervisor.whenServing(firstPort), 'so is a starting one');
  assert.equal(supervisor.whenServing(await freePort()), undefined, 'a port of no process is not');

  writeFileSync(gate, '');
  const serving = await supervisor.waitReady('ordered', 10_000, true);
  assert.equal(serving.serving, true);
  await laterServes;
  const all = await supervisor.waitReady('ordered', 10_000);
  assert.equal(all.ready, true);
  assert.equal(supervisor.whenServing(firstPort), undefined);
  assert.equal(supervisor.whenServing(laterPort), undefined);
  await supervisor.remove('ordered');
});
