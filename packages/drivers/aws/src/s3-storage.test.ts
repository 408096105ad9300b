/**
 * The S3 storage step and the pods' S3 object store against a real policy-enforcing S3 server (MinIO): the storage
 * driver contract, and tenant A's credentials refused on tenant B's prefix for list, get, put and delete.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { storageDriverContract } from '@tenantry/control-plane/contracts';
import { S3ObjectStore } from '@tenantry/pod-runtime/s3-object-store';
import { S3PrefixStorage } from './s3-storage.js';
import { startTestMinio, type TestMinio } from './test-support/minio.js';

const BUCKET = 'tenant-data';
let minio: TestMinio;
before(async () => {
  minio = await startTestMinio();
});
after(async () => {
  await minio?.stop();
});

const driver = () => new S3PrefixStorage({ endpoint: minio.endpoint, bucket: BUCKET, credentials: minio.credentials });
const adminClient = () => new S3Client({ endpoint: minio.endpoint, region: 'us-east-1', credentials: minio.credentials, forcePathStyle: true });

storageDriverContract('S3PrefixStorage on MinIO', driver, async (url) => {
  const prefix = new URL(url).pathname.slice(1);
  const listed = await adminClient().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.KeyCount ?? 0) > 0;
});

test("tenant A's credentials reach its own prefix and are refused on tenant B's: list, get, put and delete", async () => {
  const storage = driver();
  const [alpha, bravo] = [
    await storage.create({ slug: 'alpha', name: 'Alpha', tier: 'trial' }),
    await storage.create({ slug: 'bravo', name: 'Bravo', tier: 'production' }),
  ];
  assert.equal(alpha.url, `s3://${BUCKET}/alpha/`);
  assert.notEqual(alpha.env!.AWS_ACCESS_KEY_ID, bravo.env!.AWS_ACCESS_KEY_ID);

  // The pods' object store, configured only from what the step gave each pod.
  const storeOf = (grant: typeof alpha) => new S3ObjectStore(grant.url, grant.env);
  const [alphaStore, bravoStore] = [storeOf(alpha), storeOf(bravo)];
  await alphaStore.put('files/a.txt', Readable.from(['from alpha']));
  await bravoStore.put('files/b.txt', Readable.from(['from bravo']));
  assert.equal(await text(await alphaStore.get('files/a.txt')), 'from alpha');
  assert.deepEqual(await alphaStore.list('files/'), ['files/a.txt']);
  await assert.rejects(alphaStore.get('files/b.txt'), { code: 'OBJECT_NOT_FOUND' });
  await assert.rejects(alphaStore.put('../bravo/files/b.txt', Readable.from(['x'])), { code: 'INVALID_KEY' });

  // Straight at the server with A's keys: B's prefix (and the bucket as a whole) are refused.
  const alphaClient = new S3Client({
    endpoint: minio.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: alpha.env!.AWS_ACCESS_KEY_ID!,
      secretAccessKey: alpha.env!.AWS_SECRET_ACCESS_KEY!,
      sessionToken: alpha.env!.AWS_SESSION_TOKEN!,
    },
  });
  const denied = async (what: string, attempt: Promise<unknown>) => {
    await assert.rejects(attempt, (err: unknown) => err instanceof S3ServiceException && err.name === 'AccessDenied', `${what} is refused`);
  };
  await denied('list B', alphaClient.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'bravo/' })));
  await denied('list the bucket', alphaClient.send(new ListObjectsV2Command({ Bucket: BUCKET })));
  await denied('get B', alphaClient.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'bravo/files/b.txt' })));
  await denied('put into B', alphaClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bravo/files/evil.txt', Body: 'x' })));
  await denied('delete B', alphaClient.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'bravo/files/b.txt' })));
  await denied('put beside the prefixes', alphaClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'alphabet/x.txt', Body: 'x' })));
  assert.equal(await text(await bravoStore.get('files/b.txt')), 'from bravo', "B's object is untouched");

  // Removing A deletes its objects only.
  await storage.remove({ slug: 'alpha', name: 'Alpha', tier: 'trial' });
  assert.deepEqual((await (await adminClient().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'alpha/' }))).Contents) ?? [], []);
  assert.deepEqual(await bravoStore.list(), ['.tenantry', 'files/b.txt']);
  await storage.remove({ slug: 'bravo', name: 'Bravo', tier: 'production' });
});

test("observing with credentials the server refuses: missing, and the message says so; the prefix's own are present", async () => {
  const storage = driver();
  const tenant = { slug: 'charlie', name: 'Charlie', tier: 'trial' } as const;
  const grant = await storage.create(tenant);
  assert.deepEqual(await storage.observe(tenant, grant), { state: 'present' });
  const forged = { ...grant, env: { ...grant.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret-key' } };
  const refused = await storage.observe(tenant, forged);
  assert.equal(refused.state, 'missing');
  assert.match(
    refused.state === 'missing' ? refused.message : '',
    /^charlie's credentials are refused on s3:\/\/tenant-data\/charlie\/ \(SignatureDoesNotMatch\)/,
  );
  // Another tenant's credentials on this prefix: refused by its policy.
  const delta = await storage.create({ slug: 'delta', name: 'Delta', tier: 'trial' });
  const crossed = await storage.observe(tenant, { ...grant, env: delta.env });
  assert.match(crossed.state === 'missing' ? crossed.message : '', /\(AccessDenied\)/);
  await storage.remove(tenant);
  await storage.remove({ slug: 'delta', name: 'Delta', tier: 'trial' });
});
