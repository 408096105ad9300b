/** @module Runs a tenant's provisioning steps in order, records their logs, retries, and cleans up on failure. */
import { delay, errorMessage, type Logger } from '@tenantry/core';
import type { TenantCatalog, TenantRecord } from '../catalog/tenant-catalog.js';
import type { PlatformDrivers, TenantRef } from '../drivers.js';
import { StepLogWriter } from './step-log.js';
import { PROVISIONING_STEPS, type ProvisioningStep, type StepContext } from './steps.js';

export interface WorkflowOptions {
  /** Attempts per step before the tenant is marked failed. @defaultValue 3 */
  stepAttempts?: number;
  /** Delay before the second attempt; doubles each time. @defaultValue 250 */
  retryDelayMs?: number;
}

/** Thrown when deprovisioning could not remove everything; the queue retries the job later. */
export class DeprovisioningIncompleteError extends Error {}

export class ProvisioningWorkflow {
  private readonly stepAttempts: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly catalog: TenantCatalog,
    private readonly drivers: PlatformDrivers,
    private readonly log: Logger,
    options: WorkflowOptions = {},
    private readonly steps: readonly ProvisioningStep[] = PROVISIONING_STEPS,
  ) {
    this.stepAttempts = options.stepAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 250;
  }

  /** Brings a pending or interrupted tenant to ready, resuming after the last step done. */
  async provision(slug: string): Promise<void> {
    await this.catalog.withTenantLock(slug, async () => {
      const record = await this.catalog.get(slug);
      if (!record || (record.status !== 'pending' && record.status !== 'provisioning')) return;
      const tenant = toRef(record);
      const log = this.log.child({ tenant: slug });
      await this.catalog.setStatus(slug, 'provisioning');
      await this.drivers.routing.reserve(tenant);
      const recorded = await this.catalog.stepOutputs(slug);
      const outputs = new Map([...recorded].filter(([, o]) => o.state === 'done').map(([name, o]) => [name, o.output]));
      for (const step of this.steps) {
        if (outputs.has(step.name)) continue;
        const status = await this.catalog.status(slug);
        if (status !== 'provisioning') {
          log.info({ status }, 'provisioning stopped: the tenant changed status');
          return;
        }
        const result = await this.attempt(step, tenant, outputs, log);
        if (!result.ok) {
          await this.catalog.stepFailed(slug, step.name, result.error);
          log.error({ step: step.name, err: result.error }, 'step failed; cleaning up');
          await this.removeAll(tenant, log, step.name);
          await this.catalog.setStatus(slug, 'failed', `step ${step.name} failed: ${result.error}`);
          return;
        }
        outputs.set(step.name, result.output);
      }
      await this.catalog.setStatus(slug, 'ready');
      log.info('tenant ready');
    });
  }

  /** Removes everything a tenant has, in reverse step order, then forgets the tenant. */
  async deprovision(slug: string): Promise<void> {
    await this.catalog.withTenantLock(slug, async () => {
      const record = await this.catalog.get(slug);
      if (!record || record.status !== 'deprovisioning') return;
      const log = this.log.child({ tenant: slug });
      if (!(await this.removeAll(toRef(record), log))) {
        await this.catalog.setStatus(slug, 'deprovisioning', 'some resources could not be removed yet; retrying');
        throw new DeprovisioningIncompleteError(`tenant ${slug}: some resources could not be removed yet`);
      }
      await this.catalog.remove(slug);
      log.info('tenant deleted');
    });
  }

  /**
   * Applies a step, retrying with backoff; records each attempt in the catalog, and in the step's log
   * its start, everything it reports, and how it ended.
   */
  private async attempt(
    step: ProvisioningStep,
    tenant: TenantRef,
    outputs: ReadonlyMap<string, unknown>,
    log: Logger,
  ): Promise<{ ok: true; output: unknown } | { ok: false; error: string }> {
    const stepLog = new StepLogWriter(this.catalog, tenant.slug, step.name, this.log);
    const ctx = this.context(tenant, outputs, stepLog);
    const of = `of ${this.stepAttempts}`;
    let lastError = '';
    for (let attempt = 1; attempt <= this.stepAttempts; attempt += 1) {
      await this.catalog.stepStarted(tenant.slug, step.name, 'running');
      stepLog.write(`attempt ${attempt} ${of}`);
      const started = Date.now();
      try {
        const output = (await step.apply(ctx)) ?? {};
        stepLog.write(`done in ${Date.now() - started} ms`);
        // The whole log is in before the step shows as done.
        await stepLog.flush();
        await this.catalog.stepFinished(tenant.slug, step.name, 'done', output);
        log.info({ step: step.name, ms: Date.now() - started, attempt }, 'step done');
        return { ok: true, output };
      } catch (err) {
        lastError = errorMessage(err);
        log.warn({ step: step.name, attempt, err: lastError }, 'step attempt failed');
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
      const stepLog = new StepLogWriter(this.catalog, tenant.slug, step.name, this.log);
      const ctx = this.context(tenant, new Map(), stepLog);
      const keepFailure = step.name === failedStep;
      const started = Date.now();
      try {
        if (!keepFailure) await this.catalog.stepStarted(tenant.slug, step.name, 'removing');
        stepLog.write(failedStep ? `removing: provisioning failed at step ${failedStep}` : 'removing: the tenant is being deleted');
        await step.remove(ctx);
        stepLog.write(`removed in ${Date.now() - started} ms`);
        await stepLog.flush();
        if (!keepFailure) await this.catalog.stepFinished(tenant.slug, step.name, 'removed');
      } catch (err) {
        complete = false;
        stepLog.write(`removal failed: ${errorMessage(err)}`);
        await stepLog.flush();
        await this.catalog.stepFailed(tenant.slug, step.name, `removal failed: ${errorMessage(err)}`);
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

  private context(tenant: TenantRef, outputs: ReadonlyMap<string, unknown>, stepLog: StepLogWriter): StepContext {
    return {
      tenant,
      drivers: this.drivers,
      outputs,
      progress: (message) => stepLog.write(message),
      recordSchemaVersion: (version) => this.catalog.setSchemaVersion(tenant.slug, version),
    };
  }
}

function toRef(record: TenantRecord): TenantRef {
  return { slug: record.slug, name: record.name, tier: record.tier };
}
