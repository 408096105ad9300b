/**
 * The Terraform configurations, checked without a cloud: every file parses as HCL, and each holds what the
 * kubernetes driver relies on (variables, outputs, the tier switch, IRSA, the prefix policy from shared code).
 * `terraform apply` against AWS cannot run here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { TENANT_DATABASE_LIMITS, tenantRedisAccessString, tenantRedisPrefix } from '@tenantry/core';
import { storagePolicyTemplate } from '@tenantry/driver-aws';
import { TERRAFORM_DIR as TERRAFORM } from './paths.js';

type Block = Record<string, any>;

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
  assert.equal(
    readFileSync(join(TERRAFORM, 'modules/tenant/storage-policy.json.tftpl'), 'utf8'),
    storagePolicyTemplate(),
    'regenerate it: node -e "import(\'@tenantry/driver-aws\').then(m => process.stdout.write(m.storagePolicyTemplate()))"',
  );
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

test('tenant module: AWS names fit any valid slug (64 characters for an IAM role, no "--" for RDS), and a deleted production tenant can come back', () => {
  const { aws_name: awsName, db_name: dbName } = tenant.locals[0];
  assert.match(awsName, /length\(var\.slug\) <= 40 && !strcontains\(var\.slug, "--"\) \? var\.slug : .*substr\(sha256\(var\.slug\), 0, 8\)/);
  assert.equal(dbName, 't_${replace(local.aws_name, "-", "_")}');
  assert.equal(tenant.resource.aws_iam_role.tenant[0].name, 'tenantry-tenant-${local.aws_name}');
  const [dedicated] = tenant.resource.aws_db_instance.dedicated;
  assert.equal(dedicated.identifier, 'tenantry-${local.aws_name}');
  assert.match(dedicated.final_snapshot_identifier, /timestamp\(\)/, 'a final snapshot name of its own each time');
  assert.deepEqual(dedicated.lifecycle[0].ignore_changes, ['${final_snapshot_identifier}']);
});

test("tenant module: on MSK the tenant's role may connect and write its own topic, nothing else", () => {
  const policy = tenant.resource.aws_iam_role_policy.analytics[0].policy as string;
  assert.match(policy, /Action = \["kafka-cluster:Connect"\], Resource = \[var\.kafka_cluster_arn\]/);
  assert.match(policy, /Action += \["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"\]/);
  assert.match(
    policy,
    /replace\(var\.kafka_cluster_arn, ":cluster\/", ":topic\/"\)\}\/tenantry\.analytics\.\$\{var\.slug\}/,
    'the topic the pods write (analyticsTopic)',
  );
  assert.doesNotMatch(policy, /ReadData|AlterTopic|CreateTopic|DeleteTopic|\*/);
  assert.equal(tenantRoot.module.tenant[0].kafka_cluster_arn, '${var.platform.kafka_cluster_arn}');
});

test("tenant module: the role trusts only the tenant's service account (IRSA)", () => {
  const [trust] = tenant.data.aws_iam_policy_document.trust;
  const conditions = trust.statement[0].condition as Block[];
  const sub = conditions.find((c) => String(c.variable).endsWith(':sub'));
  assert.ok(sub, 'a condition on the token subject');
  assert.deepEqual(sub.values, ['system:serviceaccount:${local.namespace}:tenant']);
  assert.ok(
    conditions.some((c) => String(c.variable).endsWith(':aud')),
    'and on its audience',
  );
  assert.match(tenant.locals[0].namespace, /tenant-\$\{var\.slug\}/);
});

test('tenant outputs and the per-tenant root: what the driver reads, with state per tenant', () => {
  const outputs = ['database_instance_id', 'database_secret_arn', 'database_url', 'namespace', 'redis_prefix', 'redis_url', 'role_arn', 'storage_url'];
  assert.deepEqual(Object.keys(tenant.output).sort(), outputs);
  assert.deepEqual(Object.keys(tenantRoot.output).sort(), outputs);
  for (const name of ['database_url', 'redis_url']) {
    assert.equal(tenant.output[name][0].sensitive, true, `module output ${name} is sensitive`);
    assert.equal(tenantRoot.output[name][0].sensitive, true, `root output ${name} is sensitive`);
  }
  for (const name of ['namespace', 'role_arn', 'database_secret_arn', 'database_instance_id', 'storage_url', 'redis_prefix']) {
    assert.notEqual(tenantRoot.output[name][0].sensitive, true, `${name} is not secret`);
    assert.equal(tenantRoot.output[name][0].value, `\${module.tenant.${name}}`);
  }
  assert.equal(tenant.output.database_url[0].value, '${local.database_url}');
  assert.equal(
    tenant.output.database_instance_id[0].value,
    '${local.production ? aws_db_instance.dedicated[0].identifier : ""}',
    'the RDS instance a freeze stops: production only',
  );
  assert.equal(
    tenant.resource.aws_secretsmanager_secret_version.database[0].secret_string,
    '${jsonencode({ DATABASE_URL = local.database_url })}',
    'the secret holds the same URL',
  );
  assert.equal(
    tenant.output.redis_url[0].value,
    'rediss://${aws_elasticache_user.tenant.user_name}:${random_password.redis.result}@${var.redis_address}:${var.redis_port}',
  );
  assert.equal(tenant.output.redis_prefix[0].value, 't:${var.slug}');
  assert.ok(tenantRoot.terraform[0].backend.s3, 'remote state (the key is given per tenant at init)');
  const module = tenantRoot.module.tenant[0];
  assert.equal(module.source, '../modules/tenant');
  assert.equal(module.redis_address, '${var.platform.redis.address}');
  assert.equal(module.redis_port, '${var.platform.redis.port}');
  assert.equal(module.redis_user_group_id, '${var.platform.redis.user_group_id}');
  assert.match(tenantRoot.variable.platform[0].type, /redis\s*=\s*object\(\{\s*address\s*=\s*string,\s*port\s*=\s*number,\s*user_group_id\s*=\s*string\s*\}\)/);
});

test("trial tier: the trial host's role and parameter group carry the database limits of @tenantry/core", () => {
  const limits = TENANT_DATABASE_LIMITS.trial;
  const [role] = tenant.resource.postgresql_role.trial;
  assert.equal(role.connection_limit, limits.connectionLimit);
  assert.equal(role.statement_timeout, limits.statementTimeoutMs);
  assert.equal(role.idle_in_transaction_session_timeout, limits.idleInTransactionTimeoutMs);
  assert.equal(tenant.resource.postgresql_database.trial[0].connection_limit, limits.connectionLimit);
  const [group] = platform.resource.aws_db_parameter_group.trial;
  const parameters = Object.fromEntries((group.parameter as { name: string; value: string }[]).map((p) => [p.name, p.value]));
  assert.deepEqual(parameters, { temp_file_limit: String(limits.tempFileLimitKb), work_mem: String(limits.workMemKb) });
  assert.equal(platform.resource.aws_db_instance.trial[0].parameter_group_name, '${aws_db_parameter_group.trial.name}');
});

test("tenant module: a Redis user of the platform's user group, limited to the tenant's prefix as the local driver's ACL is", () => {
  const [user] = tenant.resource.aws_elasticache_user.tenant;
  assert.equal(user.user_id, 'tenant-${local.aws_name}');
  assert.equal(user.user_name, 'tenant-${local.aws_name}');
  assert.equal(user.engine, 'REDIS');
  const rules = String(user.access_string).split(' ');
  assert.equal(tenantRedisPrefix('${var.slug}'), 't:${var.slug}', 'the prefix the outputs give');
  assert.deepEqual(rules, tenantRedisAccessString('t:${var.slug}').split(' '), 'the allowlist of @tenantry/core, nothing more');
  assert.ok(!rules.some((r) => /^\+@/.test(r)), 'no command category, only named commands');
  assert.deepEqual(
    rules.filter((r) => r.startsWith('~') || r.startsWith('&')),
    ['~t:${var.slug}:*', '&t:${var.slug}:*'],
    'no other keys or channels',
  );
  assert.ok(!rules.some((r) => /^(allkeys|allchannels|[~&%]|%[RW]*~)\*$/.test(r)), 'no pattern matching every key or channel');
  assert.equal(user.authentication_mode[0].type, 'password');
  assert.deepEqual(user.authentication_mode[0].passwords, ['${random_password.redis.result}']);
  assert.equal(tenant.resource.random_password.redis[0].special, false, 'the password goes into a URL unescaped');
  const [association] = tenant.resource.aws_elasticache_user_group_association.tenant;
  assert.equal(association.user_group_id, '${var.redis_user_group_id}');
  assert.equal(association.user_id, '${aws_elasticache_user.tenant.user_id}');
  assert.deepEqual(tenant.output.redis_url[0].depends_on, ['${aws_elasticache_user_group_association.tenant}'], 'the URL once the user can log in');
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
    ['aws_elasticache_replication_group', 'redis'],
    ['aws_msk_serverless_cluster', 'analytics'],
    ['aws_keyspaces_keyspace', 'analytics'],
    ['aws_s3_bucket', 'tenant_data'],
    ['aws_db_instance', 'trial'],
    ['aws_acm_certificate', 'wildcard'],
    ['aws_route53_record', 'validation'],
  ])
    assert.ok(platform.resource[type]?.[name], `${type}.${name}`);
  assert.match(platform.resource.aws_acm_certificate.wildcard[0].domain_name, /^\*\.\$\{var\.domain\}$/);
  const tenantPlatform = platform.output.tenant_platform[0].value;
  for (const key of [
    'bucket',
    'eks_oidc_provider_arn',
    'eks_oidc_provider_url',
    'db_subnet_group_name',
    'db_security_group_ids',
    'trial_host',
    'trial_admin_secret',
    'redis',
  ]) {
    assert.ok(key in tenantPlatform, `tenant_platform.${key}, which the tenant root needs`);
  }
  assert.deepEqual(tenantPlatform.redis, {
    address: '${aws_elasticache_replication_group.redis.primary_endpoint_address}',
    port: '${aws_elasticache_replication_group.redis.port}',
    user_group_id: '${aws_elasticache_user_group.redis.user_group_id}',
  });
});

test("platform: the master's Keyspaces login is a service-specific credential of a user limited to the keyspace, kept in Secrets Manager", () => {
  assert.equal(platform.resource.aws_iam_service_specific_credential.analytics_store[0].service_name, 'cassandra.amazonaws.com');
  const policy = platform.resource.aws_iam_user_policy.analytics_store[0].policy as string;
  assert.match(policy, /aws_keyspaces_keyspace\.analytics\.arn/);
  assert.doesNotMatch(policy, /"\*"|cassandra:\*/);
  assert.match(platform.resource.aws_secretsmanager_secret_version.analytics_store[0].secret_string, /CASSANDRA_USERNAME[\s\S]*CASSANDRA_PASSWORD/);
});

test("platform: Redis uses RBAC, its user group's default user is off, the master has a login of its own", () => {
  const [redis] = platform.resource.aws_elasticache_replication_group.redis;
  assert.equal(redis.transit_encryption_enabled, true, 'RBAC needs TLS');
  assert.equal(redis.auth_token, undefined, 'no shared AUTH token');
  assert.deepEqual(redis.user_group_ids, ['${aws_elasticache_user_group.redis.user_group_id}']);
  const [group] = platform.resource.aws_elasticache_user_group.redis;
  assert.equal(group.engine, 'REDIS');
  assert.deepEqual(group.lifecycle[0].ignore_changes, ['${user_ids}'], "tenants' associations are not undone by the next platform apply");
  const users = (group.user_ids as string[]).map((ref) => {
    const name = /^\$\{aws_elasticache_user\.(\w+)\.user_id\}$/.exec(ref)?.[1];
    assert.ok(name, `${ref} is a user of this configuration`);
    return platform.resource.aws_elasticache_user[name][0] as Block;
  });
  const defaults = users.filter((u) => u.user_name === 'default');
  assert.equal(defaults.length, 1, 'the group has a user named default');
  assert.deepEqual(String(defaults[0]?.access_string).split(' '), ['off', '-@all'], 'the default user is off, with no commands');
  const admin = platform.resource.aws_elasticache_user.admin[0];
  assert.ok(users.includes(admin), "the master's user is in the group");
  assert.match(admin.access_string, /^on /);
  assert.equal(admin.authentication_mode[0].type, 'password');
  assert.match(
    platform.resource.aws_secretsmanager_secret_version.redis_admin[0].secret_string,
    /REDIS_URL = "rediss:\/\/\$\{aws_elasticache_user\.admin\.user_name\}:\$\{random_password\.redis_admin\.result\}@/,
  );
  for (const name of ['redis_default', 'redis_admin']) assert.equal(platform.resource.random_password[name][0].special, false);
});

test('AWS settings with safe defaults: private EKS endpoint, multi-AZ production databases, deletion protection, bucket versioning, TLS only, access logs, RDS log exports', () => {
  const variable = (root: Block, name: string) => root.variable[name][0];
  // EKS: private endpoint; public only from the CIDRs given.
  const eks = platform.module.eks[0];
  assert.equal(eks.cluster_endpoint_private_access, true);
  assert.match(eks.cluster_endpoint_public_access, /length\(var\.cluster_endpoint_public_access_cidrs\) > 0/);
  assert.equal(eks.cluster_endpoint_public_access_cidrs, '${var.cluster_endpoint_public_access_cidrs}');
  assert.deepEqual(variable(platform, 'cluster_endpoint_public_access_cidrs').default, []);
  // The shared trial host.
  const trial = platform.resource.aws_db_instance.trial[0];
  assert.equal(trial.deletion_protection, '${var.trial_deletion_protection}');
  assert.equal(variable(platform, 'trial_deletion_protection').default, true);
  assert.equal(trial.enabled_cloudwatch_logs_exports, '${var.rds_log_exports}');
  assert.deepEqual(variable(platform, 'rds_log_exports').default, ['postgresql', 'upgrade']);
  // Production tenants' instances.
  const dedicated = tenant.resource.aws_db_instance.dedicated[0];
  assert.equal(dedicated.multi_az, '${var.production_multi_az}');
  assert.equal(variable(tenant, 'production_multi_az').default, true);
  assert.equal(dedicated.enabled_cloudwatch_logs_exports, '${var.rds_log_exports}');
  assert.deepEqual(variable(tenant, 'rds_log_exports').default, ['postgresql', 'upgrade']);
  // The tenant-data bucket.
  assert.match(platform.resource.aws_s3_bucket_versioning.tenant_data[0].versioning_configuration[0].status, /var\.tenant_data_versioning \? "Enabled"/);
  assert.equal(variable(platform, 'tenant_data_versioning').default, true);
  const tls = platform.resource.aws_s3_bucket_policy.tenant_data_tls_only[0].policy;
  assert.match(tls, /Effect += "Deny"/);
  assert.match(tls, /"aws:SecureTransport" = "false"/);
  assert.match(tls, /aws_s3_bucket\.tenant_data\.arn\}\/\*/);
  const logging = platform.resource.aws_s3_bucket_logging.tenant_data[0];
  assert.equal(logging.target_bucket, '${aws_s3_bucket.access_logs[0].id}');
  assert.equal(variable(platform, 's3_access_logs').default, true);
  assert.ok(platform.resource.aws_s3_bucket_public_access_block.access_logs, 'the log bucket is private');
});
