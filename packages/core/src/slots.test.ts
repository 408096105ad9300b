/** Slots: at most N holders, waiters served in order, a slot given back once however often its release is called. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Slots } from './slots.js';

const settled = () => new Promise((resolve) => setImmediate(resolve));

test('at most N hold a slot; the others get one in the order they asked, as slots are given back', async () => {
  const slots = new Slots(2);
  const order: string[] = [];
  const a = await slots.take();
  const b = await slots.take();
  const waiting = ['c', 'd'].map((name) => slots.take().then((release) => (order.push(name), release)));
  await settled();
  assert.deepEqual(order, [], 'both slots are held');
  a();
  a();
  await settled();
  assert.deepEqual(order, ['c'], 'a second release of the same slot frees nothing more');
  b();
  const [c, d] = await Promise.all(waiting);
  assert.deepEqual(order, ['c', 'd']);
  c!();
  d!();
  const again = await Promise.all([slots.take(), slots.take()]);
  assert.equal(again.length, 2, 'every slot is free again');
});

test('a number of slots below one is refused', () => {
  assert.throws(() => new Slots(0), /at least 1/);
});
