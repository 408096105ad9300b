/** @module The tenant's storage prefix: every key confined to it (no "..", no absolute paths, no symlink escape). */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { TenantryError } from '@tenantry/core';

export const StorageErrors = {
  invalidKey: (key: string) =>
    new TenantryError(
      'INVALID_KEY',
      400,
      `storage key ${JSON.stringify(key)} is not allowed: use relative names of a-z, A-Z, 0-9, '.', '_', '-' and '/', without '..'`,
    ),
  notFound: (key: string) => new TenantryError('OBJECT_NOT_FOUND', 404, `no object ${JSON.stringify(key)}`),
} as const;

const KEY_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** The key's segments, after checking the key cannot leave the prefix ("..", absolute, odd characters). */
export function keySegments(key: string): string[] {
  const segments = key.split('/');
  if (key.length === 0 || key.length > 512 || segments.some((s) => !KEY_SEGMENT.test(s) || s === '.' || s === '..')) {
    throw StorageErrors.invalidKey(key);
  }
  return segments;
}

/** A tenant's objects, confined to its prefix: a folder (file://) or an S3 prefix (s3://). */
export interface ObjectStore {
  put(key: string, body: Readable): Promise<void>;
  /** The object's bytes; StorageErrors.notFound when there is none. */
  get(key: string): Promise<Readable>;
  /** Removes the object (nothing when there is none). */
  delete(key: string): Promise<void>;
  /** Keys under the prefix that start with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
}

/** The store for STORAGE_URL. The S3 client is loaded only for s3:// (credentials and region from the usual AWS environment). */
export async function openObjectStore(storageUrl: string): Promise<ObjectStore> {
  if (storageUrl.startsWith('s3://')) {
    const { S3ObjectStore } = await import('./s3-object-store.js');
    return new S3ObjectStore(storageUrl);
  }
  return new FolderObjectStore(storageUrl);
}

/** Objects under a file:// prefix. */
export class FolderObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(storageUrl: string) {
    if (!storageUrl.startsWith('file://')) throw new Error(`FolderObjectStore needs a file:// STORAGE_URL, got ${storageUrl}`);
    this.root = fileURLToPath(storageUrl).replace(/\/$/, '');
  }

  /** The absolute path of a key, after checking it cannot leave the prefix. */
  async resolve(key: string): Promise<string> {
    const segments = keySegments(key);
    const path = join(this.root, ...segments);
    // A symlink inside the prefix could point outside it: check the real path of the deepest existing folder.
    const realRoot = await realpath(this.root);
    let probe = dirname(path);
    for (;;) {
      try {
        const real = await realpath(probe);
        const rel = relative(realRoot, real);
        if (rel.startsWith('..') || rel.startsWith(sep)) throw StorageErrors.invalidKey(key);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        probe = dirname(probe);
      }
    }
    return path;
  }

  async put(key: string, body: Readable): Promise<void> {
    const path = await this.resolve(key);
    await mkdir(dirname(path), { recursive: true });
    await pipeline(body, createWriteStream(path, { flags: 'w', mode: 0o600 }));
  }

  async get(key: string): Promise<Readable> {
    const path = await this.resolve(key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw StorageErrors.notFound(key);
    return createReadStream(path);
  }

  async delete(key: string): Promise<void> {
    await rm(await this.resolve(key), { force: true });
  }

  async list(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string, base: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const key = base ? `${base}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(join(dir, entry.name), key);
        else if (entry.isFile() && key.startsWith(prefix)) keys.push(key);
      }
    };
    await walk(this.root, '');
    return keys.sort();
  }
}
