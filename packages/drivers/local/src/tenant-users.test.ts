import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPodManifest } from '@tenantry/pod-manifest';
import { podWorkload } from './process-compute.js';
import { parseUidRange, tenantUserName } from './tenant-users.js';

test('a pod with a tenant user runs every program as it; without one, as the platform', () => {
  const manifest = defaultPodManifest();
  const ports = Object.fromEntries(manifest.programs.map((p, i) => [p.name, 20_000 + i]));
  const user = { uid: 200_123, gid: 200_124, name: tenantUserName('acme') };
  const withUser = podWorkload({ slug: 'acme', manifest, env: {}, ports, user });
  assert.ok(withUser.processes.every((p) => p.uid === user.uid && p.gid === user.gid));
  const without = podWorkload({ slug: 'acme', manifest, env: {}, ports });
  assert.ok(without.processes.every((p) => p.uid === undefined && p.gid === undefined));
});

test('tenant user names fit in 32 characters whatever the slug, and differ per slug', () => {
  const long = 'a'.repeat(63);
  assert.ok(tenantUserName(long).length <= 32);
  assert.notEqual(tenantUserName('acme'), tenantUserName('beta'));
});

test('the uid range must be a real range above the system accounts', () => {
  assert.deepEqual(parseUidRange('200000-299999'), { first: 200_000, last: 299_999 });
  for (const bad of ['0-100000', '200000', '300000-200000', '200000-200001', 'x-y']) assert.equal(parseUidRange(bad), undefined, bad);
});
