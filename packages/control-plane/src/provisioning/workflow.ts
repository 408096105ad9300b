/**
 * @module The tenant reconciler: brings each tenant from what it is to what its spec asks, one step
 * at a time. A new tenant is provisioned (steps in order, logs, retries, cleaned up on failure); a
 * ready one is observed step by step, and what is missing, broken or made for an older spec is
 * applied again; a deleted one is removed. Level-triggered and safe to run again at any time: the
 * queue runs it on every change and on a periodic resync, never twice at once for one tenant.
 */
import { isDeepStrictEqual } from 'node:util';
import { Slots, delay, errorMessage, type Logger, type ReleaseSlot, type TenantSpec, type TenantStatus } from '@tenantry/core';
import type { StepLogSink } from '../catalog/step-logs.js';
import type { StepOutput, TenantRecord } from '../catalog/tenant-catalog.js';
import type { ConditionReport, StatusUpdate, TenantStatusWriter } from '../catalog/tenant-status.js';
import type { Observed, PlatformDrivers, ProgressReporter, TenantRef } from '../drivers.js';
import { StepLogWriter } from './step-log.js';
import { dependents, inputs, prerequisites, runInOrder } from './step-order.js';
import { PROVISIONING_STEPS, SpecNotMetError, type ProvisioningStep, type StepContext } from './steps.js';

export interface WorkflowOptions {
  /** Attempts per step before the tenant is marked failed. @defaultValue 3 */
  stepAttempts?: number;
  /** Delay before the second attempt; doubles each time. @defaultValue 250 */
  retryDelayMs?: number;
  /**
   * New tenants whose steps run at once: the others wait their turn, first come first served. A tenant gives
   * its turn back once its pod serves (StepContext.served), not when the programs its pod starts later are
   * up, so that a burst of creations is served in order rather than all of them slowly. @defaultValue no limit
   */
  startsAtOnce?: number;
}

/** Thrown when deprovisioning could not remove everything; the queue retries the job later. */
export class DeprovisioningIncompleteError extends Error {}

/** Why a step must be applied again: a condition's reason and message. */
interface Staleness {
  reason: 'InputChanged' | 'NotApplied' | 'SpecChanged' | 'Missing' | 'Unhealthy';
  message: string;
}

/** Thrown when a ready tenant could not be brought to its spec; the queue retries the job with backoff. */
export class ReconcileIncompleteError extends Error {}

/**
 * What the reconciler needs of the catalog: one tenant's spec, status and step outputs read, its lock,
 * and status written through one interface (`status`), progress through another (`logs`).
 */
export interface ReconcilerCatalog {
  withTenantLock<T>(slug: string, work: () => Promise<T>): Promise<T>;
  get(slug: string): Promise<TenantRecord | undefined>;
  /** The phase alone, checked between provisioning steps (a delete may have come in). */
  phase(slug: string): Promise<TenantStatus | undefined>;
  stepOutputs(slug: string): Promise<Map<string, StepOutput>>;
  /** Forgets a tenant once everything it had is removed. */
  remove(slug: string): Promise<void>;
  readonly status: TenantStatusWriter;
  readonly logs: StepLogSink;
}

export class ProvisioningWorkflow {
  private readonly stepAttempts: number;
  private readonly retryDelayMs: number;
  private readonly starts: Slots | undefined;
  /** The turn each tenant being provisioned holds, by slug. */
  private readonly turns = new Map<string, ReleaseSlot>();

  constructor(
    private readonly catalog: ReconcilerCatalog,
    private readonly drivers: PlatformDrivers,
    private readonly log: Logger,
    options: WorkflowOptions = {},
    private readonly steps: readonly ProvisioningStep[] = PROVISIONING_STEPS,
  ) {
    this.stepAttempts = options.stepAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.starts = options.startsAtOnce === undefined ? undefined : new Slots(options.startsAtOnce);
  }

  /**
   * Takes the next steps toward the tenant's spec, whatever its phase: provisions a new one, converges
   * a ready one, removes a deleted one (a failed one waits for a retry). One at a time per tenant.
   */
  async reconcile(slug: string): Promise<void> {
    await this.catalog.withTenantLock(slug, async () => {
      let record = await this.catalog.get(slug);
      while (record) {
        await this.act(record);
        // A spec changed meanwhile is acted on too, before the lock is let go.
        const after: TenantRecord | undefined = await this.catalog.get(slug);
        record = after && after.generation !== record.generation && (after.status === 'ready' || after.status === 'frozen') ? after : undefined;
      }
    });
  }

  /** One pass toward the spec, by phase; a failed tenant waits for a retry. */
  private async act(record: TenantRecord): Promise<void> {
    switch (record.status) {
      case 'pending':
      case 'provisioning':
        return this.provisionInTurn(record);
      case 'ready':
        return record.spec.state === 'frozen' ? this.freezeLocked(record) : this.converge(record);
      case 'frozen': {
        if (record.spec.state !== 'active') return;
        // A wake takes a turn as a new tenant does: it ends once the pod serves.
        await this.inTurn(record.slug, () => this.wakeLocked(record));
        const woken = await this.catalog.get(record.slug);
        if (woken?.status === 'ready') await this.converge(woken);
        return;
      }
      case 'deprovisioning':
        return this.deprovisionLocked(record);
      case 'failed':
        return;
    }
  }

  /**
   * Freezes a ready tenant whose spec says frozen: each step's `freeze`, last step first (the route
   * first, so the gateway holds requests before anything stops), then the phase is frozen. A driver
   * that cannot freeze (SpecNotMetError) is not retried until the spec changes.
   */
  private async freezeLocked(record: TenantRecord): Promise<void> {
    const { slug } = record;
    const frozen = record.conditions.find((c) => c.type === 'Frozen');
    if (frozen?.reason === 'SpecNotMet' && frozen.observedGeneration === record.generation) return;
    const started = performance.now();
    if (!(await this.lifecycle(record, 'freeze'))) return;
    const ms = Math.round(performance.now() - started);
    await this.catalog.status.update(slug, {
      phase: { to: 'frozen', from: ['ready'] },
      observed: observed(
        record,
        [
          { type: 'Frozen', status: 'True', reason: 'Frozen', message: `frozen in ${ms} ms: nothing of the tenant runs; its first request wakes it` },
          { type: 'Reconciled', status: 'True', reason: 'Frozen', message: 'frozen, as the spec asks' },
        ],
        true,
      ),
    });
    this.log.child({ tenant: slug }).info({ ms }, 'tenant frozen');
  }

  /** Wakes a frozen tenant whose spec says active: each step's `wake`, in order (the route last), then the phase is ready. */
  private async wakeLocked(record: TenantRecord): Promise<void> {
    const started = performance.now();
    if (!(await this.lifecycle(record, 'wake'))) return;
    const ms = Math.round(performance.now() - started);
    await this.catalog.status.update(record.slug, {
      phase: { to: 'ready', from: ['frozen'] },
      observed: observed(record, [{ type: 'Frozen', status: 'False', reason: 'Woken', message: `woken in ${ms} ms` }]),
    });
    this.log.child({ tenant: record.slug }).info({ ms }, 'tenant woken');
  }

  /**
   * Runs one lifecycle operation of every step that has it, each reported in its step's log; true when all
   * are done. A wake runs in the steps' order (a step once those it waits for are woken, the database and
   * the queue at once), a freeze in the reverse order. A failure sets the Frozen condition: a spec that cannot be met
   * is terminal (false: the job ends, and a half-done freeze is woken back, so nothing is left held),
   * anything else is thrown for the queue to retry.
   */
  private async lifecycle(record: TenantRecord, operation: 'freeze' | 'wake'): Promise<boolean> {
    const { slug } = record;
    const tenant = toRef(record);
    const recorded = await this.catalog.stepOutputs(slug);
    const outputs = new Map([...recorded].filter(([, o]) => o.state === 'done').map(([name, o]) => [name, o.output]));
    let failure: { step: ProvisioningStep; err: unknown; message: string } | undefined;
    const withOperation = this.steps.filter((step) => step[operation]);
    const run = await runInOrder(withOperation, operation === 'wake' ? inputs : dependents(withOperation), async (step) => {
      const stepLog = new StepLogWriter(this.catalog.logs, slug, step.name, this.log);
      const started = Date.now();
      stepLog.write(operation === 'freeze' ? 'freezing' : 'waking');
      try {
        await step[operation]?.(this.context(tenant, outputs, (message) => stepLog.write(message)));
        stepLog.write(`${operation === 'freeze' ? 'frozen' : 'woken'} in ${Date.now() - started} ms`);
        await stepLog.flush();
        return true;
      } catch (err) {
        const message = `step ${step.name} could not ${operation}: ${errorMessage(err)}`;
        stepLog.write(message);
        await stepLog.flush();
        failure ??= { step, err, message };
        return false;
      }
    });
    if (!failure) return true;
    const { step, err, message } = failure;
    const terminal = err instanceof SpecNotMetError;
    const reason = terminal ? 'SpecNotMet' : operation === 'freeze' ? 'FreezeFailed' : 'WakeFailed';
    await this.catalog.status.update(slug, {
      observed: observed(record, [
        { type: 'Frozen', status: operation === 'freeze' ? 'False' : 'True', reason, message },
        { type: 'Reconciled', status: 'False', reason, message: terminal ? `${message}; change the spec` : `${message}; retrying` },
      ]),
    });
    if (!terminal) throw new ReconcileIncompleteError(`tenant ${slug}: ${message}`);
    this.log.child({ tenant: slug }).error({ step: step.name, err: errorMessage(err) }, 'the spec cannot be met');
    if (operation === 'freeze') {
      for (const frozen of run.done.reverse()) await frozen.wake?.(this.context(tenant, outputs, () => undefined));
    }
    return false;
  }

  /** Brings a pending or interrupted tenant to ready, resuming after the last step done. */
  async provision(slug: string): Promise<void> {
    await this.catalog.withTenantLock(slug, async () => {
      const record = await this.catalog.get(slug);
      if (record && (record.status === 'pending' || record.status === 'provisioning')) await this.provisionInTurn(record);
    });
  }

  /**
   * Runs `work` in the tenant's turn to start, first come first served; the turn is given back when the
   * tenant serves (StepContext.served), or at the end.
   */
  private async inTurn(slug: string, work: () => Promise<void>): Promise<void> {
    const release = await this.starts?.take();
    if (!release) return work();
    this.turns.set(slug, release);
    try {
      await work();
    } finally {
      release();
      this.turns.delete(slug);
    }
  }

  /** Provisions in the tenant's turn, read again then: it may have been deleted while it waited. */
  private provisionInTurn(record: TenantRecord): Promise<void> {
    return this.inTurn(record.slug, async () => {
      const current = this.starts ? await this.catalog.get(record.slug) : record;
      if (current?.status === 'pending' || current?.status === 'provisioning') await this.provisionLocked(current);
      else if (current) {
        this.turns.get(record.slug)?.();
        await this.act(current);
      }
    });
  }

  private async provisionLocked(record: TenantRecord): Promise<void> {
    const slug = record.slug;
    const tenant = toRef(record);
    const log = this.log.child({ tenant: slug });
    await this.catalog.status.update(slug, { phase: { to: 'provisioning', from: ['pending', 'provisioning'] } });
    await this.drivers.routing.reserve(tenant);
    const recorded = await this.catalog.stepOutputs(slug);
    const outputs = new Map([...recorded].filter(([, o]) => o.state === 'done').map(([name, o]) => [name, o.output]));
    let failure: { step: ProvisioningStep; error: string } | undefined;
    const run = await runInOrder(
      this.steps.filter((step) => !outputs.has(step.name)),
      (step) => [...prerequisites(step), ...(this.drivers.order?.[step.name] ?? [])],
      async (step) => {
        const result = await this.attempt(step, tenant, record.spec, outputs, log);
        if (result.ok) outputs.set(step.name, result.output);
        else failure ??= { step, error: result.error };
        return result.ok;
      },
      async () => {
        const status = await this.catalog.phase(slug);
        if (status !== 'provisioning') log.info({ status }, 'provisioning stopped: the tenant changed status');
        return status === 'provisioning';
      },
    );
    if (run.stopped) return;
    if (failure) {
      const { step, error } = failure;
      await this.catalog.status.stepFailed(slug, step.name, error);
      log.error({ step: step.name, err: error }, 'step failed; cleaning up');
      await this.removeAll(tenant, log, step.name);
      await this.catalog.status.update(slug, {
        phase: { to: 'failed', error: `step ${step.name} failed: ${error}`, from: ['provisioning'] },
        observed: observed(record, [
          { type: step.condition, status: 'False', reason: 'ApplyFailed', message: error },
          { type: 'Reconciled', status: 'False', reason: 'ProvisioningFailed', message: `step ${step.name} failed; everything made was removed` },
        ]),
      });
      return;
    }
    // Only from provisioning: a tenant deleted during its last step stays marked for deletion.
    await this.catalog.status.update(slug, {
      phase: { to: 'ready', from: ['provisioning'] },
      observed: observed(
        record,
        [
          ...this.steps.map((step): ConditionReport => ({ type: step.condition, status: 'True', reason: 'Applied', message: `step ${step.name} done` })),
          { type: 'Reconciled', status: 'True', reason: 'Provisioned', message: 'every step done' },
        ],
        true,
      ),
    });
    log.info('tenant ready');
  }

  /**
   * Converges a ready tenant, step by step in order: observes each step's resource, and applies the
   * step again when its resource is missing or unhealthy, its recorded output is gone, a spec field it
   * reads changed, or a step it takes output from was just applied again with a new output. Each
   * condition says what was seen or done; observedGeneration follows the spec once every step holds.
   * A step that cannot be applied leaves the tenant ready (what runs keeps running) with a False
   * condition, and the job is retried with backoff. A step that cannot meet the spec (SpecNotMetError)
   * is left alone until the spec changes; the other steps are still observed and repaired.
   */
  private async converge(record: TenantRecord): Promise<void> {
    const { slug } = record;
    // Steps found unable to meet this spec wait for the next spec, not for the next resync; the others are still repaired.
    const unmet = new Set(
      record.conditions.filter((c) => c.type !== 'Reconciled' && c.reason === 'SpecNotMet' && c.observedGeneration === record.generation).map((c) => c.type),
    );
    const tenant = toRef(record);
    const log = this.log.child({ tenant: slug });
    const recorded = await this.catalog.stepOutputs(slug);
    // What an unmet step made before keeps running: the steps that take its output go on taking it.
    const outputs = new Map(
      [...recorded].filter(([name, o]) => o.state === 'done' || (o.output !== null && this.unmetStep(name, unmet))).map(([name, o]) => [name, o.output]),
    );
    // Steps whose output changed in this run: a step that takes one of them is applied again too.
    const changed = new Set<string>();
    const applied: string[] = [];
    const held: ConditionReport[] = [];
    const unmeetable: string[] = [];
    for (const step of this.steps) {
      if (unmet.has(step.condition)) {
        unmeetable.push(step.name);
        continue;
      }
      const before = recorded.get(step.name);
      const why = await this.staleness(step, tenant, record.spec, before, changed, outputs);
      if (!why) {
        held.push({ type: step.condition, status: 'True', reason: 'Observed', message: `step ${step.name}: present` });
        continue;
      }
      // What was seen goes in before anything is changed: a reader learns what is being repaired.
      await this.catalog.status.update(slug, {
        observed: observed(record, [
          { type: step.condition, status: 'False', reason: why.reason, message: why.message },
          { type: 'Reconciled', status: 'False', reason: 'Repairing', message: `applying step ${step.name} again` },
        ]),
      });
      log.warn({ step: step.name, reason: why.reason, message: why.message }, 'applying a step again');
      const result = await this.attempt(step, tenant, record.spec, outputs, log);
      if (!result.ok && result.terminal) {
        // Not retried: resyncs leave this step alone until the spec changes, and go on with the others.
        await this.catalog.status.stepFailed(slug, step.name, result.error);
        await this.catalog.status.update(slug, {
          observed: observed(record, [{ type: step.condition, status: 'False', reason: 'SpecNotMet', message: `${why.message}; ${result.error}` }]),
        });
        log.error({ step: step.name, err: result.error }, 'the spec cannot be met');
        unmeetable.push(step.name);
        continue;
      }
      if (!result.ok) {
        await this.catalog.status.stepFailed(slug, step.name, result.error);
        await this.catalog.status.update(slug, {
          observed: observed(record, [
            ...held,
            { type: step.condition, status: 'False', reason: 'ApplyFailed', message: `${why.message}; applying again failed: ${result.error}` },
            { type: 'Reconciled', status: 'False', reason: 'ApplyFailed', message: `step ${step.name} could not be applied again; retrying` },
          ]),
        });
        throw new ReconcileIncompleteError(`tenant ${slug}: step ${step.name} could not be applied again: ${result.error}`);
      }
      // Made again as it was (e.g. a server found with its password): what takes its output is left alone.
      if (!isDeepStrictEqual(result.output, before?.output)) changed.add(step.name);
      outputs.set(step.name, result.output);
      applied.push(step.name);
      await this.catalog.status.update(slug, {
        observed: observed(record, [
          { type: step.condition, status: 'True', reason: why.reason === 'SpecChanged' ? 'Updated' : 'Repaired', message: `${why.message}; applied again` },
        ]),
      });
    }
    const repairedToo = applied.length > 0 ? `; applied again: ${applied.join(', ')}` : '';
    await this.catalog.status.update(slug, {
      observed:
        unmeetable.length > 0
          ? observed(record, [
              ...held,
              {
                type: 'Reconciled',
                status: 'False',
                reason: 'SpecNotMet',
                message: `step ${unmeetable.join(', ')} cannot meet the spec; change the spec${repairedToo}`,
              },
            ])
          : observed(
              record,
              [
                ...held,
                {
                  type: 'Reconciled',
                  status: 'True',
                  reason: 'Converged',
                  message: applied.length > 0 ? `applied again: ${applied.join(', ')}` : 'every resource present and up to date',
                },
              ],
              true,
            ),
    });
    if (applied.length > 0) log.info({ steps: applied }, 'tenant converged');
  }

  private unmetStep(name: string, unmet: ReadonlySet<string>): boolean {
    const step = this.steps.find((s) => s.name === name);
    return step !== undefined && unmet.has(step.condition);
  }

  /** Why a ready tenant's step must be applied again, or undefined when it holds. */
  private async staleness(
    step: ProvisioningStep,
    tenant: TenantRef,
    spec: TenantSpec,
    recorded: StepOutput | undefined,
    changed: ReadonlySet<string>,
    outputs: ReadonlyMap<string, unknown>,
  ): Promise<Staleness | undefined> {
    if (!recorded || recorded.state !== 'done') return { reason: 'NotApplied', message: `step ${step.name} is ${recorded?.state ?? 'unknown'}` };
    // A step applied by a version that did not record its spec is taken as applied for the current one.
    const fields = step.reads.spec.filter((field) => recorded.spec && recorded.spec[field] !== spec[field]);
    if (fields.length > 0) return { reason: 'SpecChanged', message: `the spec's ${fields.join(' and ')} changed` };
    const input = step.reads.steps.find((name) => changed.has(name));
    if (input) return { reason: 'InputChanged', message: `step ${input} was applied again with a new output, which ${step.name} takes` };
    let observed: Observed;
    try {
      // Observing changes nothing, so it reports nothing to the step's log.
      observed = await step.observe(
        this.context(tenant, outputs, () => undefined),
        recorded.output,
      );
    } catch (err) {
      observed = { state: 'unhealthy', message: `could not be observed: ${errorMessage(err)}` };
    }
    if (observed.state === 'present') return undefined;
    return { reason: observed.state === 'missing' ? 'Missing' : 'Unhealthy', message: observed.message };
  }

  /** Removes everything a tenant has, in reverse step order, then forgets the tenant. */
  async deprovision(slug: string): Promise<void> {
    await this.catalog.withTenantLock(slug, async () => {
      const record = await this.catalog.get(slug);
      if (record?.status === 'deprovisioning') await this.deprovisionLocked(record);
    });
  }

  private async deprovisionLocked(record: TenantRecord): Promise<void> {
    const { slug } = record;
    const log = this.log.child({ tenant: slug });
    if (!(await this.removeAll(toRef(record), log))) {
      await this.catalog.status.update(slug, { phase: { to: 'deprovisioning', error: 'some resources could not be removed yet; retrying' } });
      throw new DeprovisioningIncompleteError(`tenant ${slug}: some resources could not be removed yet`);
    }
    await this.catalog.remove(slug);
    log.info('tenant deleted');
  }

  /**
   * Applies a step, retrying with backoff; records each attempt in the catalog, and in the step's log
   * its start, everything it reports, and how it ended.
   */
  private async attempt(
    step: ProvisioningStep,
    tenant: TenantRef,
    spec: TenantSpec,
    outputs: ReadonlyMap<string, unknown>,
    log: Logger,
  ): Promise<{ ok: true; output: unknown } | { ok: false; error: string; terminal?: true }> {
    const stepLog = new StepLogWriter(this.catalog.logs, tenant.slug, step.name, this.log);
    const ctx = this.context(tenant, outputs, (message) => stepLog.write(message));
    const of = `of ${this.stepAttempts}`;
    let lastError = '';
    for (let attempt = 1; attempt <= this.stepAttempts; attempt += 1) {
      await this.catalog.status.stepStarted(tenant.slug, step.name, 'running');
      stepLog.write(`attempt ${attempt} ${of}`);
      const started = Date.now();
      try {
        const output = (await step.apply(ctx)) ?? {};
        stepLog.write(`done in ${Date.now() - started} ms`);
        // The whole log is in before the step shows as done.
        await stepLog.flush();
        await this.catalog.status.stepFinished(tenant.slug, step.name, 'done', output, spec);
        log.info({ step: step.name, ms: Date.now() - started, attempt }, 'step done');
        return { ok: true, output };
      } catch (err) {
        lastError = errorMessage(err);
        log.warn({ step: step.name, attempt, err: lastError }, 'step attempt failed');
        if (err instanceof SpecNotMetError) {
          stepLog.write(`attempt ${attempt} ${of} failed, and no retry can help: ${lastError}`);
          await stepLog.flush();
          return { ok: false, error: lastError, terminal: true };
        }
        const retryInMs = attempt < this.stepAttempts ? this.retryDelayMs * 2 ** (attempt - 1) : undefined;
        stepLog.write(`attempt ${attempt} ${of} failed: ${lastError}`);
        if (retryInMs !== undefined) stepLog.write(`retrying in ${retryInMs} ms`);
        await stepLog.flush();
        if (retryInMs !== undefined) await delay(retryInMs);
      }
    }
    return { ok: false, error: lastError };
  }

  /**
   * Removes every step's resources in reverse order; true when all are gone. The step that failed
   * (if any) keeps its failed state and error, so the tenant shows what went wrong.
   */
  private async removeAll(tenant: TenantRef, log: Logger, failedStep?: string): Promise<boolean> {
    let complete = true;
    for (const step of [...this.steps].reverse()) {
      const stepLog = new StepLogWriter(this.catalog.logs, tenant.slug, step.name, this.log);
      const ctx = this.context(tenant, new Map(), (message) => stepLog.write(message));
      const keepFailure = step.name === failedStep;
      const started = Date.now();
      try {
        if (!keepFailure) await this.catalog.status.stepStarted(tenant.slug, step.name, 'removing');
        stepLog.write(failedStep ? `removing: provisioning failed at step ${failedStep}` : 'removing: the tenant is being deleted');
        await step.remove(ctx);
        stepLog.write(`removed in ${Date.now() - started} ms`);
        await stepLog.flush();
        if (!keepFailure) await this.catalog.status.stepFinished(tenant.slug, step.name, 'removed');
      } catch (err) {
        complete = false;
        stepLog.write(`removal failed: ${errorMessage(err)}`);
        await stepLog.flush();
        await this.catalog.status.stepFailed(tenant.slug, step.name, `removal failed: ${errorMessage(err)}`);
        log.error({ step: step.name, err: errorMessage(err) }, 'removing a step failed');
      }
    }
    try {
      await this.drivers.routing.remove(tenant);
    } catch (err) {
      complete = false;
      log.error({ err: errorMessage(err) }, 'removing the route failed');
    }
    return complete;
  }

  private context(tenant: TenantRef, outputs: ReadonlyMap<string, unknown>, progress: ProgressReporter): StepContext {
    return {
      tenant,
      drivers: this.drivers,
      outputs,
      progress,
      recordSchemaVersion: (version) => this.catalog.status.setSchemaVersion(tenant.slug, version),
      served: () => this.turns.get(tenant.slug)?.(),
    };
  }
}

/** Conditions observed for the record's generation; `converged` when every resource holds. */
function observed(record: TenantRecord, conditions: ConditionReport[], converged = false): StatusUpdate['observed'] {
  return { conditions, generation: record.generation, converged };
}

function toRef(record: TenantRecord): TenantRef {
  return { slug: record.slug, name: record.name, tier: record.tier };
}
