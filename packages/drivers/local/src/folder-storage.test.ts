import { mkdtempSync, rmSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { storageDriverContract } from '@tenantry/control-plane/contracts';
import { FolderStorage } from './folder-storage.js';

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
