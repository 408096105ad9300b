/** runCommand: streamed lines, failures that say why, timeouts that leave no process behind, and what a tool may see. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@tenantry/core';
import { CommandError, runCommand, toolEnvironment } from './command.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('every line is passed on as it comes (stderr marked), and a failure names the command, its exit code and its last words', async () => {
  const lines: string[] = [];
  const stdout = await runCommand('sh', ['-c', 'echo one; echo two >&2; echo three'], { timeoutMs: 10_000, onLine: (l) => lines.push(l) });
  assert.equal(stdout, 'one\nthree\n');
  assert.deepEqual(lines.sort(), ['! two', 'one', 'three']);
  const failed = await runCommand('sh', ['-c', 'echo "Error: the state is locked" >&2; exit 3'], { timeoutMs: 10_000 }).catch((err: unknown) => err);
  assert.ok(failed instanceof CommandError);
  assert.equal(failed.exitCode, 3);
  assert.match(failed.message, /^sh .* failed \(exit 3\): Error: the state is locked$/);
  const quiet: string[] = [];
  assert.equal(await runCommand('sh', ['-c', 'echo secret-output'], { timeoutMs: 10_000, quietStdout: true, onLine: (l) => quiet.push(l) }), 'secret-output\n');
  assert.deepEqual(quiet, [], 'data on stdout (terraform output -json) never reaches the log');
  await assert.rejects(runCommand('/nonexistent/terraform', ['apply'], { timeoutMs: 1000 }), /terraform apply: could not start \/nonexistent\/terraform/);
});

test('at its timeout the tool is interrupted; if it ignores that, it and what it started are killed after the grace period', async () => {
  let grandchild = 0;
  const started = Date.now();
  const result = await runCommand('sh', ['-c', 'sleep 60 & echo "pid $!"; trap "" INT; wait'], {
    timeoutMs: 300,
    killGraceMs: 300,
    onLine: (l) => (grandchild = Number(/^pid (\d+)$/.exec(l)?.[1] ?? grandchild)),
  }).catch((err: unknown) => err);
  assert.ok(result instanceof CommandError);
  assert.match(result.message, /^sh .* timed out after 0\.3 s/);
  assert.ok(Date.now() - started < 5_000);
  assert.ok(grandchild > 0);
  await waitFor(() => !alive(grandchild), { what: 'the process the tool started to be gone', timeoutMs: 5_000, intervalMs: 20 });
});

test("a tool sees its search path, cloud and cluster settings, never the master's database URL, admin token or logins", () => {
  const seen = toolEnvironment({
    PATH: '/usr/bin',
    HOME: '/work/home',
    AWS_REGION: 'eu-west-1',
    AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
    KUBERNETES_SERVICE_HOST: '10.0.0.1',
    TF_LOG: 'info',
    DATABASE_URL: 'postgres://master:secret@db/master',
    ADMIN_TOKEN: 'x'.repeat(32),
    REDIS_URL: 'rediss://admin:secret@redis',
    TENANTRY_SMTP_RELAY_URL: 'smtp://u:p@relay',
  });
  assert.deepEqual(Object.keys(seen).sort(), ['AWS_REGION', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'HOME', 'KUBERNETES_SERVICE_HOST', 'PATH', 'TF_LOG']);
});
