/**
 * Heavier test (TENANTRY_TEST_FUZZ=1): Schemathesis, a standard OpenAPI fuzzer, runs every check
 * against a real tenant's user API, unauthenticated and signed in: every answer must be documented
 * (status, content type, schema) and none may be a 5xx. Schemathesis is installed from PyPI into a
 * virtual environment in the project's cache folder on first use.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheDir } from '@tenantry/core';
import { PlatformProcess } from '@tenantry/local-host/test-support';

const SCHEMATHESIS_VERSION = '4.32.5';

function schemathesis(): string {
  const venv = join(cacheDir(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = join(venv, 'bin', 'st');
  if (!existsSync(st)) {
    mkdirSync(cacheDir(), { recursive: true });
    for (const [command, args] of [
      ['python3', ['-m', 'venv', venv]],
      [join(venv, 'bin', 'pip'), ['install', '-q', `schemathesis==${SCHEMATHESIS_VERSION}`]],
    ] as const) {
      const run = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
      assert.equal(run.status, 0, `${command} ${args.join(' ')}: ${run.stderr}`);
    }
  }
  return st;
}

test(
  'Schemathesis finds no mismatch between the user API and its document, signed out and signed in',
  { skip: !process.env.TENANTRY_TEST_FUZZ && 'set TENANTRY_TEST_FUZZ=1 to run the fuzzer', timeout: 1_200_000 },
  async () => {
    const st = schemathesis();
    const work = mkdtempSync(join(tmpdir(), 'tenantry-fuzz-'));
    const platform = await PlatformProcess.create('28000-28999');
    try {
      await platform.start();
      assert.equal((await platform.api('POST', '/admin/api/tenants', { slug: 'fuzzed', tier: 'trial' })).status, 202);
      await platform.waitStatus('fuzzed', 'ready');
      const host = `fuzzed.localhost:${platform.port}`;
      const doc = await platform.http(host, '/api/openapi.json');
      assert.equal(doc.status, 200);
      const schemaFile = join(work, 'openapi.json');
      writeFileSync(schemaFile, doc.text);
      const signup = await platform.http(host, '/api/auth/signup', {
        method: 'POST',
        body: JSON.stringify({ email: 'fuzz@fuzzed.test', password: 'a long enough password', name: 'Fuzz' }),
      });
      assert.equal(signup.status, 201, signup.text);
      for (const auth of [[], ['-H', `Authorization: Bearer ${signup.json.token}`]]) {
        const run = spawnSync(
          st,
          [
            '--no-color',
            'run',
            schemaFile,
            '--url',
            `http://127.0.0.1:${platform.port}`,
            '-H',
            `Host: ${host}`,
            ...auth,
            '--checks',
            'all',
            '--max-examples',
            '25',
            '--max-response-time',
            '10',
          ],
          { encoding: 'utf8', timeout: 540_000, cwd: work, maxBuffer: 64 * 1024 * 1024 },
        );
        assert.equal(
          run.status,
          0,
          `schemathesis ${auth.length ? 'signed in' : 'signed out'} found mismatches:\n${run.stdout.slice(-20_000)}\n${run.stderr.slice(-2_000)}`,
        );
      }
    } finally {
      await platform.dispose();
      rmSync(work, { recursive: true, force: true });
    }
  },
);
