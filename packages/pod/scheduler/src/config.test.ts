/** The scheduler's configuration: what it reads of the pod environment. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILT_IN_READS } from '@tenantry/pod-contract';
import { contractVariablesOf } from '@tenantry/pod-runtime/config';
import { schedulerConfigSchema } from './config.js';

test('the scheduler reads exactly the variables of the pod environment its manifest entry declares (and is given only those)', () => {
  assert.deepEqual(contractVariablesOf(schedulerConfigSchema), [...BUILT_IN_READS.scheduler].sort());
});
