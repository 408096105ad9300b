/**
 * The tenant-pod chart, checked without a cluster: `helm lint --strict` and `helm template` for each tier and
 * option set, with assertions on what the platform relies on (namespace and Pod Security, host rules, quota
 * against the HPA maximum, network policies, IRSA, spot scheduling, restricted containers), and bad values
 * refused with a message that names them.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUILT_IN_READS, POD_VARIABLES, isPodVariable } from '@tenantry/pod-contract';
import { helmRun as run, helmTemplate, manifest as one, type Manifest } from './chart-support.js';
import { kubernetesValidator } from './kubernetes-openapi.js';
import { TENANT_POD_CHART as CHART } from './paths.js';

const base = (slug: string, tier: 'trial' | 'production') => [
  '--set',
  `tenant.slug=${slug}`,
  '--set',
  `tenant.tier=${tier}`,
  '--set',
  `env.storageUrl=s3://tenantry-data/${slug}/`,
];

const render = (args: string[]) => helmTemplate(CHART, args);

for (const tier of ['trial', 'production'] as const) {
  describe(`tenant-pod chart, ${tier} tier`, () => {
    const slug = tier === 'trial' ? 'acme' : 'globex';
    let manifests: Manifest[];
    before(async () => {
      manifests = await render([
        ...base(slug, tier),
        '--set',
        `serviceAccount.roleArn=arn:aws:iam::123456789012:role/tenantry-tenant-${slug}`,
        '--set',
        'ingress.tlsSecretName=wildcard-tls',
      ]);
    });

    test('every rendered manifest is valid for the Kubernetes API (its OpenAPI schemas, unknown fields refused)', () => {
      const validator = kubernetesValidator();
      assert.deepEqual(
        manifests.flatMap((m) => validator.validate(m)),
        [],
      );
    });

    test('helm lint --strict passes', async () => {
      const result = await run(['lint', '--strict', CHART, ...base(slug, tier)]);
      assert.equal(result.status, 0, result.stdout + result.stderr);
    });

    test('everything lives in the tenant namespace, which admits only restricted pods', () => {
      const namespace = one(manifests, 'Namespace', `tenant-${slug}`);
      assert.equal(namespace.metadata.labels!['pod-security.kubernetes.io/enforce'], 'restricted');
      for (const m of manifests.filter((m) => m.kind !== 'Namespace')) assert.equal(m.metadata.namespace, `tenant-${slug}`, `${m.kind}/${m.metadata.name}`);
      assert.deepEqual([...new Set(manifests.map((m) => m.kind))].sort(), [
        'Deployment',
        'HorizontalPodAutoscaler',
        'Ingress',
        'LimitRange',
        'Namespace',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'ResourceQuota',
        'Service',
        'ServiceAccount',
      ]);
    });

    test('the ingress sends <slug>.<domain>: /api to the user backend, /admin/api to the admin backend, / to the frontend', () => {
      const ingress = one(manifests, 'Ingress', 'tenant');
      const [rule] = ingress.spec.rules;
      assert.equal(rule.host, `${slug}.example.com`);
      const paths = Object.fromEntries(rule.http.paths.map((p: any) => [p.path, p.backend.service.name]));
      assert.deepEqual(paths, { '/api': 'user-backend', '/admin/api': 'admin-backend', '/': 'frontend' });
      assert.deepEqual(ingress.spec.tls, [{ hosts: [`${slug}.example.com`], secretName: 'wildcard-tls' }]);
    });

    test('the user backend autoscales on CPU and memory within the quota', () => {
      const hpa = one(manifests, 'HorizontalPodAutoscaler', 'user-backend');
      assert.deepEqual(
        hpa.spec.metrics.map((m: any) => m.resource.name),
        ['cpu', 'memory'],
      );
      const quota = one(manifests, 'ResourceQuota', 'tenant').spec.hard;
      const deployments = manifests.filter((m) => m.kind === 'Deployment');
      const others = deployments.filter((d) => d.metadata.name !== 'user-backend').reduce((n, d) => n + d.spec.replicas, 0);
      // At full scale with one surge pod per Deployment during a rollout.
      assert.ok(
        hpa.spec.maxReplicas + others + deployments.length <= Number(quota.pods),
        `${hpa.spec.maxReplicas} + ${others} + surge fit in ${quota.pods} pods`,
      );
      assert.ok(hpa.spec.maxReplicas > hpa.spec.minReplicas);
      assert.equal(one(manifests, 'Deployment', 'user-backend').spec.replicas, undefined, 'the HPA owns the replica count');
      assert.ok(one(manifests, 'LimitRange', 'tenant').spec.limits[0].default.memory);
    });

    test('containers meet the restricted Pod Security Standard and get the pod environment contract', () => {
      for (const deployment of manifests.filter((m) => m.kind === 'Deployment')) {
        const pod = deployment.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
        assert.equal(pod.serviceAccountName, 'tenant');
        for (const container of pod.containers) {
          assert.equal(container.securityContext.allowPrivilegeEscalation, false);
          assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
          assert.ok(container.resources.limits.memory && container.resources.requests.cpu);
          const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
          const program = deployment.metadata.name as keyof typeof BUILT_IN_READS;
          // Only what the program reads, as the pod manifest declares it; grants from the tenant's Secret, key by key.
          assert.deepEqual(
            container.env
              .map((e: { name: string }) => e.name)
              .filter(isPodVariable)
              .sort(),
            [...BUILT_IN_READS[program]].sort(),
            program,
          );
          assert.equal(container.envFrom, undefined);
          for (const e of container.env.filter((e: { name: string }) => isPodVariable(e.name) && POD_VARIABLES[e.name].from === 'grant')) {
            assert.deepEqual(e.valueFrom, { secretKeyRef: { name: `tenant-${slug}-env`, key: e.name, optional: true } }, e.name);
          }
          assert.equal(env.HOST, '0.0.0.0', 'every program listens on the pod IP, where probes and Services reach it');
          assert.equal(env.TENANT_ID, slug);
          assert.equal(env.TENANT_TIER, tier);
          if (BUILT_IN_READS[program].includes('STORAGE_URL')) assert.equal(env.STORAGE_URL, `s3://tenantry-data/${slug}/`);
          assert.equal(env.TENANT_URL, `https://${slug}.example.com/`);
          if (deployment.metadata.name !== 'user-backend') assert.equal(env.USER_BACKEND_URL, `http://user-backend.tenant-${slug}.svc:8080`);
        }
      }
    });

    test('stateless programs go to spot nodes, spread over zones; the scheduler stays on demand', () => {
      for (const name of ['user-backend', 'admin-backend', 'frontend']) {
        const pod = one(manifests, 'Deployment', name).spec.template.spec;
        assert.deepEqual(pod.nodeSelector, { 'tenantry.io/capacity': 'spot' });
        assert.equal(pod.tolerations[0].key, 'tenantry.io/spot');
        assert.equal(pod.topologySpreadConstraints[0].topologyKey, 'topology.kubernetes.io/zone');
        assert.ok(pod.affinity.podAntiAffinity);
      }
      const scheduler = one(manifests, 'Deployment', 'scheduler').spec;
      assert.equal(scheduler.replicas, 1);
      assert.equal(scheduler.template.spec.tolerations, undefined);
    });

    test('network: deny by default, then only the ingress controller in and DNS, database, Redis, Kafka, HTTPS and SMTP out', () => {
      const deny = one(manifests, 'NetworkPolicy', 'default-deny');
      assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      const ingress = one(manifests, 'NetworkPolicy', 'allow-ingress').spec.ingress[0];
      assert.deepEqual(ingress.from[0].namespaceSelector.matchLabels, { 'kubernetes.io/metadata.name': 'ingress-nginx' });
      const ports = one(manifests, 'NetworkPolicy', 'allow-egress').spec.egress.flatMap((rule: any) => rule.ports.map((p: { port: number }) => p.port));
      assert.deepEqual(
        [...new Set(ports)].sort((a, b) => (a as number) - (b as number)),
        [53, 443, 587, 5432, 6379, 8080, 9098],
      );
    });

    test("the service account carries the tenant's IAM role (IRSA), and no Kubernetes API token", () => {
      const account = one(manifests, 'ServiceAccount', 'tenant');
      assert.equal(account.metadata.annotations!['eks.amazonaws.com/role-arn'], `arn:aws:iam::123456789012:role/tenantry-tenant-${slug}`);
      assert.equal(account.automountServiceAccountToken, false);
    });
  });
}

test('without spot, no program asks for spot nodes; without a role, the service account has none', async () => {
  const manifests = await render([...base('acme', 'trial'), '--set', 'spot.enabled=false']);
  for (const d of manifests.filter((m) => m.kind === 'Deployment')) assert.equal(d.spec.template.spec.tolerations, undefined);
  assert.equal(one(manifests, 'ServiceAccount', 'tenant').metadata.annotations, undefined);
});

test('the secret part of the environment becomes the Secret each program reads its keys of, and a change rolls the pods; an existing Secret replaces it', async () => {
  const withSecret = (url: string) => render([...base('acme', 'trial'), '--set-json', `env.secret={"DATABASE_URL":"${url}","REDIS_PREFIX":"t:acme"}`]);
  const manifests = await withSecret('postgres://a:one@db/acme');
  const secret = one(manifests, 'Secret', 'tenant-acme-env');
  assert.deepEqual(secret.stringData, { DATABASE_URL: 'postgres://a:one@db/acme', REDIS_PREFIX: 't:acme' });
  assert.deepEqual(kubernetesValidator().validate(secret), []);
  const checksum = (m: Manifest[]) => one(m, 'Deployment', 'user-backend').spec.template.metadata.annotations['tenantry.io/env-checksum'];
  const secretOf = (d: Manifest, name: string) =>
    d.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === name)?.valueFrom?.secretKeyRef?.name;
  for (const d of manifests.filter((m) => m.kind === 'Deployment' && m.metadata.name !== 'frontend'))
    assert.equal(secretOf(d, 'DATABASE_URL'), 'tenant-acme-env');
  assert.equal(secretOf(one(manifests, 'Deployment', 'frontend'), 'DATABASE_URL'), undefined, 'the frontend holds no database login');
  assert.notEqual(checksum(await withSecret('postgres://a:two@db/acme')), checksum(manifests));
  const external = await render([...base('acme', 'trial'), '--set', 'env.secretName=acme-from-vault', '--set', 'env.secret.DATABASE_URL=x']);
  assert.equal(
    external.find((m) => m.kind === 'Secret'),
    undefined,
  );
  assert.equal(secretOf(one(external, 'Deployment', 'user-backend'), 'DATABASE_URL'), 'acme-from-vault');
  const badName = await run(['template', 'tenant', CHART, ...base('acme', 'trial'), '--set', 'env.secret.database-url=x']);
  assert.match(badName.stderr, /env\.secret/);
});

test('bad values are refused with a message naming them', async () => {
  const slug = await run(['template', 'tenant', CHART, '--set', 'tenant.slug=Not_A_Slug', '--set', 'env.storageUrl=s3://tenantry-data/x/']);
  assert.notEqual(slug.status, 0);
  assert.match(slug.stderr, /tenant\.slug: Does not match pattern/);
  const tier = await run(['template', 'tenant', CHART, ...base('acme', 'trial'), '--set', 'tenant.tier=gold']);
  assert.match(tier.stderr, /tenant\.tier/);
  const overQuota = await run(['template', 'tenant', CHART, ...base('acme', 'trial'), '--set', 'tiers.trial.userBackend.maxReplicas=9']);
  assert.notEqual(overQuota.status, 0);
  assert.match(overQuota.stderr, /tiers\.trial: 16 pods at full scale .* exceed quota\.pods 12/);
  const noStorage = await run(['template', 'tenant', CHART, '--set', 'tenant.slug=acme']);
  assert.match(noStorage.stderr, /env\.storageUrl/);
});
