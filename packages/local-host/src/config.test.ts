import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@tenantry/core';
import { readHostConfig } from './config.js';

test('defaults when nothing is set', () => {
  const config = readHostConfig({});
  assert.equal(config.PORT, 8080);
  assert.equal(config.TENANTRY_DOMAIN, 'localhost');
  assert.deepEqual(config.TENANTRY_PORTS, { first: 20000, last: 29999 });
  assert.equal(config.TENANTRY_PROVISIONING_CONCURRENCY, 4);
  assert.equal(config.TENANTRY_GATEWAY_BODY_IDLE_TIMEOUT_MS, 30_000);
  assert.equal(config.TENANTRY_GATEWAY_BODY_TIMEOUT_MS, 300_000);
  assert.equal(config.TENANTRY_GATEWAY_HALF_CLOSED_TIMEOUT_MS, 5_000);
  assert.equal(config.TENANTRY_GATEWAY_MAX_CONNECTIONS_PER_CLIENT, 256);
  assert.equal(config.TENANTRY_TENANT_UIDS, '200000-299999');
  assert.equal(config.TENANTRY_LOG_MAX_MB, 10);
  assert.equal(config.TENANTRY_LOG_FILES, 5);
  assert.equal(config.TENANTRY_LOG_MB_PER_SECOND, 4);
  assert.ok(config.TENANTRY_HOME.endsWith('.tenantry'));
});

test('a bad variable fails fast with a message naming it', () => {
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [{ PORT: 'eighty' }, /PORT: must be a TCP port/],
    [{ PORT: '70000' }, /PORT: must be a TCP port/],
    [{ TENANTRY_PORTS: '9-5' }, /TENANTRY_PORTS: must be a range of at least 16 ports/],
    [{ TENANTRY_PORTS: 'many' }, /TENANTRY_PORTS: must be a range such as/],
    [{ TENANTRY_PORTS: '40000-44999' }, /TENANTRY_PORTS: overlaps .* the ports the kernel gives to outgoing connections/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a URL starting with postgres:\/\//],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL: must be a URL starting with redis:\/\//],
    [{ TENANTRY_DOMAIN: 'Example.com' }, /TENANTRY_DOMAIN: must be a lowercase domain/],
    [{ TENANTRY_PROVISIONING_CONCURRENCY: '0' }, /TENANTRY_PROVISIONING_CONCURRENCY: must be at least 1/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ TENANTRY_GATEWAY_BODY_IDLE_TIMEOUT_MS: '0' }, /TENANTRY_GATEWAY_BODY_IDLE_TIMEOUT_MS: must be at least 100/],
    [{ TENANTRY_GATEWAY_MAX_CONNECTIONS_PER_CLIENT: 'many' }, /TENANTRY_GATEWAY_MAX_CONNECTIONS_PER_CLIENT/],
    [{ TENANTRY_TENANT_UIDS: '0-99999' }, /TENANTRY_TENANT_UIDS: must be a range of at least 16 uids within 1000-/],
    [{ TENANTRY_LOG_MAX_MB: '0' }, /TENANTRY_LOG_MAX_MB: must be at least 1/],
    [{ TENANTRY_LOG_FILES: 'many' }, /TENANTRY_LOG_FILES/],
    [{ TRIAL_DATABASE_URL: 'postgres://x/y' }, /TRIAL_DATABASE_URL: TRIAL_DATABASE_URL needs DATABASE_URL/],
    [{ TENANTRY_STORAGE: 's3' }, /TENANTRY_STORAGE: TENANTRY_STORAGE=s3 needs S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/],
    [{ TENANTRY_STORAGE: 'bucket' }, /TENANTRY_STORAGE/],
    [{ TENANTRY_STORAGE: 's3', S3_ENDPOINT: 'minio:9000', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' }, /S3_ENDPOINT: must be a URL/],
    [{ TENANTRY_ANALYTICS: 'kafka' }, /TENANTRY_ANALYTICS/],
    [{ KAFKA_BROKERS: '127.0.0.1:9092' }, /TENANTRY_ANALYTICS: KAFKA_BROKERS and CASSANDRA_CONTACT_POINTS are used with TENANTRY_ANALYTICS=kafka-cassandra/],
  ];
  for (const [environment, message] of cases) {
    assert.throws(
      () => readHostConfig(environment),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(environment),
    );
  }
});
