/**
 * @module @tenantry/driver-kubernetes: the provisioning steps on Kubernetes and AWS, the same steps and catalog
 * as the local driver. `terraform apply` of the tenant root (a state per tenant) makes its database, IAM role and
 * Redis user; `helm upgrade --install` of the tenant-pod chart makes its pod, Ingress and Secret. Deletion runs
 * `helm uninstall` and `terraform destroy`. What both tools print while they work is stored with the step.
 */
import type { AnalyticsBusDriver, PlatformDrivers, TenantSchema } from '@tenantry/control-plane';
import { HelmCompute, type HelmOptions } from './helm-compute.js';
import { IngressRouting } from './ingress-routing.js';
import { RelayMail } from './relay-mail.js';
import { TerraformDatabase, TerraformQueue, TerraformStorage, type TerraformStorageOptions } from './terraform-grants.js';
import { TerraformStack, type TerraformOptions } from './terraform-stack.js';

export * from './command.js';
export * from './terraform-stack.js';
export * from './terraform-grants.js';
export * from './helm-compute.js';
export * from './ingress-routing.js';
export * from './relay-mail.js';
export * from './tenant-namespace.js';

export interface KubernetesDriverOptions {
  domain: string;
  terraform: TerraformOptions;
  helm: Omit<HelmOptions, 'domain' | 'roleArn' | 'workDir'>;
  storage: TerraformStorageOptions;
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
  return {
    database: new TerraformDatabase(stack),
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
    close: () => queue.close(),
  };
}
