/** Kafka cluster ids never begin with '-', and the storage is formatted even with an id that does (real StorageTool). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from '@tenantry/core';
import { prepareKafka } from './kafka.js';
import { kafkaClusterId } from './kafka-cluster-id.js';
import { fetchServer } from './servers.js';

const home = mkdtempSync(join(tmpdir(), 'tenantry-cluster-id-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('no generated cluster id begins with "-"; each is 16 bytes in URL-safe base64', () => {
  // One random id in 64 begins with '-': among 20,000, about 300 would.
  for (let i = 0; i < 20_000; i++) {
    const id = kafkaClusterId();
    assert.ok(!id.startsWith('-'), `id ${id} begins with "-"`);
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 16);
  }
});

test('a draw that would begin with "-" is drawn again', () => {
  const draws = [Buffer.alloc(16, 0xfb), Buffer.alloc(16, 0x01)];
  assert.ok(draws[0]!.toString('base64url').startsWith('-'));
  assert.equal(
    kafkaClusterId(() => draws.shift()!),
    Buffer.alloc(16, 0x01).toString('base64url'),
  );
});

test('the storage is formatted with a cluster id that begins with "-"', async () => {
  const clusterId = Buffer.alloc(16, 0xfb).toString('base64url');
  const dataDir = join(home, 'kafka');
  const libsDir = await fetchServer('kafka');
  await prepareKafka({ libsDir, dataDir, port: await freePort(), controllerPort: await freePort(), clusterId });
  assert.match(readFileSync(join(dataDir, 'logs', 'meta.properties'), 'utf8'), new RegExp(`cluster\\.id=${clusterId}`));
});
