/** The platform chart (the master pod), checked without a cluster: lint, and what the master relies on in the render. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { helmRun, helmTemplate, manifest } from './chart-support.js';
import { kubernetesValidator } from './kubernetes-openapi.js';
import { PLATFORM_CHART as CHART, TENANT_POD_CHART } from './paths.js';

// What every install gives the provisioning worker (from the platform root's outputs).
const PROVISIONING = [
  '--set-json',
  'provisioning.terraformVars={"region":"eu-west-1","platform":{"bucket":"acme-tenant-data"}}',
  '--set',
  'provisioning.backend.bucket=acme-tfstate',
  '--set',
  'provisioning.backend.region=eu-west-1',
];
const ENDPOINTS = [
  '--set',
  'endpoints.kafkaBrokers=b-1.msk.example:9098\\,b-2.msk.example:9098',
  '--set',
  'endpoints.cassandraContactPoints=cassandra.eu-west-1.amazonaws.com:9142',
  '--set',
  'endpoints.cassandraLocalDc=eu-west-1',
];

test('helm lint --strict passes, with and without the analytics endpoints', async () => {
  for (const args of [PROVISIONING, [...PROVISIONING, ...ENDPOINTS]]) {
    const result = await helmRun(['lint', '--strict', CHART, ...args]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  }
});

test('every rendered manifest is valid for the Kubernetes API (its OpenAPI schemas, unknown fields refused)', async () => {
  const validator = kubernetesValidator();
  for (const args of [PROVISIONING, [...PROVISIONING, ...ENDPOINTS]])
    assert.deepEqual(
      (await helmTemplate(CHART, args)).flatMap((m) => validator.validate(m)),
      [],
    );
});

test('the master pod: four programs with IS_MASTER=true, the analytics endpoints, served at master.<domain>', async () => {
  const manifests = await helmTemplate(CHART, [...PROVISIONING, ...ENDPOINTS, '--set', 'domain=saas.example.org']);
  for (const program of ['user-backend', 'admin-backend', 'scheduler', 'frontend']) {
    const [container] = manifest(manifests, 'Deployment', `master-${program}`).spec.template.spec.containers;
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    assert.equal(env.IS_MASTER, 'true');
    assert.equal(env.TENANT_ID, 'master');
    assert.equal(env.HOST, '0.0.0.0', 'every program listens on the pod IP, where probes and Services reach it');
    assert.equal(env.KAFKA_BROKERS, 'b-1.msk.example:9098,b-2.msk.example:9098');
    assert.equal(env.KAFKA_AUTH, 'aws-msk-iam', 'MSK Serverless takes IAM logins only');
    assert.equal(env.AWS_REGION, 'eu-west-1');
    assert.equal(env.CASSANDRA_CONTACT_POINTS, 'cassandra.eu-west-1.amazonaws.com:9142');
    assert.equal(env.CASSANDRA_LOCAL_DC, 'eu-west-1');
    assert.equal(env.CASSANDRA_FLAVOR, 'keyspaces');
    assert.deepEqual(container.args, [program]);
  }
  const ingress = manifest(manifests, 'Ingress', 'master').spec.rules[0];
  assert.equal(ingress.host, 'master.saas.example.org');
  assert.deepEqual(
    Object.fromEntries(ingress.http.paths.map((p: { path: string; backend: { service: { name: string } } }) => [p.path, p.backend.service.name])),
    {
      '/api': 'master-user-backend',
      '/admin/api': 'master-admin-backend',
      '/': 'master-frontend',
    },
  );
});

test('only the scheduler (the provisioning worker) gets an API token; cluster-wide it may only make tenant namespaces and bind itself there', async () => {
  const manifests = await helmTemplate(CHART, PROVISIONING);
  for (const program of ['user-backend', 'admin-backend', 'frontend'])
    assert.equal(manifest(manifests, 'Deployment', `master-${program}`).spec.template.spec.automountServiceAccountToken, false);
  assert.equal(manifest(manifests, 'Deployment', 'master-scheduler').spec.template.spec.automountServiceAccountToken, true);
  type Rule = { resources: string[]; verbs: string[]; resourceNames?: string[] };
  const rulesOf = (kind: string, name: string) => (manifest(manifests, kind, name) as unknown as { rules: Rule[] }).rules;
  // Cluster-wide: tenant namespaces and binding the one tenant-release role, no Secret, nothing else.
  const cluster = rulesOf('ClusterRole', 'tenantry-provisioner');
  assert.deepEqual(cluster.flatMap((r) => r.resources).sort(), ['clusterroles', 'namespaces', 'rolebindings']);
  assert.deepEqual(
    cluster.find((r) => r.resources.includes('clusterroles')),
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['tenantry-tenant-release'] },
  );
  // What a tenant release holds, bound by the master in each tenant namespace only (never by a ClusterRoleBinding).
  const release = rulesOf('ClusterRole', 'tenantry-tenant-release').flatMap((r) => r.resources);
  for (const kind of ['deployments', 'horizontalpodautoscalers', 'ingresses', 'networkpolicies', 'resourcequotas', 'poddisruptionbudgets', 'secrets'])
    assert.ok(release.includes(kind), kind);
  assert.ok(!release.includes('*') && !release.includes('pods/exec') && !release.includes('rolebindings'));
  const bindings = manifests.filter((m) => m.kind === 'ClusterRoleBinding') as unknown as { roleRef: { name: string } }[];
  assert.deepEqual(
    bindings.map((b) => b.roleRef.name),
    ['tenantry-provisioner'],
  );
  const policy = manifest(manifests, 'ValidatingAdmissionPolicy', 'tenantry-master-confinement') as unknown as {
    spec: { failurePolicy: string; matchConditions: { expression: string }[] };
  };
  assert.equal(policy.spec.failurePolicy, 'Fail');
  assert.match(policy.spec.matchConditions[0]!.expression, /system:serviceaccount:tenantry-system:tenantry-master/);
  assert.deepEqual((manifest(manifests, 'ValidatingAdmissionPolicyBinding', 'tenantry-master-confinement') as unknown as { spec: object }).spec, {
    policyName: 'tenantry-master-confinement',
    validationActions: ['Deny'],
  });
});

test('without analytics endpoints the master runs the embedded path; bad endpoints are refused', async () => {
  const manifests = await helmTemplate(CHART, PROVISIONING);
  const [container] = manifest(manifests, 'Deployment', 'master-scheduler').spec.template.spec.containers;
  assert.ok(!container.env.some((e: { name: string }) => e.name === 'KAFKA_BROKERS' || e.name === 'CASSANDRA_CONTACT_POINTS'));
  const bad = await helmRun(['template', 'p', CHART, ...PROVISIONING, '--set', 'endpoints.kafkaBrokers=not a broker']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /endpoints\.kafkaBrokers/);
});

test('idle freezing: trial tenants after 60 minutes and production never by default, set per tier; a time that is not one is refused', async () => {
  const env = async (...set: string[]) => {
    const [container] = manifest(await helmTemplate(CHART, [...PROVISIONING, ...set]), 'Deployment', 'master-scheduler').spec.template.spec.containers;
    return Object.fromEntries(
      (container.env as { name: string; value?: string }[]).filter((e) => e.name.startsWith('TENANTRY_FREEZE_AFTER_')).map((e) => [e.name, e.value]),
    );
  };
  assert.deepEqual(await env(), { TENANTRY_FREEZE_AFTER_TRIAL: '60m', TENANTRY_FREEZE_AFTER_PRODUCTION: 'off' });
  assert.deepEqual(await env('--set', 'idleFreezing.trial=2h', '--set', 'idleFreezing.production=30m'), {
    TENANTRY_FREEZE_AFTER_TRIAL: '2h',
    TENANTRY_FREEZE_AFTER_PRODUCTION: '30m',
  });
  const bad = await helmRun(['template', 'p', CHART, ...PROVISIONING, '--set', 'idleFreezing.trial=an hour']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /idleFreezing\.trial/);
});

test('the scheduler provisions with the kubernetes driver: the files it runs from the image, the settings from a ConfigMap, a writable work folder', async () => {
  const manifests = await helmTemplate(CHART, [...PROVISIONING, '--set', 'provisioning.tenantValues.image.repository=registry.acme.example/tenant-pod']);
  const pod = manifest(manifests, 'Deployment', 'master-scheduler').spec.template.spec;
  const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.equal(env.TENANTRY_DRIVER, 'kubernetes');
  assert.equal(env.TENANTRY_TERRAFORM_DIR, '/app/deploy/terraform');
  assert.equal(env.TENANTRY_HELM_CHART, '/app/deploy/helm/tenant-pod');
  assert.equal(env.TENANTRY_RELEASE_NAMESPACE, 'tenantry-system');
  assert.equal(env.TENANTRY_S3_BUCKET, 'acme-tenant-data');
  const mounts = Object.fromEntries(pod.containers[0].volumeMounts.map((m: { name: string; mountPath: string }) => [m.mountPath, m.name]));
  for (const file of [env.TENANTRY_TERRAFORM_VAR_FILE, env.TENANTRY_TERRAFORM_BACKEND_CONFIG, env.TENANTRY_HELM_VALUES])
    assert.ok(file.startsWith('/etc/tenantry/provisioning/'), file);
  assert.equal(mounts['/etc/tenantry/provisioning'], 'provisioning');
  assert.equal(mounts[env.TENANTRY_WORK_DIR], 'work');
  assert.equal(pod.terminationGracePeriodSeconds, 900, 'running terraform and helm commands may finish');
  const files = manifest(manifests, 'ConfigMap', 'tenantry-provisioning').data as Record<string, string>;
  assert.deepEqual(JSON.parse(files['platform.auto.tfvars.json']!), { region: 'eu-west-1', platform: { bucket: 'acme-tenant-data' } });
  assert.equal(files['backend.hcl']!.trim(), 'bucket = "acme-tfstate"\nregion = "eu-west-1"');
  assert.match(files['tenant-values.yaml']!, /repository: registry\.acme\.example\/tenant-pod/);
  for (const program of ['user-backend', 'admin-backend', 'frontend']) {
    const other = manifest(manifests, 'Deployment', `master-${program}`).spec.template.spec.containers[0];
    assert.ok(!other.env.some((e: { name: string }) => e.name === 'TENANTRY_DRIVER'), `${program} does not provision`);
  }
  const missing = await helmRun(['template', 'p', CHART]);
  assert.notEqual(missing.status, 0);
  for (const named of ['provisioning.terraformVars: region is required', 'provisioning.backend: bucket is required'])
    assert.ok(missing.stderr.includes(named), named);
});

test('the master pods have a NetworkPolicy: in from the ingress controller and each other only; out to DNS, the shared services, HTTPS APIs, SMTP and the tenants', async () => {
  const manifests = await helmTemplate(CHART, [...PROVISIONING, '--set', 'networkPolicy.vpcCidr=10.9.0.0/16']);
  type Peer = {
    namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string }[] };
    podSelector?: { matchLabels: Record<string, string> };
    ipBlock?: { cidr: string };
  };
  type Rule = { to?: Peer[]; from?: Peer[]; ports: { port: number; protocol: string }[] };
  const policy = manifest(manifests, 'NetworkPolicy', 'master').spec as unknown as {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: Rule[];
    egress: Rule[];
  };
  assert.deepEqual(policy.podSelector.matchLabels, { 'tenantry.io/tenant': 'master' });
  assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress'], 'both directions are closed by default');
  for (const program of ['user-backend', 'admin-backend', 'scheduler', 'frontend']) {
    assert.equal(
      manifest(manifests, 'Deployment', `master-${program}`).spec.template.metadata.labels['tenantry.io/tenant'],
      'master',
      `${program} is selected`,
    );
  }
  assert.deepEqual(
    policy.ingress.flatMap((r) => r.from ?? []),
    [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { podSelector: { matchLabels: { 'tenantry.io/tenant': 'master' } } },
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tenantry-activator' } } },
    ],
    'no tenant namespace reaches the master; the activator does, for the tenants API',
  );
  const reaches = (port: number, peer: (p: Peer) => boolean) => policy.egress.some((r) => r.ports.some((p) => p.port === port) && (r.to ?? []).some(peer));
  const vpc = (p: Peer) => p.ipBlock?.cidr === '10.9.0.0/16';
  const anywhere = (p: Peer) => p.ipBlock?.cidr === '0.0.0.0/0';
  assert.ok(
    reaches(53, (p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system'),
    'DNS',
  );
  for (const [what, port] of [
    ['Postgres', 5432],
    ['Redis', 6379],
    ['Kafka (MSK IAM)', 9098],
  ] as const) {
    assert.ok(reaches(port, vpc), what);
    assert.ok(!reaches(port, anywhere), `${what} only in the VPC`);
  }
  assert.ok(reaches(443, anywhere), 'the Kubernetes API server and AWS APIs');
  assert.ok(reaches(9142, anywhere), 'Keyspaces');
  assert.ok(reaches(587, anywhere), 'the SMTP relay');
  assert.ok(
    reaches(8080, (p) => p.namespaceSelector?.matchExpressions?.[0]?.key === 'tenantry.io/tier'),
    "the tenants' programs",
  );
  assert.ok(!policy.egress.some((r) => !r.ports?.length), 'no rule opens every port');
});

test("the activator: frozen tenants' hosts lead to it; no API token, only the admin token of the master's Secret; in from the ingress controller only, out to DNS, the tenants API and the tenants' programs; every tenant's values point at it", async () => {
  const manifests = await helmTemplate(CHART, [...PROVISIONING, '--set', 'activator.wakeTimeoutMs=20000']);
  const deployment = manifest(manifests, 'Deployment', 'tenantry-activator');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers;
  assert.deepEqual(container.args, ['activator'], "the control-plane image's entry point runs it");
  assert.equal(pod.automountServiceAccountToken, false, 'it never calls the Kubernetes API');
  assert.equal(manifest(manifests, 'ServiceAccount', 'tenantry-activator').automountServiceAccountToken, false);
  assert.equal(pod.serviceAccountName, 'tenantry-activator');
  assert.equal(deployment.spec.template.metadata.labels['tenantry.io/tenant'], undefined, "not selected by the master's policy");
  const env = Object.fromEntries(container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
  assert.equal(env.TENANTRY_MASTER_URL, 'http://master-admin-backend.tenantry-system.svc:8080');
  assert.equal(env.TENANTRY_WAKE_TIMEOUT_MS, '20000');
  assert.deepEqual(env.ADMIN_TOKEN, { secretKeyRef: { name: 'tenantry-master-env', key: 'ADMIN_TOKEN' } });
  assert.equal(container.envFrom, undefined, "nothing else of the master's Secret");
  assert.deepEqual(manifest(manifests, 'Service', 'tenantry-activator').spec.selector, { 'app.kubernetes.io/name': 'tenantry-activator' });

  type Peer = {
    namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string }[] };
    podSelector?: { matchLabels: Record<string, string> };
  };
  const policy = manifest(manifests, 'NetworkPolicy', 'tenantry-activator').spec as {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: { from: Peer[]; ports: { port: number }[] }[];
    egress: { to: Peer[]; ports: { port: number }[] }[];
  };
  assert.deepEqual(policy.podSelector.matchLabels, { 'app.kubernetes.io/name': 'tenantry-activator' });
  assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']);
  assert.deepEqual(policy.ingress, [
    { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
  ]);
  assert.deepEqual(
    policy.egress.map((r) => r.to[0]),
    [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
      { podSelector: { matchLabels: { 'tenantry.io/tenant': 'master', 'tenantry.io/program': 'admin-backend' } } },
      { namespaceSelector: { matchExpressions: [{ key: 'tenantry.io/tier', operator: 'Exists' }] } },
    ],
  );

  // Every tenant release is given the activator's address and labels, which its ExternalName Service and policy use.
  const files = manifest(manifests, 'ConfigMap', 'tenantry-provisioning').data as Record<string, string>;
  const tenantValues = files['tenant-values.yaml']!;
  assert.match(tenantValues, /externalName: tenantry-activator\.tenantry-system\.svc\.cluster\.local/);
  assert.match(tenantValues, /app\.kubernetes\.io\/name: tenantry-activator/);
  const tenant = await helmTemplate(TENANT_POD_CHART, [
    '--set',
    'tenant.slug=acme',
    '--set',
    'env.storageUrl=s3://bkt/acme/',
    '--set',
    'activator.namespace=platform',
  ]);
  const service = manifest(tenant, 'Service', 'activator').spec;
  assert.deepEqual([service.type, service.externalName], ['ExternalName', 'tenantry-activator.tenantry-system.svc.cluster.local']);
  const admitted = (manifest(tenant, 'NetworkPolicy', 'allow-ingress').spec.ingress[0].from as Peer[]).find((p) => p.podSelector && p.namespaceSelector);
  assert.deepEqual(admitted, {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'platform' } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'tenantry-activator' } },
  });
});

test('image.digest pins the image by content (repository@sha256:...), in both charts; a malformed digest is refused', async () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const manifests = await helmTemplate(CHART, [...PROVISIONING, '--set', `image.digest=${digest}`]);
  for (const program of ['user-backend', 'admin-backend', 'scheduler', 'frontend']) {
    assert.equal(manifest(manifests, 'Deployment', `master-${program}`).spec.template.spec.containers[0].image, `ghcr.io/tenantry/control-plane@${digest}`);
  }
  const byTag = await helmTemplate(CHART, PROVISIONING);
  assert.equal(manifest(byTag, 'Deployment', 'master-scheduler').spec.template.spec.containers[0].image, 'ghcr.io/tenantry/control-plane:0.1.0');
  const tenant = await helmTemplate(TENANT_POD_CHART, [
    '--set',
    'tenant.slug=acme',
    '--set',
    'env.storageUrl=s3://acme-tenant-data/acme/',
    '--set',
    `image.digest=${digest}`,
  ]);
  assert.equal(manifest(tenant, 'Deployment', 'user-backend').spec.template.spec.containers[0].image, `ghcr.io/tenantry/tenant-pod@${digest}`);
  const bad = await helmRun(['template', 'p', CHART, ...PROVISIONING, '--set', 'image.digest=latest']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /image\.digest/);
});
