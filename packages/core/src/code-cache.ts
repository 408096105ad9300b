/**
 * @module Runs a bundled CommonJS program with V8's code cache, so a tenant program does not compile its
 * code on every start (Node 20 has no compile cache of its own; Node 22 and later cache only per folder).
 *
 * The cache is made once when the platform is built (`primeCodeCache`, the program loaded behind its closed
 * start gate, no tenant in it) and written beside the bundle, where tenants' OS users can read it but not
 * write it: no tenant can change the code another one runs. V8 refuses a cache made by another V8 or with
 * other flags, and the program is compiled as usual. V8 checks the source by its length only, so the file
 * also starts with the SHA-256 of the source it was made from, and one made from other code is not used: a
 * stale cache costs time, never correctness.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';

/** Where the cache of a bundle is kept. */
export function codeCacheFile(bundle: string): string {
  return `${bundle}.v8-cache`;
}

const HASH_BYTES = 32;

/** The cache made from this very source, or undefined. */
function readCache(bundle: string, sourceHash: Buffer): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(codeCacheFile(bundle));
  } catch {
    return undefined;
  }
  return file.subarray(0, HASH_BYTES).equals(sourceHash) ? file.subarray(HASH_BYTES) : undefined;
}

/** Compiles (from the cache when it matches) and runs a CommonJS bundle as Node would run it as a main module. */
function run(file: string): { script: Script; sourceHash: Buffer } {
  const bundle = resolve(file);
  const bytes = readFileSync(bundle);
  const sourceHash = createHash('sha256').update(bytes).digest();
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`, {
    filename: bundle,
    cachedData: readCache(bundle, sourceHash),
  });
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return { script, sourceHash };
}

/** Runs a CommonJS bundle as Node would run it as a main module, compiled from its cache when it has one made from it. */
export function runCachedBundle(file: string): Script {
  return run(file).script;
}

/**
 * Loads the bundle and writes its cache: the code compiled while its modules load (and until `loaded`
 * resolves). Run it with the V8 flags the program will run with, behind a closed start gate so no main
 * function runs.
 */
export async function primeCodeCache(bundle: string, loaded: () => Promise<void> = async () => undefined): Promise<number> {
  const { script, sourceHash } = run(bundle);
  await loaded();
  const data = script.createCachedData();
  const partial = `${codeCacheFile(bundle)}.${process.pid}`;
  writeFileSync(partial, Buffer.concat([sourceHash, data]));
  renameSync(partial, codeCacheFile(bundle));
  return data.length;
}
