/**
 * @module A tenant's cloud resources as one Terraform state: the root `tenant/` of the operator's Terraform
 * folder (database, IAM role for its S3 prefix, Redis user), applied with the tenant's own state key
 * `tenants/<slug>.tfstate` in the remote backend. Each tenant gets its own data directory, so tenants are
 * provisioned side by side; `init` is run one at a time, as Terraform's provider cache is not safe for
 * concurrent use.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProgressReporter, TenantRef } from '@tenantry/control-plane';
import { oneAtATime } from '@tenantry/core';
import { runCommand } from './command.js';

export interface TerraformOptions {
  /** The terraform binary. @defaultValue terraform (on PATH) */
  binary?: string;
  /** The folder holding the `tenant/` root and the `modules/` it uses (the repository's deploy/terraform). */
  configDir: string;
  /** Where per-tenant data directories and the working copy of the configuration live. */
  workDir: string;
  /** Backend settings besides the key: a file (-backend-config=<file>) or pairs (bucket, region, …). */
  backendConfig: string | Record<string, string>;
  /** The platform's variables (region, platform = the platform root's `tenant_platform` output), a .tfvars.json file. */
  varFile: string;
  /** Time allowed for one terraform command; a production RDS instance takes 10 to 15 minutes. @defaultValue 40 min */
  timeoutMs?: number;
  /** Environment for terraform (e.g. AWS credentials when not from the pod's role). */
  env?: Record<string, string>;
}

/** What the tenant root outputs and the driver reads (deploy/terraform/tenant). */
export interface TenantStackOutputs {
  namespace: string;
  roleArn: string;
  storageUrl: string;
  databaseUrl: string;
  databaseSecretArn: string;
  redisUrl: string;
  redisPrefix: string;
  /** The dedicated RDS instance (production); undefined on the shared trial host, or for a state applied before this output existed. */
  databaseInstanceId?: string | undefined;
}

const OUTPUTS = {
  namespace: 'namespace',
  roleArn: 'role_arn',
  storageUrl: 'storage_url',
  databaseUrl: 'database_url',
  databaseSecretArn: 'database_secret_arn',
  redisUrl: 'redis_url',
  redisPrefix: 'redis_prefix',
} as const satisfies Record<Exclude<keyof TenantStackOutputs, 'databaseInstanceId'>, string>;

export class TerraformStack {
  private readonly binary: string;
  private readonly root: string;
  private readonly timeoutMs: number;
  /** Inits one at a time: Terraform's provider cache is not safe for concurrent use. */
  private readonly initOneAtATime = oneAtATime();
  /** Each tenant's init, once per process (steps of one tenant may ask at once); dropped after a failure. */
  private readonly initialized = new Map<string, Promise<void>>();
  /** Each tenant's outputs since its last apply here, so later steps need no `terraform output`. */
  private readonly known = new Map<string, TenantStackOutputs>();

  constructor(private readonly options: TerraformOptions) {
    this.binary = options.binary ?? 'terraform';
    this.timeoutMs = options.timeoutMs ?? 40 * 60_000;
    // A working copy: init writes the provider lock file next to the root, and the shipped copy may be read-only.
    // A committed .terraform.lock.hcl comes along; data directories (.terraform) do not.
    const copy = join(options.workDir, 'terraform');
    for (const name of readdirSync(options.configDir)) {
      cpSync(join(options.configDir, name), join(copy, name), { recursive: true, filter: (source) => basename(source) !== '.terraform' });
    }
    this.root = join(copy, 'tenant');
    if (!existsSync(join(this.root, 'main.tf')))
      throw new Error(`${options.configDir} has no tenant/main.tf: point it at the repository's deploy/terraform folder`);
  }

  /** Creates or updates the tenant's resources (`terraform apply`) and returns the outputs. */
  async apply(tenant: TenantRef, progress: ProgressReporter): Promise<TenantStackOutputs> {
    await this.init(tenant, progress);
    progress(`terraform apply (state tenants/${tenant.slug}.tfstate)`);
    this.known.delete(tenant.slug);
    await this.run(tenant, ['apply', '-input=false', '-no-color', '-auto-approve', '-lock-timeout=5m', ...this.variables(tenant)], progress);
    return this.outputs(tenant, progress);
  }

  /**
   * The outputs of the last apply, read once with `terraform output -json` (again after a restart) and
   * kept until the next apply or destroy. Secrets in them never reach the log.
   */
  async outputs(tenant: TenantRef, progress: ProgressReporter): Promise<TenantStackOutputs> {
    const kept = this.known.get(tenant.slug);
    if (kept) return kept;
    await this.init(tenant, progress);
    const json = await this.run(tenant, ['output', '-json', '-no-color'], progress, true);
    const raw = JSON.parse(json) as Record<string, { value?: unknown }>;
    const outputs = {} as TenantStackOutputs;
    for (const [key, name] of Object.entries(OUTPUTS) as [keyof typeof OUTPUTS, string][]) {
      const value = raw[name]?.value;
      if (typeof value !== 'string' || value === '') throw new Error(`terraform output ${name} is missing for tenant ${tenant.slug}: has its apply run?`);
      outputs[key] = value;
    }
    const instance = raw.database_instance_id?.value;
    if (typeof instance === 'string' && instance !== '') outputs.databaseInstanceId = instance;
    this.known.set(tenant.slug, outputs);
    return outputs;
  }

  /** Destroys everything the tenant's state holds (a no-op when it holds nothing), then drops its data directory. */
  async destroy(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    await this.init(tenant, progress);
    progress(`terraform destroy (state tenants/${tenant.slug}.tfstate)`);
    this.known.delete(tenant.slug);
    await this.run(tenant, ['destroy', '-input=false', '-no-color', '-auto-approve', '-lock-timeout=5m', ...this.variables(tenant)], progress);
    rmSync(this.dataDir(tenant), { recursive: true, force: true });
    this.initialized.delete(tenant.slug);
  }

  private dataDir(tenant: TenantRef): string {
    return join(this.options.workDir, 'tenants', tenant.slug);
  }

  private variables(tenant: TenantRef): string[] {
    return [`-var=slug=${tenant.slug}`, `-var=tier=${tenant.tier}`, `-var-file=${this.options.varFile}`];
  }

  /** `terraform init` with the tenant's state key, once per tenant and process (again after a failure). */
  private init(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    let init = this.initialized.get(tenant.slug);
    if (!init) {
      const { backendConfig } = this.options;
      const backend =
        typeof backendConfig === 'string' ? [`-backend-config=${backendConfig}`] : Object.entries(backendConfig).map(([k, v]) => `-backend-config=${k}=${v}`);
      init = this.initOneAtATime(async () => {
        progress(`terraform init (state tenants/${tenant.slug}.tfstate)`);
        await this.run(
          tenant,
          ['init', '-input=false', '-no-color', '-reconfigure', ...backend, `-backend-config=key=tenants/${tenant.slug}.tfstate`],
          progress,
        );
      });
      this.initialized.set(tenant.slug, init);
      init.catch(() => this.initialized.delete(tenant.slug));
    }
    return init;
  }

  private run(tenant: TenantRef, args: string[], progress: ProgressReporter, quietStdout = false): Promise<string> {
    const dataDir = this.dataDir(tenant);
    const pluginCache = join(this.options.workDir, 'plugin-cache');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(pluginCache, { recursive: true });
    return runCommand(this.binary, [`-chdir=${this.root}`, ...args], {
      timeoutMs: this.timeoutMs,
      // Interrupted, terraform stops cleanly and releases the state lock; give it time to.
      killGraceMs: 60_000,
      onLine: progress,
      quietStdout,
      env: { ...this.options.env, TF_DATA_DIR: dataDir, TF_PLUGIN_CACHE_DIR: pluginCache, TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
    });
  }
}
