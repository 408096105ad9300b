/** @module Storage: a folder per tenant under one shared root (the local stand-in for s3://bucket/<slug>/). */
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StorageDriver, StorageGrant, TenantRef } from '@tenantry/control-plane';
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
}
