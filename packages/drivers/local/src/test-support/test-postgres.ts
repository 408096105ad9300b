/** @module Test support: a real, throwaway Postgres server from the embedded binaries. */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, randomSecret, readyOrStopped, waitFor } from '@tenantry/core';
import { postgresBinaries, postgresServiceUser } from '../postgres/binaries.js';
import { INSTANCE_SIZES, SUPERUSER, initTemplateCluster, postgresUrl, postgresWorkload } from '../postgres/cluster.js';

export interface TestPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'tenantry-pg-'));
  chmodSync(root, 0o755);
  try {
    return await startIn(root);
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(root: string): Promise<TestPostgres> {
  const binaries = postgresBinaries();
  const user = postgresServiceUser();
  const password = randomSecret();
  const dataDir = join(root, 'data');
  await initTemplateCluster(dataDir, binaries, user, password);
  const port = await freePort();
  const spec = postgresWorkload({ name: 'test-postgres', dataDir, port, binaries, user, settings: INSTANCE_SIZES.dedicated, labels: {} }).processes[0]!;
  const child = spawn(spec.command, spec.args ?? [], { cwd: dataDir, stdio: 'ignore', ...(user ? { uid: user.uid, gid: user.gid } : {}) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const adminUrl = postgresUrl(port, SUPERUSER, password, 'postgres');
  const stop = async () => {
    child.kill('SIGINT');
    await exited;
    rmSync(root, { recursive: true, force: true });
  };
  await readyOrStopped(
    waitFor(
      async () => {
        const client = new pg.Client({ connectionString: adminUrl });
        try {
          await client.connect();
          return true;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      { what: 'the test Postgres to accept connections', timeoutMs: 30_000 },
    ),
    stop,
  );
  return { adminUrl, stop };
}
