import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { MailboxStore } from './mailbox-store.js';

async function store(t: TestContext, maxPerMailbox?: number) {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-mailboxes-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  return { dataDir, store: new MailboxStore(dataDir, maxPerMailbox === undefined ? {} : { maxPerMailbox }) };
}

function raw(subject: string, body = 'hello'): Buffer {
  return Buffer.from(
    [
      'From: "Acme Support" <support@acme.test>',
      'To: alice@example.test, Bob <bob@example.test>',
      `Subject: ${subject}`,
      'Date: Tue, 03 Mar 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

test('keeps a parsed message and lists it without its bodies', async (t) => {
  const { dataDir, store: mailboxes } = await store(t);
  const saved = await mailboxes.save('acme', raw('Welcome'));
  assert.match(saved.id, /^[0-9a-z]{9}-[0-9a-f]{12}$/);
  assert.deepEqual(await mailboxes.get('acme', saved.id), {
    id: saved.id,
    from: 'Acme Support <support@acme.test>',
    to: ['alice@example.test', 'Bob <bob@example.test>'],
    subject: 'Welcome',
    date: '2026-03-03T10:00:00.000Z',
    size: raw('Welcome').length,
    text: 'hello\n',
    html: null,
  });
  const [summary, ...rest] = await mailboxes.list('acme');
  assert.equal(rest.length, 0);
  assert.equal(summary?.subject, 'Welcome');
  assert.equal('text' in summary!, false);
  assert.equal('html' in summary!, false);
  assert.deepEqual(await readdir(join(dataDir, 'acme')), [`${saved.id}.json`], 'no temporary file left behind');
  assert.deepEqual(await mailboxes.list('globex'), [], 'an unknown mailbox is empty');
});

test('lists newest first and keeps at most maxPerMailbox messages', async (t) => {
  const { dataDir, store: mailboxes } = await store(t, 3);
  for (let i = 1; i <= 5; i++) await mailboxes.save('acme', raw(`message ${i}`));
  assert.deepEqual(
    (await mailboxes.list('acme')).map((m) => m.subject),
    ['message 5', 'message 4', 'message 3'],
  );
  assert.equal((await readdir(join(dataDir, 'acme'))).length, 3);
});

test('deletes one message, then the whole mailbox', async (t) => {
  const { dataDir, store: mailboxes } = await store(t);
  const first = await mailboxes.save('acme', raw('first'));
  await mailboxes.save('acme', raw('second'));
  assert.equal(await mailboxes.delete('acme', first.id), true);
  assert.equal(await mailboxes.delete('acme', first.id), false);
  await assert.rejects(mailboxes.get('acme', first.id), { code: 'MESSAGE_NOT_FOUND', status: 404 });
  assert.deepEqual(
    (await mailboxes.list('acme')).map((m) => m.subject),
    ['second'],
  );
  await mailboxes.clear('acme');
  assert.deepEqual(await readdir(dataDir), []);
  assert.deepEqual(await mailboxes.list('acme'), []);
});

test('ignores files that are not messages, such as a write cut short', async (t) => {
  const { dataDir, store: mailboxes } = await store(t);
  const saved = await mailboxes.save('acme', raw('kept'));
  await writeFile(join(dataDir, 'acme', `.${saved.id.replace(/.$/, '0')}.tmp`), '{"half":');
  await writeFile(join(dataDir, 'acme', 'notes.json'), '{}');
  assert.deepEqual(
    (await mailboxes.list('acme')).map((m) => m.subject),
    ['kept'],
  );
});

test('refuses mailbox names and ids that could leave the data folder', async (t) => {
  const { store: mailboxes } = await store(t);
  const saved = await mailboxes.save('acme', raw('x'));
  for (const mailbox of ['..', '../acme', 'acme/..', '', 'ACME', '.', 'a\0b']) {
    await assert.rejects(mailboxes.list(mailbox), { code: 'INVALID_MAILBOX', status: 400 }, mailbox);
    await assert.rejects(mailboxes.save(mailbox, raw('x')), { code: 'INVALID_MAILBOX' }, mailbox);
    await assert.rejects(mailboxes.clear(mailbox), { code: 'INVALID_MAILBOX' }, mailbox);
  }
  for (const id of ['..', '../acme', `../acme/${saved.id}`, `${saved.id}/..`, `${saved.id}.json`, '', `${saved.id}\0`]) {
    await assert.rejects(mailboxes.get('acme', id), { code: 'INVALID_MESSAGE_ID', status: 400 }, id);
    await assert.rejects(mailboxes.delete('acme', id), { code: 'INVALID_MESSAGE_ID' }, id);
  }
  assert.equal((await mailboxes.list('acme')).length, 1);
});
