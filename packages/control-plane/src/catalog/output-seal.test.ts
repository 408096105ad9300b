/**
 * Step outputs at rest on a real Postgres: sealed with the platform key (the table's file on disk
 * holds no password), opened on read, a plain catalog sealed on first start, a wrong key refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, newSecretKey } from '@tenantry/core';
import { startTestPostgres, type TestPostgres } from '../test-support/test-postgres.js';
import { OutputSeal, SecretKeyError } from './output-seal.js';
import { TenantCatalog } from './tenant-catalog.js';

let server: TestPostgres;
const opened: TenantCatalog[] = [];
const STEPS = ['database', 'storage'];
const key = newSecretKey();

before(async () => {
  server = await startTestPostgres();
});

after(async () => {
  for (const catalog of opened) await catalog.close();
  await server?.stop();
});

async function catalogWith(seal?: OutputSeal): Promise<TenantCatalog> {
  const catalog = new TenantCatalog(server.adminUrl, 2, seal);
  opened.push(catalog);
  await catalog.migrate();
  return catalog;
}

function grants(slug: string) {
  const password = `pw-${slug}-Zq8vK2mR7t`;
  return {
    password,
    database: { url: `postgres://t_${slug}:${password}@127.0.0.1:5432/db_${slug}`, location: { kind: 'shared-instance' } },
    storage: { url: `s3://tenant-data/${slug}/`, env: { AWS_SECRET_ACCESS_KEY: `${password}-s3` } },
  };
}

async function provision(catalog: TenantCatalog, slug: string) {
  const g = grants(slug);
  await catalog.create({ slug, name: slug, tier: 'trial' }, STEPS);
  await catalog.status.stepFinished(slug, 'database', 'done', g.database);
  await catalog.status.stepFinished(slug, 'storage', 'done', g.storage);
  return g;
}

/** Every byte of the catalog's step table as stored on disk (after a checkpoint), as text. */
async function storedBytes(catalog: TenantCatalog): Promise<string> {
  await catalog.pool.query('CHECKPOINT');
  const { rows } = await catalog.pool.query<{ file: Buffer }>(`SELECT pg_read_binary_file(pg_relation_filepath('tenant_steps')) AS file`);
  const { rows: text } = await catalog.pool.query<{ dump: string }>(`SELECT string_agg(t::text, ' ') AS dump FROM tenant_steps t`);
  return rows[0]!.file.toString('latin1') + (text[0]!.dump ?? '');
}

test('outputs are stored sealed and read back as written', async () => {
  const catalog = await catalogWith(new OutputSeal(key));
  const g = await provision(catalog, 'sealed-a');
  const stored = await storedBytes(catalog);
  assert.ok(!stored.includes(g.password), 'no password in clear in the stored rows or the table file');
  assert.ok(stored.includes('"sealed"'));
  assert.equal(await catalog.databaseUrl('sealed-a'), g.database.url);
  const outputs = await catalog.stepOutputs('sealed-a');
  assert.deepEqual(outputs.get('storage')?.output, g.storage);
  // What the tenants API and the step logs answer from carries no output.
  assert.ok(!JSON.stringify(await catalog.get('sealed-a')).includes(g.password));
});

test('a sealed output does not open as another tenant or step', async () => {
  const seal = new OutputSeal(key);
  const sealed = seal.seal('sealed-a', 'database', { url: 'x' });
  assert.deepEqual(seal.open('sealed-a', 'database', sealed), { url: 'x' });
  assert.throws(() => seal.open('sealed-b', 'database', sealed), SecretKeyError);
  assert.throws(() => seal.open('sealed-a', 'storage', sealed), SecretKeyError);
});

test('a catalog written in clear is sealed on the first start with a key, and still reads the same', async () => {
  const plain = await catalogWith();
  const g = await provision(plain, 'legacy-b');
  assert.ok((await storedBytes(plain)).includes(g.password), 'the check finds a password stored in clear');
  const catalog = await catalogWith(new OutputSeal(key));
  assert.ok(!(await storedBytes(catalog)).includes(g.password), 'sealed, and the old row versions are gone from the file');
  assert.equal(await catalog.databaseUrl('legacy-b'), g.database.url);
  assert.deepEqual((await catalog.stepOutputs('legacy-b')).get('storage')?.output, g.storage);
});

test('a wrong or malformed key stops the start-up with one line that names the variable', async () => {
  await assert.rejects(catalogWith(new OutputSeal(newSecretKey())), (err: Error) => {
    assert.ok(err instanceof ConfigError, 'reported as a configuration error: one message, no stack trace');
    assert.match(err.message, /TENANTRY_SECRET_KEY does not open the catalog's sealed step outputs/);
    return true;
  });
  assert.throws(() => new OutputSeal('short'), /TENANTRY_SECRET_KEY must be 32 random bytes in base64/);
});
