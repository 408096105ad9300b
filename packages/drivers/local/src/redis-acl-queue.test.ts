/**
 * A tenant's Redis login on a real redis-server: every command and subcommand the server knows
 * (from COMMAND) is tried for the tenant's user, and only the allowlist is permitted; then the
 * attacks an outside review made (other tenants' key names, server-wide commands, other databases)
 * are tried on a real connection of the tenant and refused.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { SCRIPT_KEEPER_CONNECTION, TENANT_SCRIPTS, TenantScriptKeeper } from '@tenantry/control-plane';
import { createLogger, freePort, TENANT_REDIS_ALLOWLIST, tenantRedisUser, waitFor } from '@tenantry/core';
import { RedisAclQueue } from './redis-acl-queue.js';
import { startTestRedis, type TestRedis } from './test-support/test-redis.js';

let server: TestRedis | undefined;
let logins: RedisAclQueue | undefined;
const clients: Redis[] = [];

after(async () => {
  for (const client of clients) client.disconnect();
  await logins?.close();
  await server?.stop();
});

function connect(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

let admin: Redis;
let acme: Redis;
let acmeUrl: string;

before(async () => {
  server = await startTestRedis();
  logins = new RedisAclQueue(server.url);
  admin = connect(server.url);
  const grant = await logins.create({ slug: 'acme', name: 'Acme', tier: 'trial' });
  await logins.create({ slug: 'beta', name: 'Beta', tier: 'trial' });
  acmeUrl = grant.url;
  acme = connect(acmeUrl);
  await admin.set('t:beta:secret', 'beta only');
  await admin.xadd('t:beta:analytics', '*', 'e', '{}');
});

/** Why a command was refused, or undefined when it ran (whatever it answered). */
async function refusal(client: Redis, ...args: string[]): Promise<string | undefined> {
  try {
    await client.call(args[0]!, ...args.slice(1));
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    // NOPERM on a connection; inside a script the same ACL check answers with ERR and this text.
    return /^NOPERM|The user executing the script can't/.test(message) ? message : undefined;
  }
}

type CommandInfo = [
  name: string,
  arity: number,
  flags: string[],
  firstKey: number,
  lastKey: number,
  step: number,
  categories: string[],
  tips: string[],
  keySpecs: unknown[],
  subcommands: CommandInfo[],
];

test('of every command and subcommand of this Redis, only the allowlist is permitted to a tenant', async () => {
  const commands = (await admin.call('COMMAND')) as CommandInfo[];
  const all = commands.flatMap((c) => (c[9]?.length ? c[9] : [c]));
  assert.ok(all.length > 200, `COMMAND lists the server's commands (${all.length})`);
  const known = new Set(all.map((c) => c[0].toLowerCase()));
  for (const name of TENANT_REDIS_ALLOWLIST) {
    // A command of the allowlist that this server lacks is refused outright by ACL SETUSER, so it must exist.
    assert.ok(known.has(name) || known.has(name.split('|')[0]!), `${name} is a command of this Redis`);
  }
  const permitted: string[] = [];
  const keyed: CommandInfo[] = [];
  for (const command of all) {
    const name = command[0].toLowerCase();
    const [base, sub] = name.split('|') as [string, string | undefined];
    const words = sub ? [base, sub] : [base];
    // Enough arguments for the arity, all of them a key of the tenant, so only the command is judged.
    const extra = Math.max(Math.abs(command[1]) - words.length, 0);
    const answer = String(await admin.call('ACL', 'DRYRUN', tenantRedisUser('acme'), ...words, ...Array<string>(extra).fill('t:acme:k')));
    if (answer === 'OK') permitted.push(name);
    else assert.match(answer, /no permissions/, `${name}: ${answer}`);
    if (answer === 'OK' && command[3] > 0) keyed.push(command);
  }
  // Commands flagged no_auth (AUTH, HELLO, RESET: a connection's own state) are open to every user.
  const open = all.filter((c) => c[2].includes('no_auth')).map((c) => c[0].toLowerCase());
  assert.deepEqual(permitted.sort(), [...new Set([...TENANT_REDIS_ALLOWLIST, ...open])].sort(), 'exactly the allowlist');
  for (const command of keyed) {
    const name = command[0].toLowerCase();
    const words = name.split('|');
    const extra = Math.max(Math.abs(command[1]) - words.length, 0);
    const answer = String(await admin.call('ACL', 'DRYRUN', tenantRedisUser('acme'), ...words, ...Array<string>(extra).fill('t:beta:k')));
    assert.match(answer, /no permissions/, `${name} on another tenant's key`);
  }
});

test("a tenant's connection cannot discover other tenants' key names", async () => {
  assert.ok(await refusal(acme, 'SCAN', '0'), 'SCAN');
  assert.ok(await refusal(acme, 'SCAN', '0', 'MATCH', 't:beta:*'), 'SCAN MATCH');
  assert.ok(await refusal(acme, 'KEYS', '*'), 'KEYS');
  assert.ok(await refusal(acme, 'RANDOMKEY'), 'RANDOMKEY');
  assert.ok(await refusal(acme, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 't:beta:'), 'CLIENT TRACKING BCAST PREFIX');
  assert.ok(await refusal(acme, 'CLIENT', 'LIST'), 'CLIENT LIST (every connection and its name)');
  assert.ok(await refusal(acme, 'MONITOR'), 'MONITOR');
  // A connection of its own: a client that sent SUBSCRIBE takes no other command.
  const subscriber = connect(acmeUrl);
  assert.ok(await refusal(subscriber, 'PSUBSCRIBE', '__keyspace@0__:*'), 'keyspace notifications');
  assert.ok(await refusal(acme, 'GET', 't:beta:secret'), "GET of another tenant's key");
  assert.ok(await refusal(acme, 'XREAD', 'STREAMS', 't:beta:analytics', '0'), "another tenant's stream");
  // Scripts in the server's cache (only the platform's login can put one there) run with the caller's rules.
  const byHash = async (lua: string, ...keysAndArgs: string[]) => refusal(acme, 'EVALSHA', String(await admin.script('LOAD', lua)), ...keysAndArgs);
  assert.ok(await byHash("return redis.call('GET', KEYS[1])", '1', 't:beta:secret'), 'a script with a declared key of another tenant');
  assert.ok(await byHash("return redis.call('GET', 't:beta:secret')", '0'), 'a script reaching an undeclared key');
  assert.ok(await byHash("return redis.call('SCAN', '0')", '0'), 'SCAN from a script');
  assert.ok(await byHash("return redis.call('SELECT', '1')", '0'), 'SELECT from a script');
});

test("a tenant runs only the scripts the platform loaded (BullMQ's), never a text of its own, so it cannot block the server", async () => {
  const loop = 'while true do end';
  assert.match((await refusal(acme, 'EVAL', loop, '0')) ?? 'ran', /NOPERM/, 'EVAL of its own text');
  assert.match((await refusal(acme, 'EVAL_RO', loop, '0')) ?? 'ran', /NOPERM/, 'EVAL_RO');
  assert.ok(await refusal(acme, 'SCRIPT', 'LOAD', loop), 'SCRIPT LOAD');
  assert.ok(await refusal(acme, 'FUNCTION', 'LOAD', `#!lua name=loop\nredis.register_function('loop', function() ${loop} end)`), 'FUNCTION LOAD');
  const unknown = createHash('sha1').update(loop).digest('hex');
  await assert.rejects(acme.evalsha(unknown, 0), /NOSCRIPT/, 'a hash the server does not hold');
  // Making the login loaded BullMQ's scripts, by the same text (so the same hash) its clients send.
  assert.ok(TENANT_SCRIPTS.length > 40, `BullMQ's scripts (${TENANT_SCRIPTS.length})`);
  assert.deepEqual(
    await admin.script('EXISTS', ...TENANT_SCRIPTS.map((s) => s.sha)),
    TENANT_SCRIPTS.map(() => 1),
    'each in the cache',
  );
  assert.equal(await acme.ping(), 'PONG', 'the server is not busy');
});

test('the keeper reloads the scripts when the server has lost them: on a reconnection and on its interval', async () => {
  const all = () => admin.script('EXISTS', ...TENANT_SCRIPTS.map((s) => s.sha)) as Promise<number[]>;
  const loaded = async () => (await all()).every((present) => present === 1);
  const log = createLogger('test', 'silent');
  const keeper = new TenantScriptKeeper({ redisUrl: server!.url, log, intervalMs: 3_600_000 });
  try {
    await admin.script('FLUSH');
    await keeper.start();
    assert.ok(await loaded(), 'loaded at start');
    // A restarted server: an empty cache, and the keeper's connection dropped and made again.
    await admin.script('FLUSH');
    const keeperClients = String(await admin.client('LIST'))
      .split('\n')
      .filter((line) => line.includes(`name=${SCRIPT_KEEPER_CONNECTION} `));
    assert.equal(keeperClients.length, 1, "the keeper's connection");
    await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(keeperClients[0]!)![1]!);
    await waitFor(loaded, { what: 'the scripts reloaded after the reconnection', timeoutMs: 10_000 });
  } finally {
    await keeper.close();
  }
  const polling = new TenantScriptKeeper({ redisUrl: server!.url, log, intervalMs: 50 });
  try {
    await polling.start();
    await admin.script('FLUSH');
    await waitFor(loaded, { what: 'the scripts reloaded on the interval', timeoutMs: 10_000 });
  } finally {
    await polling.close();
  }
});

test('a tenant cannot run server-wide commands nor select another database', async () => {
  for (const args of [
    ['SELECT', '1'],
    ['SWAPDB', '0', '1'],
    ['MOVE', 't:acme:k', '1'],
    ['COPY', 't:acme:k', 't:acme:j', 'DB', '1'],
    ['SCRIPT', 'FLUSH'],
    ['SCRIPT', 'KILL'],
    ['SCRIPT', 'LOAD', 'return 1'],
    ['FUNCTION', 'FLUSH'],
    ['FUNCTION', 'DELETE', 'lib'],
    ['FUNCTION', 'KILL'],
    ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function('f', function() return 1 end)"],
    ['FUNCTION', 'RESTORE', 'x'],
    ['FUNCTION', 'DUMP'],
    ['MEMORY', 'PURGE'],
    ['MEMORY', 'USAGE', 't:beta:secret'],
    ['FLUSHALL'],
    ['FLUSHDB'],
    ['CONFIG', 'GET', '*'],
    ['CLIENT', 'KILL', 'USER', 'tenant-beta'],
    ['CLIENT', 'PAUSE', '10'],
    ['CLIENT', 'NO-EVICT', 'on'],
    ['ACL', 'WHOAMI'],
    ['ACL', 'LIST'],
    ['SLOWLOG', 'GET'],
    ['LATENCY', 'LATEST'],
    ['DBSIZE'],
    ['WAIT', '0', '0'],
    ['PUBLISH', 't:beta:x', 'hi'],
    ['SHUTDOWN'],
    ['FCALL', 'f', '0'],
  ])
    assert.ok(await refusal(acme, ...args), args.join(' '));
  assert.equal(await admin.get('t:beta:secret'), 'beta only', "the other tenant's key is still there");
});

test("what the tenant's programs use still works on its own keys", async () => {
  assert.equal(await acme.set('t:acme:k', 'v'), 'OK');
  assert.equal(await acme.get('t:acme:k'), 'v');
  assert.equal(await acme.client('SETNAME', 'acme-worker'), 'OK');
  assert.match(String(await acme.info()), /redis_version:/, 'INFO, read by queue clients for the version');
  // A script the platform loaded, by its hash (as the pods' ioredis sends BullMQ's), on the tenant's own keys.
  const incrTwice = String(await admin.script('LOAD', "redis.call('INCR', KEYS[1]); return redis.call('INCR', KEYS[1])"));
  assert.equal(await acme.evalsha(incrTwice, 1, 't:acme:n'), 2);
  const replies = await acme.multi().incr('t:acme:throttle').expire('t:acme:throttle', 60, 'NX').exec();
  assert.deepEqual(
    replies,
    [
      [null, 1],
      [null, 1],
    ],
    'the login throttle: INCR and EXPIRE NX in MULTI',
  );
  await acme.xadd('t:acme:analytics', 'MAXLEN', '~', '1000', '*', 'e', '{"n":1}');
  await acme.xgroup('CREATE', 't:acme:analytics', 'g', '0', 'MKSTREAM');
  const read = (await acme.xreadgroup('GROUP', 'g', 'c', 'COUNT', '10', 'STREAMS', 't:acme:analytics', '>')) as [string, [string, string[]][]][];
  assert.equal(read[0]![1].length, 1);
  await acme.xautoclaim('t:acme:analytics', 'g', 'c', 0, '0-0', 'COUNT', 10);
  assert.equal(await acme.xack('t:acme:analytics', 'g', read[0]![1][0]![0]), 1);
});

test('a login made with earlier rules gets the allowlist at start-up, and keeps its password', async () => {
  await admin.call(
    'ACL',
    'SETUSER',
    tenantRedisUser('old'),
    'reset',
    'on',
    '>old-password',
    '~t:old:*',
    '&t:old:*',
    '+@all',
    '-@admin',
    '-@dangerous',
    '+info',
  );
  const oldUrl = Object.assign(new URL(server!.url), { username: tenantRedisUser('old'), password: 'old-password' }).toString();
  const before = connect(oldUrl);
  assert.equal(await refusal(before, 'SCAN', '0'), undefined, 'the earlier rules let it scan');
  assert.ok((await logins!.reconfineExisting()) >= 3, 'every tenant login on the server');
  const after = connect(oldUrl);
  assert.ok(await refusal(after, 'SCAN', '0'), 'SCAN refused now');
  assert.equal(await after.set('t:old:k', 'v'), 'OK', 'the same password still logs in, to its own keys');
  assert.equal(String(await admin.call('ACL', 'DRYRUN', tenantRedisUser('old'), 'select', '0')).startsWith('OK'), false);
});

test("observing logs in as the tenant: present, missing once its user is deleted or its password changed behind the driver's back, present again after create", async () => {
  const tenant = { slug: 'gamma', name: 'Gamma', tier: 'trial' } as const;
  const grant = await logins!.create(tenant);
  assert.deepEqual(await logins!.observe(tenant, grant), { state: 'present' });

  await admin.call('ACL', 'DELUSER', tenantRedisUser('gamma'));
  const deleted = await logins!.observe(tenant, grant);
  assert.equal(deleted.state, 'missing');
  assert.match(deleted.state === 'missing' ? deleted.message : '', /refuses the tenant's login tenant-gamma: WRONGPASS/);
  assert.ok(!((await admin.call('ACL', 'USERS')) as string[]).includes(tenantRedisUser('gamma')), 'observing made nothing');

  const again = await logins!.create(tenant);
  assert.deepEqual(await logins!.observe(tenant, again), { state: 'present' }, 'applying again makes it');
  assert.equal((await logins!.observe(tenant, grant)).state, 'missing', 'the grant of before holds the old password');

  await admin.call('ACL', 'SETUSER', tenantRedisUser('gamma'), '-ping');
  const confined = await logins!.observe(tenant, again);
  assert.equal(confined.state, 'unhealthy');
  assert.match(confined.state === 'unhealthy' ? confined.message : '', /may no longer PING/);
  assert.deepEqual(await logins!.observe(tenant, await logins!.create(tenant)), { state: 'present' }, 'applying again repairs its rules');
  await logins!.remove(tenant);

  // A server that does not answer says nothing about the tenant's login: no answer at all.
  const away = new URL(grant.url);
  away.port = String(await freePort());
  await assert.rejects(logins!.observe(tenant, { ...grant, url: away.toString() }), /cannot observe the tenant's Redis login at .*ECONNREFUSED/);
});
