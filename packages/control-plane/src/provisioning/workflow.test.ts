/** The workflow's step logs on a real Postgres catalog: progress in order, retries and removals visible. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor, type Logger } from '@tenantry/core';
import { StepLogs, type NewStepLogLine } from '../catalog/step-logs.js';
import { TenantCatalog } from '../catalog/tenant-catalog.js';
import type { PlatformDrivers } from '../drivers.js';
import { useTestCatalog } from '../test-support/test-postgres.js';
import type { ProvisioningStep } from './steps.js';
import { DeprovisioningIncompleteError, ProvisioningWorkflow } from './workflow.js';

const db = useTestCatalog();

/** Step logs whose appends can be made to fail, to show a step never sees that. */
class FlakyStepLogs extends StepLogs {
  failAppendsWith: string | undefined;

  override async append(slug: string, step: string, lines: readonly NewStepLogLine[], dropped = 0): Promise<void> {
    if (this.failAppendsWith && lines.some((l) => (typeof l === 'string' ? l : l.line).includes(this.failAppendsWith!))) {
      throw new Error('the catalog is unreachable');
    }
    return super.append(slug, step, lines, dropped);
  }
}

class FlakyLogCatalog extends TenantCatalog {
  override readonly logs = new FlakyStepLogs(this.pool);
}

/** Keeps what the workflow logs, at any depth of child loggers. */
function recordingLogger(): { log: Logger; warnings: { fields: Record<string, unknown>; message: string }[] } {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const log = {
    child: () => log,
    info: () => undefined,
    error: () => undefined,
    warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
  };
  return { log: log as unknown as Logger, warnings };
}

/** A test step: the reconciler's parts (condition, reads, observe) filled in unless given. */
function testStep(parts: Pick<ProvisioningStep, 'name' | 'apply' | 'remove'> & Partial<ProvisioningStep>): ProvisioningStep {
  return { condition: 'PodReady', reads: { steps: [], spec: [] }, observe: async () => ({ state: 'present' }), ...parts };
}

const drivers = { routing: { reserve: async () => undefined, remove: async () => undefined } } as unknown as PlatformDrivers;

function workflow(steps: ProvisioningStep[], log = recordingLogger().log, on: TenantCatalog = db.catalog): ProvisioningWorkflow {
  return new ProvisioningWorkflow(on, drivers, log, { stepAttempts: 3, retryDelayMs: 1 }, steps);
}

async function create(slug: string, steps: ProvisioningStep[], on: TenantCatalog = db.catalog): Promise<void> {
  await on.create(
    { slug, name: slug, tier: 'trial' },
    steps.map((s) => s.name),
  );
}

async function lines(slug: string, step: string): Promise<string[]> {
  return ((await db.catalog.logs.read(slug, step))?.lines ?? []).map((l) => l.line);
}

test('many quick progress lines are kept in the order reported, however the pool spreads the appends', async () => {
  const streamed: ProvisioningStep = testStep({
    name: 'stream',
    apply: async (ctx) => {
      for (let i = 0; i < 3000; i += 1) {
        ctx.progress(`line ${i}`);
        // Now and then let appends start, so many run while more lines arrive.
        if (i % 97 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      return { streamed: true };
    },
    remove: async () => undefined,
  });
  await create('wf-stream', [streamed]);
  await workflow([streamed]).provision('wf-stream');

  assert.equal(await db.catalog.phase('wf-stream'), 'ready');
  const log = await lines('wf-stream', 'stream');
  assert.equal(log[0], 'attempt 1 of 3');
  assert.deepEqual(
    log.slice(1, -1),
    Array.from({ length: 3000 }, (_, i) => `line ${i}`),
  );
  assert.match(log.at(-1)!, /^done in \d+ ms$/);
  const step = (await db.catalog.get('wf-stream'))!.steps[0]!;
  assert.equal(step.state, 'done');
  assert.equal(step.detail, log.at(-1));
});

test('a tenant deleted during its last step is not marked ready: the next reconciliation removes it', async () => {
  const made = new Set<string>();
  const last: ProvisioningStep = testStep({
    name: 'last',
    apply: async () => {
      made.add('last');
      // The API's DELETE arrives while the step runs.
      await db.catalog.markDeprovisioning('wf-late-delete');
      return {};
    },
    remove: async () => {
      made.delete('last');
    },
  });
  await create('wf-late-delete', [last]);
  await workflow([last]).reconcile('wf-late-delete');
  assert.equal(await db.catalog.phase('wf-late-delete'), 'deprovisioning');

  await workflow([last]).reconcile('wf-late-delete');
  assert.equal(await db.catalog.get('wf-late-delete'), undefined);
  assert.equal(made.size, 0);
});

test("a retried step's log shows the failed attempt, why it failed, and the retry", async () => {
  let calls = 0;
  const flaky: ProvisioningStep = testStep({
    name: 'flaky',
    apply: async (ctx) => {
      calls += 1;
      ctx.progress(`connecting (call ${calls})`);
      if (calls === 1) throw new Error('connection refused');
      ctx.progress('connected');
      return {};
    },
    remove: async () => undefined,
  });
  await create('wf-retry', [flaky]);
  await workflow([flaky]).provision('wf-retry');

  assert.equal(await db.catalog.phase('wf-retry'), 'ready');
  const log = await lines('wf-retry', 'flaky');
  assert.deepEqual(log.slice(0, -1), [
    'attempt 1 of 3',
    'connecting (call 1)',
    'attempt 1 of 3 failed: connection refused',
    'retrying in 1 ms',
    'attempt 2 of 3',
    'connecting (call 2)',
    'connected',
  ]);
  assert.match(log.at(-1)!, /^done in \d+ ms$/);
  assert.equal((await db.catalog.get('wf-retry'))!.steps[0]!.attempts, 2);
});

test('a step that keeps failing shows every attempt, then the clean-up of every step', async () => {
  const made: ProvisioningStep = testStep({
    name: 'made',
    apply: async (ctx) => {
      ctx.progress('making');
      return {};
    },
    remove: async (ctx) => ctx.progress('deleting what was made'),
  });
  const broken: ProvisioningStep = testStep({
    name: 'broken',
    apply: async () => {
      throw new Error('quota exceeded');
    },
    remove: async () => undefined,
  });
  await create('wf-failed', [made, broken]);
  await workflow([made, broken]).provision('wf-failed');

  const tenant = (await db.catalog.get('wf-failed'))!;
  assert.equal(tenant.status, 'failed');
  const brokenLog = await lines('wf-failed', 'broken');
  assert.deepEqual(brokenLog.slice(0, -1), [
    'attempt 1 of 3',
    'attempt 1 of 3 failed: quota exceeded',
    'retrying in 1 ms',
    'attempt 2 of 3',
    'attempt 2 of 3 failed: quota exceeded',
    'retrying in 2 ms',
    'attempt 3 of 3',
    'attempt 3 of 3 failed: quota exceeded',
    'removing: provisioning failed at step broken',
  ]);
  assert.match(brokenLog.at(-1)!, /^removed in \d+ ms$/);
  const madeLog = await lines('wf-failed', 'made');
  assert.deepEqual(madeLog.slice(-3, -1), ['removing: provisioning failed at step broken', 'deleting what was made']);
  assert.match(madeLog.at(-1)!, /^removed in \d+ ms$/);
  assert.equal(madeLog[1], 'making', 'the log keeps what the step did before it was removed');
  assert.equal(tenant.steps.find((s) => s.name === 'broken')!.error, 'quota exceeded');

  // Retrying the tenant keeps the log: the new attempt follows the old ones.
  await db.catalog.retry('wf-failed');
  assert.equal((await lines('wf-failed', 'broken')).length, 10);
});

test('removal progress and a failed removal are in the log of a tenant being deleted', async () => {
  const stuck: ProvisioningStep = testStep({
    name: 'stuck',
    apply: async () => ({}),
    remove: async (ctx) => {
      ctx.progress('terraform destroy');
      throw new Error('state lock held by another run');
    },
  });
  await create('wf-delete', [stuck]);
  const flow = workflow([stuck]);
  await flow.provision('wf-delete');
  await db.catalog.markDeprovisioning('wf-delete');
  await assert.rejects(flow.deprovision('wf-delete'), DeprovisioningIncompleteError);

  assert.deepEqual((await lines('wf-delete', 'stuck')).slice(-3), [
    'removing: the tenant is being deleted',
    'terraform destroy',
    'removal failed: state lock held by another run',
  ]);
});

test('an append that fails is a warning, and the step goes on', async () => {
  const flakyCatalog = new FlakyLogCatalog(db.server.adminUrl);
  try {
    flakyCatalog.logs.failAppendsWith = 'unlucky';
    const { log, warnings } = recordingLogger();
    const step: ProvisioningStep = testStep({
      name: 'unlucky',
      apply: async (ctx) => {
        ctx.progress('before');
        // Lines reported together are appended together: this one waits for the first append.
        ctx.progress('an unlucky line');
        await new Promise((resolve) => setTimeout(resolve, 50));
        ctx.progress('after');
        return {};
      },
      remove: async () => undefined,
    });
    await create('wf-warn', [step], flakyCatalog);
    await workflow([step], log, flakyCatalog).provision('wf-warn');

    assert.equal(await flakyCatalog.phase('wf-warn'), 'ready');
    assert.ok(warnings.some((w) => w.message === 'could not record progress' && w.fields.step === 'unlucky' && w.fields.err === 'the catalog is unreachable'));
    const log2 = await lines('wf-warn', 'unlucky');
    assert.ok(!log2.includes('an unlucky line'));
    assert.ok(log2.includes('after'));
  } finally {
    await flakyCatalog.close();
  }
});

test('new tenants take turns: the next starts once one serves, not when its later programs are up; one deleted while it waited is removed, never made', async () => {
  const events: string[] = [];
  const served = new Map<string, () => void>();
  const later = new Map<string, () => void>();
  const pod: ProvisioningStep = testStep({
    name: 'pod',
    apply: async (ctx) => {
      const slug = ctx.tenant.slug;
      events.push(`start ${slug}`);
      // Serves when the test says so, then waits for its programs started later.
      await new Promise<void>((resolve) => served.set(slug, resolve));
      events.push(`served ${slug}`);
      ctx.served();
      await new Promise<void>((resolve) => later.set(slug, resolve));
      events.push(`up ${slug}`);
      return {};
    },
    remove: async () => undefined,
  });
  const turns = new ProvisioningWorkflow(db.catalog, drivers, recordingLogger().log, { stepAttempts: 1, retryDelayMs: 1, startsAtOnce: 1 }, [pod]);
  const slugs = ['wf-turn-a', 'wf-turn-b', 'wf-turn-c'];
  for (const slug of slugs) await create(slug, [pod]);
  // c is deleted before its turn comes (after a's and b's).
  await db.catalog.markDeprovisioning('wf-turn-c');
  const runs = slugs.map((slug) => turns.reconcile(slug));
  // The reconciliations ask for their turn in whatever order their reads finish: a or b goes first.
  const started = (except?: string) =>
    waitFor(() => [...served.keys()].find((slug) => slug !== except), { what: `a tenant${except ? ' other than ' + except : ''} to start`, timeoutMs: 5000 });
  const first = await started();
  assert.equal(served.size, 1, 'one turn: nobody else starts before it serves');
  served.get(first)!();
  const second = await started(first);
  served.get(second)!();
  for (const slug of [first, second]) (await waitFor(() => later.get(slug), { what: `${slug} to serve`, timeoutMs: 5000 }))();
  await Promise.all(runs);
  assert.deepEqual(events.filter((e) => e.startsWith('start')).sort(), ['start wf-turn-a', 'start wf-turn-b'], 'c was never made');
  assert.ok(events.indexOf(`served ${first}`) < events.indexOf(`start ${second}`), 'the second waited for the first to serve');
  assert.ok(events.indexOf(`up ${first}`) > events.indexOf(`start ${second}`), 'and not for its programs started later');
  assert.equal(await db.catalog.phase('wf-turn-a'), 'ready');
  assert.equal(await db.catalog.phase('wf-turn-b'), 'ready');
  assert.equal(await db.catalog.get('wf-turn-c'), undefined);
});
