/**
 * The Terraform configurations, checked without a cloud: every file parses as HCL, and each holds what the
 * kubernetes driver relies on (variables, outputs, the tier switch, IRSA, the prefix policy from shared code).
 * `terraform apply` against AWS cannot run here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { storagePolicyTemplate } from '@tenantry/driver-aws';

const TERRAFORM = fileURLToPath(new URL('../terraform', import.meta.url));

type Block = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** All .tf files of a folder, parsed and merged by block type. */
async function load(folder: string): Promise<Block> {
  const merged: Block = {};
  for (const file of readdirSync(join(TERRAFORM, folder)).filter((f) => f.endsWith('.tf'))) {
    const parsed = (await parse(file, readFileSync(join(TERRAFORM, folder, file), 'utf8'))) as Block;
    for (const [type, blocks] of Object.entries(parsed)) {
      merged[type] ??= {};
      Object.assign(merged[type], blocks);
    }
  }
  return merged;
}

let tenant: Block;
let tenantRoot: Block;
let platform: Block;
before(async () => {
  [tenant, tenantRoot, platform] = await Promise.all([load('modules/tenant'), load('tenant'), load('platform')]);
});

test("the tenant module's IAM policy template is the one the code makes", () => {
  assert.equal(readFileSync(join(TERRAFORM, 'modules/tenant/storage-policy.json.tftpl'), 'utf8'), storagePolicyTemplate(), 'regenerate it: node -e "import(\'@tenantry/driver-aws\').then(m => process.stdout.write(m.storagePolicyTemplate()))"');
  const [policy] = tenant.resource.aws_iam_role_policy.storage;
  assert.match(policy.policy, /templatefile\("\$\{path\.module\}\/storage-policy\.json\.tftpl", \{ ?bucket = var\.bucket, slug = var\.slug ?\}\)/);
});

test('tenant module: slug and tier are validated; a dedicated RDS instance only for production, a role and database on the trial host only for trial', () => {
  assert.match(tenant.variable.slug[0].validation[0].condition, /regex/);
  assert.match(tenant.variable.tier[0].validation[0].condition, /"trial", "production"/);
  assert.match(tenant.resource.aws_db_instance.dedicated[0].count, /local\.production \? 1 : 0/);
  assert.equal(tenant.resource.aws_db_instance.dedicated[0].storage_encrypted, true);
  assert.equal(tenant.resource.aws_db_instance.dedicated[0].skip_final_snapshot, false, 'deleting a production tenant keeps a final snapshot');
  for (const kind of ['postgresql_role', 'postgresql_database']) assert.match(tenant.resource[kind].trial[0].count, /local\.production \? 0 : 1/);
  assert.ok(tenant.resource.aws_secretsmanager_secret.database, 'credentials in Secrets Manager');
});

test("tenant module: the role trusts only the tenant's service account (IRSA)", () => {
  const [trust] = tenant.data.aws_iam_policy_document.trust;
  const conditions = trust.statement[0].condition as Block[];
  const sub = conditions.find((c) => String(c.variable).endsWith(':sub'));
  assert.ok(sub, 'a condition on the token subject');
  assert.deepEqual(sub.values, ['system:serviceaccount:${local.namespace}:tenant']);
  assert.ok(conditions.some((c) => String(c.variable).endsWith(':aud')), 'and on its audience');
  assert.match(tenant.locals[0].namespace, /tenant-\$\{var\.slug\}/);
});

test('tenant outputs and the per-tenant root: what the driver reads, with state per tenant', () => {
  assert.deepEqual(Object.keys(tenant.output).sort(), ['database_secret_arn', 'namespace', 'role_arn', 'storage_url']);
  assert.deepEqual(Object.keys(tenantRoot.output).sort(), ['database_secret_arn', 'namespace', 'role_arn', 'storage_url']);
  assert.ok(tenantRoot.terraform[0].backend.s3, 'remote state (the key is given per tenant at init)');
  assert.equal(tenantRoot.module.tenant[0].source, '../modules/tenant');
});

test('platform: VPC, EKS with on-demand and mixed-type spot groups, Redis, MSK Serverless, Keyspaces, the bucket, the trial host, certificate and DNS', () => {
  const eks = platform.module.eks[0];
  const groups = eks.eks_managed_node_groups;
  assert.equal(groups.on_demand.capacity_type, 'ON_DEMAND');
  assert.equal(groups.spot.capacity_type, 'SPOT');
  assert.equal(groups.spot.labels['tenantry.io/capacity'], 'spot', "the tenant-pod chart's nodeSelector");
  assert.equal(groups.spot.taints.spot.key, 'tenantry.io/spot', "the tenant-pod chart's toleration");
  assert.equal(eks.enable_irsa, true);
  assert.ok(platform.variable.spot_instance_types[0].default.length >= 3, 'several instance types for spot');
  for (const [type, name] of <[string, string][]>[
    ['aws_elasticache_replication_group', 'redis'], ['aws_msk_serverless_cluster', 'analytics'], ['aws_keyspaces_keyspace', 'analytics'],
    ['aws_s3_bucket', 'tenant_data'], ['aws_db_instance', 'trial'], ['aws_acm_certificate', 'wildcard'], ['aws_route53_record', 'validation'],
  ]) assert.ok(platform.resource[type]?.[name], `${type}.${name}`);
  assert.match(platform.resource.aws_acm_certificate.wildcard[0].domain_name, /^\*\.\$\{var\.domain\}$/);
  const tenantPlatform = platform.output.tenant_platform[0].value;
  for (const key of ['bucket', 'eks_oidc_provider_arn', 'eks_oidc_provider_url', 'db_subnet_group_name', 'db_security_group_ids', 'trial_host', 'trial_admin_secret']) {
    assert.ok(key in tenantPlatform, `tenant_platform.${key}, which the tenant root needs`);
  }
});
