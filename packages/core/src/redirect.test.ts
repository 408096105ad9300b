import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameOriginTarget } from './redirect.js';

const origin = 'http://acme.localhost:8080';

test('a target on another origin falls back, however it is spelled', () => {
  const attacks = [
    '//evil.example/',
    '///evil.example/',
    '/\\evil.example/',
    '\\\\evil.example/',
    '\\/evil.example/',
    '/\t/evil.example/',
    '/\n/evil.example/',
    '/\r/evil.example/',
    '\t//evil.example/',
    ' //evil.example/',
    '/%09/evil.example/',
    '/%0A/evil.example/',
    '/%0D/evil.example/',
    decodeURIComponent('/%09/evil.example/x'),
    decodeURIComponent('/%0A/evil.example/x'),
    decodeURIComponent('/%0D/evil.example/x'),
    'https://evil.example/',
    'http://acme.localhost:8081/',
    'https://acme.localhost:8080/',
    'http:evil.example',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'http://user@evil.example/',
    '/\\/evil.example',
    '%2F%2Fevil.example',
    'http://[::1',
    '//acme.localhost:8080@evil.example/',
  ];
  for (const attack of attacks) {
    const kept = sameOriginTarget(attack, origin, '/projects');
    // Whatever is kept, a browser following it from the tenant's page stays on the tenant.
    assert.equal(new URL(kept, origin).origin, origin, `${JSON.stringify(attack)} -> ${kept}`);
    assert.ok(!kept.startsWith('//') && !kept.startsWith('/\\'), `${JSON.stringify(attack)} -> ${kept}`);
  }
  assert.equal(sameOriginTarget('//evil.example/', origin, '/projects'), '/projects');
  assert.equal(sameOriginTarget('/\t/evil.example/', origin, '/projects'), '/projects');
  assert.equal(sameOriginTarget('https://evil.example/', origin, '/projects'), '/projects');
});

test('a path of the tenant is kept, with its query and fragment', () => {
  assert.equal(sameOriginTarget('/projects/42?tab=files#top', origin, '/'), '/projects/42?tab=files#top');
  assert.equal(sameOriginTarget('http://acme.localhost:8080/files', origin, '/'), '/files');
  assert.equal(sameOriginTarget('', origin, '/projects'), '/projects');
  assert.equal(sameOriginTarget(null, origin, '/projects'), '/projects');
});
