/** The order steps run in: at once when independent, after what they wait for, nothing new after a failure. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dependents, inputs, prerequisites, runInOrder } from './step-order.js';
import { PROVISIONING_STEPS } from './steps.js';

interface Step {
  name: string;
  waits: string[];
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const step = (name: string, ...waits: string[]): Step => ({ name, waits });

/** Runs the steps, each finishing when the test releases it; records what started and when. */
function harness(outcomes: Record<string, 'fail' | 'throw'> = {}) {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const waiting = new Set<() => void>();
  const run = async (s: Step) => {
    started.push(s.name);
    for (const wake of waiting) wake();
    await new Promise<void>((resolve) => release.set(s.name, resolve));
    if (outcomes[s.name] === 'throw') throw new Error(`${s.name} broke`);
    return outcomes[s.name] !== 'fail';
  };
  /** Resolves once `name` has started (a deadline keeps a wrong order from hanging the test). */
  const startedOf = async (name: string) => {
    const deadline = Date.now() + 2_000;
    while (!started.includes(name)) {
      if (Date.now() > deadline) throw new Error(`${name} never started; started: ${started.join(', ')}`);
      await new Promise<void>((resolve) => {
        waiting.add(resolve);
        setTimeout(resolve, 20);
      });
    }
  };
  const finish = (name: string) => release.get(name)!();
  return { started, run, startedOf, finish };
}

test('independent steps start at once; a step starts only when every step it waits for is done', async () => {
  const h = harness();
  const result = runInOrder([step('db'), step('schema', 'db'), step('files'), step('pod', 'db', 'files', 'schema')], (s) => s.waits, h.run);
  await h.startedOf('files');
  assert.deepEqual(h.started, ['db', 'files']);
  h.finish('db');
  await h.startedOf('schema');
  h.finish('schema');
  // Every promise reaction has run by the next turn of the event loop: pod still waits for files.
  await nextTurn();
  assert.deepEqual(h.started, ['db', 'files', 'schema']);
  h.finish('files');
  await h.startedOf('pod');
  h.finish('pod');
  const { done, failed, stopped } = await result;
  assert.deepEqual(
    done.map((s) => s.name),
    ['db', 'schema', 'files', 'pod'],
  );
  assert.equal(failed, false);
  assert.equal(stopped, false);
});

test('after a failure nothing new starts, the running steps are awaited, and what depends on it never runs', async () => {
  const h = harness({ db: 'fail' });
  const result = runInOrder([step('db'), step('files'), step('pod', 'db'), step('late', 'files')], (s) => s.waits, h.run);
  await h.startedOf('files');
  h.finish('db');
  await nextTurn();
  h.finish('files');
  const { done, failed } = await result;
  assert.equal(failed, true);
  assert.deepEqual(
    done.map((s) => s.name),
    ['files'],
  );
  assert.deepEqual(h.started, ['db', 'files']);
});

test('a step that throws is rethrown once the others have finished; mayStart saying no starts nothing more', async () => {
  const h = harness({ db: 'throw' });
  const thrown = runInOrder([step('db'), step('files')], (s) => s.waits, h.run);
  await h.startedOf('files');
  h.finish('db');
  h.finish('files');
  await assert.rejects(thrown, /db broke/);

  const g = harness();
  let asked = 0;
  const stopped = runInOrder(
    [step('db'), step('pod', 'db')],
    (s) => s.waits,
    g.run,
    async () => (asked += 1) === 1,
  );
  await g.startedOf('db');
  g.finish('db');
  const result = await stopped;
  assert.equal(result.stopped, true);
  assert.deepEqual(g.started, ['db']);
});

test('the provisioning steps: the pod waits for the schema too, the schema for the database; a wake by outputs only, a freeze in reverse', () => {
  const of = (name: string) => PROVISIONING_STEPS.find((s) => s.name === name)!;
  assert.ok(prerequisites(of('pod')).includes('schema'));
  assert.deepEqual(prerequisites(of('schema')), ['database']);
  for (const name of ['storage', 'queue', 'mail', 'analytics']) assert.deepEqual(prerequisites(of(name)), [], name);
  assert.deepEqual(inputs(of('pod')), ['database', 'queue', 'storage', 'mail', 'analytics']);
  const lifecycle = PROVISIONING_STEPS.filter((s) => s.freeze);
  const reverse = dependents(lifecycle);
  assert.deepEqual(Object.fromEntries(lifecycle.map((s) => [s.name, reverse(s)])), { database: ['pod'], queue: ['pod'], pod: ['route'], route: [] });
});
