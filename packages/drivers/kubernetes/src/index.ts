/**
 * @module @tenantry/driver-kubernetes: the provisioning steps on Kubernetes and AWS, the same steps and catalog
 * as the local driver. `terraform apply` of the tenant root (a state per tenant) makes its database, IAM role and
 * Redis user; `helm upgrade --install` of the tenant-pod chart makes its pod, Ingress and Secret. Deletion runs
 * `helm uninstall` and `terraform destroy`. What both tools print while they work is stored with the step.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '@tenantry/core';
import type { AnalyticsBusDriver, PlatformDrivers, TenantSchema } from '@tenantry/control-plane';
import { HelmCompute, type HelmOptions } from './helm-compute.js';
import { IngressRouting } from './ingress-routing.js';
import { RdsInstances, type RdsOptions } from './rds-instances.js';
import { RelayMail } from './relay-mail.js';
import { TerraformDatabase, TerraformQueue, TerraformStorage, type TerraformStorageOptions } from './terraform-grants.js';
import { TerraformStack, type TerraformOptions } from './terraform-stack.js';

export * from './command.js';
export * from './terraform-stack.js';
export * from './terraform-grants.js';
export * from './helm-compute.js';
export * from './ingress-routing.js';
export * from './rds-instances.js';
export * from './relay-mail.js';
export * from './tenant-namespace.js';

export interface KubernetesDriverOptions {
  domain: string;
  terraform: TerraformOptions;
  helm: Omit<HelmOptions, 'domain' | 'roleArn' | 'workDir'>;
  storage: TerraformStorageOptions;
  /** The RDS API for freezing production tenants; the region is the tenant root's (its var file's `region`). */
  rds?: Omit<RdsOptions, 'region'>;
  /** The platform's Redis login (deletes a removed tenant's keys). */
  redisAdminUrl: string;
  /** The SMTP relay every tenant sends through. */
  smtpRelayUrl: string;
  analytics: AnalyticsBusDriver;
  schema: TenantSchema;
}

export function createKubernetesDrivers(options: KubernetesDriverOptions): PlatformDrivers & { close(): Promise<void> } {
  const stack = new TerraformStack(options.terraform);
  const queue = new TerraformQueue(stack, options.redisAdminUrl);
  const rds = new RdsInstances({ ...options.rds, region: terraformRegion(options.terraform.varFile) });
  return {
    database: new TerraformDatabase(stack, rds),
    storage: new TerraformStorage(stack, options.storage),
    queue,
    mail: new RelayMail(options.smtpRelayUrl, options.domain),
    analytics: options.analytics,
    schema: options.schema,
    compute: new HelmCompute({
      ...options.helm,
      domain: options.domain,
      workDir: options.terraform.workDir,
      roleArn: async (tenant) => (await stack.outputs(tenant, () => undefined)).roleArn,
    }),
    routing: new IngressRouting({ domain: options.domain, kubectl: options.helm.kubectl, env: options.helm.env }),
    // One Terraform state holds the database, the storage role and the Redis user: the database step applies it.
    order: { storage: ['database'], queue: ['database'] },
    close: async () => {
      rds.close();
      await queue.close();
    },
  };
}

/** The AWS region of the tenant root: its var file's `region`, so the RDS API is asked where Terraform made the instance. */
function terraformRegion(varFile: string): string {
  let region: unknown;
  try {
    region = (JSON.parse(readFileSync(varFile, 'utf8')) as { region?: unknown }).region;
  } catch (err) {
    throw new ConfigError('scheduler', [`TENANTRY_TERRAFORM_VAR_FILE (${varFile}): cannot be read as JSON: ${errorMessage(err)}`]);
  }
  if (typeof region !== 'string' || region === '') throw new Error(`${varFile} has no region: write the platform's variables as docs/deploy.md says`);
  return region;
}
