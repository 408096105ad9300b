import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameOrigin, sessionCookie } from './sessions.js';

const change = (origin: string | undefined, host = 'acme.example.com') => ({ method: 'POST', headers: { origin, host, 'x-forwarded-host': host } });

test("the Origin check compares scheme, host and port with the tenant's public origin", () => {
  assert.equal(sameOrigin(change('https://acme.example.com'), 'https://acme.example.com/'), true);
  assert.equal(sameOrigin(change('http://acme.example.com'), 'https://acme.example.com/'), false);
  assert.equal(sameOrigin(change('https://acme.example.com:8443'), 'https://acme.example.com/'), false);
  assert.equal(sameOrigin(change('https://beta.example.com', 'beta.example.com'), 'https://acme.example.com/'), false);
  assert.equal(sameOrigin(change('null'), 'https://acme.example.com/'), false);
  assert.equal(sameOrigin(change(undefined), 'https://acme.example.com/'), false);
  assert.equal(sameOrigin(change('http://acme.localhost:8080'), 'http://acme.localhost:8080/'), true);
});

test('the session cookie is Secure when the tenant is served over https, and only then', () => {
  const expires = new Date(Date.now() + 3_600_000);
  assert.match(sessionCookie('https://acme.example.com/', 'token', expires), /; Secure(;|$)/);
  assert.match(sessionCookie('https://acme.example.com/', undefined), /; Secure(;|$)/);
  assert.doesNotMatch(sessionCookie('http://acme.localhost:8080/', 'token', expires), /Secure/);
  assert.match(sessionCookie('https://acme.example.com/', 'token', expires), /HttpOnly; SameSite=Lax/);
});
