/**
 * @module Test support: a real S3-compatible server that enforces IAM-style policies, MinIO, built from the Go
 * module proxy (`go install`) into the cache folder the first time (several minutes), then started on free
 * loopback ports for a test file. `TENANTRY_MINIO_BIN` names a binary to use instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, freePort, randomSecret, readyOrStopped, waitFor } from '@tenantry/core';

/** The MinIO release built (the newest the Go module proxy serves as a version). */
export const MINIO_MODULE = 'github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c';

/** The minio binary, built on first use. */
export function minioBinary(): string {
  if (process.env.TENANTRY_MINIO_BIN) return process.env.TENANTRY_MINIO_BIN;
  const dir = join(cacheDir(), `minio-${MINIO_MODULE.split('@')[1]}`);
  const binary = join(dir, 'minio');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`building MinIO (${MINIO_MODULE}) with go install into ${dir}; the first time takes several minutes\n`);
  const built = spawnSync('go', ['install', MINIO_MODULE], {
    env: { ...process.env, GOBIN: dir, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 40 * 60_000,
  });
  if (built.error || built.status !== 0 || !existsSync(binary))
    throw new Error(`go install ${MINIO_MODULE} failed (${built.error?.message ?? `exit ${built.status}`}): Go 1.24 or newer is needed`);
  return binary;
}

export interface TestMinio {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

export async function startTestMinio(): Promise<TestMinio> {
  const binary = minioBinary();
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-minio-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const credentials = { accessKeyId: 'tenantry-admin', secretAccessKey: randomSecret() };
  const child = spawn(binary, ['server', dir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    env: { ...process.env, MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey, MINIO_BROWSER: 'off' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  await readyOrStopped(
    waitFor(async () => (await fetch(`${endpoint}/minio/health/ready`).catch(() => undefined))?.ok, {
      what: 'MinIO to be ready',
      timeoutMs: 30_000,
      intervalMs: 100,
    }),
    stop,
  );
  return { endpoint, credentials, stop };
}
