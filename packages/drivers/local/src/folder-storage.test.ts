import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { storageDriverContract } from '@tenantry/control-plane/contracts';
import { FolderStorage } from './folder-storage.js';
import { runsAsRoot } from './os-users.js';
import { TenantUsers } from './tenant-users.js';

const root = mkdtempSync(join(tmpdir(), 'tenantry-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));

storageDriverContract(
  'FolderStorage',
  () => new FolderStorage(root),
  (url) =>
    access(fileURLToPath(url)).then(
      () => true,
      () => false,
    ),
);

test(
  "observing a tenant's folder: unhealthy when its mode or owner changed behind the driver's back, missing when it is gone, present after create",
  { skip: runsAsRoot() ? false : 'needs root: only root can create tenant users and give them folders' },
  async () => {
    const users = new TenantUsers({ first: 291_000, last: 291_999 });
    const storage = new FolderStorage(join(root, 'owned'), users);
    const tenant = { slug: `observe-${process.pid.toString(36)}`, name: 'Observed', tier: 'trial' } as const;
    try {
      const grant = await storage.create(tenant);
      const dir = fileURLToPath(grant.url);
      assert.deepEqual(await storage.observe(tenant, grant), { state: 'present' });

      chmodSync(dir, 0o755);
      assert.deepEqual(await storage.observe(tenant, grant), {
        state: 'unhealthy',
        message: `${dir} has mode 755, not 700: other users may reach the tenant's files`,
      });
      await storage.create(tenant);
      chownSync(dir, 0, 0);
      const user = users.find(tenant.slug)!;
      assert.deepEqual(await storage.observe(tenant, grant), {
        state: 'unhealthy',
        message: `${dir} belongs to 0:0, not to the tenant's user ${user.name} (${user.uid}:${user.gid})`,
      });
      assert.deepEqual(await storage.observe(tenant, await storage.create(tenant)), { state: 'present' }, 'applying again repairs it');

      rmSync(dir, { recursive: true });
      assert.deepEqual(await storage.observe(tenant, grant), { state: 'missing', message: `the storage folder ${dir} is gone` });
      assert.deepEqual(await storage.observe(tenant, await storage.create(tenant)), { state: 'present' }, 'applying again makes it');
    } finally {
      await storage.remove(tenant);
    }
  },
);
