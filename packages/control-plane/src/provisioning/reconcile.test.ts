/**
 * The reconciler on a real Postgres catalog, with steps whose world the test controls: a ready
 * tenant's missing resource is applied again with what depends on it, a spec change re-applies only
 * the steps that read it, a step that cannot be applied is retried with the tenant still ready, and
 * two reconciliations of one tenant never overlap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, type Condition } from '@tenantry/core';
import type { TenantRecord } from '../catalog/tenant-catalog.js';
import type { Observed, PlatformDrivers } from '../drivers.js';
import { useTestCatalog } from '../test-support/test-postgres.js';
import type { ProvisioningStep } from './steps.js';
import { SpecNotMetError } from './steps.js';
import { ProvisioningWorkflow, ReconcileIncompleteError } from './workflow.js';

const db = useTestCatalog();

const drivers = { routing: { reserve: async () => undefined, remove: async () => undefined } } as unknown as PlatformDrivers;
const log = createLogger('test', 'silent');

/** A world of resources the test can break: each step makes one, named after it, holding the name it was made with. */
class World {
  readonly resources = new Map<string, string>();
  readonly applied: string[] = [];
  failing = new Set<string>();
  /** Steps that cannot meet the spec while the tenant has this name. */
  unmeetable = new Map<string, string>();
  running = 0;
  mostAtOnce = 0;
  slowObserveMs = 0;
  /** Steps made again exactly as they were (the same output, e.g. a server found with its password). */
  stable = new Set<string>();
  /** What freezing and waking did, in order ("freeze route", "wake database", …). */
  readonly lifecycle: string[] = [];
  /** Set: the pod step's driver cannot freeze. */
  cannotFreeze = false;
  private made = 0;

  step(name: string, reads: ProvisioningStep['reads'], condition: ProvisioningStep['condition']): ProvisioningStep {
    return {
      name,
      condition,
      reads,
      apply: async (ctx) => {
        this.running += 1;
        this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
        try {
          if (this.failing.has(name)) throw new Error(`${name}: quota exceeded`);
          if (this.unmeetable.get(name) === ctx.tenant.name) throw new SpecNotMetError(`${name}: the name ${ctx.tenant.name} is not allowed`);
          this.resources.set(name, ctx.tenant.name);
          this.applied.push(name);
          // A new output each time (a new password, new ports), unless the step is stable.
          return this.stable.has(name) ? { made: name } : { made: name, time: (this.made += 1) };
        } finally {
          this.running -= 1;
        }
      },
      remove: async () => {
        this.resources.delete(name);
      },
      freeze: async () => {
        if (this.cannotFreeze && name === 'pod') throw new SpecNotMetError('this driver cannot freeze tenants yet');
        this.lifecycle.push(`freeze ${name}`);
      },
      wake: async () => {
        this.lifecycle.push(`wake ${name}`);
      },
      observe: async (): Promise<Observed> => {
        this.running += 1;
        this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
        try {
          if (this.slowObserveMs) await new Promise((resolve) => setTimeout(resolve, this.slowObserveMs));
          return this.resources.has(name) ? { state: 'present' } : { state: 'missing', message: `${name} is gone` };
        } finally {
          this.running -= 1;
        }
      },
    };
  }

  /** database ← pod (reads the name) ← route. */
  steps(): ProvisioningStep[] {
    return [
      this.step('database', { steps: [], spec: ['tier'] }, 'DatabaseReady'),
      this.step('pod', { steps: ['database'], spec: ['name'] }, 'PodReady'),
      this.step('route', { steps: ['pod'], spec: [] }, 'Routed'),
    ];
  }
}

async function readyTenant(slug: string, world: World): Promise<ProvisioningWorkflow> {
  const steps = world.steps();
  await db.catalog.create(
    { slug, name: slug, tier: 'trial' },
    steps.map((s) => s.name),
  );
  const workflow = new ProvisioningWorkflow(db.catalog, drivers, log, { stepAttempts: 2, retryDelayMs: 1 }, steps);
  await workflow.reconcile(slug);
  assert.equal((await db.catalog.get(slug))!.status, 'ready');
  world.applied.length = 0;
  return workflow;
}

function condition(record: TenantRecord, type: Condition['type']): Condition {
  const found = record.conditions.find((c) => c.type === type);
  assert.ok(found, `condition ${type}`);
  return found;
}

test('a new tenant is provisioned by the reconciler: every condition True, the generation observed', async () => {
  const world = new World();
  await readyTenant('rc-new', world);
  const record = (await db.catalog.get('rc-new'))!;
  assert.deepEqual(
    record.conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['DatabaseReady', 'True', 'Applied'],
      ['PodReady', 'True', 'Applied'],
      ['Routed', 'True', 'Applied'],
      ['Reconciled', 'True', 'Provisioned'],
    ],
  );
  assert.equal(record.generation, 1);
  assert.equal(record.observedGeneration, 1);
  assert.deepEqual(record.spec, { name: 'rc-new', tier: 'trial', state: 'active' });
});

test('a ready tenant whose resource went missing gets it back, with what depends on it, and says so', async () => {
  const world = new World();
  const workflow = await readyTenant('rc-drift', world);
  const before = condition((await db.catalog.get('rc-drift'))!, 'PodReady');
  world.resources.delete('pod');
  await workflow.reconcile('rc-drift');
  assert.deepEqual(world.applied, ['pod', 'route'], 'the pod and the route that takes its output; not the database');
  const record = (await db.catalog.get('rc-drift'))!;
  const pod = condition(record, 'PodReady');
  assert.equal(pod.status, 'True');
  assert.equal(pod.reason, 'Repaired');
  assert.match(pod.message, /pod is gone; applied again/);
  assert.ok(pod.lastTransitionTime > before.lastTransitionTime, 'its status went False and back: a new transition time');
  assert.equal(condition(record, 'Routed').reason, 'Repaired');
  assert.match(condition(record, 'Routed').message, /step pod was applied again with a new output, which route takes/);
  assert.equal(condition(record, 'DatabaseReady').reason, 'Observed');
  assert.equal(condition(record, 'Reconciled').status, 'True');

  // Nothing missing: nothing applied, nothing written (so no announcement to live views), and the conditions keep their transition times.
  world.applied.length = 0;
  const version = async () => (await db.catalog.pool.query(`SELECT xmin::text AS v FROM tenants WHERE slug = 'rc-drift'`)).rows[0].v as string;
  await workflow.reconcile('rc-drift');
  const unchanged = await version();
  await workflow.reconcile('rc-drift');
  assert.equal(await version(), unchanged, 'the row was not updated');
  assert.deepEqual(world.applied, []);
  assert.equal(condition((await db.catalog.get('rc-drift'))!, 'DatabaseReady').lastTransitionTime, condition(record, 'DatabaseReady').lastTransitionTime);
});

test('a renamed tenant: the generation counts the change, only the steps that read the name (and their dependants) are applied again', async () => {
  const world = new World();
  const workflow = await readyTenant('rc-rename', world);
  const renamed = (await db.catalog.updateSpec('rc-rename', { name: 'Renamed Inc.' }))!;
  assert.equal(renamed.generation, 2);
  assert.equal(renamed.observedGeneration, 1, 'not converged yet');
  assert.equal((await db.catalog.updateSpec('rc-rename', { name: 'Renamed Inc.' }))!.generation, 2, 'the same name again is no change');
  await workflow.reconcile('rc-rename');
  assert.deepEqual(world.applied, ['pod', 'route']);
  assert.equal(world.resources.get('pod'), 'Renamed Inc.');
  const record = (await db.catalog.get('rc-rename'))!;
  assert.equal(record.observedGeneration, 2);
  assert.equal(condition(record, 'PodReady').reason, 'Updated');
  assert.match(condition(record, 'PodReady').message, /the spec's name changed/);
});

test('a step that cannot be applied again: the tenant stays ready, its condition says why, and the job is retried', async () => {
  const world = new World();
  const workflow = await readyTenant('rc-fail', world);
  world.resources.delete('database');
  world.failing.add('database');
  await assert.rejects(workflow.reconcile('rc-fail'), ReconcileIncompleteError);
  let record = (await db.catalog.get('rc-fail'))!;
  assert.equal(record.status, 'ready', 'what still runs keeps running');
  assert.equal(condition(record, 'DatabaseReady').status, 'False');
  assert.equal(condition(record, 'DatabaseReady').reason, 'ApplyFailed');
  assert.match(condition(record, 'DatabaseReady').message, /database is gone; applying again failed: database: quota exceeded/);
  assert.equal(condition(record, 'Reconciled').status, 'False');
  assert.deepEqual(world.applied, [], 'nothing after the failed step was applied');

  world.failing.clear();
  await workflow.reconcile('rc-fail');
  record = (await db.catalog.get('rc-fail'))!;
  assert.equal(condition(record, 'DatabaseReady').status, 'True');
  assert.equal(condition(record, 'Reconciled').status, 'True');
  assert.deepEqual(world.applied, ['database', 'pod', 'route']);
});

test('two reconciliations of one tenant never run at once', async () => {
  const world = new World();
  const workflow = await readyTenant('rc-once', world);
  const other = new ProvisioningWorkflow(db.catalog, drivers, log, { stepAttempts: 2, retryDelayMs: 1 }, world.steps());
  world.slowObserveMs = 20;
  world.mostAtOnce = 0;
  world.resources.delete('route');
  await Promise.all([workflow.reconcile('rc-once'), other.reconcile('rc-once'), workflow.reconcile('rc-once')]);
  assert.equal(world.mostAtOnce, 1, 'one observe or apply at a time');
  assert.deepEqual(world.applied, ['route'], 'the first repaired it; the others found it present');
});

test('a spec that cannot be met: not retried, its conditions say why, left alone by resyncs until the spec changes, while the rest is still repaired', async () => {
  const world = new World();
  const workflow = await readyTenant('rc-unmet', world);
  world.unmeetable.set('pod', 'Forbidden Name');
  await db.catalog.updateSpec('rc-unmet', { name: 'Forbidden Name' });
  await workflow.reconcile('rc-unmet');
  assert.deepEqual(world.applied, [], 'one attempt, no retry');
  let record = (await db.catalog.get('rc-unmet'))!;
  assert.equal(record.status, 'ready');
  assert.equal(condition(record, 'PodReady').reason, 'SpecNotMet');
  assert.match(condition(record, 'PodReady').message, /the spec's name changed; pod: the name Forbidden Name is not allowed/);
  assert.equal(condition(record, 'Reconciled').reason, 'SpecNotMet');
  assert.equal(record.observedGeneration, 1);
  assert.match((await db.catalog.logs.read('rc-unmet', 'pod'))!.lines.at(-1)!.line, /no retry can help/);

  const attemptsBefore = (await db.catalog.get('rc-unmet'))!.steps.find((s) => s.name === 'pod')!.attempts;
  await workflow.reconcile('rc-unmet');
  assert.equal((await db.catalog.get('rc-unmet'))!.steps.find((s) => s.name === 'pod')!.attempts, attemptsBefore, 'a resync tries nothing');

  // Drift elsewhere is still repaired, with what the unmet step made before (the pod keeps running).
  world.resources.delete('route');
  await workflow.reconcile('rc-unmet');
  assert.deepEqual(world.applied, ['route']);
  record = (await db.catalog.get('rc-unmet'))!;
  assert.equal(condition(record, 'Routed').reason, 'Repaired');
  assert.equal(condition(record, 'PodReady').reason, 'SpecNotMet');
  assert.equal(condition(record, 'Reconciled').reason, 'SpecNotMet');
  assert.match(condition(record, 'Reconciled').message, /step pod cannot meet the spec; change the spec; applied again: route/);
  assert.equal(record.observedGeneration, 1);
  assert.equal(record.steps.find((s) => s.name === 'pod')!.attempts, attemptsBefore);

  await db.catalog.updateSpec('rc-unmet', { name: 'Allowed Name' });
  await workflow.reconcile('rc-unmet');
  record = (await db.catalog.get('rc-unmet'))!;
  assert.equal(condition(record, 'Reconciled').status, 'True');
  assert.equal(record.observedGeneration, 3);
  assert.equal(world.resources.get('pod'), 'Allowed Name');
});

test('a step made again exactly as it was (the same output) leaves the steps that take its output alone', async () => {
  const world = new World();
  world.stable.add('database');
  const workflow = await readyTenant('rc-same', world);
  world.resources.delete('database');
  await workflow.reconcile('rc-same');
  assert.deepEqual(world.applied, ['database'], 'the pod and the route keep running as they are');
  const record = (await db.catalog.get('rc-same'))!;
  assert.equal(condition(record, 'DatabaseReady').reason, 'Repaired');
  assert.equal(condition(record, 'PodReady').reason, 'Observed');
  assert.match(condition(record, 'Reconciled').message, /^applied again: database$/);
});

test('state frozen: each step frozen, route first, the phase frozen; state active: woken in order, then converged', async () => {
  const world = new World();
  const workflow = await readyTenant('rc-freeze', world);
  await db.catalog.updateSpec('rc-freeze', { state: 'frozen' });
  await workflow.reconcile('rc-freeze');
  let record = (await db.catalog.get('rc-freeze'))!;
  assert.equal(record.status, 'frozen');
  assert.deepEqual(world.lifecycle, ['freeze route', 'freeze pod', 'freeze database']);
  assert.deepEqual([condition(record, 'Frozen').status, condition(record, 'Frozen').reason], ['True', 'Frozen']);
  assert.equal(record.observedGeneration, 2);

  await workflow.reconcile('rc-freeze');
  assert.equal(world.lifecycle.length, 3, 'a resync of a frozen tenant does nothing');
  assert.deepEqual(world.applied, [], 'nor observes or applies');

  await db.catalog.updateSpec('rc-freeze', { state: 'active' });
  await workflow.reconcile('rc-freeze');
  record = (await db.catalog.get('rc-freeze'))!;
  assert.equal(record.status, 'ready');
  assert.deepEqual(world.lifecycle.slice(3), ['wake database', 'wake pod', 'wake route']);
  assert.deepEqual([condition(record, 'Frozen').status, condition(record, 'Frozen').reason], ['False', 'Woken']);
  assert.equal(condition(record, 'Reconciled').reason, 'Converged');
  assert.equal(record.observedGeneration, 3);
});

test('a driver that cannot freeze: the condition says so, the tenant keeps running, and no resync tries again until the spec changes', async () => {
  const world = new World();
  world.cannotFreeze = true;
  const workflow = await readyTenant('rc-nofreeze', world);
  await db.catalog.updateSpec('rc-nofreeze', { state: 'frozen' });
  await workflow.reconcile('rc-nofreeze');
  let record = (await db.catalog.get('rc-nofreeze'))!;
  assert.equal(record.status, 'ready');
  assert.deepEqual([condition(record, 'Frozen').status, condition(record, 'Frozen').reason], ['False', 'SpecNotMet']);
  assert.match(condition(record, 'Frozen').message, /step pod could not freeze: this driver cannot freeze tenants yet/);
  assert.deepEqual(world.lifecycle, ['freeze route', 'wake route'], 'stopped at the step that cannot, and what was frozen woken back');
  await workflow.reconcile('rc-nofreeze');
  assert.equal(world.lifecycle.length, 2, 'not tried again');
  await db.catalog.updateSpec('rc-nofreeze', { state: 'active' });
  await workflow.reconcile('rc-nofreeze');
  record = (await db.catalog.get('rc-nofreeze'))!;
  assert.equal(record.status, 'ready');
  assert.equal(condition(record, 'Reconciled').reason, 'Converged');
});
