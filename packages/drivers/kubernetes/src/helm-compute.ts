/**
 * @module The pod step on Kubernetes: `helm upgrade --install` of the tenant-pod chart as release
 * `tenant-<slug>`, waiting until every Deployment is Ready; removal is `helm uninstall` and waiting for the
 * tenant's namespace to be gone. The secret part of the pod's environment goes to the chart in a values file
 * readable only by this process, never on a command line; the chart renders it as the Secret the programs read.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentFor, variablesFrom } from '@tenantry/pod-contract';
import type { ComputeDriver, PodDeployment, ProgressReporter, TenantRef } from '@tenantry/control-plane';
import { CommandError, runCommand } from './command.js';

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
const PORT = 8080;
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
      port: PORT,
      serviceAccount: { roleArn: await this.options.roleArn(tenant) },
      env: {
        storageUrl: env.STORAGE_URL,
        ...(env.MAIL_FROM ? { mailFrom: env.MAIL_FROM } : {}),
        secret: environmentFor(env, IN_SECRET),
      },
    };
    await this.recoverInterrupted(tenant, progress);
    const file = join(this.options.workDir, `${release}${VALUES_SUFFIX}`);
    writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
    try {
      progress(`helm upgrade --install ${release} (waiting for every Deployment to be Ready)`);
      await this.helm(
        ['upgrade', '--install', release, this.options.chart, '--namespace', this.options.releaseNamespace, '--history-max', '5',
          ...(this.options.valuesFiles ?? []).flatMap((f) => ['--values', f]), '--values', file,
          '--wait', '--timeout', `${Math.ceil(this.timeoutMs / 1000)}s`],
        progress,
        // helm enforces --timeout itself; the process gets a little longer before it is stopped.
        this.timeoutMs + 30_000,
      );
    } finally {
      rmSync(file, { force: true });
    }
    const namespace = `tenant-${tenant.slug}`;
    return { endpoints: Object.fromEntries(this.options.programs.map((p) => [p, `http://${p}.${namespace}.svc:${PORT}`])) };
  }

  async remove(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    const release = releaseName(tenant);
    try {
      await this.helm(['uninstall', release, '--namespace', this.options.releaseNamespace, '--wait', '--timeout', `${Math.ceil(this.timeoutMs / 1000)}s`], progress, this.timeoutMs + 30_000);
    } catch (err) {
      if (!(err instanceof CommandError && /not found/i.test(err.output))) throw err;
      progress(`${release} is not installed`);
    }
    // The namespace goes last, once everything in it is deleted; nothing of the tenant is left after this.
    await runCommand(this.options.kubectl ?? 'kubectl', ['delete', 'namespace', `tenant-${tenant.slug}`, '--ignore-not-found', '--wait', `--timeout=${Math.ceil(this.timeoutMs / 1000)}s`], {
      env: this.options.env, timeoutMs: this.timeoutMs + 30_000, onLine: progress,
    });
  }

  /**
   * A helm that was stopped mid-operation (timeout, crash of the master) leaves its release "pending", and
   * every later operation is refused. A pending first install is uninstalled, a pending upgrade rolled back.
   */
  private async recoverInterrupted(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    const release = releaseName(tenant);
    let status: string;
    try {
      const json = await this.helm(['status', release, '--namespace', this.options.releaseNamespace, '-o', 'json'], () => undefined, 60_000, true);
      status = (JSON.parse(json) as { info?: { status?: string } }).info?.status ?? '';
    } catch (err) {
      if (err instanceof CommandError && /not found/i.test(err.output)) return;
      throw err;
    }
    if (status === 'pending-install') {
      progress(`${release} was interrupted during its first install; uninstalling it to start again`);
      await this.helm(['uninstall', release, '--namespace', this.options.releaseNamespace, '--wait', '--timeout', '300s'], progress, 330_000);
    } else if (status === 'pending-upgrade' || status === 'pending-rollback') {
      progress(`${release} was interrupted (${status}); rolling back to its last release before upgrading`);
      await this.helm(['rollback', release, '--namespace', this.options.releaseNamespace, '--wait', '--timeout', '300s'], progress, 330_000);
    }
  }

  private helm(args: string[], progress: ProgressReporter, timeoutMs: number, quietStdout = false): Promise<string> {
    return runCommand(this.options.helm ?? 'helm', args, { env: this.options.env, timeoutMs, onLine: progress, quietStdout });
  }
}

export function releaseName(tenant: TenantRef): string {
  return `tenant-${tenant.slug}`;
}
