/** @module The platform's Redis when REDIS_URL is not set: redis-server from PATH, persisted under TENANTRY_HOME. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeAgent } from '../agent/node-agent.js';

export class RedisNotInstalledError extends Error {
  constructor() {
    super('redis-server was not found on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL');
    this.name = 'RedisNotInstalledError';
  }
}

/** The redis-server binary on PATH; checked before anything starts, so a missing one costs nothing. */
export function findRedisServer(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new RedisNotInstalledError();
  }
}

/** Starts redis-server with a password, an ACL file and append-only persistence; returns its URL. */
export async function startEmbeddedRedis(agent: NodeAgent, binary: string, home: string, password: string): Promise<string> {
  const dir = join(home, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Users live in an ACL file, so the tenants' own logins survive a restart (ACL SAVE writes it).
  const aclFile = join(dir, 'users.acl');
  if (!existsSync(aclFile)) writeFileSync(aclFile, `user default on >${password} ~* &* +@all\n`, { mode: 0o600 });
  const { redis: port } = await agent.leasePorts('platform-redis', ['redis']);
  await agent.applyWorkload(
    {
      name: 'platform-redis',
      labels: { layer: 'platform' },
      processes: [
        {
          name: 'redis',
          command: binary,
          args: [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--dir',
            dir,
            '--aclfile',
            aclFile,
            '--appendonly',
            'yes',
            '--save',
            '',
            '--daemonize',
            'no',
            '--protected-mode',
            'yes',
            '--logfile',
            '',
          ],
          health: { kind: 'tcp', port: port! },
        },
      ],
    },
    false,
  );
  await agent.waitReadyLocal('platform-redis', 30_000);
  return `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
}
