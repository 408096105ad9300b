/**
 * @module An OS user per tenant, when the platform runs as root: its pod processes run as it and its
 * storage folder belongs to it, so one tenant's program cannot read another's files. Creating and
 * removing are idempotent (a retried step or a restart finds the user or its absence as it left it).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { oneAtATime } from '@tenantry/core';
import { findLocalUser, runsAsRoot, type ServiceUser } from './os-users.js';

const run = promisify(execFile);

/** useradd's exit code when the name is taken (a concurrent create won); userdel's when there is no such user. */
const USERADD_NAME_IN_USE = 9;
const USERDEL_NO_SUCH_USER = 6;

export interface UidRange {
  first: number;
  last: number;
}

/** The default range of tenant uids (and gids): far above the system's and people's accounts. */
export const DEFAULT_TENANT_UIDS: UidRange = { first: 200_000, last: 299_999 };

/** The login name of a tenant's user: a hash of the slug, as slugs may be longer than the 32 characters a name may have. */
export function tenantUserName(slug: string): string {
  return `tenantry-${createHash('sha256').update(slug).digest('hex').slice(0, 16)}`;
}

export class TenantUsers {
  /** useradd and userdel one at a time: each locks the user database, and a busy lock fails the other. */
  private readonly oneAtATime = oneAtATime();

  constructor(
    private readonly range: UidRange = DEFAULT_TENANT_UIDS,
    /** Whether tenants get users at all: only root can create them and run processes as them. */
    readonly enabled: boolean = runsAsRoot(),
  ) {}

  /** The tenant's user, created when missing; undefined when the platform does not run as root. */
  async ensure(slug: string): Promise<ServiceUser | undefined> {
    if (!this.enabled) return undefined;
    const name = tenantUserName(slug);
    return this.lookup(name) ?? this.oneAtATime(() => this.create(slug, name));
  }

  private async create(slug: string, name: string): Promise<ServiceUser> {
    // Another step of the tenant may have made it while this one waited.
    const found = this.lookup(name);
    if (found) return found;
    const { first, last } = this.range;
    try {
      await run('useradd', [
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        '--user-group',
        '--comment',
        `tenantry tenant ${slug}`,
        '-K',
        `UID_MIN=${first}`,
        '-K',
        `UID_MAX=${last}`,
        '-K',
        `GID_MIN=${first}`,
        '-K',
        `GID_MAX=${last}`,
        name,
      ]);
    } catch (err) {
      if ((err as { code?: unknown }).code !== USERADD_NAME_IN_USE)
        throw new Error(`could not create the OS user ${name} of tenant ${slug}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`, {
          cause: err,
        });
    }
    const created = this.lookup(name);
    if (!created) throw new Error(`the OS user ${name} of tenant ${slug} was created but cannot be found`);
    return created;
  }

  /** The tenant's user when it exists, without making it; undefined too when the platform does not run as root. */
  find(slug: string): ServiceUser | undefined {
    return this.enabled ? this.lookup(tenantUserName(slug)) : undefined;
  }

  /** Removes the tenant's user and group; removing one that does not exist is a no-op. */
  async remove(slug: string): Promise<void> {
    if (!this.enabled) return;
    const name = tenantUserName(slug);
    await this.oneAtATime(() => this.delete(slug, name));
  }

  private async delete(slug: string, name: string): Promise<void> {
    try {
      await run('userdel', [name]);
    } catch (err) {
      if ((err as { code?: unknown }).code !== USERDEL_NO_SUCH_USER)
        throw new Error(`could not remove the OS user ${name} of tenant ${slug}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`, {
          cause: err,
        });
    }
  }

  /** The tenant's user if it exists; one found outside the tenant range is refused (it is not ours). */
  private lookup(name: string): ServiceUser | undefined {
    const user = findLocalUser(name);
    if (user && (user.uid < this.range.first || user.uid > this.range.last)) {
      throw new Error(
        `the OS user ${name} has uid ${user.uid}, outside the tenant range ${this.range.first}-${this.range.last}; remove it or change TENANTRY_TENANT_UIDS`,
      );
    }
    return user;
  }
}

/** TENANTRY_TENANT_UIDS as written (`first-last`), or undefined when it is not a usable range. */
export function parseUidRange(text: string): UidRange | undefined {
  const match = /^(\d+)-(\d+)$/.exec(text);
  if (!match) return undefined;
  const range = { first: Number(match[1]), last: Number(match[2]) };
  return range.first >= 1000 && range.last < 2 ** 31 - 1 && range.last - range.first >= 16 ? range : undefined;
}

export const UID_RANGE_RULE = 'must be a range of at least 16 uids within 1000-2147483646, such as 200000-299999';
