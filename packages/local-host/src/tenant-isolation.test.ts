/**
 * As root, each tenant's processes run as its own OS user: tenant A's program cannot read B's storage
 * folder or logs, and the user leaves with the tenant. Real users, real processes (skipped when not root).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { createLogger, waitFor } from '@tenantry/core';
import { FolderStorage, TenantUsers, tenantUserName, workloadSpecSchema, type ServiceUser } from '@tenantry/driver-local';
import { checkReachableByTenants, UnreachableForTenantsError } from './os-isolation.js';
import { Supervisor } from './supervisor/supervisor.js';
import { freePort } from './test-support/platform-process.js';

const root = process.getuid?.() === 0;
const skip = root ? false : 'needs root: only root can create tenant users and run processes as them';
const suffix = process.pid.toString(36);
const slugs = { a: `iso-a-${suffix}`, b: `iso-b-${suffix}` };
const users = new TenantUsers({ first: 290_000, last: 290_999 });
const dir = mkdtempSync(join(tmpdir(), 'tenantry-isolation-'));
// Like TENANTRY_HOME as root: tenants' users pass through, list nothing.
chmodSync(dir, 0o711);
const supervisor = new Supervisor({ logRoot: join(dir, 'logs'), runDir: join(dir, 'run'), log: createLogger('test', 'silent') });

after(async () => {
  await supervisor.stopAll();
  if (root) for (const slug of Object.values(slugs)) await users.remove(slug);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a read of `path` as `user`; returns the error code Node got, or 'read' when it could read. */
function readAs(user: ServiceUser, path: string, kind: 'file' | 'dir' = 'file'): string {
  const script = `try { require('node:fs').${kind === 'file' ? 'readFileSync' : 'readdirSync'}(process.argv[1]); console.log('read'); } catch (e) { console.log(e.code); }`;
  const result = spawnSync(process.execPath, ['-e', script, path], { uid: user.uid, gid: user.gid, encoding: 'utf8', cwd: '/' });
  return result.stdout.trim();
}

test("tenant A runs as its own uid and cannot read B's storage folder or logs; the user leaves with the tenant", { skip }, async () => {
  const storage = new FolderStorage(join(dir, 'storage'), users);
  const grantA = await storage.create({ slug: slugs.a, name: 'A', tier: 'trial' });
  const grantB = await storage.create({ slug: slugs.b, name: 'B', tier: 'trial' });
  const a = (await users.ensure(slugs.a))!;
  const b = (await users.ensure(slugs.b))!;
  assert.notEqual(a.uid, b.uid);
  assert.ok(a.uid >= 290_000 && a.uid <= 290_999);
  assert.deepEqual(await users.ensure(slugs.a), a, 'creating again finds the same user');

  const folderB = fileURLToPath(grantB.url);
  writeFileSync(join(folderB, 'secret.txt'), 'B only');
  chownSync(join(folderB, 'secret.txt'), b.uid, b.gid);
  chmodSync(join(folderB, 'secret.txt'), 0o644);
  assert.equal(readAs(b, join(folderB, 'secret.txt')), 'read', 'B reads its own file');
  assert.equal(readAs(a, join(folderB, 'secret.txt')), 'EACCES');
  assert.equal(readAs(a, folderB, 'dir'), 'EACCES');
  assert.equal(readAs(a, fileURLToPath(grantA.url), 'dir'), 'read', 'A reads its own folder');

  // Pod processes of each tenant, as the driver makes them: every program as the tenant's user.
  const ports = { a: await freePort(), b: await freePort() };
  const program = (port: number) =>
    `console.log('started'); require('node:http').createServer((q, r) => r.end('ok')).listen(${port}, '127.0.0.1'); process.on('SIGTERM', () => process.exit(0));`;
  for (const [key, user] of [
    ['a', a],
    ['b', b],
  ] as const) {
    await supervisor.apply(
      workloadSpecSchema.parse({
        name: `pod-${slugs[key]}`,
        labels: { tenant: slugs[key] },
        processes: [
          {
            name: 'web',
            command: 'node',
            args: ['-e', program(ports[key])],
            cwd: '/',
            uid: user.uid,
            gid: user.gid,
            health: { kind: 'http', port: ports[key], path: '/' },
          },
        ],
      }),
    );
  }
  const podA = await supervisor.waitReady(`pod-${slugs.a}`, 20_000);
  await supervisor.waitReady(`pod-${slugs.b}`, 20_000);
  const status = readFileSync(`/proc/${podA.processes[0]!.pid}/status`, 'utf8');
  assert.match(status, new RegExp(`^Uid:\\s+${a.uid}\\s+${a.uid}\\s+${a.uid}\\s+${a.uid}$`, 'm'));
  assert.match(status, new RegExp(`^Gid:\\s+${a.gid}\\s`, 'm'));

  const logB = join(dir, 'logs', `pod-${slugs.b}`, 'web.log');
  await waitFor(() => readFileSync(logB, 'utf8').includes('started') || undefined, { what: "B's log", timeoutMs: 10_000 });
  assert.equal(readAs(a, logB), 'EACCES');
  assert.equal(
    readAs(a, join(dir, 'logs', `pod-${slugs.a}`, 'web.log')),
    'EACCES',
    "logs are the platform's: not even the tenant itself reads or rewrites them",
  );

  await supervisor.remove(`pod-${slugs.a}`);
  await storage.remove({ slug: slugs.a, name: 'A', tier: 'trial' });
  assert.equal(spawnSync('id', ['-u', tenantUserName(slugs.a)]).status, 1, 'the user is gone with the tenant');
  await storage.remove({ slug: slugs.a, name: 'A', tier: 'trial' });
  await users.remove(slugs.a);
});

test('as root, a layout other users cannot enter (a checkout under a 0700 folder) is refused with one line saying what to do', { skip }, () => {
  const closed = join(dir, 'closed-root');
  mkdirSync(join(closed, 'checkout'), { recursive: true, mode: 0o700 });
  chmodSync(join(closed, 'checkout'), 0o755);
  chmodSync(closed, 0o700);
  assert.throws(
    () => checkReachableByTenants(join(closed, 'checkout', '.tenantry'), '/usr'),
    (err: unknown) =>
      err instanceof UnreachableForTenantsError &&
      err.message.includes(`cannot enter ${closed} (mode 700)`) &&
      err.message.includes(`chmod o+x ${closed}`) &&
      !err.message.includes('\n'),
  );
  assert.throws(() => checkReachableByTenants(join(dir, 'home'), join(closed, 'checkout')), UnreachableForTenantsError);
  assert.throws(() => checkReachableByTenants(join(dir, 'home'), '/usr', join(closed, 'checkout', 'node')), /to reach Node\.js at/);
  chmodSync(closed, 0o711);
  checkReachableByTenants(join(closed, 'checkout', '.tenantry'), join(closed, 'checkout'));
});
