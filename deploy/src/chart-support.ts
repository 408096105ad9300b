/** @module Test support for the chart tests: helm from the tool cache, rendering to parsed manifests. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { k8sTool } from './tools.js';

export interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [field: string]: unknown;
}

let helm: string | undefined;

/** Runs helm with `args`. */
export async function helmRun(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  helm ??= await k8sTool('helm');
  return spawnSync(helm, args, { encoding: 'utf8', timeout: 60_000 });
}

/** `helm template` of `chart`, parsed; fails the test when helm does. */
export async function helmTemplate(chart: string, args: string[]): Promise<Manifest[]> {
  const result = await helmRun(['template', 'release', chart, ...args]);
  assert.equal(result.status, 0, result.stderr);
  return parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);
}

/** The one manifest of `kind` named `name`. */
export function manifest(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
}
