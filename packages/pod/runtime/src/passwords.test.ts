/** Password hashing: the hash an unknown account is checked against costs what a real one does, and matches nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HASH_PARAMETERS, hashPassword, UNKNOWN_ACCOUNT_HASH, verifyPassword } from './passwords.js';

test('a new hash and the unknown-account hash have the same parameters; a right password matches, a wrong one and no account do not', async () => {
  const made = await hashPassword('correct horse');
  assert.ok(made.startsWith(HASH_PARAMETERS), made);
  assert.ok(UNKNOWN_ACCOUNT_HASH.startsWith(HASH_PARAMETERS), 'the unknown-account hash must be made with the same options, or its timing tells');
  assert.equal(await verifyPassword(made, 'correct horse'), true);
  assert.equal(await verifyPassword(made, 'wrong horse'), false);
  assert.equal(await verifyPassword(undefined, 'correct horse'), false);
  assert.equal(await verifyPassword(undefined, 'not the password of anyone'), false);
});
