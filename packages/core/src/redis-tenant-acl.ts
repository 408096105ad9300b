/**
 * @module The Redis rules of a tenant's login, written once: the commands the tenant's programs
 * use (an allowlist) and its key prefix. The local driver, the Terraform stand-in and the tests of
 * the ElastiCache user Terraform makes all build their rules here.
 */

/** A tenant's key prefix in Redis: every key (and channel) it may reach starts with `<prefix>:`. */
export function tenantRedisPrefix(slug: string): string {
  return `t:${slug}`;
}

/** A tenant's Redis login name. */
export function tenantRedisUser(slug: string): string {
  return `tenant-${slug}`;
}

/**
 * Every command a tenant's programs send, and nothing else. An allowlist, not a denylist: a command
 * a new Redis version adds stays refused. Kept out on purpose, as each reaches past the prefix or
 * affects every tenant: SELECT, SCAN, KEYS, RANDOMKEY (key names of others), CLIENT LIST/KILL/
 * TRACKING/PAUSE, MONITOR, EVAL, SCRIPT and FUNCTION (scripts run, and are cached, server-wide),
 * pub/sub, MEMORY, CONFIG, DEBUG, FLUSH*, WAIT, OBJECT, SORT.
 */
export const TENANT_REDIS_COMMANDS = {
  /** ioredis on connect: AUTH, the ready check (INFO), the connection name BullMQ sets. */
  connection: ['auth', 'hello', 'ping', 'echo', 'quit', 'info', 'client|setname', 'client|getname', 'client|id', 'client|info'],
  /**
   * BullMQ: MULTI pipelines, and Lua scripts by hash only. No EVAL: a script runs server-wide (one
   * that loops blocks every tenant), so a tenant runs only those the platform loaded (BullMQ's; see
   * `loadTenantScripts` in @tenantry/control-plane), each with the tenant's own key rules.
   */
  transactions: ['multi', 'exec', 'discard', 'watch', 'unwatch', 'evalsha', 'time'],
  /** What BullMQ's scripts and client call (redis.call in its .lua files), the login throttle's counters. */
  keys: ['exists', 'del', 'unlink', 'type', 'ttl', 'pttl', 'expire', 'pexpire', 'pexpireat', 'persist', 'rename'],
  strings: ['get', 'set', 'incr', 'incrby'],
  hashes: ['hget', 'hset', 'hmset', 'hmget', 'hgetall', 'hincrby', 'hdel', 'hexists', 'hlen'],
  lists: ['lpush', 'rpush', 'lpop', 'rpop', 'lrem', 'llen', 'lrange', 'ltrim', 'lpos', 'lindex', 'lset', 'rpoplpush'],
  sets: ['sadd', 'srem', 'smembers', 'scard', 'sismember'],
  sortedSets: [
    'zadd',
    'zrem',
    'zscore',
    'zincrby',
    'zrange',
    'zrangebyscore',
    'zrangebylex',
    'zrevrange',
    'zrevrangebyscore',
    'zcard',
    'zcount',
    'zlexcount',
    'zremrangebyscore',
    'zremrangebyrank',
    'zpopmin',
    'bzpopmin',
  ],
  /** BullMQ's event stream; the analytics stream (produced by every program, consumed in a group). */
  streams: ['xadd', 'xtrim', 'xdel', 'xlen', 'xrange', 'xrevrange', 'xread', 'xreadgroup', 'xack', 'xautoclaim', 'xgroup|create'],
} as const;

/** The allowlist as one flat list of command names (`name` or `name|subcommand`), lower case. */
export const TENANT_REDIS_ALLOWLIST: readonly string[] = Object.values(TENANT_REDIS_COMMANDS).flat();

/**
 * The ACL rules of a tenant's login, without its password and without `on`/`reset`: no command
 * but the allowlist, no key nor channel outside `<prefix>:*`. `prefix` may be a Terraform
 * expression (`t:${var.slug}`), so the ElastiCache access string is checked against the same rules.
 */
export function tenantRedisRules(prefix: string): string[] {
  return [`~${prefix}:*`, `&${prefix}:*`, '-@all', ...TENANT_REDIS_ALLOWLIST.map((command) => `+${command}`)];
}

/**
 * The rules of a tenant's login on a Redis server of its own: the same allowlist, and EVAL, since a
 * script there can only stall the tenant itself (the pods' ioredis still sends scripts by hash first).
 */
export function tenantOwnRedisRules(prefix: string): string[] {
  return [...tenantRedisRules(prefix), '+eval'];
}

/** A tenant's analytics login on the platform's Redis: it may only append to its own stream. */
export function tenantAnalyticsUser(slug: string): string {
  return `analytics-${slug}`;
}

/**
 * The rules of a tenant's analytics login on the platform's Redis (the Redis Streams bus): connect,
 * and XADD to its own stream, nothing else (a command that costs O(1) cannot stall the server).
 */
export function tenantAnalyticsRules(stream: string): string[] {
  return [`~${stream}`, 'resetchannels', '-@all', ...TENANT_REDIS_COMMANDS.connection.map((command) => `+${command}`), '+xadd'];
}

/**
 * The access string of an ElastiCache RBAC user (the same rules, enabled). ElastiCache refuses
 * `reset` and passwords in an access string (it sets the password itself), and refuses commands it
 * disables (CONFIG, DEBUG, …): none is here. Every command of the allowlist exists from Redis OSS
 * 6.2 (XAUTOCLAIM is the newest) and in Valkey 7.2 and 8.
 */
export function tenantRedisAccessString(prefix: string): string {
  return ['on', ...tenantRedisRules(prefix)].join(' ');
}

/**
 * The arguments of `ACL SETUSER` that give an existing tenant login today's rules, keeping its
 * passwords (`-@all`, `resetkeys` and `resetchannels` drop every earlier command, key and channel).
 */
export function tenantRedisReconfineArgs(slug: string): string[] {
  return ['SETUSER', tenantRedisUser(slug), 'resetkeys', 'resetchannels', ...tenantRedisRules(tenantRedisPrefix(slug))];
}

/** The arguments of `ACL SETUSER` that (re)create a tenant's login from nothing. */
export function tenantRedisSetUserArgs(slug: string, password: string): string[] {
  return ['SETUSER', tenantRedisUser(slug), 'reset', 'on', `>${password}`, ...tenantRedisRules(tenantRedisPrefix(slug))];
}

/** Persists a server's users where it has an ACL file (`ACL SAVE`); a server without one keeps them in memory. */
export async function saveRedisUsers(admin: { call(command: string, ...args: string[]): Promise<unknown> }): Promise<void> {
  try {
    await admin.call('ACL', 'SAVE');
  } catch (err) {
    if (!/ACL file|aclfile/i.test((err as Error).message)) throw err;
  }
}
