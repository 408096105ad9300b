// Runs every compiled test file (packages/**/dist/**/*.test.js and deploy/dist/*.test.js) with Node's test runner, one file at a time.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, found = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, found);
    else if (name.endsWith('.test.js') && path.includes(`${join('dist')}/`)) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = ['packages', 'deploy']
  .flatMap((root) => find(root))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (files.length === 0) {
  console.error('no test files found: run npm run build first');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
