/**
 * The master's scheduler program with TENANTRY_DRIVER=kubernetes, configured only by its environment as the
 * platform chart configures it: a tenant queued as the tenants API queues it is provisioned by terraform and helm
 * into a real Kubernetes control plane (kwok nodes), then deleted; a tenant with no request for its tier's idle
 * time, as the analytics pipeline tells it, is frozen. Real Postgres (catalog and trial host), Redis and MinIO;
 * terraform is the STAND-IN of @tenantry/driver-kubernetes/test-support (no AWS here), and kwok runs no program,
 * so the test sends the request events a tenant's programs would.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AnalyticsProducer, RedisStreamPublisher, analyticsStream } from '@tenantry/analytics';
import { ProvisioningQueue, STEP_NAMES, TenantCatalog } from '@tenantry/control-plane';
import { freePort, newSecretKey, startAll, tenantRedisPrefix, waitFor } from '@tenantry/core';
import { platformTestNodes, startTestKubernetes, type TestKubernetes } from '@tenantry/deploy/kubernetes';
import { TENANT_POD_CHART, TERRAFORM_DIR } from '@tenantry/deploy/paths';
import { k8sTool } from '@tenantry/deploy/tools';
import { startTestMinio, type TestMinio } from '@tenantry/driver-aws/test-support';
import { installTerraformStandIn, startMockRds, type MockRds } from '@tenantry/driver-kubernetes/test-support';
import { startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '@tenantry/driver-local/test-support';
import pg from 'pg';

const MAIN = fileURLToPath(import.meta.resolve('@tenantry/scheduler/main'));

let kube: TestKubernetes;
let postgres: TestPostgres;
let redis: TestRedis;
let minio: TestMinio;
/** A MOCK of the RDS API (no real RDS can run here): a frozen production tenant's instance is stopped through it. */
let rds: MockRds;
let work: string;
let kubectl: string;
let catalog: TenantCatalog;
let queue: ProvisioningQueue;
let master: ChildProcess | undefined;

before(async () => {
  const helm = await k8sTool('helm');
  kubectl = await k8sTool('kubectl');
  [kube, postgres, redis, minio, rds] = await startAll([startTestKubernetes(), startTestPostgres(), startTestRedis(), startTestMinio(), startMockRds()]);
  work = mkdtempSync(join(tmpdir(), 'tenantry-master-kubernetes-'));
  for (const node of platformTestNodes()) {
    assert.equal(k(['apply', '-f', '-'], node).status, 0);
  }
  assert.equal(k(['create', 'namespace', 'tenantry-system']).status, 0);
  await new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: minio.credentials }).send(
    new CreateBucketCommand({ Bucket: 'tenant-data' }),
  );
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE master').finally(() => admin.end());
  const catalogUrl = Object.assign(new URL(postgres.adminUrl), { pathname: '/master' }).toString();

  // What the platform chart's ConfigMap holds.
  const terraform = installTerraformStandIn(join(work, 'stand-in'), { postgresUrl: postgres.adminUrl, redisUrl: redis.url });
  writeFileSync(
    join(work, 'platform.auto.tfvars.json'),
    JSON.stringify({
      region: 'eu-west-1',
      platform: {
        bucket: 'tenant-data',
        eks_oidc_provider_arn: 'arn:aws:iam::000000000000:oidc-provider/oidc.test',
        eks_oidc_provider_url: 'oidc.test',
        db_subnet_group_name: 'db',
        db_security_group_ids: ['sg-1'],
        trial_host: { address: 'trial.internal', port: 5432 },
        trial_admin_secret: 'trial-admin',
        kafka_cluster_arn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/tenantry-analytics/0f1e',
        redis: { address: 'redis.internal', port: 6379, user_group_id: 'tenants' },
      },
    }),
  );
  writeFileSync(join(work, 'backend.hcl'), 'bucket = "tenantry-state"\nregion = "eu-west-1"\n');

  const port = await freePort();
  master = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      HOME: join(work, 'home'),
      KUBECONFIG: kube.kubeconfig,
      LOG_LEVEL: 'warn',
      TENANT_ID: 'master',
      IS_MASTER: 'true',
      DATABASE_URL: catalogUrl,
      REDIS_URL: redis.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      STORAGE_URL: pathToFileURL(`${work}/master-storage/`).toString(),
      TENANT_URL: 'https://master.example.com/',
      SMTP_URL: 'smtp://master:secret@127.0.0.1:2525',
      MAIL_FROM: 'no-reply@example.com',
      TENANTRY_DRIVER: 'kubernetes',
      // Often, so the test sees drift repaired by the resync alone, with nothing enqueued.
      TENANTRY_RESYNC_INTERVAL_MS: '2000',
      TENANTRY_DOMAIN: 'example.com',
      TENANTRY_SECRET_KEY: newSecretKey(),
      TENANTRY_TERRAFORM_BIN: terraform.binary,
      TENANTRY_TERRAFORM_DIR: TERRAFORM_DIR,
      TENANTRY_TERRAFORM_VAR_FILE: join(work, 'platform.auto.tfvars.json'),
      TENANTRY_TERRAFORM_BACKEND_CONFIG: join(work, 'backend.hcl'),
      TENANTRY_HELM_BIN: helm,
      TENANTRY_KUBECTL_BIN: kubectl,
      TENANTRY_HELM_CHART: TENANT_POD_CHART,
      TENANTRY_HELM_TIMEOUT_SECONDS: '120',
      TENANTRY_RELEASE_NAMESPACE: 'tenantry-system',
      TENANTRY_WORK_DIR: join(work, 'provisioning'),
      TENANTRY_SMTP_RELAY_URL: 'smtp://relay:secret@relay.example.com:587',
      TENANTRY_S3_ENDPOINT: minio.endpoint,
      TENANTRY_S3_ACCESS_KEY_ID: minio.credentials.accessKeyId,
      TENANTRY_S3_SECRET_ACCESS_KEY: minio.credentials.secretAccessKey,
      // Production tenants (only the idle-freezing test's) are frozen after 8 s without a request.
      TENANTRY_FREEZE_AFTER_PRODUCTION: '8s',
      AWS_ENDPOINT_URL_RDS: rds.endpoint,
      AWS_ACCESS_KEY_ID: rds.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: rds.credentials.secretAccessKey,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, {
    what: 'the master scheduler to serve /healthz',
    timeoutMs: 30_000,
  });
  catalog = new TenantCatalog(catalogUrl);
  queue = new ProvisioningQueue(redis.url);
});

after(async () => {
  if (master && master.exitCode === null) {
    const exited = new Promise((resolve) => master!.once('exit', resolve));
    master.kill('SIGTERM');
    await exited;
  }
  await queue?.close();
  await catalog?.close();
  await Promise.all([kube?.stop(), postgres?.stop(), redis?.stop(), minio?.stop(), rds?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

function k(args: string[], input?: string) {
  return spawnSync(kubectl, ['--kubeconfig', kube.kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000, ...(input === undefined ? {} : { input }) });
}

test('a queued tenant is made by terraform and helm, repaired by the resync when its Deployment is deleted, and removed when deleted, by the master program configured from its environment', async () => {
  await catalog.create({ slug: 'acme', name: 'Acme', tier: 'trial' }, STEP_NAMES);
  await queue.enqueue('acme', 'provision');
  const ready = await waitFor(
    async () => {
      const tenant = await catalog.get('acme');
      if (tenant?.status === 'failed') throw new Error(`provisioning failed: ${tenant.error}`);
      return tenant?.status === 'ready' && tenant;
    },
    { what: 'tenant acme to be ready', timeoutMs: 180_000, intervalMs: 250 },
  );
  assert.equal(ready.steps.length, STEP_NAMES.length);
  assert.match((await catalog.logs.read('acme', 'database'))!.lines.map((l) => l.line).join('\n'), /Apply complete!/);
  assert.match((await catalog.logs.read('acme', 'pod'))!.lines.map((l) => l.line).join('\n'), /STATUS: deployed/);
  const ingress = JSON.parse(k(['get', 'ingress', 'tenant', '-n', 'tenant-acme', '-o', 'json']).stdout);
  assert.equal(ingress.spec.rules[0].host, 'acme.example.com');
  const secret = JSON.parse(k(['get', 'secret', 'tenant-acme-env', '-n', 'tenant-acme', '-o', 'json']).stdout);
  assert.equal(Buffer.from(secret.data.SMTP_URL, 'base64').toString(), 'smtp://relay:secret@relay.example.com:587');

  // Drift nobody announces: the master's periodic resync finds it and helm puts the Deployment back.
  const deleted = Date.now();
  assert.equal(k(['delete', 'deployment/user-backend', '-n', 'tenant-acme']).status, 0);
  const repaired = await waitFor(
    async () => {
      const pod = (await catalog.get('acme'))?.conditions.find((c) => c.type === 'PodReady');
      return pod?.reason === 'Repaired' && Date.parse(pod.lastTransitionTime) >= deleted - 1000 && pod;
    },
    { what: "acme's Deployment to be repaired by the resync", timeoutMs: 120_000, intervalMs: 250 },
  );
  assert.equal(repaired.status, 'True');
  assert.match(repaired.message, /Deployment user-backend is gone; applied again/);
  assert.equal(k(['get', 'deployment/user-backend', '-n', 'tenant-acme']).status, 0, 'helm made it again');

  await catalog.markDeprovisioning('acme');
  await queue.enqueue('acme', 'deprovision');
  await waitFor(async () => (await catalog.get('acme')) === undefined, { what: 'tenant acme to be deleted', timeoutMs: 180_000, intervalMs: 250 });
  assert.match(k(['get', 'namespace', 'tenant-acme']).stderr, /NotFound/);
});

test('idle freezing on Kubernetes: a production tenant is kept awake by its request events, then frozen once it has had none for its idle time', async () => {
  await catalog.create({ slug: 'quiet', name: 'Quiet', tier: 'production' }, STEP_NAMES);
  await queue.enqueue('quiet', 'provision');
  await waitFor(
    async () => {
      const tenant = await catalog.get('quiet');
      if (tenant?.status === 'failed') throw new Error(`provisioning failed: ${tenant.error}`);
      return tenant?.status === 'ready';
    },
    { what: 'tenant quiet to be ready', timeoutMs: 180_000, intervalMs: 250 },
  );
  rds.add('tenantry-quiet');
  // What its programs send for each real request, through the bus to the master's store, for 20 s: more than twice
  // its idle time, so it would have been frozen meanwhile were the events not read.
  const producer = new AnalyticsProducer('quiet', new RedisStreamPublisher(redis.url, analyticsStream(tenantRedisPrefix('quiet'))), { flushIntervalMs: 50 });
  let lastRequest = 0;
  try {
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      producer.record('request', { route: '/api/projects', method: 'GET', status: 200, latencyMs: 3 });
      lastRequest = Date.now();
      await producer.flush();
      assert.equal((await catalog.get('quiet'))!.spec.state, 'active', 'a tenant with requests is not frozen');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    await producer.close();
  }
  const frozen = await waitFor(
    async () => {
      const tenant = await catalog.get('quiet');
      return tenant?.status === 'frozen' && tenant;
    },
    { what: 'tenant quiet to be frozen once idle', timeoutMs: 120_000, intervalMs: 250 },
  );
  const since = Date.parse(frozen.conditions.find((c) => c.type === 'Frozen' && c.status === 'True')!.lastTransitionTime);
  assert.ok(since >= lastRequest + 8_000, `frozen ${since - lastRequest} ms after its last request: not before its idle time`);
  const deployments = JSON.parse(k(['get', 'deployments', '-n', 'tenant-quiet', '-o', 'json']).stdout).items as { spec: { replicas: number } }[];
  assert.ok(deployments.length > 0);
  for (const d of deployments) assert.equal(d.spec.replicas, 0);
  assert.ok(['stopping', 'stopped'].includes(rds.status('tenantry-quiet')!), `RDS instance ${rds.status('tenantry-quiet')}`);

  await catalog.markDeprovisioning('quiet');
  await queue.enqueue('quiet', 'deprovision');
  await waitFor(async () => (await catalog.get('quiet')) === undefined, { what: 'tenant quiet to be deleted', timeoutMs: 180_000, intervalMs: 250 });
});
