/**
 * Schemathesis, a standard OpenAPI fuzzer, runs every check against a real tenant's user API,
 * signed out and signed in: every answer must be documented (status, content type, schema) and
 * none may be a 5xx. A fixed seed makes a failure reproducible; the bounds keep it to a few minutes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fuzzOpenApi, PlatformProcess, schemathesisCommand } from '@tenantry/local-host/test-support';

let platform: PlatformProcess | undefined;
let host = '';
let document = '';
let token = '';

/** A cursor or a mailed link's token is only known to the server: well-formed is not valid, so these may be a 400. */
const CURSOR = 'a cursor is opaque: one this API did not return is a 400 INVALID_CURSOR';
const EXCEPTIONS = [
  { method: 'GET', path: '/api/projects', statuses: [400], because: CURSOR },
  { method: 'GET', path: '/api/projects/{id}/tasks', statuses: [400], because: CURSOR },
  { method: 'GET', path: '/api/files', statuses: [400], because: CURSOR },
  { method: 'POST', path: '/api/auth/verify-email', statuses: [400], because: 'a token not mailed by this tenant is a 400 VERIFICATION_TOKEN_INVALID' },
  { method: 'POST', path: '/api/auth/password-reset/confirm', statuses: [400], because: 'a token not mailed by this tenant is a 400 RESET_TOKEN_INVALID' },
];

before(async () => {
  // Installed before the platform starts, so a first run's download does not count against the fuzzing time.
  schemathesisCommand();
  platform = await PlatformProcess.create('28000-28999');
  await platform.start();
  assert.equal((await platform.api('POST', '/admin/api/tenants', { slug: 'fuzzed', tier: 'trial' })).status, 202);
  await platform.waitStatus('fuzzed', 'ready');
  host = `fuzzed.localhost:${platform.port}`;
  const doc = await platform.http(host, '/api/openapi.json');
  assert.equal(doc.status, 200);
  document = doc.text;
  token = await platform.signUp('fuzzed', 'fuzz@fuzzed.test', 'Fuzz');
});

after(async () => {
  await platform?.dispose();
});

for (const signedIn of [false, true]) {
  test(`Schemathesis finds no mismatch between the user API and its document, signed ${signedIn ? 'in' : 'out'}`, { timeout: 400_000 }, async (t) => {
    const { ok, report, durationMs } = await fuzzOpenApi({
      document,
      baseUrl: `http://127.0.0.1:${platform!.port}`,
      headers: { Host: host, ...(signedIn ? { Authorization: `Bearer ${token}` } : {}) },
      maxExamples: 50,
      seed: Number(process.env.TENANTRY_TEST_FUZZ_SEED ?? 11),
      timeoutMs: 300_000,
      exceptions: EXCEPTIONS,
    });
    t.diagnostic(`Schemathesis took ${Math.round(durationMs / 1000)} s: ${/^\s*\d+ generated.*$/m.exec(report)?.[0]?.trim() ?? 'no summary'}`);
    assert.ok(ok, `Schemathesis (signed ${signedIn ? 'in' : 'out'}, ${Math.round(durationMs / 1000)} s) found mismatches:\n${report}`);
  });
}
