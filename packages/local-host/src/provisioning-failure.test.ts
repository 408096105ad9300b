/**
 * A tenant whose pod cannot start, on a platform running a custom pod manifest: the step fails for
 * real (no stand-in), the tenant is marked failed with the reason, and everything it made is removed.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultPodManifest } from '@tenantry/pod-manifest';
import { PlatformProcess } from './test-support/platform-process.js';

let platform: PlatformProcess;

before(async () => {
  platform = await PlatformProcess.create('31000-31999');
  const manifest = defaultPodManifest();
  const broken = manifest.programs.find((p) => p.name === 'scheduler')!;
  broken.args = ['-e', "console.error('scheduler: cannot reach the mail server'); process.exit(3)"];
  const file = join(platform.home, 'broken-pod.json');
  writeFileSync(file, JSON.stringify(manifest));
  platform.extraEnv = { TENANTRY_POD_MANIFEST: file };
  await platform.start();
});

after(async () => {
  await platform?.dispose();
});

test('a step that keeps failing marks the tenant failed with the reason and removes what it made', async () => {
  const accepted = await platform.api('POST', '/admin/api/tenants', { slug: 'doomed', tier: 'production' });
  assert.equal(accepted.status, 202);
  const failed = await platform.waitStatus('doomed', 'failed', 90_000);
  assert.match(failed.error, /step pod failed: .*scheduler .*keeps exiting.*exit code 3.*cannot reach the mail server/);
  const pod = failed.steps.find((s: { name: string }) => s.name === 'pod');
  assert.equal(pod.state, 'failed');
  assert.equal(pod.attempts, 3);
  for (const step of failed.steps.filter((s: { name: string }) => s.name !== 'pod')) assert.equal(step.state, 'removed', step.name);

  const state = platform.agentState();
  assert.equal(state.workloads['pod-doomed'], undefined);
  assert.equal(state.workloads['db-doomed'], undefined);
  assert.equal(state.routes['doomed.localhost'], undefined);
  assert.ok(!existsSync(join(platform.home, 'storage', 'doomed')));
  assert.equal((await platform.http('doomed.localhost', '/')).status, 404);

  const cli = platform.cli('tenants', 'get', 'doomed');
  assert.equal(cli.status, 0);
  assert.match(cli.stdout, /failed/);
});
