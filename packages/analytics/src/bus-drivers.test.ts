/** The analytics step's observe: the tenant's topic on a real Apache Kafka (KRaft, one node). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '@tenantry/core';
import { useTestKafka, type TestServer } from '@tenantry/analytics-servers/test-support';
import { KafkaTopicsBusDriver } from './bus-drivers.js';
import { analyticsTopic } from './kafka-bus.js';

let kafka: TestServer | undefined;
before(async () => {
  kafka = await useTestKafka();
});
after(async () => {
  await kafka?.stop();
});

test("observing the tenant's topic: missing before create and after remove, present in between", async () => {
  const bus = new KafkaTopicsBusDriver([kafka!.address]);
  // A shared server keeps the topics of earlier runs.
  const tenant = { slug: `observed-${Date.now().toString(36)}`, name: 'Observed', tier: 'trial' } as const;
  const missing = { state: 'missing', message: `Kafka has no topic ${analyticsTopic(tenant.slug)} for ${tenant.slug}'s analytics` };
  assert.deepEqual(await bus.observe(tenant), missing);
  await bus.create(tenant);
  assert.deepEqual(await bus.observe(tenant), { state: 'present' });
  await bus.remove(tenant);
  // The broker's metadata may list a deleted topic a moment longer.
  await waitFor(async () => (await bus.observe(tenant)).state === 'missing', { what: 'the deleted topic to be gone', timeoutMs: 10_000 });
  assert.deepEqual(await bus.observe(tenant), missing);
});
