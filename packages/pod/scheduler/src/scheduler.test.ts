/**
 * The scheduler program against real Postgres, Redis and an SMTP catcher: mail really sent,
 * failures retried with backoff and kept, and the cleanup job purging what is past retention. The
 * program and the test's queues log in to Redis as the tenant, with the login the `queue` step makes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startAll, waitFor } from '@tenantry/core';
import { loadTenantScripts, TENANT_SCRIPTS } from '@tenantry/control-plane';
import { RedisAclQueue } from '@tenantry/driver-local';
import { freePort, startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '@tenantry/driver-local/test-support';
import { mailCredentials, startMailCatcher, type MailCatcher } from '@tenantry/mail-catcher';
import { jobConnection, QUEUES } from '@tenantry/pod-runtime';
import { migrateTenantDatabase } from '@tenantry/tenant-schema';

const MAIN = fileURLToPath(import.meta.resolve('@tenantry/scheduler/main'));
const KEY = 'a catcher key for the scheduler test';

let postgres: TestPostgres;
let redis: TestRedis;
let catcher: MailCatcher;
let databaseUrl: string;
let storage: string;
const children: ChildProcess[] = [];

const connections: Redis[] = [];
let logins: RedisAclQueue;
const tenantUrls = new Map<string, string>();

/** The tenant's own Redis login (as the `queue` step makes it), made once per tenant. */
async function tenantRedisUrl(tenant: string): Promise<string> {
  if (!tenantUrls.has(tenant)) tenantUrls.set(tenant, (await logins.create({ slug: tenant, name: tenant, tier: 'trial' })).url);
  return tenantUrls.get(tenant)!;
}

/** A queue on a connection of its own, logged in as the tenant, disconnected after the tests. */
async function openQueue(name: string, tenant: string): Promise<Queue> {
  const connection = jobConnection(await tenantRedisUrl(tenant));
  connections.push(connection);
  return new Queue(name, { connection, prefix: `t:${tenant}` });
}

before(async () => {
  [postgres, redis] = await startAll([startTestPostgres(), startTestRedis()]);
  logins = new RedisAclQueue(redis.url);
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE jobs_tenant');
  await admin.end();
  databaseUrl = Object.assign(new URL(postgres.adminUrl), { pathname: '/jobs_tenant' }).toString();
  await migrateTenantDatabase(databaseUrl);
  catcher = await startMailCatcher({ key: KEY, dataDir: mkdtempSync(join(tmpdir(), 'tenantry-mail-')) });
  storage = mkdtempSync(join(tmpdir(), 'tenantry-storage-'));
  chmodSync(storage, 0o700);
});

after(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const connection of connections) connection.disconnect();
  await logins?.close();
  await catcher?.close();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

async function startScheduler(tenant: string, smtpUrl: string): Promise<void> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      TENANT_ID: tenant,
      TENANT_NAME: 'Jobs Inc',
      DATABASE_URL: databaseUrl,
      REDIS_URL: await tenantRedisUrl(tenant),
      REDIS_PREFIX: `t:${tenant}`,
      STORAGE_URL: pathToFileURL(`${storage}/`).toString(),
      TENANT_URL: `http://${tenant}.localhost:8080/`,
      HOST: '127.0.0.1',
      PORT: String(port),
      SMTP_URL: smtpUrl,
      MAIL_FROM: `no-reply@${tenant}.localhost`,
      SOFT_DELETE_RETENTION_DAYS: '30',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, {
    what: 'the scheduler to serve /healthz',
    timeoutMs: 20_000,
  });
}

test('a mail job is really sent over SMTP', async () => {
  const { user, password } = mailCredentials(KEY, 'jobs');
  await startScheduler('jobs', `smtp://${user}:${password}@127.0.0.1:${catcher.smtpPort}`);
  const queue = await openQueue(QUEUES.mail, 'jobs');
  await queue.add('welcome', { template: 'welcome', to: 'ann@jobs.test', signInUrl: 'http://jobs.localhost:8080/login' });
  const inbox = await waitFor(
    async () => {
      const response = await fetch(`http://127.0.0.1:${catcher.httpPort}/mailboxes/jobs/messages`, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      });
      const { messages } = (await response.json()) as { messages: { subject: string; to: string[]; from: string }[] };
      return messages.length > 0 ? messages : undefined;
    },
    { what: 'the welcome mail in the catcher', timeoutMs: 15_000 },
  );
  assert.equal(inbox[0]!.subject, 'Welcome to Jobs Inc');
  assert.deepEqual(inbox[0]!.to, ['ann@jobs.test']);
  await queue.close();
});

test('a mail that cannot be sent is retried with backoff, then kept as failed', async () => {
  const closedPort = await freePort();
  await startScheduler('down', `smtp://u:p@127.0.0.1:${closedPort}`);
  const queue = await openQueue(QUEUES.mail, 'down');
  const job = await queue.add(
    'welcome',
    { template: 'welcome', to: 'bob@down.test', signInUrl: 'http://down.localhost:8080/login' },
    { attempts: 3, backoff: { type: 'exponential', delay: 100 }, removeOnFail: false },
  );
  const failed = await waitFor(async () => ((await job.getState()) === 'failed' ? await queue.getJob(job.id!) : undefined), {
    what: 'the job to fail for good',
    timeoutMs: 30_000,
  });
  assert.equal(failed!.attemptsMade, 3);
  assert.match(failed!.failedReason, /ECONNREFUSED/);
  assert.equal((await queue.getJobCounts('failed')).failed, 1, 'kept, for admins to see and retry');
  await queue.close();
});

test('the cleanup job purges expired sessions and soft-deleted rows past retention, with their files', async () => {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const user = (await db.query(`INSERT INTO users (email, name, password_hash) VALUES ('c@jobs.test', 'C', 'x') RETURNING id`)).rows[0].id;
  await db.query(`INSERT INTO sessions (user_id, expires_at) VALUES ($1, now() - interval '1 hour'), ($1, now() + interval '1 day')`, [user]);
  await db.query(`INSERT INTO operator_sessions (token_hash, expires_at) VALUES ('expired', now() - interval '1 hour'), ('live', now() + interval '1 hour')`);
  const old = (
    await db.query(
      `INSERT INTO projects (name, deleted_at) VALUES ('old', now() - interval '40 days'), ('recent', now() - interval '1 day'), ('live', NULL) RETURNING id`,
    )
  ).rows;
  await db.query(`INSERT INTO tasks (project_id, title, deleted_at) VALUES ($1, 'old task', now() - interval '40 days')`, [old[2].id]);
  mkdirSync(join(storage, 'files'), { recursive: true });
  writeFileSync(join(storage, 'files', 'gone'), 'old bytes');
  writeFileSync(join(storage, 'files', 'kept'), 'recent bytes');
  await db.query(
    `INSERT INTO files (name, content_type, size, storage_key, deleted_at) VALUES ('gone.txt', 'text/plain', 9, 'files/gone', now() - interval '40 days'), ('kept.txt', 'text/plain', 12, 'files/kept', now() - interval '2 days')`,
  );

  const queue = await openQueue(QUEUES.maintenance, 'jobs');
  const job = await queue.add('cleanup', { retentionDays: 30 });
  const result = await waitFor(async () => ((await job.getState()) === 'completed' ? (await queue.getJob(job.id!))!.returnvalue : undefined), {
    what: 'the cleanup job to finish',
    timeoutMs: 15_000,
  });
  assert.deepEqual(result, { sessions: 2, passwordResets: 0, emailVerifications: 0, projects: 1, tasks: 1, files: 1 });
  assert.deepEqual(
    (await db.query('SELECT name FROM projects ORDER BY name')).rows.map((r) => r.name),
    ['live', 'recent'],
  );
  assert.deepEqual(readdirSync(join(storage, 'files')), ['kept']);
  const scheduled = await queue.getJobSchedulers();
  assert.equal(scheduled[0]?.pattern, '0 3 * * *', 'the cron is registered');
  await queue.close();
  await db.end();
});

test("queue scripts run by hash only: with them gone from Redis a tenant's enqueue fails saying why, and works once the platform reloads them", async () => {
  const queue = await openQueue(QUEUES.mail, 'scripts');
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    assert.ok(await queue.add('welcome', { template: 'welcome', to: 'a@scripts.test', signInUrl: 'http://x' }), 'enqueued with the loaded scripts');
    // As after a restart of Redis: its script cache is empty, and the tenant's login may not send a script's text.
    await admin.script('FLUSH');
    await assert.rejects(
      queue.add('welcome', { template: 'welcome', to: 'b@scripts.test', signInUrl: 'http://x' }),
      /does not hold the queue script .* the platform loads them at start-up and whenever Redis restarts/,
    );
    assert.equal(await loadTenantScripts(admin), TENANT_SCRIPTS.length, 'every script reloaded');
    assert.ok(await queue.add('welcome', { template: 'welcome', to: 'c@scripts.test', signInUrl: 'http://x' }), 'enqueued again');
  } finally {
    await loadTenantScripts(admin);
    admin.disconnect();
    await queue.close();
  }
});
