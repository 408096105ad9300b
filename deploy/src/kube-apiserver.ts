/**
 * @module Test support: a real Kubernetes control plane on loopback, without containers. etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok are built from the Go module proxy into the cache folder the first
 * time (k8s.io/kubernetes needs its staging modules replaced by their published versions, so it is built from a
 * small module of our own), then started with a token for the test, RBAC and the default admission plugins (Pod
 * Security included). The controller manager runs the namespace, deployment, replica set, HPA, disruption, node
 * lifecycle (it lifts the not-ready taint new nodes start with) and garbage-collector controllers; kwok plays the
 * kubelet of fake nodes, so scheduled pods become Ready without running anything.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, freePort, waitFor } from '@tenantry/core';
import { k8sTool } from './tools.js';

export const KUBERNETES_MODULE_VERSION = 'v1.32.4';
const STAGING_VERSION = 'v0.32.4';
const ETCD_MODULE = 'go.etcd.io/etcd/server/v3@v3.5.35';
const KWOK_MODULE = 'sigs.k8s.io/kwok/cmd/kwok@v0.7.0';

/** The k8s.io/kubernetes staging modules, each replaced by its published version. */
const STAGING = [
  'api',
  'apiextensions-apiserver',
  'apimachinery',
  'apiserver',
  'cli-runtime',
  'client-go',
  'cloud-provider',
  'cluster-bootstrap',
  'code-generator',
  'component-base',
  'component-helpers',
  'controller-manager',
  'cri-api',
  'cri-client',
  'csi-translation-lib',
  'dynamic-resource-allocation',
  'endpointslice',
  'externaljwt',
  'kms',
  'kube-aggregator',
  'kube-controller-manager',
  'kube-proxy',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'metrics',
  'mount-utils',
  'pod-security-admission',
  'sample-apiserver',
  'sample-cli-plugin',
  'sample-controller',
];

function go(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): void {
  const result = spawnSync('go', args, {
    cwd,
    env: { ...process.env, GOFLAGS: '-mod=mod', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 60 * 60_000,
  });
  if (result.error || result.status !== 0) throw new Error(`go ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}) in ${cwd}`);
}

/** The binaries, built on first use. */
export function controlPlaneBinaries(): { etcd: string; apiserver: string; controllerManager: string; scheduler: string; kwok: string } {
  const dir = join(cacheDir(), `kubernetes-${KUBERNETES_MODULE_VERSION}`);
  const binaries = {
    etcd: join(dir, 'etcd'),
    apiserver: join(dir, 'kube-apiserver'),
    controllerManager: join(dir, 'kube-controller-manager'),
    scheduler: join(dir, 'kube-scheduler'),
    kwok: join(dir, 'kwok'),
  };
  if (Object.values(binaries).every((b) => existsSync(b))) return binaries;
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`building etcd and Kubernetes ${KUBERNETES_MODULE_VERSION} from the Go module proxy into ${dir}; the first time takes a while\n`);
  if (!existsSync(binaries.etcd)) {
    // etcd's go.mod has replace directives too: it is built as a dependency of a module of our own.
    const etcdModule = join(dir, 'etcd-build');
    mkdirSync(etcdModule, { recursive: true });
    writeFileSync(join(etcdModule, 'go.mod'), 'module tenantry.local/etcd-build\n\ngo 1.23\n');
    go(['get', ETCD_MODULE], etcdModule);
    go(['build', '-o', binaries.etcd, ETCD_MODULE.split('@')[0]!], etcdModule);
  }
  if (!existsSync(binaries.kwok)) go(['install', KWOK_MODULE], dir, { GOBIN: dir });
  const module = join(dir, 'build');
  mkdirSync(module, { recursive: true });
  writeFileSync(
    join(module, 'go.mod'),
    [
      'module tenantry.local/kubernetes-build',
      '',
      'go 1.23',
      '',
      `require k8s.io/kubernetes ${KUBERNETES_MODULE_VERSION}`,
      '',
      'replace (',
      ...STAGING.map((m) => `  k8s.io/${m} => k8s.io/${m} ${STAGING_VERSION}`),
      ')',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(module, 'tools.go'),
    '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n',
  );
  go(['mod', 'tidy'], module);
  // The version the binaries report (helm checks charts' kubeVersion against it); a plain build says v0.0.0.
  const [major, minor] = KUBERNETES_MODULE_VERSION.slice(1).split('.');
  const version = ['gitVersion=' + KUBERNETES_MODULE_VERSION, `gitMajor=${major}`, `gitMinor=${minor}`, 'gitTreeState=clean']
    .map((v) => `-X k8s.io/component-base/version.${v}`)
    .join(' ');
  go(
    [
      'build',
      '-ldflags',
      version,
      '-o',
      `${dir}/`,
      'k8s.io/kubernetes/cmd/kube-apiserver',
      'k8s.io/kubernetes/cmd/kube-controller-manager',
      'k8s.io/kubernetes/cmd/kube-scheduler',
    ],
    module,
  );
  return binaries;
}

export interface TestKubernetes {
  /** A kubeconfig file for the cluster's administrator (for helm and kubectl). */
  kubeconfig: string;
  server: string;
  stop(): Promise<void>;
}

function started(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return async () => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };
}

/** etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on free loopback ports, in a throwaway folder. */
export async function startTestKubernetes(): Promise<TestKubernetes> {
  const binaries = controlPlaneBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-kube-'));
  const [etcdClient, etcdPeer, apiPort, cmPort, schedulerPort, kwokPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
    rmSync(dir, { recursive: true, force: true });
  };
  // Each server logs to <dir>/<name>.log, kept until stop() for a look after a failure.
  const launch = (name: string, binary: string, args: string[]) => {
    const fd = openSync(join(dir, `${name}.log`), 'a');
    const child = spawn(binary, args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    stops.push(started(child));
  };
  try {
    launch('etcd', binaries.etcd, [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${etcdPeer}`,
      '--quota-backend-bytes',
      String(256 * 1024 * 1024),
    ]);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`).catch(() => undefined))?.ok, {
      what: 'etcd',
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
    launch('kube-apiserver', binaries.apiserver, [
      '--etcd-servers',
      `http://127.0.0.1:${etcdClient}`,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(apiPort),
      '--cert-dir',
      join(dir, 'certs'),
      '--token-auth-file',
      join(dir, 'tokens.csv'),
      '--authorization-mode',
      'RBAC',
      '--service-account-issuer',
      'https://kubernetes.default.svc',
      '--service-account-key-file',
      join(dir, 'sa.pub'),
      '--service-account-signing-key-file',
      join(dir, 'sa.key'),
      '--service-cluster-ip-range',
      '10.96.0.0/16',
      '--advertise-address',
      '127.0.0.1',
      '--allow-privileged=false',
    ]);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: test`,
        `  cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
        'users:',
        `- name: admin`,
        `  user: { token: "${token}" }`,
        'contexts:',
        '- name: test',
        '  context: { cluster: test, user: admin }',
        'current-context: test',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const kubectl = await k8sTool('kubectl');
    await waitFor(() => spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], { encoding: 'utf8' }).stdout === 'ok', {
      what: 'kube-apiserver to be ready',
      timeoutMs: 90_000,
      intervalMs: 250,
    });

    launch('kube-controller-manager', binaries.controllerManager, [
      '--kubeconfig',
      kubeconfig,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(cmPort),
      '--leader-elect=false',
      '--controllers',
      'namespace,deployment,replicaset,garbagecollector,serviceaccount,serviceaccount-token,horizontalpodautoscaling,disruption,nodelifecycle',
      '--service-account-private-key-file',
      join(dir, 'sa.key'),
      '--root-ca-file',
      join(dir, 'certs', 'apiserver.crt'),
      '--use-service-account-credentials',
      // kwok renews its nodes' leases; on a loaded test machine a late renewal must not mark a node NotReady
      // (its pods evicted, new ones unschedulable) in the middle of a test.
      '--node-monitor-grace-period=10m',
    ]);
    launch('kube-scheduler', binaries.scheduler, [
      '--kubeconfig',
      kubeconfig,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(schedulerPort),
      '--leader-elect=false',
    ]);
    // kwok manages only the nodes annotated as fake (see addFakeNode), with its default stages: pods become Ready.
    launch('kwok', binaries.kwok, [
      '--kubeconfig',
      kubeconfig,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip',
      '10.0.0.1',
      '--cidr',
      '10.0.0.0/16',
      '--server-address',
      `127.0.0.1:${kwokPort}`,
    ]);
    return { kubeconfig, server, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A node for kwok to play (it reports it Ready and runs its pods' life cycle without running anything). */
export function fakeNode(
  name: string,
  options: { zone: string; labels?: Record<string, string>; taints?: { key: string; value: string; effect: string }[] },
): string {
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': options.zone,
        type: 'kwok',
        ...options.labels,
      },
    },
    spec: { taints: options.taints ?? [] },
    status: { allocatable: resources, capacity: resources },
  });
}

/**
 * The platform's two node groups in small: `spot-1` (labelled and tainted as the spot group, which the
 * stateless programs select and tolerate) and `on-demand-1`, in two zones.
 */
export function platformTestNodes(): string[] {
  return [
    fakeNode('spot-1', {
      zone: 'zone-a',
      labels: { 'tenantry.io/capacity': 'spot' },
      taints: [{ key: 'tenantry.io/spot', value: 'true', effect: 'NoSchedule' }],
    }),
    fakeNode('on-demand-1', { zone: 'zone-b', labels: { 'tenantry.io/capacity': 'on-demand' } }),
  ];
}
