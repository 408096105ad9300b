#!/usr/bin/env node
// The kubernetes driver's own cost per tenant: the provisioning workflow with the kubernetes driver on a
// Kubernetes control plane started here (etcd, kube-apiserver, controller manager, scheduler, kwok nodes;
// built from the Go module proxy the first time), real helm and kubectl, Postgres, Redis and MinIO.
// Terraform is the tests' STAND-IN (no AWS here), so the database step measures the driver's terraform
// handling and a real trial database, not RDS. kwok reports pods Ready without running them, so the pod
// step measures helm, the API server and the controllers, not image pulls or program start-up.
// Rounds: N trial tenants one after another, then N at once; each tenant is deleted after its round.
//
//   node bench/kubernetes-driver.mjs [--count 5] [--limit-s 900] [--tag x → results/kubernetes-driver-x.json]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { RedisStreamsBusDriver } from '@tenantry/analytics';
import { ProvisioningWorkflow, STEP_NAMES, TenantCatalog } from '@tenantry/control-plane';
import { createLogger } from '@tenantry/core';
import { platformTestNodes, startTestKubernetes } from '@tenantry/deploy/kubernetes';
import { TENANT_POD_CHART, TERRAFORM_DIR } from '@tenantry/deploy/paths';
import { k8sTool } from '@tenantry/deploy/tools';
import { startTestMinio } from '@tenantry/driver-aws/test-support';
import { createKubernetesDrivers } from '@tenantry/driver-kubernetes';
import { installTerraformStandIn } from '@tenantry/driver-kubernetes/test-support';
import { startTestPostgres, startTestRedis } from '@tenantry/driver-local/test-support';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import pg from 'pg';
import { log, onCleanup, parseFlags, runBench, summarize } from './lib/platform.mjs';

const flags = parseFlags(process.argv.slice(2), { count: 5, 'limit-s': 900, tag: '' });
const N = flags.count;
if (!Number.isInteger(N) || N < 1 || N > 20) throw new Error('--count must be an integer from 1 to 20');

async function setUp() {
  const [helm, kubectl] = [await k8sTool('helm'), await k8sTool('kubectl')];
  log('starting the control plane, Postgres, Redis and MinIO');
  const [kube, postgres, redis, minio] = await Promise.all([startTestKubernetes(), startTestPostgres(), startTestRedis(), startTestMinio()]);
  onCleanup(() => Promise.all([kube.stop(), postgres.stop(), redis.stop(), minio.stop()]));
  const kubectlRun = (args, input) => spawnSync(kubectl, ['--kubeconfig', kube.kubeconfig, ...args], { encoding: 'utf8', input });
  for (const node of platformTestNodes()) kubectlRun(['apply', '-f', '-'], node);
  kubectlRun(['create', 'namespace', 'tenantry-system']);
  await new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: minio.credentials }).send(
    new CreateBucketCommand({ Bucket: 'tenant-data' }),
  );

  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE catalog').finally(() => admin.end());
  const catalogUrl = new URL(postgres.adminUrl);
  catalogUrl.pathname = '/catalog';
  const catalog = new TenantCatalog(catalogUrl.toString());
  await catalog.migrate();
  onCleanup(() => catalog.close());

  const work = mkdtempSync(join(tmpdir(), 'tenantry-bench-kubernetes-'));
  const terraform = installTerraformStandIn(join(work, 'stand-in'), { postgresUrl: postgres.adminUrl, redisUrl: redis.url });
  const varFile = join(work, 'platform.auto.tfvars.json');
  writeFileSync(
    varFile,
    JSON.stringify({
      region: 'eu-west-1',
      platform: {
        bucket: 'tenant-data',
        eks_oidc_provider_arn: 'arn',
        eks_oidc_provider_url: 'oidc',
        db_subnet_group_name: 'db',
        db_security_group_ids: [],
        trial_host: { address: 'trial', port: 5432 },
        trial_admin_secret: 's',
        kafka_cluster_arn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/tenantry-analytics/id',
        redis: { address: 'redis', port: 6379, user_group_id: 'g' },
      },
    }),
  );
  const drivers = createKubernetesDrivers({
    domain: 'example.com',
    terraform: { binary: terraform.binary, configDir: TERRAFORM_DIR, workDir: join(work, 'driver'), backendConfig: { bucket: 'state' }, varFile },
    helm: {
      helm,
      kubectl,
      env: { KUBECONFIG: kube.kubeconfig },
      chart: TENANT_POD_CHART,
      releaseNamespace: 'tenantry-system',
      programs: ['user-backend', 'admin-backend', 'scheduler', 'frontend'],
    },
    storage: { region: 'us-east-1', bucket: 'tenant-data', endpoint: minio.endpoint, credentials: minio.credentials },
    redisAdminUrl: redis.url,
    smtpRelayUrl: 'smtp://relay:secret@relay.example.com:587',
    analytics: new RedisStreamsBusDriver(),
    schema: { latestVersion: LATEST_SCHEMA_VERSION, migrate: migrateTenantDatabase },
  });
  onCleanup(() => drivers.close());
  const workflow = new ProvisioningWorkflow(catalog, drivers, createLogger('bench', 'silent'), { retryDelayMs: 50 });
  return { catalog, workflow };
}

/** Provisions one tenant; returns the total time and each step's time, as the catalog recorded them. */
async function provisionOne({ catalog, workflow }, slug) {
  const started = performance.now();
  await catalog.create({ slug, name: slug, tier: 'trial' }, STEP_NAMES);
  await workflow.provision(slug);
  const totalMs = performance.now() - started;
  const tenant = await catalog.get(slug);
  if (tenant?.status !== 'ready') throw new Error(`${slug} is ${tenant?.status}: ${tenant?.error}`);
  return { slug, totalMs, steps: Object.fromEntries(tenant.steps.map((s) => [s.name, s.durationMs])) };
}

async function deleteOne({ catalog, workflow }, slug) {
  const started = performance.now();
  await catalog.markDeprovisioning(slug);
  await workflow.deprovision(slug);
  return performance.now() - started;
}

function report(name, tenants, deletionsMs) {
  const summary = {
    total: summarize(tenants.map((t) => t.totalMs)),
    steps: Object.fromEntries(STEP_NAMES.map((step) => [step, summarize(tenants.map((t) => t.steps[step]))])),
    deletion: summarize(deletionsMs),
  };
  log(
    `${name}: total p50 ${summary.total.p50} ms, p95 ${summary.total.p95} ms; database p50 ${summary.steps.database.p50} ms, pod p50 ${summary.steps.pod.p50} ms; deletion p50 ${summary.deletion.p50} ms`,
  );
  return { summary, tenants, deletionsMs };
}

await runBench(flags.tag ? `kubernetes-driver-${flags.tag}` : 'kubernetes-driver', flags['limit-s'] * 1000, async () => {
  const platform = await setUp();
  const rounds = {};
  const sequential = [];
  for (let i = 0; i < N; i += 1) sequential.push(await provisionOne(platform, `seq-${i}`));
  const sequentialDeletions = [];
  for (const t of sequential) sequentialDeletions.push(await deleteOne(platform, t.slug));
  rounds.sequential = report('one after another', sequential, sequentialDeletions);
  const concurrent = await Promise.all(Array.from({ length: N }, (_, i) => provisionOne(platform, `con-${i}`)));
  const concurrentDeletions = await Promise.all(concurrent.map((t) => deleteOne(platform, t.slug)));
  rounds.concurrent = report(`${N} at once`, concurrent, concurrentDeletions);
  return { count: N, terraform: 'stand-in (no AWS)', nodes: 'kwok', rounds };
});
