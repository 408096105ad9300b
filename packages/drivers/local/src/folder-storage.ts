/** @module Storage: a folder per tenant under one shared root (the local stand-in for s3://bucket/<slug>/). */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StorageDriver, StorageGrant, TenantRef } from '@tenantry/control-plane';

export class FolderStorage implements StorageDriver {
  constructor(private readonly root: string) {}

  async create(tenant: TenantRef): Promise<StorageGrant> {
    const dir = join(this.root, tenant.slug);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return { url: pathToFileURL(`${dir}/`).toString() };
  }

  async remove(tenant: TenantRef): Promise<void> {
    await rm(join(this.root, tenant.slug), { recursive: true, force: true });
  }
}
