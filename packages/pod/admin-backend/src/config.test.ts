import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILT_IN_READS } from '@tenantry/pod-contract';
import { contractVariablesOf } from '@tenantry/pod-runtime/config';
import { adminBackendConfigSchema } from './config.js';

test('the admin-backend reads exactly the variables of the pod environment its manifest entry declares (and is given only those)', () => {
  assert.deepEqual(contractVariablesOf(adminBackendConfigSchema), [...BUILT_IN_READS['admin-backend']].sort());
});
