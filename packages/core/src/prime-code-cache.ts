/**
 * @module `node [the program's V8 flags] prime-code-cache.js <bundle>`: writes a bundled program's code cache
 * (the build runs it). The start gate stays closed: the program's modules load and it warms up, its main function never runs.
 */
import { primeCodeCache } from './code-cache.js';
import { installStartGate, warmedUp } from './start-gate.js';

const bundle = process.argv[2];
if (!bundle) {
  process.stderr.write('usage: prime-code-cache.js <bundle.cjs>\n');
  process.exit(64);
}
installStartGate();
// The code the program compiles while it warms up at the gate is cached too.
const bytes = await primeCodeCache(bundle, warmedUp);
process.stdout.write(`${bundle}: ${Math.round(bytes / 1024)} KiB of code cache\n`);
// A module may have started a timer or opened a handle while loading: nothing of it is needed.
process.exit(0);
