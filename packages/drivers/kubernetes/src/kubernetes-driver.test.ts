/**
 * The kubernetes driver through the provisioning workflow and the tenant catalog, against a real Kubernetes
 * control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler built from the Go module proxy,
 * kwok for the nodes), real helm and kubectl, a real Postgres (the catalog and the shared trial host), Redis and
 * MinIO. helm and kubectl act as the master's service account, with the platform chart's ClusterRole. Terraform
 * is a STAND-IN (test-support/terraform-stand-in.ts): `terraform apply` against AWS cannot run here. It checks each
 * call against the real tenant root and creates the trial database and Redis user for real.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { RedisStreamsBusDriver } from '@tenantry/analytics';
import { PROVISIONING_STEPS, ProvisioningWorkflow, STEP_NAMES, TenantCatalog, type Observed, type StepContext } from '@tenantry/control-plane';
import { connects } from '@tenantry/control-plane/contracts';
import { createLogger, startAll, waitFor, type Tier } from '@tenantry/core';
import { startTestMinio, type TestMinio } from '@tenantry/driver-aws/test-support';
import { startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '@tenantry/driver-local/test-support';
import { platformTestNodes, startTestKubernetes, type TestKubernetes } from '@tenantry/deploy/kubernetes';
import { PLATFORM_CHART, TENANT_POD_CHART, TERRAFORM_DIR } from '@tenantry/deploy/paths';
import { k8sTool } from '@tenantry/deploy/tools';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import { Redis } from 'ioredis';
import pg from 'pg';
import { installTerraformStandIn, startMockRds, type MockRds, type TerraformStandIn } from './test-support/index.js';
import {
  ACTIVATOR_SERVICE,
  createKubernetesDrivers,
  FROZEN_REPLICAS_ANNOTATION,
  FROZEN_RULES_ANNOTATION,
  MASTER_SERVICE_ACCOUNT,
  TENANT_NAMESPACE_PREFIX,
  TENANT_RELEASE_CLUSTER_ROLE,
  tenantNamespace,
  type KubernetesDriverOptions,
} from './index.js';

const BUCKET = 'tenant-data';
const PROGRAMS = ['user-backend', 'admin-backend', 'scheduler', 'frontend'];

let kube: TestKubernetes;
let postgres: TestPostgres;
let redis: TestRedis;
let minio: TestMinio;
let terraform: TerraformStandIn;
/** A MOCK of the RDS API: no real RDS can run here (test-support/mock-rds.ts). */
let rds: MockRds;
let catalog: TenantCatalog;
let work: string;
let helm: string;
let kubectl: string;
let masterKubeconfig: string;
let options: KubernetesDriverOptions;
let drivers: ReturnType<typeof createKubernetesDrivers>;
let workflow: ProvisioningWorkflow;
const log = createLogger('kubernetes-driver-test', 'silent');

before(async () => {
  [helm, kubectl] = [await k8sTool('helm'), await k8sTool('kubectl')];
  [kube, postgres, redis, minio, rds] = await startAll([startTestKubernetes(), startTestPostgres(), startTestRedis(), startTestMinio(), startMockRds()]);
  work = mkdtempSync(join(tmpdir(), 'tenantry-kubernetes-driver-'));
  for (const node of platformTestNodes()) {
    assert.equal(k(['apply', '-f', '-'], node).status, 0);
  }
  assert.equal(k(['create', 'namespace', 'tenantry-system']).status, 0);
  masterKubeconfig = await asMasterServiceAccount();
  await new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: minio.credentials }).send(
    new CreateBucketCommand({ Bucket: BUCKET }),
  );

  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE catalog').finally(() => admin.end());
  const catalogUrl = new URL(postgres.adminUrl);
  catalogUrl.pathname = '/catalog';
  catalog = new TenantCatalog(catalogUrl.toString());
  await catalog.migrate();

  terraform = installTerraformStandIn(join(work, 'stand-in'), { postgresUrl: postgres.adminUrl, redisUrl: redis.url });
  const varFile = join(work, 'platform.auto.tfvars.json');
  writeFileSync(
    varFile,
    JSON.stringify({
      region: 'eu-west-1',
      platform: {
        bucket: BUCKET,
        eks_oidc_provider_arn: 'arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/TEST',
        eks_oidc_provider_url: 'oidc.eks.eu-west-1.amazonaws.com/id/TEST',
        db_subnet_group_name: 'tenantry-db',
        db_security_group_ids: ['sg-1'],
        trial_host: { address: 'trial.internal', port: 5432 },
        trial_admin_secret: 'tenantry/trial-admin',
        kafka_cluster_arn: 'arn:aws:kafka:eu-west-1:000000000000:cluster/tenantry-analytics/0f1e2d3c',
        redis: { address: 'redis.internal', port: 6379, user_group_id: 'tenantry-tenants' },
      },
    }),
  );
  options = {
    domain: 'example.com',
    terraform: {
      binary: terraform.binary,
      configDir: TERRAFORM_DIR,
      workDir: join(work, 'driver'),
      backendConfig: { bucket: 'tenantry-state', region: 'eu-west-1' },
      varFile,
      timeoutMs: 60_000,
    },
    helm: {
      helm,
      kubectl,
      env: { KUBECONFIG: masterKubeconfig },
      chart: TENANT_POD_CHART,
      releaseNamespace: 'tenantry-system',
      programs: PROGRAMS,
      timeoutMs: 120_000,
    },
    storage: { region: 'us-east-1', bucket: BUCKET, endpoint: minio.endpoint, credentials: minio.credentials },
    rds: { endpoint: rds.endpoint, credentials: rds.credentials, pollIntervalMs: 100 },
    redisAdminUrl: redis.url,
    smtpRelayUrl: 'smtp://relay:secret@email-smtp.eu-west-1.amazonaws.com:587',
    analytics: new RedisStreamsBusDriver(),
    schema: { latestVersion: LATEST_SCHEMA_VERSION, migrate: migrateTenantDatabase },
  };
  drivers = createKubernetesDrivers(options);
  workflow = new ProvisioningWorkflow(catalog, drivers, log, { retryDelayMs: 50 });
});

after(async () => {
  await drivers?.close();
  await catalog?.close();
  await Promise.all([kube?.stop(), postgres?.stop(), redis?.stop(), minio?.stop(), rds?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The platform chart's RBAC, rendered as an install would render it. */
function renderPlatformRbac(): string {
  const rendered = spawnSync(
    helm,
    [
      'template',
      'platform',
      PLATFORM_CHART,
      '--show-only',
      'templates/rbac.yaml',
      '--set-json',
      'provisioning.terraformVars={"region":"eu-west-1","platform":{"bucket":"tenant-data"}}',
      '--set',
      'provisioning.backend.bucket=state',
      '--set',
      'provisioning.backend.region=eu-west-1',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(rendered.status, 0, rendered.stderr);
  return rendered.stdout;
}

/** A kubeconfig for the master's service account, bound to the platform chart's ClusterRole (what the driver has in production). */
async function asMasterServiceAccount(): Promise<string> {
  const applied = k(['apply', '-f', '-'], renderPlatformRbac());
  assert.equal(applied.status, 0, applied.stderr);
  const token = k(['create', 'token', 'tenantry-master', '-n', 'tenantry-system', '--duration', '2h']);
  assert.equal(token.status, 0, token.stderr);
  const file = join(work, 'master.kubeconfig');
  writeFileSync(file, readFileSync(kube.kubeconfig, 'utf8').replace(/token: "[^"]+"/, `token: "${token.stdout.trim()}"`), { mode: 0o600 });
  assert.equal(
    spawnSync(kubectl, ['--kubeconfig', file, 'auth', 'can-i', 'list', 'nodes'], { encoding: 'utf8' }).stdout.trim(),
    'no',
    'the master is no cluster administrator',
  );
  return file;
}

/** kubectl as the master's service account. */
function asMaster(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(kubectl, ['--kubeconfig', masterKubeconfig, ...args], { encoding: 'utf8', timeout: 60_000, ...(input === undefined ? {} : { input }) });
}

function k(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(kubectl, ['--kubeconfig', kube.kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000, ...(input === undefined ? {} : { input }) });
}
function json(...args: string[]) {
  const result = k([...args, '-o', 'json']);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}
const secretEnv = (slug: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(json('get', 'secret', `tenant-${slug}-env`, '-n', `tenant-${slug}`).data as Record<string, string>).map(([name, v]) => [
      name,
      Buffer.from(v, 'base64').toString(),
    ]),
  );
const steps = async (slug: string) => (await catalog.get(slug))!.steps;
const stepLog = async (slug: string, step: string) => (await catalog.logs.read(slug, step))!.lines.map((l) => l.line).join('\n');

/** The context a step of `slug` gets, with the outputs the catalog recorded (what a reconciler observes with). */
async function stepContext(slug: string): Promise<StepContext> {
  const { name, tier } = (await catalog.get(slug))!;
  const outputs = new Map([...(await catalog.stepOutputs(slug))].map(([step, o]) => [step, o.output]));
  return { tenant: { slug, name, tier }, drivers, outputs, progress: () => undefined, recordSchemaVersion: async () => undefined, served: () => undefined };
}

/** Every step of `slug` observed from its recorded output, by step name. */
async function observeSteps(slug: string): Promise<Record<string, Observed>> {
  const ctx = await stepContext(slug);
  return Object.fromEntries(await Promise.all(PROVISIONING_STEPS.map(async (step) => [step.name, await step.observe(ctx, ctx.outputs.get(step.name))])));
}

async function provision(slug: string, tier: Tier): Promise<void> {
  await catalog.create({ slug, name: `Tenant ${slug}`, tier }, STEP_NAMES);
  await workflow.provision(slug);
}

test('two tenants provisioned by terraform and helm: their own state, database, Redis user, namespace, Secret, host rule and Ready Deployments', async () => {
  await Promise.all([provision('alpha', 'trial'), provision('bravo', 'production')]);
  for (const [slug, tier] of [
    ['alpha', 'trial'],
    ['bravo', 'production'],
  ] as const) {
    const tenant = (await catalog.get(slug))!;
    assert.equal(tenant.status, 'ready', tenant.error ?? '');
    assert.equal(tenant.schemaVersion, LATEST_SCHEMA_VERSION, 'the schema step migrated the database terraform made');
    assert.ok(existsSync(join(terraform.stateDir, 'tenants', `${slug}.tfstate`)), 'a state of its own in the backend');

    const env = secretEnv(slug);
    assert.equal(await connects(env.DATABASE_URL!), true, 'DATABASE_URL from the Secret logs in');
    assert.equal(env.REDIS_PREFIX, `t:${slug}`);
    assert.equal(env.SMTP_URL, options.smtpRelayUrl);
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.TENANT_ID, undefined, 'what the chart sets itself stays out of the Secret');
    const tenantRedis = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 1 });
    try {
      await tenantRedis.set(`t:${slug}:probe`, '1');
      await assert.rejects(tenantRedis.set(`t:${slug === 'alpha' ? 'bravo' : 'alpha'}:probe`, '1'), /NOPERM/, "another tenant's keys are refused");
    } finally {
      tenantRedis.disconnect();
    }

    const ns = `tenant-${slug}`;
    assert.equal(json('get', 'namespace', ns).metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(json('get', 'ingress', 'tenant', '-n', ns).spec.rules[0].host, `${slug}.example.com`);
    assert.equal(json('get', 'resourcequota', 'tenant', '-n', ns).metadata.labels['tenantry.io/tier'], tier);
    assert.equal(
      json('get', 'serviceaccount', 'tenant', '-n', ns).metadata.annotations['eks.amazonaws.com/role-arn'],
      `arn:aws:iam::000000000000:role/tenantry-tenant-${slug}`,
    );
    const deployments = json('get', 'deployments', '-n', ns).items as {
      metadata: { name: string };
      spec: { replicas: number; template: { spec: { containers: { env: { name: string; value: string }[] }[] } } };
      status: { readyReplicas?: number };
    }[];
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), [...PROGRAMS].sort());
    for (const d of deployments)
      assert.equal(d.status.readyReplicas, d.spec.replicas, `${ns}/${d.metadata.name} Ready when the pod step is done (helm --wait)`);
    const envOf = (program: string) => deployments.find((d) => d.metadata.name === program)!.spec.template.spec.containers[0]!.env.map((e) => e.name);
    const storage = deployments.find((d) => d.metadata.name === 'user-backend')!.spec.template.spec.containers[0]!.env.find((e) => e.name === 'STORAGE_URL');
    assert.equal(storage?.value, `s3://${BUCKET}/${slug}/`);
    assert.ok(
      !envOf('frontend').some((name) => ['DATABASE_URL', 'SMTP_URL', 'MAIL_INBOX_URL', 'STORAGE_URL', 'AWS_SECRET_ACCESS_KEY'].includes(name)),
      "the frontend gets none of the backends' secrets",
    );
  }
  // The release is recorded in the master's namespace, not in the tenant's.
  const releases = spawnSync(helm, ['--kubeconfig', kube.kubeconfig, 'list', '-n', 'tenantry-system', '-o', 'json'], { encoding: 'utf8' });
  assert.deepEqual((JSON.parse(releases.stdout) as { name: string; status: string }[]).map((r) => `${r.name} ${r.status}`).sort(), [
    'tenant-alpha deployed',
    'tenant-bravo deployed',
  ]);

  // Each call had its own state key and data directory, and never waited for input.
  const inits = terraform.calls().filter((c) => c.command === 'init');
  assert.deepEqual(inits.map((c) => c.flags.find((f) => f.startsWith('-backend-config=key='))).sort(), [
    '-backend-config=key=tenants/alpha.tfstate',
    '-backend-config=key=tenants/bravo.tfstate',
  ]);
  assert.equal(new Set(terraform.calls().map((c) => c.dataDir)).size, 2);
  assert.ok(inits.every((c) => c.flags.includes('-backend-config=bucket=tenantry-state')));

  // Every line the tools printed is stored with its step; no secret among them.
  const database = await stepLog('alpha', 'database');
  assert.match(database, /terraform init/);
  assert.match(database, /Terraform has been successfully initialized!/);
  assert.match(database, /module\.tenant\.aws_iam_role\.tenant: Creation complete/);
  assert.match(database, /Apply complete! Resources: 5 added/);
  assert.match(database, /database_url = <sensitive>/);
  const pod = await stepLog('alpha', 'pod');
  assert.match(pod, /helm upgrade --install tenant-alpha/);
  assert.match(pod, /STATUS: deployed/);
  const everything = (await Promise.all(STEP_NAMES.map((s) => stepLog('alpha', s)))).join('\n');
  const secrets = secretEnv('alpha');
  for (const name of ['DATABASE_URL', 'REDIS_URL'])
    assert.ok(!everything.includes(new URL(secrets[name]!).password), `the password of ${name} is not in the logs`);
  assert.equal(
    readdirSync(options.terraform.workDir).filter((f) => f.endsWith('.values.json')).length,
    0,
    'values files with secrets are deleted after each helm run',
  );
});

test("the master's service account is confined to tenant namespaces: no Secret, pod, Deployment or binding elsewhere, kube-system included", async () => {
  const manifest = (kind: string, namespace: string, extra: object) => JSON.stringify({ metadata: { name: 'probe', namespace }, kind, ...extra });
  const deployment = (namespace: string, serviceAccountName: string) =>
    manifest('Deployment', namespace, {
      apiVersion: 'apps/v1',
      spec: {
        selector: { matchLabels: { app: 'probe' } },
        template: { metadata: { labels: { app: 'probe' } }, spec: { serviceAccountName, containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
  const binding = (namespace: string, role: { kind: string; name: string }, subject: { name: string; namespace: string }) =>
    JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'probe', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...role },
      subjects: [{ kind: 'ServiceAccount', ...subject }],
    });
  const refused = (what: string, result: { status: number | null; stderr: string }, why: RegExp) => {
    assert.notEqual(result.status, 0, `${what} is refused`);
    assert.match(result.stderr, why, what);
  };
  const forbidden = /Forbidden|forbidden/;
  const releaseRole = { kind: 'ClusterRole', name: TENANT_RELEASE_CLUSTER_ROLE };
  const master = { name: MASTER_SERVICE_ACCOUNT, namespace: 'tenantry-system' };
  // The admission policy becomes active a moment after it is applied.
  await waitFor(() => /denied request/.test(asMaster(['create', 'namespace', 'kube-probe']).stderr), {
    what: 'the admission policy to refuse the master',
    timeoutMs: 60_000,
    intervalMs: 500,
  });

  // Reading: RBAC grants no Secret outside the namespaces the master bound (403).
  refused('reading Secrets in kube-system', asMaster(['get', 'secrets', '-n', 'kube-system']), /secrets is forbidden/);
  refused('reading Secrets cluster-wide', asMaster(['get', 'secrets', '-A']), /secrets is forbidden/);
  assert.equal(asMaster(['auth', 'can-i', 'get', 'secrets', '-n', 'kube-system']).stdout.trim(), 'no');
  assert.equal(asMaster(['auth', 'can-i', 'get', 'secrets', '-n', 'tenant-alpha']).stdout.trim(), 'yes');
  // Writing outside tenant namespaces.
  refused('creating a Secret in kube-system', asMaster(['create', 'secret', 'generic', 'probe', '-n', 'kube-system', '--from-literal=a=b']), forbidden);
  refused(
    'creating a pod in kube-system',
    asMaster(['create', '-f', '-'], manifest('Pod', 'kube-system', { apiVersion: 'v1', spec: { containers: [{ name: 'c', image: 'busybox' }] } })),
    forbidden,
  );
  refused(
    'a Deployment in kube-system as one of its service accounts',
    asMaster(['create', '-f', '-'], deployment('kube-system', 'namespace-controller')),
    forbidden,
  );
  refused(
    'a Deployment in kube-system, even tried server-side only',
    asMaster(['create', '--dry-run=server', '-f', '-'], deployment('kube-system', 'namespace-controller')),
    forbidden,
  );
  refused(
    'a pod in a tenant namespace, made directly',
    asMaster(
      ['create', '-f', '-'],
      manifest('Pod', 'tenant-alpha', { apiVersion: 'v1', spec: { serviceAccountName: 'tenant', containers: [{ name: 'c', image: 'busybox' }] } }),
    ),
    forbidden,
  );
  refused('a namespace not named tenant-*', asMaster(['create', 'namespace', 'kube-probe']), /denied request/);
  refused("deleting the master's own namespace", asMaster(['delete', 'namespace', 'tenantry-system', '--wait=false']), /denied request/);
  refused(
    "changing the master's own Secret",
    asMaster(['patch', 'secret', 'tenantry-master-env', '-n', 'tenantry-system', '-p', '{"data":{"a":"Yg=="}}']),
    /denied request|not found/,
  );
  // Escalation through bindings.
  refused('binding the tenant-release role in kube-system', asMaster(['create', '-f', '-'], binding('kube-system', releaseRole, master)), /denied request/);
  refused(
    'binding cluster-admin in a tenant namespace',
    asMaster(['create', '-f', '-'], binding('tenant-alpha', { kind: 'ClusterRole', name: 'cluster-admin' }, master)),
    forbidden,
  );
  refused(
    "binding the tenant-release role to a tenant's service account",
    asMaster(['create', '-f', '-'], binding('tenant-alpha', releaseRole, { name: 'tenant', namespace: 'tenant-alpha' })),
    /denied request: the platform master binds only/,
  );
  refused(
    'a ClusterRoleBinding',
    asMaster(['create', 'clusterrolebinding', 'probe', '--clusterrole', TENANT_RELEASE_CLUSTER_ROLE, '--serviceaccount', 'tenantry-system:tenantry-master']),
    forbidden,
  );
  // What it may do: a Deployment in a tenant namespace it bound, a tenant namespace of its own making.
  const allowed = asMaster(['create', '--dry-run=server', '-f', '-'], deployment('tenant-alpha', 'tenant'));
  assert.equal(allowed.status, 0, allowed.stderr);
  const created = asMaster(['create', 'namespace', tenantNamespace({ slug: 'probe' })]);
  assert.equal(created.status, 0, created.stderr);
  assert.equal(asMaster(['delete', 'namespace', 'tenant-probe', '--wait=false']).status, 0);
  for (const name of ['kube-probe', 'probe']) assert.match(k(['get', 'namespace', name]).stderr, /NotFound/);

  // The chart's names are the driver's.
  const rbac = renderPlatformRbac();
  assert.match(rbac, new RegExp(`expression: "'${TENANT_NAMESPACE_PREFIX}'"`));
  assert.match(rbac, new RegExp(`kind: ClusterRole\\nmetadata:\\n  name: ${TENANT_RELEASE_CLUSTER_ROLE}\\n`));
  assert.match(rbac, new RegExp(`system:serviceaccount:tenantry-system:${MASTER_SERVICE_ACCOUNT}'`));
  const tenantNs = spawnSync(
    helm,
    [
      'template',
      'x',
      TENANT_POD_CHART,
      '--show-only',
      'templates/namespace.yaml',
      '--set',
      'tenant.slug=probe',
      '--set',
      `env.storageUrl=s3://${BUCKET}/probe/`,
    ],
    { encoding: 'utf8' },
  );
  assert.match(tenantNs.stdout, new RegExp(`name: ${tenantNamespace({ slug: 'probe' })}\\n`), tenantNs.stderr);
});

test('applying again changes nothing: the same database and password, the release upgraded in place', async () => {
  const tenant = { slug: 'alpha', name: 'Tenant alpha', tier: 'trial' } as const;
  const before = secretEnv('alpha');
  const grant = await drivers.database.create(tenant, () => undefined);
  assert.equal(grant.url, before.DATABASE_URL);
  const env = Object.fromEntries(Object.entries(before).concat([['STORAGE_URL', `s3://${BUCKET}/alpha/`]]));
  await drivers.compute.deploy(tenant, env, () => undefined);
  const history = spawnSync(helm, ['--kubeconfig', kube.kubeconfig, 'history', 'tenant-alpha', '-n', 'tenantry-system', '-o', 'json'], { encoding: 'utf8' });
  assert.equal((JSON.parse(history.stdout) as unknown[]).length, 2);
  assert.deepEqual(secretEnv('alpha'), before);
  assert.equal(json('get', 'deployments', '-n', 'tenant-alpha').items.length, PROGRAMS.length);
  // A restarted master has no outputs in memory: it reads them from the state.
  const restarted = createKubernetesDrivers(options);
  try {
    const outputs = terraform.calls().length;
    assert.deepEqual(await restarted.queue.create(tenant), { url: before.REDIS_URL, prefix: 't:alpha' });
    assert.equal((await restarted.storage.create(tenant)).url, `s3://${BUCKET}/alpha/`);
    assert.deepEqual(
      terraform
        .calls()
        .slice(outputs)
        .map((c) => c.command),
      ['init', 'output'],
    );
  } finally {
    await restarted.close();
  }
});

test('a failing apply is retried and the retry is in the log; one that hangs is stopped at its timeout and the tenant fails cleanly', async () => {
  terraform.setFaults({ failApplies: 1 });
  await provision('charlie', 'trial');
  assert.equal((await catalog.get('charlie'))!.status, 'ready');
  const database = (await steps('charlie')).find((s) => s.name === 'database')!;
  assert.equal(database.attempts, 2);
  assert.match(await stepLog('charlie', 'database'), /ServiceUnavailable \(stand-in fault\)[\s\S]*attempt 2 of 3[\s\S]*Apply complete!/);

  terraform.setFaults({ hang: true });
  const impatient = createKubernetesDrivers({ ...options, terraform: { ...options.terraform, timeoutMs: 1_500 } });
  try {
    const started = Date.now();
    await catalog.create({ slug: 'delta', name: 'Tenant delta', tier: 'trial' }, STEP_NAMES);
    await new ProvisioningWorkflow(catalog, impatient, log, { stepAttempts: 2, retryDelayMs: 50 }).provision('delta');
    const delta = (await catalog.get('delta'))!;
    assert.equal(delta.status, 'failed');
    assert.match(delta.error ?? '', /step database failed: terraform apply timed out after 1\.5 s/);
    assert.ok(Date.now() - started < 30_000, 'stopped at the timeout, not at some later default');
    assert.match(await stepLog('delta', 'database'), /Still creating\.\.\.[\s\S]*no result after 1\.5 s; interrupting it/);
  } finally {
    terraform.setFaults({});
    await impatient.close();
  }
  // The failed tenant's cleanup destroyed its (empty) state and left nothing in the cluster.
  assert.match(k(['get', 'namespace', 'tenant-delta']).stderr, /NotFound/);
  assert.ok(!existsSync(join(terraform.stateDir, 'tenants', 'delta.tfstate')));
});

test('a helm stopped mid-install (a crashed master) leaves its release pending; the next attempt recovers it', async () => {
  const tenant = { slug: 'echo', name: 'Tenant echo', tier: 'trial' } as const;
  // A first install that cannot become Ready (no node matches), killed while helm waits on it.
  const stuck = spawn(
    helm,
    [
      '--kubeconfig',
      kube.kubeconfig,
      'upgrade',
      '--install',
      'tenant-echo',
      TENANT_POD_CHART,
      '-n',
      'tenantry-system',
      '--wait',
      '--timeout',
      '300s',
      '--set',
      'tenant.slug=echo',
      '--set',
      `env.storageUrl=s3://${BUCKET}/echo/`,
      '--set-json',
      'spot.nodeSelector={"tenantry.io/capacity":"nowhere"}',
    ],
    { stdio: 'ignore' },
  );
  const status = () =>
    JSON.parse(
      spawnSync(helm, ['--kubeconfig', kube.kubeconfig, 'status', 'tenant-echo', '-n', 'tenantry-system', '-o', 'json'], { encoding: 'utf8' }).stdout || '{}',
    ).info?.status;
  await waitFor(() => status() === 'pending-install', { what: 'helm to be installing tenant-echo', timeoutMs: 60_000, intervalMs: 200 });
  stuck.kill('SIGKILL');
  await drivers.database.create(tenant, () => undefined);
  const lines: string[] = [];
  await drivers.compute.deploy(tenant, { DATABASE_URL: 'postgres://x:y@db/echo', STORAGE_URL: `s3://${BUCKET}/echo/` }, (line) => lines.push(line));
  assert.match(lines.join('\n'), /tenant-echo was interrupted during its first install; uninstalling it to start again[\s\S]*STATUS: deployed/);
  assert.equal(status(), 'deployed');
  await drivers.compute.remove(tenant, () => undefined);
  await drivers.database.remove(tenant, () => undefined);
  assert.match(k(['get', 'namespace', 'tenant-echo']).stderr, /NotFound/);
});

test("observing a ready tenant: every step present; its Deployment and Ingress deleted behind the driver's back, the pod unhealthy and the route missing; the pod step applied again, all present", async () => {
  const present = Object.fromEntries(STEP_NAMES.map((step) => [step, { state: 'present' }]));
  assert.deepEqual(await observeSteps('bravo'), present);

  for (const kind of ['deployment/scheduler', 'ingress/tenant']) assert.equal(k(['delete', kind, '-n', 'tenant-bravo']).status, 0, kind);
  const broken = await observeSteps('bravo');
  assert.deepEqual(broken.pod, { state: 'unhealthy', message: 'tenant-bravo: Deployment scheduler is gone' });
  assert.equal(broken.route!.state, 'missing');
  assert.match(broken.route!.state === 'missing' ? broken.route!.message : '', /^tenant-bravo has no Ingress tenant: kubectl get failed .*NotFound/);
  assert.deepEqual({ ...broken, pod: present.pod, route: present.route }, present, 'the other steps are unaffected');

  const pod = PROVISIONING_STEPS.find((step) => step.name === 'pod')!;
  await pod.apply(await stepContext('bravo'));
  assert.deepEqual(await observeSteps('bravo'), present, 'helm upgrade made them again, Ready');

  // A release helm no longer has: missing.
  const uninstalled = spawnSync(helm, ['--kubeconfig', kube.kubeconfig, 'uninstall', 'tenant-bravo', '-n', 'tenantry-system'], { encoding: 'utf8' });
  assert.equal(uninstalled.status, 0, uninstalled.stderr);
  // Its namespace goes with it (nothing can be made in one still terminating).
  assert.equal(k(['delete', 'namespace', 'tenant-bravo', '--ignore-not-found', '--wait', '--timeout=120s']).status, 0);
  assert.deepEqual(await drivers.compute.observe({ slug: 'bravo', name: 'Tenant bravo', tier: 'production' }), {
    state: 'missing',
    message: 'helm has no release tenant-bravo in tenantry-system',
  });
  await pod.apply(await stepContext('bravo'));
  assert.deepEqual(await observeSteps('bravo'), present, 'installed again');
});

test('the reconciler repairs a ready tenant on Kubernetes: its Deployment deleted behind its back comes back, and its conditions say so', async () => {
  assert.equal(k(['delete', 'deployment/user-backend', '-n', 'tenant-alpha']).status, 0);
  await workflow.reconcile('alpha');
  const tenant = (await catalog.get('alpha'))!;
  const pod = tenant.conditions.find((c) => c.type === 'PodReady')!;
  assert.deepEqual([pod.status, pod.reason], ['True', 'Repaired']);
  assert.match(pod.message, /tenant-alpha: Deployment user-backend is gone; applied again/);
  assert.equal(tenant.conditions.find((c) => c.type === 'DatabaseReady')!.reason, 'Observed', 'terraform was not run again');
  assert.equal(tenant.conditions.find((c) => c.type === 'Reconciled')!.status, 'True');
  assert.equal(k(['get', 'deployment/user-backend', '-n', 'tenant-alpha']).status, 0, 'helm made it again');
});

type FrozenDeployment = {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { replicas: number };
  status: { replicas?: number; readyReplicas?: number };
};
const deploymentsOf = (slug: string) => json('get', 'deployments', '-n', `tenant-${slug}`).items as FrozenDeployment[];
type IngressRule = { http: { paths: { path: string; backend: { service: { name: string } } }[] } };
const backendsOf = (slug: string) =>
  (json('get', 'ingress', 'tenant', '-n', `tenant-${slug}`).spec.rules as IngressRule[]).flatMap((r) =>
    r.http.paths.map((p) => `${p.path} ${p.backend.service.name}`),
  );

test('freeze and wake through the reconciler: every Deployment at 0 (the HPA not scaling it), the Ingress at the activator, the production RDS instance stopped (mock); then replicas back and Ready, the Ingress restored, RDS started', async () => {
  rds.add('tenantry-bravo');
  const ready = deploymentsOf('bravo');
  const replicas = Object.fromEntries(ready.map((d) => [d.metadata.name, d.spec.replicas]));
  const routed = backendsOf('bravo');
  assert.ok(routed.length > 0 && routed.every((b) => !b.endsWith(` ${ACTIVATOR_SERVICE}`)), routed.join(', '));

  await catalog.updateSpec('bravo', { state: 'frozen' });
  await workflow.reconcile('bravo');
  const frozen = (await catalog.get('bravo'))!;
  assert.equal(frozen.status, 'frozen', JSON.stringify(frozen.conditions));
  assert.equal(frozen.conditions.find((c) => c.type === 'Frozen')?.status, 'True');
  for (const d of deploymentsOf('bravo')) {
    assert.equal(d.spec.replicas, 0, `${d.metadata.name} scaled to 0`);
    assert.equal(d.status.replicas ?? 0, 0, `${d.metadata.name} has no pod left`);
    assert.equal(d.metadata.annotations?.[FROZEN_REPLICAS_ANNOTATION], String(replicas[d.metadata.name]), 'its replicas recorded for the wake');
  }
  assert.equal(json('get', 'pods', '-n', 'tenant-bravo').items.length, 0, 'nothing of the tenant runs');
  // The HPA leaves a Deployment at 0 alone: the controller manager says so in its condition.
  await waitFor(
    () => {
      const hpa = json('get', 'hpa', 'user-backend', '-n', 'tenant-bravo');
      const active = (hpa.status?.conditions ?? []).find((c: { type: string }) => c.type === 'ScalingActive');
      return active?.status === 'False' && active.reason === 'ScalingDisabled';
    },
    { what: 'the HPA to report scaling disabled', timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.equal(deploymentsOf('bravo').find((d) => d.metadata.name === 'user-backend')!.spec.replicas, 0, 'the HPA did not scale it up');
  assert.deepEqual(
    backendsOf('bravo'),
    routed.map((b) => `${b.split(' ')[0]} ${ACTIVATOR_SERVICE}`),
    'every path leads to the activator',
  );
  const activator = json('get', 'service', ACTIVATOR_SERVICE, '-n', 'tenant-bravo').spec;
  assert.deepEqual([activator.type, activator.externalName], ['ExternalName', 'tenantry-activator.tenantry-system.svc.cluster.local']);
  assert.ok(json('get', 'ingress', 'tenant', '-n', 'tenant-bravo').metadata.annotations[FROZEN_RULES_ANNOTATION], 'its own rules kept');
  assert.ok(['stopping', 'stopped'].includes(rds.status('tenantry-bravo')!), `RDS instance ${rds.status('tenantry-bravo')}`);
  assert.match(
    await stepLog('bravo', 'pod'),
    /freezing[\s\S]*Deployment user-backend: \d+ replicas → 0[\s\S]*every Deployment of tenant-bravo at 0 replicas[\s\S]*frozen in \d+ ms/,
  );
  assert.match(await stepLog('bravo', 'database'), /RDS instance tenantry-bravo: stopping/);

  // Freezing again changes nothing, and keeps the replicas recorded the first time.
  await drivers.compute.suspend!({ slug: 'bravo', name: 'Tenant bravo', tier: 'production' });
  await drivers.routing.freeze!({ slug: 'bravo', name: 'Tenant bravo', tier: 'production' }, { endpoints: {} });
  assert.deepEqual(
    deploymentsOf('bravo').map((d) => d.metadata.annotations?.[FROZEN_REPLICAS_ANNOTATION]),
    ready.map((d) => String(replicas[d.metadata.name])),
  );

  await catalog.updateSpec('bravo', { state: 'active' });
  await workflow.reconcile('bravo');
  const woken = (await catalog.get('bravo'))!;
  assert.equal(woken.status, 'ready', JSON.stringify(woken.conditions));
  assert.deepEqual(
    [woken.conditions.find((c) => c.type === 'Frozen')?.status, woken.conditions.find((c) => c.type === 'Reconciled')?.status],
    ['False', 'True'],
  );
  for (const d of deploymentsOf('bravo')) {
    assert.equal(d.spec.replicas, replicas[d.metadata.name], `${d.metadata.name} has its replicas back`);
    assert.equal(d.status.readyReplicas, d.spec.replicas, `${d.metadata.name} Ready (kwok's Ready: no program ran)`);
    assert.equal(d.metadata.annotations?.[FROZEN_REPLICAS_ANNOTATION], undefined);
  }
  assert.deepEqual(backendsOf('bravo'), routed, "the chart's rules are back");
  assert.equal(json('get', 'ingress', 'tenant', '-n', 'tenant-bravo').metadata.annotations?.[FROZEN_RULES_ANNOTATION], undefined);
  assert.equal(rds.status('tenantry-bravo'), 'available');
  assert.deepEqual(rds.calls(), ['StopDBInstance tenantry-bravo', 'StartDBInstance tenantry-bravo']);
  assert.match(await stepLog('bravo', 'database'), /waking[\s\S]*RDS instance tenantry-bravo is available[\s\S]*woken in \d+ ms/);
  assert.deepEqual(await observeSteps('bravo'), Object.fromEntries(STEP_NAMES.map((step) => [step, { state: 'present' }])), 'converged after the wake');
});

test('a trial tenant freezes with nothing to stop in RDS; deleted while frozen, nothing of it is left', async () => {
  await provision('foxtrot', 'trial');
  const calls = rds.calls().length;
  await catalog.updateSpec('foxtrot', { state: 'frozen' });
  await workflow.reconcile('foxtrot');
  assert.equal((await catalog.get('foxtrot'))!.status, 'frozen');
  assert.ok(deploymentsOf('foxtrot').every((d) => d.spec.replicas === 0));
  assert.equal(rds.calls().length, calls, 'the shared trial host is not stopped');
  assert.match(await stepLog('foxtrot', 'database'), /trial: its database is on the shared host; nothing of its own to stop or start/);

  await catalog.markDeprovisioning('foxtrot');
  await workflow.deprovision('foxtrot');
  assert.equal(await catalog.get('foxtrot'), undefined);
  assert.match(k(['get', 'namespace', 'tenant-foxtrot']).stderr, /NotFound/);
  assert.ok(!existsSync(join(terraform.stateDir, 'tenants', 'foxtrot.tfstate')));
  const releases = spawnSync(helm, ['--kubeconfig', kube.kubeconfig, 'list', '-n', 'tenantry-system', '-q'], { encoding: 'utf8' }).stdout;
  assert.ok(!releases.split('\n').includes('tenant-foxtrot'));
});

test('deletion runs helm uninstall and terraform destroy: namespace, release, database, Redis user, keys and objects gone; the other tenant stays', async () => {
  const s3 = new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: minio.credentials });
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'alpha/files/report.pdf', Body: 'x' }));
  const alphaEnv = secretEnv('alpha');
  await catalog.markDeprovisioning('alpha');
  await workflow.deprovision('alpha');
  assert.equal(await catalog.get('alpha'), undefined);
  assert.match(k(['get', 'namespace', 'tenant-alpha']).stderr, /NotFound/);
  const releases = spawnSync(helm, ['--kubeconfig', kube.kubeconfig, 'list', '-n', 'tenantry-system', '-q'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  assert.ok(!releases.includes('tenant-alpha') && releases.includes('tenant-bravo'));
  assert.ok(!existsSync(join(terraform.stateDir, 'tenants', 'alpha.tfstate')), 'terraform destroy emptied the state');
  assert.notEqual(await connects(alphaEnv.DATABASE_URL!), true);
  assert.match(String(await connects(alphaEnv.DATABASE_URL!)), /password authentication failed|does not exist/);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'alpha/' }));
  assert.equal(listed.KeyCount, 0);
  const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    assert.deepEqual(await probe.keys('t:alpha:*'), []);
    assert.ok(!((await probe.call('ACL', 'USERS')) as string[]).includes('tenant-alpha'));
  } finally {
    probe.disconnect();
  }
  assert.equal(json('get', 'deployments', '-n', 'tenant-bravo').items.length, PROGRAMS.length);
  // Deleting what is already gone is a no-op.
  const alpha = { slug: 'alpha', name: 'Tenant alpha', tier: 'trial' } as const;
  await drivers.compute.remove(alpha, () => undefined);
  await drivers.database.remove(alpha, () => undefined);
  assert.ok(statSync(options.terraform.workDir).isDirectory());
});
