import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailCredentials, verifyMailCredentials } from './credentials.js';

const KEY = 'k'.repeat(32);

test('derives a stable 32-character URL-safe password per mailbox', () => {
  const { user, password } = mailCredentials(KEY, 'acme');
  assert.equal(user, 'acme');
  assert.match(password, /^[A-Za-z0-9_-]{32}$/);
  assert.deepEqual(mailCredentials(KEY, 'acme'), { user, password });
});

test('different keys or mailboxes give different passwords', () => {
  const passwords = new Set([
    mailCredentials(KEY, 'acme').password,
    mailCredentials(KEY, 'globex').password,
    mailCredentials(`${KEY}x`, 'acme').password,
    mailCredentials('another-key-of-enough-length', 'acme').password,
  ]);
  assert.equal(passwords.size, 4);
});

test('verifies the right password and rejects every other', () => {
  const { password } = mailCredentials(KEY, 'acme');
  assert.equal(verifyMailCredentials(KEY, 'acme', password), true);
  assert.equal(verifyMailCredentials(KEY, 'acme', `${password.slice(0, 31)}${password.endsWith('A') ? 'B' : 'A'}`), false);
  assert.equal(verifyMailCredentials(KEY, 'acme', password.slice(0, 31)), false);
  assert.equal(verifyMailCredentials(KEY, 'acme', `${password}x`), false);
  assert.equal(verifyMailCredentials(KEY, 'acme', ''), false);
  assert.equal(verifyMailCredentials(KEY, 'globex', password), false, "another mailbox's login");
  assert.equal(verifyMailCredentials(`${KEY}x`, 'acme', password), false, 'another key');
  assert.equal(verifyMailCredentials('', 'acme', password), false, 'no key');
});

test('refuses names that are not tenant slugs', () => {
  for (const mailbox of ['', 'Acme', '../acme', 'acme/x', 'a.b', 'a'.repeat(64), 'acme\n']) {
    assert.throws(() => mailCredentials(KEY, mailbox), /not a tenant slug/, JSON.stringify(mailbox));
    assert.equal(verifyMailCredentials(KEY, mailbox, mailCredentials(KEY, 'acme').password), false);
  }
  assert.throws(() => mailCredentials('', 'acme'), /key/);
});
