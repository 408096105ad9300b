/**
 * The tenant-pod chart installed with helm into a real Kubernetes control plane (etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler built from the Go module proxy; kwok plays two nodes, one spot and
 * one on demand): two tenants, each in its own namespace with its host rule, quota and policies and Ready
 * Deployments on the right nodes; Pod Security enforced; tenant A's service account refused in B's namespace;
 * uninstall removes everything, the namespace included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { waitFor } from '@tenantry/core';
import { platformTestNodes, startTestKubernetes, type TestKubernetes } from './kube-apiserver.js';
import { k8sTool } from './tools.js';
import { TENANT_POD_CHART as CHART } from './paths.js';

let kube: TestKubernetes;
let helm: string;
let kubectl: string;

before(async () => {
  [helm, kubectl] = [await k8sTool('helm'), await k8sTool('kubectl')];
  kube = await startTestKubernetes();
  for (const node of platformTestNodes()) {
    const applied = run(kubectl, ['apply', '-f', '-'], node);
    assert.equal(applied.status, 0, applied.stderr);
  }
});
after(async () => {
  await kube?.stop();
});

function run(tool: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(tool, ['--kubeconfig', kube.kubeconfig, ...args], { encoding: 'utf8', timeout: 120_000, ...(input === undefined ? {} : { input }) });
}
const k = (...args: string[]) => run(kubectl, args);
const json = (...args: string[]) => {
  const result = k(...args, '-o', 'json');
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
};
const install = (slug: string, tier: string) => {
  const result = run(helm, [
    'upgrade',
    '--install',
    `tenant-${slug}`,
    CHART,
    '--namespace',
    'default',
    '--wait=false',
    '--set',
    `tenant.slug=${slug}`,
    '--set',
    `tenant.tier=${tier}`,
    '--set',
    `env.storageUrl=s3://tenant-data/${slug}/`,
    '--set',
    `serviceAccount.roleArn=arn:aws:iam::123456789012:role/tenantry-tenant-${slug}`,
  ]);
  assert.equal(result.status, 0, result.stderr);
};

test('two tenants installed, each in its own namespace with its host rule, quota, limits and policies, and Ready Deployments on the right nodes', async () => {
  install('alpha', 'trial');
  install('bravo', 'production');
  install('alpha', 'trial'); // upgrade --install again: idempotent
  for (const [slug, tier, maxReplicas] of [
    ['alpha', 'trial', 2],
    ['bravo', 'production', 8],
  ] as const) {
    const ns = `tenant-${slug}`;
    const namespace = json('get', 'namespace', ns);
    assert.equal(namespace.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.deepEqual(
      json('get', 'deployments', '-n', ns)
        .items.map((d: { metadata: { name: string } }) => d.metadata.name)
        .sort(),
      ['admin-backend', 'frontend', 'scheduler', 'user-backend'],
    );
    const ingress = json('get', 'ingress', 'tenant', '-n', ns);
    assert.equal(ingress.spec.rules[0].host, `${slug}.example.com`);
    assert.equal(json('get', 'resourcequota', 'tenant', '-n', ns).metadata.labels['tenantry.io/tier'], tier);
    assert.equal(json('get', 'hpa', 'user-backend', '-n', ns).spec.maxReplicas, maxReplicas);
    assert.deepEqual(
      json('get', 'networkpolicies', '-n', ns)
        .items.map((p: { metadata: { name: string } }) => p.metadata.name)
        .sort(),
      ['allow-egress', 'allow-ingress', 'default-deny'],
    );
    // Every Deployment Ready: the pods passed Pod Security and the quota, were scheduled and reported ready.
    await waitFor(
      () => {
        const deployments = json('get', 'deployments', '-n', ns).items as { spec: { replicas: number }; status: { readyReplicas?: number } }[];
        return deployments.every((d) => d.status.readyReplicas === d.spec.replicas);
      },
      { what: `the Deployments of ${ns} to be Ready`, timeoutMs: 120_000, intervalMs: 500 },
    );
    const pods = json('get', 'pods', '-n', ns).items as { metadata: { labels: Record<string, string> }; spec: { nodeName: string } }[];
    for (const pod of pods) {
      const program = pod.metadata.labels['tenantry.io/program'];
      assert.equal(pod.spec.nodeName, program === 'scheduler' ? 'on-demand-1' : 'spot-1', `${ns}/${program} on its node`);
    }
  }
});

test("Pod Security is enforced in a tenant's namespace, and tenant A's service account is refused in B's", () => {
  const unrestricted = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'loose', namespace: 'tenant-alpha' },
    // Nothing privileged, just none of what "restricted" asks for (non-root, no escalation, capabilities dropped, seccomp).
    spec: { containers: [{ name: 'x', image: 'busybox' }] },
  });
  const refused = run(kubectl, ['apply', '-f', '-'], unrestricted);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /violates PodSecurity "restricted:latest"/);

  const asAlpha = ['--as', 'system:serviceaccount:tenant-alpha:tenant'];
  for (const [verb, resource] of [
    ['get', 'secrets'],
    ['list', 'pods'],
    ['create', 'deployments'],
    ['delete', 'configmaps'],
  ] as const) {
    const answer = k('auth', 'can-i', verb, resource, '-n', 'tenant-bravo', ...asAlpha);
    assert.equal(answer.stdout.trim(), 'no', `${verb} ${resource} in tenant-bravo as tenant-alpha's service account`);
  }
  // The check can say yes: the administrator may.
  assert.equal(k('auth', 'can-i', 'get', 'secrets', '-n', 'tenant-bravo').stdout.trim(), 'yes');
});

test('helm uninstall removes the tenant, its namespace included, and leaves the other', async () => {
  const result = run(helm, ['uninstall', 'tenant-alpha', '--namespace', 'default', '--wait', '--timeout', '120s']);
  assert.equal(result.status, 0, result.stderr);
  await waitFor(() => /NotFound/.test(k('get', 'namespace', 'tenant-alpha').stderr), {
    what: 'namespace tenant-alpha to be gone',
    timeoutMs: 120_000,
    intervalMs: 500,
  });
  assert.equal(json('get', 'deployments', '-n', 'tenant-bravo').items.length, 4);
});
