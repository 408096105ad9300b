import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostHeader, requestHostProblem } from './host-header.js';

test('valid Host headers give the lowercased name and the port', () => {
  assert.deepEqual(parseHostHeader('Acme.localhost:8080'), { ok: true, hostname: 'acme.localhost', port: 8080 });
  assert.deepEqual(parseHostHeader('acme.localhost.'), { ok: true, hostname: 'acme.localhost', port: undefined });
  assert.deepEqual(parseHostHeader('127.0.0.1:1'), { ok: true, hostname: '127.0.0.1', port: 1 });
  assert.deepEqual(parseHostHeader('[::1]:65535'), { ok: true, hostname: '[::1]', port: 65535 });
});

test('bad Host headers are refused with a reason', () => {
  const cases: [string | undefined, RegExp][] = [
    [undefined, /empty/],
    ['', /empty/],
    ['acme.localhost:x', /port "x"/],
    ['acme.localhost:99999', /port "99999"/],
    ['acme.localhost:0', /port "0"/],
    ['acme.localhost:', /port ""/],
    ['acme.localhost:80:80', /port "80:80"/],
    [':@beta.localhost', /user information/],
    ['user@acme.localhost', /user information/],
    [':8080', /no host name/],
    ['acme .localhost', /spaces/],
    ['acme.localhost\t', /spaces/],
    ['acmé.localhost', /visible ASCII/],
    ['[::1', /never closes/],
    ['[zz::1]', /not a valid IPv6/],
    ['[::1]x', /only have :<port>/],
    ['a..b', /not a valid host name/],
    ['-acme.localhost', /not a valid host name/],
    ['acme_corp.localhost', /not a valid host name/],
    ['acme.localhost,beta.localhost', /not a valid host name/],
  ];
  for (const [value, pattern] of cases) {
    const parsed = parseHostHeader(value);
    assert.equal(parsed.ok, false, String(value));
    assert.match(parsed.ok ? '' : parsed.problem, pattern, String(value));
  }
});

test('a request needs exactly one valid Host header', () => {
  assert.equal(requestHostProblem(['Host', 'acme.localhost:8080', 'Accept', '*/*']), undefined);
  assert.match(requestHostProblem(['Accept', '*/*']) ?? '', /empty/);
  assert.match(requestHostProblem(['Host', 'acme.localhost', 'host', 'beta.localhost']) ?? '', /more than one/);
  assert.match(requestHostProblem(['Host', 'acme.localhost:x']) ?? '', /port "x"/);
});
