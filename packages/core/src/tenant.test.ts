import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTenantName, isTier, slugProblem, tenantHost } from './tenant.js';

test('accepts DNS-label slugs', () => {
  for (const slug of ['acme', 'a1b', 'acme-corp', 'x'.repeat(63), '123']) assert.equal(slugProblem(slug), undefined, slug);
});

test('refuses bad slugs with a message that says what to fix', () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /required/],
    ['', /required/],
    ['ab', /3 to 63/],
    ['x'.repeat(64), /3 to 63/],
    ['Acme', /a-z, 0-9/],
    ['-acme', /not starting or ending/],
    ['acme-', /not starting or ending/],
    ['ac_me', /a-z, 0-9/],
    ['ac.me', /a-z, 0-9/],
    ['acmé', /a-z, 0-9/],
    ['master', /reserved/],
    ['www', /reserved/],
    ['admin', /reserved/],
    ['api', /reserved/],
    [42, /required/],
  ];
  for (const [slug, pattern] of cases) assert.match(slugProblem(slug) ?? '', pattern, String(slug));
});

test('tiers, hosts and default names', () => {
  assert.ok(isTier('trial'));
  assert.ok(isTier('production'));
  assert.ok(!isTier('enterprise'));
  assert.equal(tenantHost('acme', 'Example.COM'), 'acme.example.com');
  assert.equal(defaultTenantName('acme-corp'), 'Acme Corp');
});
