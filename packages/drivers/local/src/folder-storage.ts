/** @module Storage: a folder per tenant under one shared root (the local stand-in for s3://bucket/<slug>/). */
import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Observed, StorageDriver, StorageGrant, TenantRef } from '@tenantry/control-plane';
import type { TenantUsers } from './tenant-users.js';

export class FolderStorage implements StorageDriver {
  /** With `users` enabled (as root), each tenant's folder is mode 0700 and belongs to the tenant's own OS user. */
  constructor(
    private readonly root: string,
    private readonly users?: TenantUsers,
  ) {}

  async create(tenant: TenantRef): Promise<StorageGrant> {
    const dir = join(this.root, tenant.slug);
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const user = await this.users?.ensure(tenant.slug);
    // Tenants' users may pass through the root to their own folder, but not list it.
    if (user) await chmod(this.root, 0o711);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    if (user) await chown(dir, user.uid, user.gid);
    return { url: pathToFileURL(`${dir}/`).toString() };
  }

  async remove(tenant: TenantRef): Promise<void> {
    await rm(join(this.root, tenant.slug), { recursive: true, force: true });
    await this.users?.remove(tenant.slug);
  }

  /** The grant's folder: there, a folder, mode 0700 and (with users) the tenant's user's own. */
  async observe(tenant: TenantRef, grant: StorageGrant): Promise<Observed> {
    const dir = fileURLToPath(grant.url);
    const found = await stat(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!found) return { state: 'missing', message: `the storage folder ${dir} is gone` };
    if (!found.isDirectory()) return { state: 'unhealthy', message: `${dir} is not a folder; move it away` };
    const mode = found.mode & 0o777;
    if (mode !== 0o700) return { state: 'unhealthy', message: `${dir} has mode ${mode.toString(8)}, not 700: other users may reach the tenant's files` };
    if (!this.users?.enabled) return { state: 'present' };
    const user = this.users.find(tenant.slug);
    if (!user) return { state: 'unhealthy', message: `${dir} belongs to uid ${found.uid}, and the tenant's OS user is gone` };
    if (found.uid !== user.uid || found.gid !== user.gid)
      return { state: 'unhealthy', message: `${dir} belongs to ${found.uid}:${found.gid}, not to the tenant's user ${user.name} (${user.uid}:${user.gid})` };
    return { state: 'present' };
  }
}
