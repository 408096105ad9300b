import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { FolderObjectStore } from './object-store.js';

async function stores() {
  const root = await mkdtemp(join(tmpdir(), 'tenantry-storage-'));
  await mkdir(join(root, 'alpha'));
  await mkdir(join(root, 'beta'));
  await writeFile(join(root, 'beta', 'secret.txt'), 'beta only');
  return { root, alpha: new FolderObjectStore(pathToFileURL(`${join(root, 'alpha')}/`).toString()) };
}

test('puts, gets, lists and deletes objects inside the prefix', async () => {
  const { root, alpha } = await stores();
  await alpha.put('docs/a.txt', Readable.from(['hello']));
  assert.equal(await readFile(join(root, 'alpha', 'docs', 'a.txt'), 'utf8'), 'hello');
  assert.equal(await text(await alpha.get('docs/a.txt')), 'hello');
  assert.deepEqual(await alpha.list(), ['docs/a.txt']);
  await alpha.delete('docs/a.txt');
  await assert.rejects(alpha.get('docs/a.txt'), { code: 'OBJECT_NOT_FOUND', status: 404 });
});

test('refuses keys that would leave the prefix', async () => {
  const { alpha } = await stores();
  for (const key of ['../beta/secret.txt', 'a/../../beta/secret.txt', '/etc/passwd', '..', '.', 'a//b', '', 'a\\..\\b', 'a/\0b']) {
    await assert.rejects(alpha.get(key), { code: 'INVALID_KEY', status: 400 }, key);
  }
});

test('refuses to follow a symlink out of the prefix', async () => {
  const { root, alpha } = await stores();
  await symlink(join(root, 'beta'), join(root, 'alpha', 'escape'));
  await assert.rejects(alpha.get('escape/secret.txt'), { code: 'INVALID_KEY' });
  await assert.rejects(alpha.put('escape/new.txt', Readable.from(['x'])), { code: 'INVALID_KEY' });
});
