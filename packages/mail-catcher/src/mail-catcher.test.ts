import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import { mailCredentials } from './credentials.js';
import { startMailCatcher, type MailCatcherOptions } from './mail-catcher.js';
import type { MailMessage, MailSummary } from './mailbox-store.js';

const KEY = 'test-key-0123456789abcdef';

async function catcher(t: TestContext, options: Partial<MailCatcherOptions> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-mail-catcher-'));
  const started = await startMailCatcher({ key: KEY, dataDir, ...options });
  t.after(async () => {
    await started.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return { ...started, dataDir, base: `http://127.0.0.1:${started.httpPort}` };
}

function mailer(port: number, auth: { user: string; pass: string } | undefined, authMethod?: 'PLAIN' | 'LOGIN') {
  return createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}), ...(authMethod ? { authMethod } : {}) });
}

function login(mailbox: string) {
  const { user, password } = mailCredentials(KEY, mailbox);
  return { user, pass: password };
}

function basic(mailbox: string, password = mailCredentials(KEY, mailbox).password): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${mailbox}:${password}`).toString('base64')}` };
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T; response: Response }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as T, response };
}

/** A request with the path sent exactly as given: fetch would normalise dot segments first. */
function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A bare SMTP session: sends each command, collects each complete reply. */
function smtpConversation(port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const replies: string[] = [];
    let buffer = '';
    let current: string[] = [];
    let next = 0;
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      buffer += data;
      let newline: number;
      while ((newline = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        current.push(line);
        if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
          replies.push(current.join('\n'));
          current = [];
          if (next < commands.length) socket.write(`${commands[next++]}\r\n`);
          else socket.end();
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(replies));
  });
}

test('a tenant sends over SMTP and reads the message from its own mailbox over HTTP', async (t) => {
  const mail = await catcher(t);
  const transport = mailer(mail.smtpPort, login('acme'));
  const info = await transport.sendMail({
    from: '"Acme" <no-reply@acme.test>',
    to: ['alice@example.test', 'Bob <bob@example.test>'],
    subject: 'Reset your password',
    text: 'Use the link to reset your password.',
    html: '<p>Use the <a href="https://acme.test/reset">link</a> to reset your password.</p>',
  });
  transport.close();
  assert.match(info.response, /^250 /);

  const list = await getJson<{ messages: MailSummary[] }>(`${mail.base}/mailboxes/acme/messages`, basic('acme'));
  assert.equal(list.status, 200);
  assert.equal(list.body.messages.length, 1);
  const [summary] = list.body.messages;
  assert.equal(summary?.subject, 'Reset your password');
  assert.equal(summary?.from, 'Acme <no-reply@acme.test>');
  assert.deepEqual(summary?.to, ['alice@example.test', 'Bob <bob@example.test>']);
  assert.equal('text' in summary!, false);

  const one = await getJson<MailMessage>(`${mail.base}/mailboxes/acme/messages/${summary!.id}`, basic('acme'));
  assert.equal(one.status, 200);
  assert.equal(one.body.subject, 'Reset your password');
  assert.equal(one.body.text.trim(), 'Use the link to reset your password.');
  assert.match(one.body.html ?? '', /<a href="https:\/\/acme\.test\/reset">link<\/a>/);
  assert.equal(one.body.from, 'Acme <no-reply@acme.test>');
  assert.deepEqual(one.body.to, ['alice@example.test', 'Bob <bob@example.test>']);
  assert.ok(one.body.size > 0);
  assert.ok(!Number.isNaN(Date.parse(one.body.date)));
  assert.match(one.response.headers.get('content-type') ?? '', /^application\/json/);

  // The mailbox is the sender's, whoever the message is addressed to.
  const other = await getJson<{ messages: MailSummary[] }>(`${mail.base}/mailboxes/globex/messages`, basic('globex'));
  assert.deepEqual(other.body.messages, []);
});

test('both PLAIN and LOGIN logins are accepted', async (t) => {
  const mail = await catcher(t);
  for (const method of ['PLAIN', 'LOGIN'] as const) {
    const transport = mailer(mail.smtpPort, login('acme'), method);
    await transport.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject: method, text: method });
    transport.close();
  }
  const list = await getJson<{ messages: MailSummary[] }>(`${mail.base}/mailboxes/acme/messages`, basic('acme'));
  assert.deepEqual(
    list.body.messages.map((m) => m.subject),
    ['LOGIN', 'PLAIN'],
  );
});

test('a wrong password or no login is refused by the SMTP server', async (t) => {
  const mail = await catcher(t);
  const wrong = mailer(mail.smtpPort, { user: 'acme', pass: mailCredentials(KEY, 'globex').password });
  await assert.rejects(wrong.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject: 'x', text: 'x' }), { code: 'EAUTH', responseCode: 535 });
  wrong.close();
  const unknown = mailer(mail.smtpPort, { user: '../acme', pass: 'whatever' });
  await assert.rejects(unknown.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject: 'x', text: 'x' }), { code: 'EAUTH', responseCode: 535 });
  unknown.close();
  const anonymous = mailer(mail.smtpPort, undefined);
  await assert.rejects(anonymous.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject: 'x', text: 'x' }), { responseCode: 530 });
  anonymous.close();
  assert.deepEqual(await readdir(mail.dataDir), [], 'nothing was stored');
});

test('a message over the size limit is refused with 552 and not stored', async (t) => {
  const mail = await catcher(t, { maxMessageBytes: 2048 });
  const transport = mailer(mail.smtpPort, login('acme'));
  await assert.rejects(transport.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject: 'big', text: 'x'.repeat(10_000) }), { responseCode: 552 });
  await transport.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject: 'small', text: 'fits' });
  transport.close();
  const list = await getJson<{ messages: MailSummary[] }>(`${mail.base}/mailboxes/acme/messages`, basic('acme'));
  assert.deepEqual(
    list.body.messages.map((m) => m.subject),
    ['small'],
  );
});

test('the size limit holds for a client that announces no size', async (t) => {
  const mail = await catcher(t, { maxMessageBytes: 2048 });
  const auth = Buffer.from(`\0acme\0${mailCredentials(KEY, 'acme').password}`).toString('base64');
  const replies = await smtpConversation(mail.smtpPort, [
    'EHLO client.test',
    `AUTH PLAIN ${auth}`,
    'MAIL FROM:<a@acme.test>',
    'RCPT TO:<b@example.test>',
    'DATA',
    `Subject: big\r\n\r\n${'y'.repeat(4000)}\r\n.`,
    'QUIT',
  ]);
  assert.match(replies[2] ?? '', /^235 /, 'logged in');
  assert.match(replies[5] ?? '', /^354 /, 'DATA accepted');
  assert.match(replies[6] ?? '', /^552 /, 'message refused');
  assert.deepEqual(await readdir(mail.dataDir), []);
});

test('keeps at most maxPerMailbox messages, newest first', async (t) => {
  const mail = await catcher(t, { maxPerMailbox: 3 });
  const transport = mailer(mail.smtpPort, login('acme'));
  for (let i = 1; i <= 5; i++) await transport.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject: `message ${i}`, text: String(i) });
  transport.close();
  const list = await getJson<{ messages: MailSummary[] }>(`${mail.base}/mailboxes/acme/messages`, basic('acme'));
  assert.deepEqual(
    list.body.messages.map((m) => m.subject),
    ['message 5', 'message 4', 'message 3'],
  );
  assert.equal((await readdir(join(mail.dataDir, 'acme'))).length, 3);
});

test('the mailbox API wants the mailbox’s own credentials', async (t) => {
  const mail = await catcher(t);
  const none = await getJson<{ error: { code: string; message: string } }>(`${mail.base}/mailboxes/acme/messages`);
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'UNAUTHORIZED');
  assert.match(none.response.headers.get('www-authenticate') ?? '', /^Basic realm=/);

  const wrong = await getJson<{ error: { code: string } }>(`${mail.base}/mailboxes/acme/messages`, basic('acme', 'not-the-password'));
  assert.equal(wrong.status, 401);
  const garbled = await getJson<{ error: { code: string } }>(`${mail.base}/mailboxes/acme/messages`, { authorization: 'Basic !!!' });
  assert.equal(garbled.status, 401);
  const bearer = await getJson<{ error: { code: string } }>(`${mail.base}/mailboxes/acme/messages`, {
    authorization: `Bearer ${mailCredentials(KEY, 'acme').password}`,
  });
  assert.equal(bearer.status, 401);

  for (const path of ['/mailboxes/globex/messages', '/mailboxes/globex/messages/0000000aa-0123456789ab']) {
    const other = await getJson<{ error: { code: string; message: string } }>(`${mail.base}${path}`, basic('acme'));
    assert.equal(other.status, 403, path);
    assert.equal(other.body.error.code, 'FORBIDDEN');
  }
  const clearOther = await fetch(`${mail.base}/mailboxes/globex`, { method: 'DELETE', headers: basic('acme') });
  assert.equal(clearOther.status, 403);
  await clearOther.body?.cancel();
});

test('deletes a message and clears a mailbox', async (t) => {
  const mail = await catcher(t);
  const transport = mailer(mail.smtpPort, login('acme'));
  for (const subject of ['one', 'two']) await transport.sendMail({ from: 'a@acme.test', to: 'b@example.test', subject, text: subject });
  transport.close();
  const url = `${mail.base}/mailboxes/acme`;
  const { body } = await getJson<{ messages: MailSummary[] }>(`${url}/messages`, basic('acme'));
  const two = body.messages[0]!;

  const deleted = await fetch(`${url}/messages/${two.id}`, { method: 'DELETE', headers: basic('acme') });
  assert.equal(deleted.status, 204);
  assert.equal(await deleted.text(), '');
  const gone = await getJson<{ error: { code: string } }>(`${url}/messages/${two.id}`, basic('acme'));
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.code, 'MESSAGE_NOT_FOUND');
  const again = await getJson<{ error: { code: string } }>(`${url}/messages/${two.id}`, basic('acme'));
  assert.equal(again.status, 404);
  const deleteAgain = await fetch(`${url}/messages/${two.id}`, { method: 'DELETE', headers: basic('acme') });
  assert.equal(deleteAgain.status, 404);
  await deleteAgain.body?.cancel();

  const cleared = await fetch(url, { method: 'DELETE', headers: basic('acme') });
  assert.equal(cleared.status, 204);
  await cleared.body?.cancel();
  assert.deepEqual(await readdir(mail.dataDir), []);
  const empty = await getJson<{ messages: MailSummary[] }>(`${url}/messages`, basic('acme'));
  assert.deepEqual(empty.body.messages, []);
});

test('health needs no login; unknown routes get 404 and wrong methods 405, always as JSON errors', async (t) => {
  const mail = await catcher(t);
  const health = await getJson<{ status: string }>(`${mail.base}/healthz`);
  assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);

  for (const path of ['/', '/mailboxes', '/mailboxes/', '/mailboxes/acme/messages/', '/mailboxes/acme/inbox', '/mailboxes/acme/messages/x/y', '/healthz/']) {
    const answer = await rawRequest(mail.httpPort, 'GET', path, basic('acme'));
    assert.equal(answer.status, 404, path);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'NOT_FOUND');
  }
  const post = await fetch(`${mail.base}/mailboxes/acme/messages`, { method: 'POST', headers: basic('acme'), body: '{}' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
  assert.deepEqual(await post.json(), { error: { code: 'METHOD_NOT_ALLOWED', message: 'POST is not allowed here; use GET' } });
  const getMailbox = await fetch(`${mail.base}/mailboxes/acme`, { headers: basic('acme') });
  assert.equal(getMailbox.status, 405);
  assert.equal(getMailbox.headers.get('allow'), 'DELETE');
  await getMailbox.body?.cancel();

  const badEncoding = await rawRequest(mail.httpPort, 'GET', '/mailboxes/acme/messages/%E0%A4%A', basic('acme'));
  assert.equal(badEncoding.status, 400);
  assert.doesNotMatch(badEncoding.body, /at .*\.js/, 'no stack trace');
});

test('message ids and mailbox names that try to leave the mailbox are refused', async (t) => {
  const mail = await catcher(t);
  const transport = mailer(mail.smtpPort, login('globex'));
  await transport.sendMail({ from: 'a@globex.test', to: 'b@example.test', subject: 'globex only', text: 'secret' });
  transport.close();
  const secret = (await getJson<{ messages: MailSummary[] }>(`${mail.base}/mailboxes/globex/messages`, basic('globex'))).body.messages[0]!;

  for (const id of ['..%2F..', '..%2Fglobex%2F' + secret.id, '..', '%2E%2E', '..%2F..%2F..%2Fetc%2Fpasswd', `${secret.id}.json`, '%00']) {
    for (const method of ['GET', 'DELETE']) {
      const answer = await rawRequest(mail.httpPort, method, `/mailboxes/acme/messages/${id}`, basic('acme'));
      assert.ok(answer.status === 400 || answer.status === 404, `${method} ${id}: ${answer.status}`);
      assert.doesNotMatch(answer.body, /secret|globex only/);
    }
  }
  for (const mailbox of ['..%2Fglobex', '..', 'acme%2F..%2Fglobex']) {
    const answer = await rawRequest(mail.httpPort, 'GET', `/mailboxes/${mailbox}/messages`, basic('acme'));
    assert.equal(answer.status, 403, mailbox);
  }
  const still = await getJson<{ messages: MailSummary[] }>(`${mail.base}/mailboxes/globex/messages`, basic('globex'));
  assert.equal(still.body.messages.length, 1);
});

test('close stops both servers and can be called twice', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-mail-catcher-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const mail = await startMailCatcher({ key: KEY, dataDir });
  await getJson(`http://127.0.0.1:${mail.httpPort}/healthz`);
  await Promise.all([mail.close(), mail.close()]);
  await assert.rejects(fetch(`http://127.0.0.1:${mail.httpPort}/healthz`));
  await assert.rejects(smtpConversation(mail.smtpPort, []), { code: 'ECONNREFUSED' });
});

test('a port already in use fails the start', async (t) => {
  const first = await catcher(t);
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-mail-catcher-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  await assert.rejects(startMailCatcher({ key: KEY, dataDir, httpPort: first.httpPort }), { code: 'EADDRINUSE' });
  await assert.rejects(startMailCatcher({ key: KEY, dataDir, smtpPort: first.smtpPort }), { code: 'EADDRINUSE' });
});
