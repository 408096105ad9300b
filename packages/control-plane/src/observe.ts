/**
 * @module Observing a tenant's database and Redis login the way its pod uses them: logging in with the grant.
 * Shared by the drivers (local and Kubernetes) whose grants are Postgres and Redis URLs.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Observed } from './drivers.js';

/** True when `url` logs in and answers a query, else the error message. */
export async function connects(url: string): Promise<true | string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    // Node's AggregateError (every address of a host refused) has no message, only a code.
    return (err as Error).message || String((err as { code?: unknown }).code ?? err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Postgres refusing the login itself: its role, password, LOGIN or CONNECT right, or its database is gone. */
const LOGIN_REFUSED =
  /password authentication failed|role "[^"]*" does not exist|database "[^"]*" does not exist|permission denied for database|not permitted to log in/;
/** The server is not there to ask. */
const NOT_ANSWERING =
  /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|timeout expired|Connection terminated|the database system is (starting up|shutting down|in recovery mode)/;

/**
 * Logs in with a tenant's database URL and runs a query. A refused login is `missing`; a server that does not
 * answer is `unhealthy` when it is the tenant's own (`dedicated`), and rejects when it is shared by every tenant.
 */
export async function observeDatabaseLogin(url: string, server: 'dedicated' | 'shared'): Promise<Observed> {
  const result = await connects(url);
  if (result === true) return { state: 'present' };
  const { hostname, port, username } = new URL(url);
  const where = `${hostname}:${port || 5432}`;
  if (LOGIN_REFUSED.test(result)) return { state: 'missing', message: `Postgres at ${where} refuses the tenant's login ${username}: ${result}` };
  if (server === 'dedicated' && NOT_ANSWERING.test(result))
    return { state: 'unhealthy', message: `the tenant's dedicated Postgres instance at ${where} does not answer: ${result}` };
  throw new Error(`cannot observe the tenant's database at ${where}: ${result}`);
}

/**
 * Logs in to Redis as the grant's user and sends PING. A refused login (user deleted or disabled, password changed)
 * is `missing`, a login that may no longer PING `unhealthy` (its rules changed); an unreachable server rejects.
 */
export async function observeRedisLogin(url: string): Promise<Observed> {
  const parsed = new URL(url);
  const [user, password] = [decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)];
  parsed.username = '';
  parsed.password = '';
  // Connected without credentials and AUTH sent by hand: ioredis would report a refused login as "Connection is closed".
  const client = new Redis(parsed.toString(), {
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  let lastError: Error | undefined;
  client.on('error', (err: Error) => (lastError = err));
  try {
    await client.connect().catch((err: Error) => {
      throw new Error(`cannot observe the tenant's Redis login at ${parsed.host}: ${(lastError ?? err).message}`);
    });
    try {
      if (password) await client.call('AUTH', user || 'default', password);
    } catch (err) {
      if (!/WRONGPASS|invalid password/i.test((err as Error).message)) throw err;
      return { state: 'missing', message: `Redis at ${parsed.host} refuses the tenant's login ${user}: ${(err as Error).message}` };
    }
    try {
      await client.ping();
    } catch (err) {
      if (!/NOPERM/.test((err as Error).message)) throw err;
      return { state: 'unhealthy', message: `the tenant's Redis login ${user} may no longer PING (its rules changed): ${(err as Error).message}` };
    }
    return { state: 'present' };
  } finally {
    client.disconnect();
  }
}
