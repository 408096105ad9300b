/**
 * A STAND-IN for the `terraform` binary, for tests only: `terraform apply` against AWS cannot run here, so
 * this program plays it for the tenant root. It answers `init`, `apply`, `output -json` and `destroy` the
 * way terraform does (flags, messages, exit codes), keeps a state per backend key in a folder (the "remote
 * backend"), and checks the call against the real configuration: every `-var` must be a variable the root
 * declares, every required one must be given (an object one with each attribute its type lists), and only
 * outputs the root declares are printed. What it
 * "creates" is done for real where a local server can stand in for the AWS one: the trial database and role
 * on a Postgres (STAND_IN_POSTGRES_URL), the tenant's Redis user on a Redis (STAND_IN_REDIS_URL). Faults for
 * tests: a JSON file at STAND_IN_FAULTS, `{ "failApplies": n, "hang": true }`.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { tenantRedisPrefix, tenantRedisSetUserArgs, tenantRedisUser } from '@tenantry/core';

interface State {
  passwords: { database: string; redis: string };
  outputs: Record<string, string>;
}

const SENSITIVE = new Set(['database_url', 'redis_url']);

function fail(message: string): never {
  process.stderr.write(`\nError: ${message}\n\n`);
  process.exit(1);
}

const argv = process.argv.slice(2);
const chdir = argv[0]?.startsWith('-chdir=') ? resolve(argv.shift()!.slice('-chdir='.length)) : process.cwd();
const command = argv.shift();
const flags = argv;
const dataDir = process.env.TF_DATA_DIR ?? join(chdir, '.terraform');
const stateDir = process.env.STAND_IN_STATE_DIR ?? fail('STAND_IN_STATE_DIR is not set (the stand-in\'s "remote backend")');
appendFileSync(join(stateDir, 'calls.log'), `${JSON.stringify({ command, flags, dataDir })}\n`);

const sources = readdirSync(chdir)
  .filter((f) => f.endsWith('.tf'))
  .map((f) => readFileSync(join(chdir, f), 'utf8'))
  .join('\n');
if (!sources) fail(`No configuration files in ${chdir}`);
const declaredVariables = [...sources.matchAll(/variable\s+"(\w+)"\s*\{(.*)/g)].map(([, name, rest]) => ({
  name: name!,
  required: !/default\s*=/.test(rest!),
}));
const declaredOutputs = [...sources.matchAll(/output\s+"(\w+)"/g)].map(([, name]) => name!);
/** Object-typed variables and their top-level attributes (`name = type` lines of `type = object({ … })`). */
const objectVariables = [...sources.matchAll(/variable\s+"(\w+)"\s*\{\s*type\s*=\s*object\(\{\n([\s\S]*?)\n\s*\}\)/g)].map(
  ([, name, body]) => [name!, [...body!.matchAll(/^\s*(\w+)\s*=/gm)].map(([, attribute]) => attribute!)] as const,
);

function backendKey(): string {
  const file = join(dataDir, 'terraform.tfstate');
  if (!existsSync(file)) fail('Backend initialization required, please run "terraform init"');
  return (JSON.parse(readFileSync(file, 'utf8')) as { backend: { key: string } }).backend.key;
}
const statePath = (key: string) => join(stateDir, key);
function readState(key: string): State | undefined {
  return existsSync(statePath(key)) ? (JSON.parse(readFileSync(statePath(key), 'utf8')) as State) : undefined;
}

function requireFlags(...required: string[]): void {
  for (const flag of required) if (!flags.includes(flag)) fail(`the stand-in expects ${flag} (the driver must never wait for input)`);
}

/** The variables of the call, checked against the root's declarations as terraform does. */
function variables(): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const flag of flags) {
    if (flag.startsWith('-var-file=')) Object.assign(values, JSON.parse(readFileSync(flag.slice('-var-file='.length), 'utf8')));
    else if (flag.startsWith('-var=')) {
      const [name, ...value] = flag.slice('-var='.length).split('=');
      values[name!] = value.join('=');
    }
  }
  for (const name of Object.keys(values)) {
    if (!declaredVariables.some((v) => v.name === name))
      fail(`Value for undeclared variable: a variable named "${name}" was assigned, but the root module does not declare it`);
  }
  for (const v of declaredVariables)
    if (v.required && values[v.name] === undefined) fail(`No value for required variable: the root module input variable "${v.name}" is not set`);
  for (const [name, attributes] of objectVariables) {
    for (const attribute of attributes) {
      if ((values[name] as Record<string, unknown> | undefined)?.[attribute] === undefined)
        fail(`Invalid value for input variable: the given value is not suitable for var.${name}: attribute "${attribute}" is required.`);
    }
  }
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(String(values.slug))) fail('Invalid value for variable: slug must be lowercase letters, digits and hyphens');
  if (!['trial', 'production'].includes(String(values.tier))) fail('Invalid value for variable: tier must be trial or production.');
  return values;
}

function faults(): { failApplies?: number; hang?: boolean } {
  const file = process.env.STAND_IN_FAULTS;
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { failApplies?: number; hang?: boolean }) : {};
}

function takeFailure(): boolean {
  const file = process.env.STAND_IN_FAULTS;
  const current = faults();
  if (!file || !current.failApplies) return false;
  writeFileSync(file, JSON.stringify({ ...current, failApplies: current.failApplies - 1 }));
  return true;
}

const dbName = (slug: string) => `tenant_${slug.replaceAll('-', '_')}`;

async function withPostgres(work: (client: pg.Client) => Promise<void>): Promise<void> {
  if (!process.env.STAND_IN_POSTGRES_URL) return;
  const client = new pg.Client({ connectionString: process.env.STAND_IN_POSTGRES_URL });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function withRedis(work: (redis: Redis) => Promise<unknown>): Promise<void> {
  if (!process.env.STAND_IN_REDIS_URL) return;
  const redis = new Redis(process.env.STAND_IN_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await work(redis);
  } finally {
    redis.disconnect();
  }
}

async function apply(): Promise<void> {
  requireFlags('-auto-approve', '-input=false');
  const key = backendKey();
  const values = variables();
  const slug = String(values.slug);
  const platform = values.platform as { bucket: string };
  if (faults().hang) {
    process.stdout.write('module.tenant.aws_db_instance.dedicated[0]: Creating...\n');
    setInterval(() => process.stdout.write('module.tenant.aws_db_instance.dedicated[0]: Still creating...\n'), 1000);
    return;
  }
  if (takeFailure())
    fail(
      'creating RDS DB Instance: operation error RDS: CreateDBInstance, https response error StatusCode: 503, api error ServiceUnavailable (stand-in fault)',
    );
  const existing = readState(key);
  const passwords = existing?.passwords ?? { database: randomBytes(12).toString('hex'), redis: randomBytes(12).toString('hex') };
  const name = dbName(slug);
  const admin = process.env.STAND_IN_POSTGRES_URL ? new URL(process.env.STAND_IN_POSTGRES_URL) : new URL('postgres://localhost:5432');
  await withPostgres(async (client) => {
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
    await client.query(`${role.rowCount ? 'ALTER' : 'CREATE'} ROLE ${name} LOGIN PASSWORD '${passwords.database}'`);
    const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!db.rowCount) await client.query(`CREATE DATABASE ${name} OWNER ${name}`);
    await client.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  });
  const redisAdmin = process.env.STAND_IN_REDIS_URL ? new URL(process.env.STAND_IN_REDIS_URL) : new URL('redis://localhost:6379');
  await withRedis((redis) => redis.call('ACL', ...tenantRedisSetUserArgs(slug, passwords.redis)));
  const all: Record<string, string> = {
    namespace: `tenant-${slug}`,
    role_arn: `arn:aws:iam::000000000000:role/tenantry-tenant-${slug}`,
    database_secret_arn: `arn:aws:secretsmanager:${String(values.region)}:000000000000:secret:tenantry/${slug}/database`,
    // The module's identifier for slugs of up to 40 characters; "" on the trial host, as the module outputs.
    database_instance_id: values.tier === 'production' ? `tenantry-${slug}` : '',
    storage_url: `s3://${platform.bucket}/${slug}/`,
    database_url: `postgres://${name}:${passwords.database}@${admin.host}/${name}`,
    redis_url: `redis://${tenantRedisUser(slug)}:${passwords.redis}@${redisAdmin.host}`,
    redis_prefix: tenantRedisPrefix(slug),
  };
  const outputs = Object.fromEntries(declaredOutputs.filter((o) => all[o] !== undefined).map((o) => [o, all[o]!]));
  const resources = [
    'random_password.database',
    'aws_iam_role.tenant',
    'aws_iam_role_policy.storage',
    'aws_secretsmanager_secret.database',
    'aws_elasticache_user.tenant',
  ];
  if (existing) process.stdout.write('\nNo changes. Your infrastructure matches the configuration.\n');
  else {
    for (const r of resources) process.stdout.write(`module.tenant.${r}: Creating...\nmodule.tenant.${r}: Creation complete after 0s\n`);
    process.stdout.write(`\nApply complete! Resources: ${resources.length} added, 0 changed, 0 destroyed.\n`);
  }
  mkdirSync(dirname(statePath(key)), { recursive: true });
  writeFileSync(statePath(key), JSON.stringify({ passwords, outputs } satisfies State));
  process.stdout.write(
    `\nOutputs:\n\n${Object.keys(outputs)
      .map((o) => `${o} = ${SENSITIVE.has(o) ? '<sensitive>' : JSON.stringify(outputs[o])}`)
      .join('\n')}\n`,
  );
}

async function destroy(): Promise<void> {
  requireFlags('-auto-approve', '-input=false');
  const key = backendKey();
  const slug = String(variables().slug);
  const state = readState(key);
  if (!state) {
    process.stdout.write('\nNo changes. No objects need to be destroyed.\n');
    return;
  }
  const name = dbName(slug);
  await withPostgres(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${name}`);
  });
  await withRedis((redis) => redis.call('ACL', 'DELUSER', tenantRedisUser(slug)));
  rmSync(statePath(key));
  process.stdout.write('\nDestroy complete! Resources: 5 destroyed.\n');
}

switch (command) {
  case 'version':
    process.stdout.write('Terraform v1.9.8 (stand-in)\n');
    break;
  case 'init': {
    const keyFlag = flags.find((f) => f.startsWith('-backend-config=key='));
    if (!keyFlag) fail('the stand-in expects -backend-config=key=<state key> (a state per tenant)');
    if (!/backend\s+"s3"/.test(sources)) fail('the root has no s3 backend');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'terraform.tfstate'), JSON.stringify({ backend: { type: 's3', key: keyFlag.slice('-backend-config=key='.length) } }));
    process.stdout.write('\nInitializing the backend...\n\nSuccessfully configured the backend "s3"!\n\nTerraform has been successfully initialized!\n');
    break;
  }
  case 'apply':
    await apply();
    break;
  case 'output': {
    const state = readState(backendKey());
    const outputs = state
      ? Object.fromEntries(Object.entries(state.outputs).map(([name, value]) => [name, { sensitive: SENSITIVE.has(name), type: 'string', value }]))
      : {};
    process.stdout.write(`${JSON.stringify(outputs)}\n`);
    break;
  }
  case 'destroy':
    await destroy();
    break;
  default:
    fail(`the stand-in does not play "terraform ${command ?? ''}"`);
}
