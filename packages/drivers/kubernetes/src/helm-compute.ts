/**
 * @module The pod step on Kubernetes: `helm upgrade --install` of the tenant-pod chart as release
 * `tenant-<slug>`, waiting until every Deployment is Ready; removal is `helm uninstall` and waiting for the
 * tenant's namespace to be gone. The secret part of the pod's environment goes to the chart in a values file
 * readable only by this process, never on a command line; the chart renders it as the Secret the programs read.
 * The master holds no rights inside namespaces until it binds them: before helm runs, it creates the tenant's
 * namespace (marked as the release's, so helm adopts it) and binds itself the tenant-release ClusterRole there.
 * A frozen tenant's Deployments are scaled to zero, each annotated with the replicas it had, and scaled back on
 * wake. The user backend's HPA needs no change: an HPA does not scale a Deployment whose replicas are 0 (its
 * `ScalingActive` condition turns False, `ScalingDisabled`), and takes over again once the wake gives them back.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentFor, variablesFrom } from '@tenantry/pod-contract';
import type { ComputeDriver, Observed, PodDeployment, ProgressReporter, TenantRef } from '@tenantry/control-plane';
import { errorMessage, waitFor } from '@tenantry/core';
import { CommandError, kubectlGet, runCommand } from './command.js';
import {
  FROZEN_REPLICAS_ANNOTATION,
  MASTER_SERVICE_ACCOUNT,
  releaseName,
  TENANT_POD_PORT,
  TENANT_RELEASE_CLUSTER_ROLE,
  tenantNamespace,
  tenantServiceUrl,
} from './tenant-namespace.js';

export interface HelmOptions {
  /** @defaultValue helm (on PATH) */
  helm?: string;
  /** @defaultValue kubectl (on PATH) */
  kubectl?: string;
  /** Environment for both, e.g. KUBECONFIG (unset in the cluster, where the master's service account is used). */
  env?: Record<string, string>;
  /** The tenant-pod chart: a folder or a packaged chart. */
  chart: string;
  /** Where releases are recorded (the master's namespace); the tenant's own resources go to tenant-<slug>. */
  releaseNamespace: string;
  /** The operator's values for every tenant: image, ingress class and certificate, network CIDRs, tier sizes. */
  valuesFiles?: string[];
  domain: string;
  /** The program names of the pod (the chart's `programs`), for the endpoints the route step gets. */
  programs: readonly string[];
  /** Where the per-release values file is written (mode 0600, deleted after each run). */
  workDir: string;
  /** Time for one install until every Deployment is Ready. @defaultValue 10 min */
  timeoutMs?: number;
  /** Called with the role ARN the tenant's service account must carry (IRSA). */
  roleArn: (tenant: TenantRef) => Promise<string>;
}

/** The grants (credentials among them) go into the tenant's Secret; the chart sets the rest itself from its values. */
const IN_SECRET = variablesFrom('grant');

interface Deployment {
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: { replicas?: number; readyReplicas?: number };
}
const VALUES_SUFFIX = '.values.json';

export class HelmCompute implements ComputeDriver {
  private readonly timeoutMs: number;

  constructor(private readonly options: HelmOptions) {
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
    // Values files a crash left behind hold secrets.
    mkdirSync(options.workDir, { recursive: true });
    for (const file of readdirSync(options.workDir, { withFileTypes: true })) {
      if (file.isFile() && file.name.endsWith(VALUES_SUFFIX)) rmSync(join(options.workDir, file.name), { force: true });
    }
  }

  async deploy(tenant: TenantRef, env: Record<string, string>, progress: ProgressReporter): Promise<PodDeployment> {
    const release = releaseName(tenant);
    const values = {
      tenant: { slug: tenant.slug, name: tenant.name, tier: tenant.tier },
      domain: this.options.domain,
      port: TENANT_POD_PORT,
      serviceAccount: { roleArn: await this.options.roleArn(tenant) },
      env: {
        storageUrl: env.STORAGE_URL,
        ...(env.MAIL_FROM ? { mailFrom: env.MAIL_FROM } : {}),
        secret: environmentFor(env, IN_SECRET),
      },
    };
    // The master needs its binding to recover an interrupted release too; an uninstall removes the namespace.
    await this.claimNamespace(tenant, progress);
    if (await this.recoverInterrupted(tenant, progress)) await this.claimNamespace(tenant, progress);
    const file = join(this.options.workDir, `${release}${VALUES_SUFFIX}`);
    writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
    try {
      progress(`helm upgrade --install ${release} (waiting for every Deployment to be Ready)`);
      await this.helm(
        [
          'upgrade',
          '--install',
          release,
          this.options.chart,
          '--namespace',
          this.options.releaseNamespace,
          '--history-max',
          '5',
          ...(this.options.valuesFiles ?? []).flatMap((f) => ['--values', f]),
          '--values',
          file,
          '--wait',
          '--timeout',
          `${Math.ceil(this.timeoutMs / 1000)}s`,
        ],
        progress,
        // helm enforces --timeout itself; the process gets a little longer before it is stopped.
        this.timeoutMs + 30_000,
      );
    } finally {
      rmSync(file, { force: true });
    }
    return { endpoints: Object.fromEntries(this.options.programs.map((p) => [p, tenantServiceUrl(tenant, p)])) };
  }

  async remove(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    const release = releaseName(tenant);
    try {
      // No --wait: helm deletes the namespace too, and with it the master's binding there, so helm could not
      // watch the rest go; waiting for the namespace to be gone (below) is waiting for everything in it.
      await this.helm(
        ['uninstall', release, '--namespace', this.options.releaseNamespace, '--timeout', `${Math.ceil(this.timeoutMs / 1000)}s`],
        progress,
        this.timeoutMs + 30_000,
      );
    } catch (err) {
      if (!(err instanceof CommandError && /not found/i.test(err.output))) throw err;
      progress(`${release} is not installed`);
    }
    // The namespace goes last, once everything in it is deleted; nothing of the tenant is left after this.
    await this.deleteNamespace(tenant, progress);
  }

  /** The release deployed, and each program's Deployment in the tenant's namespace with every replica Ready. */
  async observe(tenant: TenantRef): Promise<Observed> {
    const release = releaseName(tenant);
    const status = await this.releaseStatus(tenant);
    if (status === undefined) return { state: 'missing', message: `helm has no release ${release} in ${this.options.releaseNamespace}` };
    if (status !== 'deployed') return { state: 'unhealthy', message: `helm release ${release} is ${status}, not deployed` };
    const problems = await this.unready(tenant);
    return problems.length === 0 ? { state: 'present' } : { state: 'unhealthy', message: `${tenantNamespace(tenant)}: ${problems.join('; ')}` };
  }

  /**
   * Freezes the tenant's pod: every Deployment of its namespace scaled to 0, the replicas it had recorded on it
   * first (in the same patch), then waits until none of its pods is left. Safe to run again: a Deployment already
   * at 0 keeps the count it recorded.
   */
  async suspend(tenant: TenantRef, progress: ProgressReporter = () => undefined): Promise<void> {
    const namespace = tenantNamespace(tenant);
    for (const deployment of await this.deployments(tenant, 'freeze')) {
      const replicas = deployment.spec?.replicas ?? 1;
      const recorded = deployment.metadata.annotations?.[FROZEN_REPLICAS_ANNOTATION];
      if (replicas === 0 && recorded !== undefined) continue;
      // A Deployment someone left at 0 still gets one replica back at the wake: a woken tenant serves.
      const keep = recorded ?? String(Math.max(replicas, 1));
      await this.patchDeployment(namespace, deployment.metadata.name, {
        metadata: { annotations: { [FROZEN_REPLICAS_ANNOTATION]: keep } },
        spec: { replicas: 0 },
      });
      progress(`Deployment ${deployment.metadata.name}: ${replicas} replicas → 0 (${keep} recorded for the wake)`);
    }
    // The pods themselves, not the Deployments' counts: a pod shutting down is no longer counted, and still runs.
    let left = -1;
    await waitFor(
      async () => {
        const got = await kubectlGet<{ items: unknown[] }>(this.options.kubectl ?? 'kubectl', ['pods', '--namespace', namespace], this.options.env);
        const now = 'absent' in got ? 0 : got.object.items.length;
        if (now > 0 && now !== left) progress(`waiting: ${now} pod(s) of ${namespace} still stopping`);
        left = now;
        return now === 0 || undefined;
      },
      { what: `every pod of ${namespace} to stop`, timeoutMs: this.timeoutMs, intervalMs: 500 },
    );
    progress(`every Deployment of ${namespace} at 0 replicas; the HPA does not scale a Deployment at 0`);
  }

  /** Gives each Deployment back the replicas its freeze recorded, and resolves once every one is Ready. */
  async resume(tenant: TenantRef, progress: ProgressReporter = () => undefined): Promise<void> {
    const namespace = tenantNamespace(tenant);
    for (const deployment of await this.deployments(tenant, 'wake')) {
      const recorded = deployment.metadata.annotations?.[FROZEN_REPLICAS_ANNOTATION];
      if (recorded === undefined) continue;
      const replicas = Number(recorded);
      if (!Number.isInteger(replicas) || replicas < 1)
        throw new Error(`Deployment ${deployment.metadata.name} in ${namespace} has ${FROZEN_REPLICAS_ANNOTATION}=${recorded}, not a replica count`);
      // Replicas and the record in one patch: an interrupted wake leaves the rest recorded, and is run again.
      await this.patchDeployment(namespace, deployment.metadata.name, {
        metadata: { annotations: { [FROZEN_REPLICAS_ANNOTATION]: null } },
        spec: { replicas },
      });
      progress(`Deployment ${deployment.metadata.name}: 0 replicas → ${replicas}`);
    }
    let last = '';
    await waitFor(
      async () => {
        const problems = await this.unready(tenant);
        const now = problems.join('; ');
        if (now && now !== last) progress(`waiting: ${now}`);
        last = now;
        return problems.length === 0 || undefined;
      },
      { what: `every Deployment of ${namespace} to be Ready`, timeoutMs: this.timeoutMs, intervalMs: 500 },
    ).catch((err: unknown) => {
      throw new Error(`${errorMessage(err)}${last ? ` (${last})` : ''}`, { cause: err });
    });
    progress(`every Deployment of ${namespace} Ready`);
  }

  /** What keeps the pod's programs from serving: a Deployment gone, or fewer replicas Ready than it has. */
  private async unready(tenant: TenantRef): Promise<string[]> {
    const got = await this.readDeployments(tenant);
    if ('absent' in got) return [`the Deployments of ${tenantNamespace(tenant)} cannot be read (its namespace gone?): ${got.absent}`];
    const deployments = got.object.items;
    return this.options.programs.flatMap((program) => {
      const deployment = deployments.find((d) => d.metadata.name === program);
      if (!deployment) return [`Deployment ${program} is gone`];
      const [ready, wanted] = [deployment.status?.readyReplicas ?? 0, deployment.spec?.replicas ?? 1];
      return ready >= wanted ? [] : [`Deployment ${program} has ${ready} of ${wanted} replicas Ready`];
    });
  }

  private readDeployments(tenant: TenantRef): Promise<{ object: { items: Deployment[] } } | { absent: string }> {
    return kubectlGet<{ items: Deployment[] }>(this.options.kubectl ?? 'kubectl', ['deployments', '--namespace', tenantNamespace(tenant)], this.options.env);
  }

  private async deployments(tenant: TenantRef, operation: 'freeze' | 'wake'): Promise<Deployment[]> {
    const got = await this.readDeployments(tenant);
    if ('absent' in got) throw new Error(`cannot ${operation} ${tenantNamespace(tenant)}: ${got.absent}`);
    return got.object.items;
  }

  private async patchDeployment(namespace: string, name: string, patch: object): Promise<void> {
    await runCommand(
      this.options.kubectl ?? 'kubectl',
      ['patch', 'deployment', name, '--namespace', namespace, '--type', 'merge', '--patch', JSON.stringify(patch)],
      { env: this.options.env, timeoutMs: 60_000, quietStdout: true },
    );
  }

  /** The release's status (deployed, pending-install, failed…), or undefined when helm has no such release. */
  private async releaseStatus(tenant: TenantRef): Promise<string | undefined> {
    try {
      const json = await this.helm(['status', releaseName(tenant), '--namespace', this.options.releaseNamespace, '-o', 'json'], () => undefined, 60_000, true);
      return (JSON.parse(json) as { info?: { status?: string } }).info?.status ?? '';
    } catch (err) {
      if (err instanceof CommandError && /not found/i.test(err.output)) return undefined;
      throw err;
    }
  }

  private async deleteNamespace(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    await runCommand(
      this.options.kubectl ?? 'kubectl',
      ['delete', 'namespace', tenantNamespace(tenant), '--ignore-not-found', '--wait', `--timeout=${Math.ceil(this.timeoutMs / 1000)}s`],
      {
        env: this.options.env,
        timeoutMs: this.timeoutMs + 30_000,
        onLine: progress,
      },
    );
  }

  /**
   * A helm that was stopped mid-operation (timeout, crash of the master) leaves its release "pending", and
   * every later operation is refused. A pending first install is uninstalled, a pending upgrade rolled back.
   * Returns whether the release (and so its namespace) was uninstalled.
   */
  private async recoverInterrupted(tenant: TenantRef, progress: ProgressReporter): Promise<boolean> {
    const release = releaseName(tenant);
    const status = await this.releaseStatus(tenant);
    if (status === undefined) return false;
    if (status === 'pending-install') {
      progress(`${release} was interrupted during its first install; uninstalling it to start again`);
      // Without --wait, as in remove(); then the namespace (and the master's binding in it) must be gone before
      // claimNamespace makes them again.
      await this.helm(['uninstall', release, '--namespace', this.options.releaseNamespace, '--timeout', '300s'], progress, 330_000);
      await this.deleteNamespace(tenant, progress);
      return true;
    }
    if (status === 'pending-upgrade' || status === 'pending-rollback') {
      progress(`${release} was interrupted (${status}); rolling back to its last release before upgrading`);
      await this.helm(['rollback', release, '--namespace', this.options.releaseNamespace, '--wait', '--timeout', '300s'], progress, 330_000);
    }
    return false;
  }

  /**
   * The tenant's namespace, labelled and annotated as helm's own (helm adopts it, and uninstall removes it), and a
   * RoleBinding there of the tenant-release ClusterRole to the master, which may bind that role and nothing else.
   * Returns once the API server authorizes the master in the namespace (RBAC is applied asynchronously).
   */
  private async claimNamespace(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    const namespace = tenantNamespace(tenant);
    const manifest = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: {
            name: namespace,
            labels: { 'app.kubernetes.io/managed-by': 'Helm' },
            annotations: { 'meta.helm.sh/release-name': releaseName(tenant), 'meta.helm.sh/release-namespace': this.options.releaseNamespace },
          },
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: MASTER_SERVICE_ACCOUNT, namespace },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: TENANT_RELEASE_CLUSTER_ROLE },
          subjects: [{ kind: 'ServiceAccount', name: MASTER_SERVICE_ACCOUNT, namespace: this.options.releaseNamespace }],
        },
      ],
    };
    const file = join(this.options.workDir, `${namespace}.namespace.json`);
    writeFileSync(file, JSON.stringify(manifest), { mode: 0o600 });
    const kubectl = (args: string[]) => runCommand(this.options.kubectl ?? 'kubectl', args, { env: this.options.env, timeoutMs: 60_000, onLine: progress });
    try {
      progress(`binding ${TENANT_RELEASE_CLUSTER_ROLE} to the master in ${namespace}`);
      // A namespace removed just before (a recovered install) may still be terminating.
      await waitFor(
        async () => {
          try {
            await kubectl(['apply', '-f', file]);
            return true;
          } catch (err) {
            if (err instanceof CommandError && /being terminated|is terminating/i.test(err.output)) return false;
            throw err;
          }
        },
        { what: `namespace ${namespace} to be created`, timeoutMs: this.timeoutMs, intervalMs: 500 },
      );
    } finally {
      rmSync(file, { force: true });
    }
    await waitFor(
      async () => {
        const answer = await runCommand(this.options.kubectl ?? 'kubectl', ['auth', 'can-i', 'create', 'secrets', '--namespace', namespace], {
          env: this.options.env,
          timeoutMs: 60_000,
          onLine: () => undefined,
          quietStdout: true,
        }).catch((err: unknown) => {
          // can-i answers "no" with exit code 1 while the binding is not yet in the authorizer's cache.
          if (err instanceof CommandError && err.exitCode === 1) return 'no';
          throw err;
        });
        return answer.trim() === 'yes';
      },
      { what: `the master to be authorized in ${namespace}`, timeoutMs: 60_000, intervalMs: 200 },
    );
  }

  private helm(args: string[], progress: ProgressReporter, timeoutMs: number, quietStdout = false): Promise<string> {
    return runCommand(this.options.helm ?? 'helm', args, { env: this.options.env, timeoutMs, onLine: progress, quietStdout });
  }
}
