/** Tasks run one after another, in order; a failed one neither stops the next nor hides its own error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oneAtATime } from './one-at-a-time.js';

test('each task starts once the one before it settled, a failure included, and each caller gets its own outcome', async () => {
  const run = oneAtATime();
  const events: string[] = [];
  const task =
    (name: string, fail = false) =>
    async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`end ${name}`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
  const results = await Promise.allSettled([run(task('a')), run(task('b', true)), run(task('c'))]);
  assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ['a', 'b failed', 'c'],
  );
});
