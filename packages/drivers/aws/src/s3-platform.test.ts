/**
 * The local platform with TENANTRY_STORAGE=s3 on a real MinIO: a tenant's pod gets an s3:// STORAGE_URL and
 * credentials limited to its prefix, a file uploaded through the tenant's API lands under that prefix, and
 * deleting the tenant deletes its objects.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { waitFor } from '@tenantry/core';
import { PlatformProcess } from '@tenantry/local-host/test-support';
import { startTestMinio, type TestMinio } from './test-support/minio.js';

let minio: TestMinio;
let platform: PlatformProcess;
before(async () => {
  minio = await startTestMinio();
  platform = await PlatformProcess.create('25000-25999');
  platform.extraEnv = {
    TENANTRY_STORAGE: 's3',
    S3_ENDPOINT: minio.endpoint,
    S3_BUCKET: 'platform-data',
    S3_ACCESS_KEY_ID: minio.credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: minio.credentials.secretAccessKey,
  };
  await platform.start();
});
after(async () => {
  await platform?.dispose();
  await minio?.stop();
});

const objects = async (prefix: string) => {
  const client = new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', credentials: minio.credentials, forcePathStyle: true });
  return ((await client.send(new ListObjectsV2Command({ Bucket: 'platform-data', Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
};

test("a tenant's files go to its own S3 prefix, with credentials for that prefix only, and leave with the tenant", async () => {
  assert.equal((await platform.api('POST', '/admin/api/tenants', { slug: 'shop', tier: 'trial' })).status, 202);
  await platform.waitStatus('shop', 'ready');
  const env = platform.podEnv('shop');
  assert.equal(env.STORAGE_URL, 's3://platform-data/shop/');
  assert.equal(env.S3_ENDPOINT, minio.endpoint);
  assert.ok(env.AWS_SESSION_TOKEN, 'temporary credentials scoped by the prefix policy');
  assert.notEqual(env.AWS_ACCESS_KEY_ID, minio.credentials.accessKeyId, 'never the server admin');

  const host = `shop.localhost:${platform.port}`;
  const signup = await platform.http(host, '/api/auth/signup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@shop.test', password: 'a long enough password', name: 'Ada' }),
  });
  assert.equal(signup.status, 201, signup.text);
  const token = signup.json.token as string;
  const upload = await platform.http(host, '/api/files?name=notes.txt', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
    body: 'kept in S3',
  });
  assert.equal(upload.status, 201, upload.text);
  const download = await platform.http(host, `/api/files/${upload.json.id}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(download.text, 'kept in S3');
  const stored = await objects('shop/');
  assert.equal(stored.length, 2, `the marker and the file: ${stored.join(', ')}`);
  assert.ok(stored.every((key) => key.startsWith('shop/')));

  assert.equal((await platform.api('DELETE', '/admin/api/tenants/shop')).status, 202);
  await waitFor(async () => (await platform.api('GET', '/admin/api/tenants/shop')).status === 404, {
    what: 'the tenant to be deleted',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  assert.deepEqual(await objects('shop/'), []);
});
