/**
 * @module Kafka and Cassandra as local processes: fetched, configured, started on loopback, waited for and
 * stopped. `startServer` keeps the process as a child (tests, benches); `startDetached` leaves it running in the
 * background with a pid file and a log under `<home>/<name>/`, for `tenantry services start` and CI.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '@tenantry/core';
import { prepareCassandra, cassandraArtifacts, CASSANDRA_VERSION } from './cassandra.js';
import { prepareKafka, kafkaArtifacts, KAFKA_VERSION } from './kafka.js';
import { assertJava, type Launch } from './launch.js';
import { fetchArtifacts } from './maven-cache.js';

export type ServerName = 'kafka' | 'cassandra';
export const serverNames: readonly ServerName[] = ['kafka', 'cassandra'];

/** Loopback ports by default: the servers' usual ones, so a client configured for a stock install finds them. */
export const defaultPorts: Record<ServerName, { port: number; secondPort: number }> = {
  kafka: { port: 9092, secondPort: 9093 },
  cassandra: { port: 9042, secondPort: 7000 },
};

export interface ServerOptions {
  /** Data, configuration, pid file and log live in `<home>/<name>/`. */
  home: string;
  cacheDir?: string;
  /** The client port (Kafka's listener, Cassandra's native transport). */
  port?: number;
  /** Kafka's controller port; Cassandra's storage (gossip) port. */
  secondPort?: number;
  heapMb?: number;
  progress?: (line: string) => void;
  /** How long start-up may take. @defaultValue 120000 */
  timeoutMs?: number;
}

const servers = {
  kafka: {
    version: KAFKA_VERSION,
    artifacts: kafkaArtifacts,
    prepare: (libsDir: string, dataDir: string, port: number, secondPort: number, heapMb?: number) =>
      prepareKafka({ libsDir, dataDir, port, controllerPort: secondPort, heapMb }),
  },
  cassandra: {
    version: CASSANDRA_VERSION,
    artifacts: cassandraArtifacts,
    prepare: (libsDir: string, dataDir: string, port: number, secondPort: number, heapMb?: number) =>
      prepareCassandra({ libsDir, dataDir, nativePort: port, storagePort: secondPort, heapMb }),
  },
} satisfies Record<ServerName, unknown>;

/** Fetches the server's jars into the cache (once); returns their folder. */
export function fetchServer(name: ServerName, options: Pick<ServerOptions, 'cacheDir' | 'progress'> = {}): Promise<string> {
  const { version, artifacts } = servers[name];
  return fetchArtifacts(`${name}-${version}`, artifacts, options);
}

/** Fetches the jars (once), checks the ports are free, writes the configuration; returns how to start the server. */
export async function prepareServer(name: ServerName, options: ServerOptions): Promise<Launch> {
  assertJava();
  const libsDir = await fetchServer(name, options);
  const { port = defaultPorts[name].port, secondPort = defaultPorts[name].secondPort } = options;
  await assertPortFree(port, name);
  await assertPortFree(secondPort, name);
  return servers[name].prepare(libsDir, join(options.home, name), port, secondPort, options.heapMb);
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function assertPortFree(port: number, name: ServerName): Promise<void> {
  if (await accepts('127.0.0.1', port))
    throw new Error(`${name}: port ${port} is already in use on 127.0.0.1 (another ${name}? stop it, or choose other ports)`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-25).join('\n');
  } catch {
    return '';
  }
}

async function waitReady(name: ServerName, launch: Launch, log: string, exited: () => number | null | undefined, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const code = exited();
      if (code !== undefined) throw new Error(`${name} exited (${code}) while starting; the end of ${log}:\n${tail(log)}`);
      return accepts(launch.host, launch.port);
    },
    { what: `${name} to accept connections on ${launch.host}:${launch.port}`, timeoutMs, intervalMs: 200 },
  ).catch((err: unknown) => {
    throw exited() === undefined ? new Error(`${(err as Error).message}; the end of ${log}:\n${tail(log)}`) : err;
  });
}

export interface RunningServer {
  name: ServerName;
  /** `host:port` for clients. */
  address: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the server as a child of this process and waits until it accepts connections. */
export async function startServer(name: ServerName, options: ServerOptions): Promise<RunningServer> {
  const launch = await prepareServer(name, options);
  const log = join(options.home, name, 'server.log');
  const out = openSync(log, 'a');
  const child = spawn(launch.command, launch.args, { env: { ...process.env, ...launch.env }, stdio: ['ignore', out, out] });
  closeSync(out);
  let code: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (c) => {
      code = c;
      resolve();
    }),
  );
  const stop = async () => {
    if (code === undefined) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    await waitReady(name, launch, log, () => code, options.timeoutMs ?? 120_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, address: `${launch.host}:${launch.port}`, pid: child.pid!, stop };
}

interface PidFile {
  pid: number;
  address: string;
}

const pidFile = (home: string, name: ServerName) => join(home, name, 'server.pid');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The detached server recorded under `home`, if its process is alive. */
export function detachedStatus(name: ServerName, home: string): PidFile | undefined {
  const file = pidFile(home, name);
  if (!existsSync(file)) return undefined;
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as PidFile;
  return alive(recorded.pid) ? recorded : undefined;
}

/** Starts the server in the background (it outlives this process) and waits until it accepts connections. */
export async function startDetached(name: ServerName, options: ServerOptions): Promise<{ address: string; pid: number; log: string; alreadyRunning: boolean }> {
  const log = join(options.home, name, 'server.log');
  const running = detachedStatus(name, options.home);
  if (running) return { ...running, log, alreadyRunning: true };
  const launch = await prepareServer(name, options);
  mkdirSync(join(options.home, name), { recursive: true });
  const out = openSync(log, 'a');
  const child = spawn(launch.command, launch.args, { env: { ...process.env, ...launch.env }, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  let code: number | null | undefined;
  child.once('exit', (c) => (code = c));
  const address = `${launch.host}:${launch.port}`;
  writeFileSync(pidFile(options.home, name), JSON.stringify({ pid: child.pid!, address } satisfies PidFile));
  try {
    await waitReady(name, launch, log, () => code, options.timeoutMs ?? 120_000);
  } catch (err) {
    await stopDetached(name, options.home);
    throw err;
  }
  child.unref();
  return { address, pid: child.pid!, log, alreadyRunning: false };
}

/** Stops a detached server (SIGTERM, then SIGKILL after 30 s); true when one was running. */
export async function stopDetached(name: ServerName, home: string): Promise<boolean> {
  const file = pidFile(home, name);
  const running = detachedStatus(name, home);
  if (running) {
    // The server leads its own process group (detached), so the whole group is signalled.
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-running.pid, s);
      } catch {
        // Already gone.
      }
    };
    signal('SIGTERM');
    await waitFor(() => !alive(running.pid), { what: `${name} (pid ${running.pid}) to stop`, timeoutMs: 30_000, intervalMs: 100 }).catch(() =>
      signal('SIGKILL'),
    );
    await waitFor(() => !alive(running.pid), { what: `${name} (pid ${running.pid}) to stop`, timeoutMs: 5_000, intervalMs: 100 }).catch(() => undefined);
  }
  rmSync(file, { force: true });
  return Boolean(running);
}
