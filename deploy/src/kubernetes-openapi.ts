/**
 * @module Rendered manifests checked against the Kubernetes API's own OpenAPI v3 schemas, strictly: an unknown
 * field is an error, as the API server's strict field validation (and kubeconform's strict mode) would make it.
 * The schemas come from the k8s.io/kubernetes module (api/openapi-spec/v3), fetched from the Go module proxy with
 * `go mod download` into the Go module cache.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

/** The Kubernetes version whose schemas are used: the one helm and kubectl here are built for. */
export const KUBERNETES_VERSION = 'v1.32.4';

type Schema = Record<string, unknown>;

/** Unknown fields refused: every object schema that lists its properties gets `additionalProperties: false`. */
function strict(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(strict);
  if (!node || typeof node !== 'object') return;
  const schema = node as Schema;
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) schema.additionalProperties = false;
  for (const value of Object.values(schema)) strict(value);
}

export interface ManifestValidator {
  /** Problems with one manifest (empty when it is valid); an unknown apiVersion/kind is one. */
  validate(manifest: { apiVersion?: unknown; kind?: unknown }): string[];
}

export function kubernetesValidator(version = KUBERNETES_VERSION): ManifestValidator {
  const download = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], { encoding: 'utf8' })) as {
    Dir?: string;
    Error?: string;
  };
  if (!download.Dir) throw new Error(`go mod download k8s.io/kubernetes@${version} failed: ${download.Error ?? 'no directory'}`);
  const specDir = join(download.Dir, 'api', 'openapi-spec', 'v3');
  const byKind = new Map<string, { file: string; name: string }>();
  const documents = new Map<string, Schema>();
  for (const file of readdirSync(specDir).filter((f) => f.endsWith('_openapi.json'))) {
    const document = JSON.parse(readFileSync(join(specDir, file), 'utf8')) as { components?: { schemas?: Record<string, Schema> } };
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      for (const gvk of (schema['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        if (!byKind.has(`${apiVersion}/${gvk.kind}`)) byKind.set(`${apiVersion}/${gvk.kind}`, { file, name });
      }
    }
    documents.set(file, document as Schema);
  }
  const compiled = new Map<string, ValidateFunction>();
  const ajvs = new Map<string, Ajv>();
  return {
    validate(manifest) {
      const key = `${String(manifest.apiVersion)}/${String(manifest.kind)}`;
      const target = byKind.get(key);
      if (!target) return [`${key}: no such apiVersion and kind in Kubernetes ${version}`];
      let validate = compiled.get(key);
      if (!validate) {
        let ajv = ajvs.get(target.file);
        if (!ajv) {
          ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
          const document = structuredClone(documents.get(target.file)!);
          strict(document.components);
          ajv.addSchema(document, target.file);
          ajvs.set(target.file, ajv);
        }
        validate = ajv.compile({ $ref: `${target.file}#/components/schemas/${target.name.replace(/~/g, '~0').replace(/\//g, '~1')}` });
        compiled.set(key, validate);
      }
      if (validate(manifest)) return [];
      return (validate.errors ?? []).map(
        (e) =>
          `${key} ${e.instancePath || '/'}: ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
    },
  };
}
