/** `tenantry usage` asks only for series the master answers: within USAGE_MAX_BUCKETS for every allowed window. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usageBuckets, USAGE_MAX_BUCKETS, USAGE_MAX_HOURS } from '@tenantry/core';
import { usageBucketMinutes } from './usage-command.js';

test('every --hours from 1 to the maximum is asked in buckets the master allows, hourly while they fit', () => {
  for (let hours = 1; hours <= USAGE_MAX_HOURS; hours++) {
    const minutes = usageBucketMinutes(hours);
    assert.ok(usageBuckets(hours, minutes) <= USAGE_MAX_BUCKETS, `${hours} h in buckets of ${minutes} min`);
    if (hours <= USAGE_MAX_BUCKETS) assert.equal(minutes, 60, `${hours} h`);
  }
  assert.equal(usageBucketMinutes(USAGE_MAX_HOURS), 360);
});
