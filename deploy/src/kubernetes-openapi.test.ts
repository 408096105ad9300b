/** The schema check itself: it refuses what the API server would, so a chart test that passes it means something. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubernetesValidator } from './kubernetes-openapi.js';

test('a wrong type, a misspelt field and an unknown kind are refused; a valid manifest passes', () => {
  const validator = kubernetesValidator();
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
    },
  };
  assert.deepEqual(validator.validate(deployment), []);
  const broken = structuredClone(deployment) as any;
  broken.spec.replicas = 'two';
  broken.spec.template.spec.containers[0].imagePullPolcy = 'Always';
  assert.deepEqual(validator.validate(broken), [
    'apps/v1/Deployment /spec/replicas: must be integer',
    'apps/v1/Deployment /spec/template/spec/containers/0: must NOT have additional properties (imagePullPolcy)',
  ]);
  assert.deepEqual(validator.validate({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingres' }), [
    'networking.k8s.io/v1/Ingres: no such apiVersion and kind in Kubernetes v1.32.4',
  ]);
});
