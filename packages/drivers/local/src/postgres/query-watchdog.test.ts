import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger, tenantDatabaseLimits, tenantDatabaseRoleSettings, waitFor, type Logger } from '@tenantry/core';
import pg from 'pg';
import { SharedInstanceDatabase } from '../shared-instance-database.js';
import { startTestPostgres, type TestPostgres } from '../test-support/test-postgres.js';
import { QueryWatchdog } from './query-watchdog.js';
import { adminPool, applyTenantLoginLimits, confineExistingTenantLogins, tenantDatabaseNames } from './tenant-database.js';

// Short limits, as a test configures them: the tier's other limits are the real ones.
const LIMIT_MS = 1000;
const IDLE_LIMIT_MS = 1500;
const INTERVAL_MS = 100;
const overrides = { statementTimeoutMs: LIMIT_MS, idleInTransactionTimeoutMs: IDLE_LIMIT_MS };
const limits = tenantDatabaseLimits('trial', overrides);
/** How late past its limit a query may stop: a few sweeps on a busy machine. */
const SLACK_MS = 3000;
const NAMING_KEY = 'watchdog-test-key';

let server: TestPostgres | undefined;
let driver: SharedInstanceDatabase | undefined;
let watchdog: QueryWatchdog | undefined;
let admin: pg.Pool | undefined;
const clients: pg.Client[] = [];
const urls: Record<string, string> = {};

/** A recording logger: the real pino logger, with each warn line's fields also kept for the test to read. */
const stops: Record<string, unknown>[] = [];
const base = createLogger('query-watchdog-test', 'silent');
const log = Object.assign(Object.create(base) as Logger, {
  warn: (fields: Record<string, unknown>, message: string) => {
    stops.push({ ...fields, message });
    base.warn(fields, message);
  },
}) as Logger;

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  await watchdog?.close();
  await driver?.close();
  await admin?.end();
  await server?.stop();
});

before(async () => {
  server = await startTestPostgres();
  admin = adminPool(server.adminUrl, 2);
  driver = new SharedInstanceDatabase({ adminUrl: server.adminUrl, namingKey: NAMING_KEY, limits: overrides });
  for (const slug of ['alpha', 'beta']) {
    urls[slug] = (await driver.create({ slug, name: slug, tier: 'trial' }, () => undefined)).url;
  }
  watchdog = new QueryWatchdog({
    adminUrl: server.adminUrl,
    defaultTier: 'trial',
    limits: { trial: overrides },
    intervalMs: INTERVAL_MS,
    graceMs: 200,
    terminateAfterMs: 500,
    log,
  });
  await watchdog.start();
});

async function connect(slug: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: urls[slug] });
  client.on('error', () => {
    // A session the watchdog terminates emits this; the test reads the failed query instead.
  });
  clients.push(client);
  await client.connect();
  return client;
}

/** Runs a runaway query as alpha while beta keeps asking; returns how it ended and beta's slowest answer. */
async function runaway(alpha: pg.Client, beta: pg.Client, sql = 'SELECT pg_sleep(3600)') {
  const started = Date.now();
  const outcome = alpha.query(sql).then(
    () => ({ error: undefined as unknown, ms: Date.now() - started }),
    (error: unknown) => ({ error, ms: Date.now() - started }),
  );
  let settled = false;
  void outcome.then(() => (settled = true));
  const deadline = started + LIMIT_MS + SLACK_MS;
  let slowestBetaMs = 0;
  let betaAnswers = 0;
  while (!settled && Date.now() < deadline) {
    const asked = Date.now();
    const { rows } = await beta.query<{ n: number }>('SELECT count(*)::int AS n FROM generate_series(1, 1000)');
    assert.equal(rows[0]!.n, 1000);
    slowestBetaMs = Math.max(slowestBetaMs, Date.now() - asked);
    betaAnswers += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!settled) {
    // Not stopped in time: end it here, so the file still finishes, and fail.
    const { rows } = await admin!.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE query = $1', [sql]);
    for (const { pid } of rows) await admin!.query('SELECT pg_terminate_backend($1)', [pid]);
    await outcome;
    assert.fail(`alpha's runaway query was still running ${LIMIT_MS + SLACK_MS} ms after it started (limit ${LIMIT_MS} ms)`);
  }
  return { ...(await outcome), slowestBetaMs, betaAnswers };
}

test('a trial login carries its tier limits as role settings and a connection limit', async () => {
  const { login } = tenantDatabaseNames('alpha', NAMING_KEY);
  const { rows } = await admin!.query<{ rolconfig: string[]; rolconnlimit: number }>('SELECT rolconfig, rolconnlimit FROM pg_roles WHERE rolname = $1', [
    login,
  ]);
  assert.equal(rows[0]!.rolconnlimit, limits.connectionLimit);
  for (const [name, value] of Object.entries(tenantDatabaseRoleSettings(limits))) {
    assert.ok(rows[0]!.rolconfig.includes(`${name}=${value}`), `${name}=${value} in ${rows[0]!.rolconfig.join(', ')}`);
  }
  const alpha = await connect('alpha');
  const shown = await alpha.query<{ statement_timeout: string }>('SHOW statement_timeout');
  assert.equal(shown.rows[0]!.statement_timeout, '1s');
  assert.equal((await alpha.query<{ work_mem: string }>('SHOW work_mem')).rows[0]!.work_mem, '4MB');
  assert.equal((await alpha.query<{ temp_file_limit: string }>('SHOW temp_file_limit')).rows[0]!.temp_file_limit, '256MB');
  await assert.rejects(alpha.query("SET temp_file_limit = '-1'"), { code: '42501' }, 'a tenant cannot raise temp_file_limit');
});

test("alpha's runaway query is stopped by its role's statement timeout while beta keeps answering", async (t) => {
  const [alpha, beta] = [await connect('alpha'), await connect('beta')];
  const result = await runaway(alpha, beta);
  t.diagnostic(`stopped after ${result.ms} ms; beta answered ${result.betaAnswers} times meanwhile, slowest ${result.slowestBetaMs} ms`);
  assert.equal((result.error as { code?: string }).code, '57014', 'the query was cancelled');
  assert.ok(result.ms < LIMIT_MS + SLACK_MS, `stopped after ${result.ms} ms`);
  assert.ok(result.betaAnswers >= 3 && result.slowestBetaMs < 750, `beta answered ${result.betaAnswers} times, slowest ${result.slowestBetaMs} ms`);
});

test('after SET statement_timeout = 0 the watchdog still cancels it, logs the tenant, and beta keeps answering', async (t) => {
  const [alpha, beta] = [await connect('alpha'), await connect('beta')];
  await alpha.query('SET statement_timeout = 0');
  const before = stops.length;
  const result = await runaway(alpha, beta);
  t.diagnostic(`stopped after ${result.ms} ms; beta answered ${result.betaAnswers} times meanwhile, slowest ${result.slowestBetaMs} ms`);
  assert.equal((result.error as { code?: string }).code, '57014', 'the query was cancelled');
  assert.ok(result.ms >= LIMIT_MS && result.ms < LIMIT_MS + SLACK_MS, `stopped after ${result.ms} ms`);
  assert.ok(result.betaAnswers >= 3 && result.slowestBetaMs < 750, `beta answered ${result.betaAnswers} times, slowest ${result.slowestBetaMs} ms`);
  // The query can end before the watchdog's own cancel call returns and its line is written.
  const line = await waitFor(() => stops.slice(before).find((s) => s.action === 'cancelled'), {
    what: 'the line for the cancel',
    timeoutMs: 2000,
    intervalMs: 20,
  });
  assert.equal(line.tenant, 'alpha');
  assert.equal(line.tier, 'trial');
  assert.equal(line.limitMs, LIMIT_MS);
  // The session survives a cancel and answers again.
  assert.equal((await alpha.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1);
});

test('a query that swallows its cancel is terminated, its session ended, while beta keeps answering', async (t) => {
  const [alpha, beta] = [await connect('alpha'), await connect('beta')];
  await alpha.query('SET statement_timeout = 0');
  const before = stops.length;
  const stubborn = 'DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(3600); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$';
  const result = await runaway(alpha, beta, stubborn);
  t.diagnostic(`stopped after ${result.ms} ms; beta answered ${result.betaAnswers} times meanwhile, slowest ${result.slowestBetaMs} ms`);
  assert.equal((result.error as { code?: string }).code, '57P01', 'the session was terminated');
  assert.ok(result.ms < LIMIT_MS + SLACK_MS, `stopped after ${result.ms} ms`);
  assert.ok(result.betaAnswers >= 3 && result.slowestBetaMs < 750, `beta answered ${result.betaAnswers} times, slowest ${result.slowestBetaMs} ms`);
  // The session can end before the watchdog's own terminate call returns and its line is written.
  await waitFor(() => stops.slice(before).some((s) => s.action === 'terminated'), { what: 'the line for the terminate', timeoutMs: 2000, intervalMs: 20 });
  assert.deepEqual(
    stops.slice(before).map((s) => [s.action, s.tenant]),
    [
      ['cancelled', 'alpha'],
      ['terminated', 'alpha'],
    ],
  );
});

test('a session kept idle in a transaction past the limit is ended, even after SET idle_in_transaction_session_timeout = 0', async () => {
  const alpha = await connect('alpha');
  await alpha.query('SET idle_in_transaction_session_timeout = 0');
  await alpha.query('BEGIN');
  const pid = (await alpha.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await waitFor(async () => (await admin!.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0, {
    what: "alpha's idle transaction to be ended",
    timeoutMs: IDLE_LIMIT_MS + SLACK_MS,
    intervalMs: 50,
  });
  await assert.rejects(alpha.query('SELECT 1'));
  // The session can end before the watchdog's own terminate call returns and its line is written.
  await waitFor(() => stops.some((s) => s.pid === pid && s.action === 'terminated' && s.tenant === 'alpha'), {
    what: 'the line for the terminate',
    timeoutMs: 2000,
    intervalMs: 20,
  });
});

test('a login made without limits by an earlier version gets them at start-up, its other settings kept', async () => {
  const names = tenantDatabaseNames('legacy', NAMING_KEY);
  await admin!.query(
    `CREATE ROLE ${names.owner} NOLOGIN; CREATE ROLE ${names.login} LOGIN CONNECTION LIMIT -1; ALTER ROLE ${names.login} SET role = '${names.owner}'`,
  );
  const confined = await confineExistingTenantLogins(admin!, limits);
  assert.ok(confined >= 3, `${confined} logins confined`);
  const { rows } = await admin!.query<{ rolconfig: string[]; rolconnlimit: number }>('SELECT rolconfig, rolconnlimit FROM pg_roles WHERE rolname = $1', [
    names.login,
  ]);
  assert.equal(rows[0]!.rolconnlimit, limits.connectionLimit);
  assert.ok(rows[0]!.rolconfig.includes(`role=${names.owner}`));
  for (const [name, value] of Object.entries(tenantDatabaseRoleSettings(limits))) assert.ok(rows[0]!.rolconfig.includes(`${name}=${value}`), name);
});

test('an admin login that may not set the limits is refused with what to do, never left without them', async () => {
  await admin!.query(`CREATE ROLE weak_admin LOGIN CREATEROLE PASSWORD 'weak-admin-password'`);
  const url = new URL(server!.adminUrl);
  url.username = 'weak_admin';
  url.password = 'weak-admin-password';
  const weak = adminPool(url.toString(), 1);
  try {
    await weak.query('CREATE ROLE login_made_by_weak LOGIN');
    await assert.rejects(applyTenantLoginLimits(weak, 'login_made_by_weak', limits), /must be a superuser/);
  } finally {
    await weak.end();
  }
});
