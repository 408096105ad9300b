/** The catalog's step logs on a real Postgres: order, the read limit, the per-step cap, long lines. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestPostgres, type TestPostgres } from '../test-support/test-postgres.js';
import { STEP_LOG_MAX_LINE_BYTES, STEP_LOG_MAX_LINES, stepLogLines } from './step-logs.js';
import { TenantCatalog } from './tenant-catalog.js';

let server: TestPostgres;
let catalog: TenantCatalog;

const STEPS = ['database', 'pod'];

before(async () => {
  server = await startTestPostgres();
  catalog = new TenantCatalog(server.adminUrl);
  // Twice at once: the schema set-up is idempotent and serialized.
  await Promise.all([catalog.migrate(), catalog.migrate()]);
});

after(async () => {
  await catalog?.close();
  await server?.stop();
});

async function tenant(slug: string): Promise<void> {
  await catalog.create({ slug, name: slug, tier: 'trial' }, STEPS);
}

async function storedLines(slug: string, step: string): Promise<number> {
  const { rows } = await catalog.pool.query('SELECT count(*)::int AS n FROM tenant_step_logs WHERE slug = $1 AND step = $2', [slug, step]);
  return rows[0].n;
}

test('appended lines are read back in order, each step on its own, the last one as the step detail', async () => {
  await tenant('log-order');
  await catalog.logs.append('log-order', 'database', ['one', 'two']);
  await catalog.logs.append('log-order', 'pod', ['elsewhere']);
  await catalog.logs.append('log-order', 'database', ['three', { line: 'four', at: new Date('2030-01-02T03:04:05.678Z') }]);

  const log = await catalog.logs.read('log-order', 'database');
  assert.deepEqual(
    log?.lines.map((l) => l.line),
    ['one', 'two', 'three', 'four'],
  );
  assert.equal(log?.truncated, false);
  assert.equal(log?.lines[3]!.at, '2030-01-02T03:04:05.678Z');
  assert.ok(log?.lines.slice(0, 3).every((l) => Math.abs(Date.parse(l.at) - Date.now()) < 60_000));
  assert.deepEqual(
    (await catalog.logs.read('log-order', 'pod'))?.lines.map((l) => l.line),
    ['elsewhere'],
  );
  const steps = (await catalog.get('log-order'))!.steps;
  assert.equal(steps.find((s) => s.name === 'database')!.detail, 'four');
});

test('a read with a limit gets the newest lines, oldest first, and says older ones were left out', async () => {
  await tenant('log-limit');
  await catalog.logs.append(
    'log-limit',
    'database',
    Array.from({ length: 10 }, (_, i) => `line ${i}`),
  );
  const newest = await catalog.logs.read('log-limit', 'database', 3);
  assert.deepEqual(
    newest?.lines.map((l) => l.line),
    ['line 7', 'line 8', 'line 9'],
  );
  assert.equal(newest?.truncated, true);
  const all = await catalog.logs.read('log-limit', 'database', 10);
  assert.equal(all?.lines.length, 10);
  assert.equal(all?.truncated, false);
});

test('a step with no lines yet has an empty log; an unknown tenant or step has none', async () => {
  await tenant('log-empty');
  assert.deepEqual(await catalog.logs.read('log-empty', 'pod'), { lines: [], truncated: false });
  assert.equal(await catalog.logs.read('log-nobody', 'pod'), undefined);
  assert.equal(await catalog.logs.read('log-empty', 'nonsense'), undefined);
  // Appending for a tenant that is gone records nothing and does not fail.
  await catalog.logs.append('log-nobody', 'pod', ['late line']);
  assert.equal(await storedLines('log-nobody', 'pod'), 0);
});

test('the cap keeps the newest lines of a step and deletes the oldest', async () => {
  await tenant('log-cap');
  await catalog.logs.append(
    'log-cap',
    'pod',
    Array.from({ length: STEP_LOG_MAX_LINES - 5 }, (_, i) => `line ${i}`),
  );
  assert.equal(await storedLines('log-cap', 'pod'), STEP_LOG_MAX_LINES - 5);
  for (let batch = 0; batch < 3; batch += 1) {
    await catalog.logs.append(
      'log-cap',
      'pod',
      Array.from({ length: 4 }, (_, i) => `line ${STEP_LOG_MAX_LINES - 5 + batch * 4 + i}`),
    );
  }
  assert.equal(await storedLines('log-cap', 'pod'), STEP_LOG_MAX_LINES);
  const log = await catalog.logs.read('log-cap', 'pod');
  assert.equal(log?.lines.length, STEP_LOG_MAX_LINES);
  assert.equal(log?.lines[0]!.line, 'line 7', 'the seven oldest lines are gone');
  assert.equal(log?.lines.at(-1)!.line, `line ${STEP_LOG_MAX_LINES + 6}`);
  assert.equal(log?.truncated, true);

  // One append of more than the cap keeps its newest lines.
  await tenant('log-burst');
  await catalog.logs.append(
    'log-burst',
    'pod',
    Array.from({ length: STEP_LOG_MAX_LINES + 3 }, (_, i) => `burst ${i}`),
  );
  const burst = await catalog.logs.read('log-burst', 'pod');
  assert.equal(burst?.lines[0]!.line, 'burst 3');
  assert.equal(burst?.truncated, true);
  assert.equal(await storedLines('log-burst', 'pod'), STEP_LOG_MAX_LINES);
});

test('long lines are cut at a character boundary and marked; messages are split into lines', async () => {
  const long = 'é'.repeat(STEP_LOG_MAX_LINE_BYTES);
  const [cut] = stepLogLines(long);
  assert.ok(Buffer.byteLength(cut!) <= STEP_LOG_MAX_LINE_BYTES);
  assert.match(cut!, /^é+ … \[line cut: 8192 bytes\]$/);
  assert.deepEqual(stepLogLines('a\r\nb\nc\n'), ['a', 'b', 'c']);
  assert.deepEqual(stepLogLines('nul\0 byte'), ['nul byte']);

  await tenant('log-long');
  await catalog.logs.append('log-long', 'database', [long, 'first\nsecond']);
  const log = await catalog.logs.read('log-long', 'database');
  assert.deepEqual(
    log?.lines.map((l) => l.line),
    [cut, 'first', 'second'],
  );
});

test('a deleted tenant takes its logs with it', async () => {
  await tenant('log-gone');
  await catalog.logs.append('log-gone', 'database', ['something']);
  await catalog.remove('log-gone');
  assert.equal(await storedLines('log-gone', 'database'), 0);
});
