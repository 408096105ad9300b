/**
 * The code cache with real Node processes: primed once, a start uses it; a start with other V8 flags or a
 * changed bundle (even of the same length) compiles as usual and runs the code it has; the bundle sees itself
 * as a CommonJS main module.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { codeCacheFile } from './code-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'tenantry-code-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PRIME = fileURLToPath(new URL('./prime-code-cache.js', import.meta.url));
const CODE_CACHE = fileURLToPath(new URL('./code-cache.js', import.meta.url));

/** Runs the bundle through the cache in a new process; prints what it saw and whether V8 took the cache. */
function start(bundle: string, flags: string[] = []): { rejected: boolean | undefined; seen: string } {
  const script = `import { runCachedBundle } from ${JSON.stringify(CODE_CACHE)};
const s = runCachedBundle(${JSON.stringify(bundle)});
console.log(JSON.stringify({ rejected: s.cachedDataRejected, seen: globalThis.seen }));`;
  return JSON.parse(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' })) as {
    rejected: boolean | undefined;
    seen: string;
  };
}

test('a primed bundle starts from its cache; other flags or another bundle compile as usual and still run', () => {
  const bundle = join(dir, 'program.cjs');
  // Enough code for V8 to have something to cache, and what a CommonJS main module is given.
  const body = Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x * ${i} + 1; }`).join('\n');
  writeFileSync(
    bundle,
    `${body}\nglobalThis.seen = [typeof require, typeof module.exports, require('node:path').basename(__filename), require('node:path').basename(__dirname), f3(2)].join(' ');\n`,
  );
  assert.equal(start(bundle).rejected, undefined, 'no cache yet: compiled as usual');

  const printed = execFileSync(process.execPath, ['--max-semi-space-size=1', PRIME, bundle], { encoding: 'utf8' });
  assert.match(printed, /KiB of code cache/);
  assert.ok(existsSync(codeCacheFile(bundle)));

  const cached = start(bundle, ['--max-semi-space-size=1']);
  assert.deepEqual(cached, { rejected: false, seen: `function object program.cjs ${dir.split('/').pop()} 7` });
  // Other V8 flags than the cache was made with: V8 refuses it, the program runs all the same.
  assert.deepEqual(start(bundle), { rejected: true, seen: cached.seen });

  // Changed code of the same length: V8 would take the cache (it checks the length only) and run the old code.
  writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('f3(2)', 'f4(2)'));
  const changed = start(bundle, ['--max-semi-space-size=1']);
  assert.equal(changed.rejected, undefined, 'the cache is not even offered to V8');
  assert.equal(changed.seen, `function object program.cjs ${dir.split('/').pop()} 9`);
});
