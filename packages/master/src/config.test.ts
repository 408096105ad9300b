/** The master's configuration: each driver asks for the controller's variables by name; the API's are named too. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@tenantry/core';
import { readControllerConfig, readMasterApiConfig } from './config.js';

const MASTER = {
  TENANT_ID: 'master',
  IS_MASTER: 'true',
  DATABASE_URL: 'postgres://m:p@db/master',
  REDIS_URL: 'rediss://admin:p@redis:6379',
  STORAGE_URL: 'file:///tmp/master-storage/',
  TENANT_URL: 'https://master.example.com/',
  HOST: '0.0.0.0',
  PORT: '8080',
  SMTP_URL: 'smtp://relay:p@smtp.example.com:587',
  MAIL_FROM: 'no-reply@example.com',
};

/** The problems a configuration reader names for `environment` (the controller's by default). */
function problems(environment: NodeJS.ProcessEnv, read: (e: NodeJS.ProcessEnv) => unknown = readControllerConfig): string[] {
  try {
    read(environment);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

test('the kubernetes driver asks for its Terraform, Helm and relay settings by name, and not for the local ones', () => {
  const missing = problems({ ...MASTER, TENANTRY_DRIVER: 'kubernetes' });
  assert.deepEqual(missing.map((p) => p.split(':')[0]).sort(), [
    'TENANTRY_HELM_CHART',
    'TENANTRY_SECRET_KEY',
    'TENANTRY_SMTP_RELAY_URL',
    'TENANTRY_TERRAFORM_BACKEND_CONFIG',
    'TENANTRY_TERRAFORM_DIR',
    'TENANTRY_TERRAFORM_VAR_FILE',
  ]);
  assert.match(missing[0]!, /is required when IS_MASTER=true with TENANTRY_DRIVER=kubernetes/);
  const config = readControllerConfig({
    ...MASTER,
    TENANTRY_DRIVER: 'kubernetes',
    TENANTRY_TERRAFORM_DIR: '/app/deploy/terraform',
    TENANTRY_TERRAFORM_VAR_FILE: '/etc/p.json',
    TENANTRY_TERRAFORM_BACKEND_CONFIG: '/etc/backend.hcl',
    TENANTRY_HELM_CHART: '/app/deploy/helm/tenant-pod',
    TENANTRY_SMTP_RELAY_URL: 'smtp://u:p@relay:587',
    TENANTRY_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  });
  assert.equal(config.TENANTRY_DRIVER, 'kubernetes');
  // The variant's own settings, typed as given (no check for undefined needed where it is used).
  if (config.TENANTRY_DRIVER !== 'kubernetes') throw new Error('the kubernetes variant');
  assert.equal(config.TENANTRY_TERRAFORM_TIMEOUT_SECONDS, 2400);
  assert.equal(config.TENANTRY_RELEASE_NAMESPACE, 'tenantry-system');
  assert.equal(config.TENANTRY_TERRAFORM_DIR, '/app/deploy/terraform');
});

test('the local driver is the default and asks for its own settings; a bad driver name or timeout is refused', () => {
  const local = problems(MASTER);
  assert.ok(local.some((p) => /^TENANTRY_AGENT_URL: is required when IS_MASTER=true with TENANTRY_DRIVER=local/.test(p)));
  assert.ok(local.some((p) => /^TENANTRY_TENANT_REDIS_ROOT: is required/.test(p)));
  assert.ok(!local.some((p) => p.startsWith('TENANTRY_HELM_CHART')), 'not the kubernetes settings');
  assert.ok(
    problems({ ...MASTER, TENANTRY_S3_ENDPOINT: 'http://127.0.0.1:9000' }).some((p) =>
      /^TENANTRY_S3_ACCESS_KEY_ID: is required with TENANTRY_S3_ENDPOINT/.test(p),
    ),
  );
  assert.ok(problems({ ...MASTER, TENANTRY_DRIVER: 'nomad' }).some((p) => /^TENANTRY_DRIVER: must be local or kubernetes/.test(p)));
  assert.ok(
    problems({ ...MASTER, TENANTRY_DRIVER: 'kubernetes', TENANTRY_HELM_TIMEOUT_SECONDS: '5' }).some((p) =>
      /^TENANTRY_HELM_TIMEOUT_SECONDS: must be at least 30/.test(p),
    ),
  );
});

test("the master's API asks for the admin token and the platform key by name, and checks them", () => {
  assert.deepEqual(problems(MASTER, readMasterApiConfig), [
    'ADMIN_TOKEN: is required when IS_MASTER=true',
    'TENANTRY_SECRET_KEY: is required when IS_MASTER=true',
  ]);
  const bad = problems({ ...MASTER, ADMIN_TOKEN: 'short', TENANTRY_SECRET_KEY: 'x' }, readMasterApiConfig);
  assert.ok(bad.some((p) => /^ADMIN_TOKEN: must be at least 16 characters/.test(p)));
  assert.ok(bad.some((p) => p.startsWith('TENANTRY_SECRET_KEY:')));
  const key = Buffer.alloc(32, 7).toString('base64');
  const config = readMasterApiConfig({ ...MASTER, ADMIN_TOKEN: 'an admin token of length', TENANTRY_SECRET_KEY: key });
  assert.equal(config.ADMIN_TOKEN, 'an admin token of length');
  assert.equal(config.TENANTRY_PUBLIC_PORT, 8080);
});
