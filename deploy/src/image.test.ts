/**
 * The tenant-pod image, as far as it can be checked without a Docker engine: the Dockerfile's shape (multi-stage,
 * Node 24 LTS, non-root), and the entry point it runs, started here on the built bundles.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../docker/pod-entry.mjs', import.meta.url));

test('the Dockerfile builds in one stage and runs Node 24 as a non-root user; the control-plane image adds the tools the driver runs', () => {
  const dockerfile = readFileSync(`${ROOT}/Dockerfile`, 'utf8');
  const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(stages, ['node:24-bookworm-slim build', 'debian:bookworm-slim tools', 'node:24-bookworm-slim tenant-pod', 'tenant-pod control-plane']);
  const stage = (name: string) => dockerfile.slice(dockerfile.indexOf(`AS ${name}\n`)).split(/^FROM /m)[0]!;
  const runtime = stage('tenant-pod');
  assert.match(runtime, /^USER 10001:10001$/m, 'the runtime stage drops root');
  assert.doesNotMatch(runtime, /npm (ci|install)/, 'nothing is installed in the runtime stage');
  assert.match(runtime, /ENTRYPOINT \["node", "--max-semi-space-size=1", "deploy\/docker\/pod-entry.mjs"\]/);
  const tools = stage('tools');
  for (const tool of ['terraform', 'helm', 'kubectl']) assert.match(tools, new RegExp(`${tool}.*\\| sha256sum -c -`), `${tool} is checked against its published sum`);
  const controlPlane = stage('control-plane');
  assert.doesNotMatch(controlPlane, /^USER /m, 'it keeps the non-root user of tenant-pod');
  for (const copied of ['/out/ /usr/local/bin/', 'deploy/terraform ./deploy/terraform', 'deploy/helm ./deploy/helm']) assert.ok(controlPlane.includes(copied), copied);
});

test('the entry point refuses an unknown program and starts a known one (which then checks its environment)', () => {
  const unknown = spawnSync(process.execPath, [ENTRY, 'billing'], { encoding: 'utf8' });
  assert.equal(unknown.status, 64);
  assert.match(unknown.stderr, /usage: pod-entry.mjs <user-backend\|admin-backend\|scheduler\|frontend>/);
  for (const program of ['user-backend', 'admin-backend', 'scheduler', 'frontend']) {
    const started = spawnSync(process.execPath, [ENTRY, program], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
    assert.equal(started.status, 2, `${program}: ${started.stderr}`);
    assert.match(started.stderr, new RegExp(`${program}: invalid configuration:[\\s\\S]*TENANT_ID`), program);
  }
});

test('a tenant program loads neither the Kafka nor the Cassandra client at start-up (only when its environment asks for them)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-loads-'));
  try {
    // A module resolve hook that reports every Kafka, Cassandra or MSK module asked for.
    writeFileSync(join(dir, 'hooks.mjs'), "export async function resolve(s, c, next) { if (/kafka|cassandra|msk-iam/.test(s)) process.stderr.write(`LOADED ${s}\\n`); return next(s, c); }\n");
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`);
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH }, cwd: ROOT, timeout: 30_000 });
    // The hook sees a load when there is one.
    assert.match(run(['-e', "await import('@platformatic/kafka')", '--input-type=module']).stderr, /LOADED @platformatic\/kafka/);
    for (const program of ['user-backend', 'admin-backend', 'scheduler', 'frontend']) {
      const started = run([ENTRY, program]);
      assert.equal(started.status, 2, `${program}: ${started.stderr}`);
      assert.doesNotMatch(started.stderr, /LOADED/, program);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
