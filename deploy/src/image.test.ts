/**
 * The tenant-pod image, as far as it can be checked without a Docker engine: the Dockerfile's shape (multi-stage,
 * Node 24 LTS, non-root), and the entry point it runs, started here on the built bundles with the environment the
 * tenant chart renders.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { waitFor } from '@tenantry/core';
import { freePort, startTestPostgres, startTestRedis } from '@tenantry/driver-local/test-support';
import { migrateTenantDatabase } from '@tenantry/tenant-schema';
import { helmTemplate, manifest } from './chart-support.js';
import { TENANT_POD_CHART } from './paths.js';

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
  for (const tool of ['terraform', 'helm', 'kubectl'])
    assert.match(tools, new RegExp(`${tool}.*\\| sha256sum -c -`), `${tool} is checked against its published sum`);
  const controlPlane = stage('control-plane');
  assert.doesNotMatch(controlPlane, /^USER /m, 'it keeps the non-root user of tenant-pod');
  for (const copied of ['/out/ /usr/local/bin/', 'deploy/terraform ./deploy/terraform', 'deploy/helm ./deploy/helm'])
    assert.ok(controlPlane.includes(copied), copied);
});

test('the entry point refuses an unknown program and starts a known one, the activator included (which then checks its environment)', () => {
  const unknown = spawnSync(process.execPath, [ENTRY, 'billing'], { encoding: 'utf8' });
  assert.equal(unknown.status, 64);
  assert.match(unknown.stderr, /usage: pod-entry.mjs <user-backend\|admin-backend\|scheduler\|frontend\|activator>/);
  for (const program of ['user-backend', 'admin-backend', 'scheduler', 'frontend']) {
    const started = spawnSync(process.execPath, [ENTRY, program], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
    assert.equal(started.status, 2, `${program}: ${started.stderr}`);
    assert.match(started.stderr, new RegExp(`${program}: invalid configuration:[\\s\\S]*TENANT_ID`), program);
  }
  const activator = spawnSync(process.execPath, [ENTRY, 'activator'], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
  assert.equal(activator.status, 2, activator.stderr);
  assert.match(activator.stderr, /activator: invalid configuration:[\s\S]*TENANTRY_MASTER_URL[\s\S]*ADMIN_TOKEN/);
});

test('a tenant program loads neither the Kafka nor the Cassandra client at start-up (only when its environment asks for them)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-loads-'));
  try {
    // A module resolve hook that reports every Kafka, Cassandra or MSK module asked for.
    writeFileSync(
      join(dir, 'hooks.mjs'),
      'export async function resolve(s, c, next) { if (/kafka|cassandra|msk-iam/.test(s)) process.stderr.write(`LOADED ${s}\\n`); return next(s, c); }\n',
    );
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(dir, 'hooks.mjs')}`)});\n`);
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH },
        cwd: ROOT,
        timeout: 30_000,
      });
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

test("each program started from the image's entry point with the environment the tenant chart renders answers /healthz at an address other than loopback", async (t) => {
  const stops: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => t.diagnostic(`cleanup: ${String(err)}`));
  });
  const postgres = await startTestPostgres();
  stops.push(() => postgres.stop());
  const redis = await startTestRedis();
  stops.push(() => redis.stop());
  await migrateTenantDatabase(postgres.adminUrl);

  // No S3 call is made before a file is stored, so the bucket need not exist.
  const grants = {
    DATABASE_URL: postgres.adminUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: 't:acme',
    SMTP_URL: 'smtp://acme:secret@127.0.0.1:2525',
    AWS_REGION: 'eu-west-1',
  };
  const manifests = await helmTemplate(TENANT_POD_CHART, [
    '--set',
    'tenant.slug=acme',
    '--set',
    'env.storageUrl=s3://tenantry-data/acme/',
    '--set-json',
    `env.secret=${JSON.stringify(grants)}`,
  ]);
  const secret = manifest(manifests, 'Secret', 'tenant-acme-env').stringData as Record<string, string>;
  // The image's ENTRYPOINT, as the Dockerfile declares it, run from the repository root (the image's /app).
  const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(`${ROOT}/Dockerfile`, 'utf8'))![1]!) as string[];
  assert.equal(entrypoint[0], 'node');
  const address = nonLoopbackAddress();
  t.diagnostic(`probing at ${address}`);

  for (const deployment of manifests.filter((m) => m.kind === 'Deployment')) {
    const program = deployment.metadata.name;
    const container = deployment.spec.template.spec.containers[0];
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' };
    for (const e of container.env as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }>) {
      const value = e.valueFrom ? secret[e.valueFrom.secretKeyRef.key] : e.value;
      if (value !== undefined) env[e.name] = value;
    }
    // The one change: a port from the OS instead of the container's 8080.
    env.PORT = String(await freePort());
    const child = spawn(process.execPath, [...entrypoint.slice(1), ...container.args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    stops.push(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    const health = await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${program} exited with ${child.exitCode}: ${stderr}`);
        const res = await fetch(`http://${address.includes(':') ? `[${address}]` : address}:${env.PORT}/healthz`).catch(() => undefined);
        return res?.status === 200 ? ((await res.json()) as { program: string }) : undefined;
      },
      { what: `${program}'s /healthz at ${address}`, timeoutMs: 30_000 },
    );
    assert.equal(health.program, program);
  }
});

/** An address of this machine that is not loopback (traffic to it never leaves the machine), else 127.0.0.2. */
function nonLoopbackAddress(): string {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && a.family === 'IPv4');
  return addresses[0]?.address ?? '127.0.0.2';
}
