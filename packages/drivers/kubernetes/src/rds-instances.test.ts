/**
 * RdsInstances against a MOCK of the RDS API (test-support/mock-rds.ts): no real RDS can run here. What is
 * checked is the driver's side: the calls it makes, the states it waits through, the errors it passes on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RdsInstances } from './rds-instances.js';
import { startMockRds, type MockRds } from './test-support/index.js';

let mock: MockRds;
let rds: RdsInstances;

before(async () => {
  mock = await startMockRds({ transitionMs: 100 });
  rds = new RdsInstances({ region: 'eu-west-1', endpoint: mock.endpoint, credentials: mock.credentials, pollIntervalMs: 25, startTimeoutMs: 5_000 });
});

after(async () => {
  rds?.close();
  await mock?.stop();
});

test('stop, then start at once: the start waits until the instance is stopped, starts it, and resolves once it is available', async () => {
  mock.add('tenantry-acme');
  const lines: string[] = [];
  await rds.stop('tenantry-acme', (line) => lines.push(line));
  assert.equal(mock.status('tenantry-acme'), 'stopping');
  await rds.stop('tenantry-acme', (line) => lines.push(line));
  assert.deepEqual(mock.calls(), ['StopDBInstance tenantry-acme'], 'a second stop finds it stopping and asks nothing');
  await rds.start('tenantry-acme', (line) => lines.push(line));
  assert.equal(mock.status('tenantry-acme'), 'available');
  assert.deepEqual(mock.calls(), ['StopDBInstance tenantry-acme', 'StartDBInstance tenantry-acme']);
  assert.match(lines.join('\n'), /stopping \(its storage kept\)[\s\S]*is stopping; waiting until it is startable[\s\S]*starting[\s\S]*is available/);
});

test('an instance RDS does not know fails at once with its error', async () => {
  const started = Date.now();
  await assert.rejects(
    rds.start('tenantry-nobody', () => undefined),
    /DBInstance tenantry-nobody not found/,
  );
  assert.ok(Date.now() - started < 2_000);
});
