/**
 * @module The provisioning steps, listed in order. Each is idempotent: applying it again finds what it made.
 * A new tenant's steps run as soon as the steps they wait for are done (step-order.ts).
 */
import type { ConditionType, TenantSpec } from '@tenantry/core';
import type {
  AnalyticsGrant,
  DatabaseGrant,
  JobQueueGrant,
  MailGrant,
  Observed,
  PlatformDrivers,
  PodDeployment,
  ProgressReporter,
  StorageGrant,
  TenantRef,
} from '../drivers.js';
import { podEnvironment } from '@tenantry/pod-contract';

export interface StepContext {
  tenant: TenantRef;
  drivers: PlatformDrivers;
  /** Outputs of the steps already done, by step name. */
  outputs: ReadonlyMap<string, unknown>;
  progress: ProgressReporter;
  /** Records the tenant's schema version in the catalog. */
  recordSchemaVersion(version: number): Promise<void>;
  /** Says the tenant serves (its route is published): a new tenant's turn to start goes to the next one. */
  served(): void;
}

export interface ProvisioningStep {
  name: string;
  /** The condition of the tenant's status that reports this step's resource. */
  condition: ConditionType;
  /** What the step's result depends on: when one of these changes, the step is applied again. */
  reads: {
    /** Steps whose outputs it takes. */
    steps: readonly string[];
    /** Fields of the tenant's spec it uses. */
    spec: readonly (keyof TenantSpec)[];
  };
  /** Steps that must be done before it beyond those it reads (steps wait for nothing else, and run at once). */
  after?: readonly string[];
  /** Makes (or finds) the step's resources; the result is stored in the catalog for later steps. */
  apply(ctx: StepContext): Promise<unknown>;
  /** Removes whatever the step made, whole or partial; a no-op when nothing is there. */
  remove(ctx: StepContext): Promise<void>;
  /** Whether what the step made is there and working, given the `output` its apply recorded; changes nothing. */
  observe(ctx: StepContext, output: unknown): Promise<Observed>;
  /** For a frozen tenant: stops what of the step runs, keeping its data (steps with nothing that runs have none). */
  freeze?(ctx: StepContext): Promise<void>;
  /** Starts again what `freeze` stopped, and resolves once it serves. */
  wake?(ctx: StepContext): Promise<void>;
}

/**
 * Thrown by a step when the tenant's spec cannot be met at all (not a failure a retry can fix): the
 * step is not retried, the tenant's conditions say why, and nothing is tried again until the spec changes.
 */
export class SpecNotMetError extends Error {}

function outputOf<T>(ctx: StepContext, step: string): T {
  const output = ctx.outputs.get(step);
  if (output === undefined || output === null) throw new Error(`step ${step} has not produced its output yet`);
  return output as T;
}

export const PROVISIONING_STEPS: readonly ProvisioningStep[] = [
  {
    name: 'database',
    condition: 'DatabaseReady',
    reads: { steps: [], spec: ['tier'] },
    apply: (ctx) => ctx.drivers.database.create(ctx.tenant, ctx.progress),
    remove: (ctx) => ctx.drivers.database.remove(ctx.tenant, ctx.progress),
    observe: (ctx, output) => ctx.drivers.database.observe(ctx.tenant, output as DatabaseGrant),
    freeze: async (ctx) => {
      await ctx.drivers.database.suspend?.(ctx.tenant, ctx.progress);
    },
    wake: async (ctx) => {
      await ctx.drivers.database.resume?.(ctx.tenant, ctx.progress);
    },
  },
  {
    name: 'schema',
    condition: 'SchemaReady',
    reads: { steps: ['database'], spec: [] },
    apply: async (ctx) => {
      ctx.progress(`migrating to schema version ${ctx.drivers.schema.latestVersion}`);
      const { version, applied } = await ctx.drivers.schema.migrate(outputOf<DatabaseGrant>(ctx, 'database').url);
      await ctx.recordSchemaVersion(version);
      return { version, applied };
    },
    // The schema goes with the database; fleet migrations manage its version.
    remove: async () => undefined,
    observe: async () => ({ state: 'present' }),
  },
  {
    name: 'storage',
    condition: 'StorageReady',
    reads: { steps: [], spec: [] },
    apply: (ctx) => ctx.drivers.storage.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.storage.remove(ctx.tenant),
    observe: (ctx, output) => ctx.drivers.storage.observe(ctx.tenant, output as StorageGrant),
  },
  {
    name: 'queue',
    condition: 'QueueReady',
    reads: { steps: [], spec: [] },
    apply: (ctx) => ctx.drivers.queue.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.queue.remove(ctx.tenant),
    observe: (ctx, output) => ctx.drivers.queue.observe(ctx.tenant, output as JobQueueGrant),
    freeze: async (ctx) => {
      await ctx.drivers.queue.suspend?.(ctx.tenant);
    },
    wake: async (ctx) => {
      await ctx.drivers.queue.resume?.(ctx.tenant);
    },
  },
  {
    name: 'mail',
    condition: 'MailReady',
    reads: { steps: [], spec: ['name'] },
    apply: (ctx) => ctx.drivers.mail.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.mail.remove(ctx.tenant),
    observe: (ctx, output) => ctx.drivers.mail.observe(ctx.tenant, output as MailGrant),
  },
  {
    name: 'analytics',
    condition: 'AnalyticsReady',
    reads: { steps: [], spec: [] },
    apply: (ctx) => ctx.drivers.analytics.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.analytics.remove(ctx.tenant),
    observe: (ctx, output) => ctx.drivers.analytics.observe(ctx.tenant, output as AnalyticsGrant),
  },
  {
    name: 'pod',
    condition: 'PodReady',
    reads: { steps: ['database', 'queue', 'storage', 'mail', 'analytics'], spec: ['name', 'tier'] },
    // Its programs find the schema current and start at once.
    after: ['schema'],
    apply: (ctx) => {
      const mail = outputOf<MailGrant>(ctx, 'mail');
      return ctx.drivers.compute.deploy(
        ctx.tenant,
        podEnvironment({
          tenant: ctx.tenant,
          url: ctx.drivers.routing.publicUrl(ctx.tenant),
          database: outputOf<DatabaseGrant>(ctx, 'database'),
          queue: outputOf<JobQueueGrant>(ctx, 'queue'),
          storage: outputOf<StorageGrant>(ctx, 'storage'),
          mail,
          analytics: outputOf<AnalyticsGrant>(ctx, 'analytics'),
        }),
        ctx.progress,
        // The tenant serves as soon as the programs it needs first are up; the route step confirms the route.
        async (deployment) => {
          await ctx.drivers.routing.publish(ctx.tenant, deployment);
          ctx.served();
        },
      );
    },
    remove: (ctx) => ctx.drivers.compute.remove(ctx.tenant, ctx.progress),
    observe: (ctx) => ctx.drivers.compute.observe(ctx.tenant),
    freeze: async (ctx) => {
      if (!ctx.drivers.compute.suspend) throw new SpecNotMetError('this driver cannot freeze tenants yet; set the state back to active');
      await ctx.drivers.compute.suspend(ctx.tenant, ctx.progress);
    },
    wake: async (ctx) => {
      await ctx.drivers.compute.resume?.(ctx.tenant, ctx.progress);
    },
  },
  {
    name: 'route',
    condition: 'Routed',
    reads: { steps: ['pod'], spec: [] },
    apply: async (ctx) => {
      await ctx.drivers.routing.publish(ctx.tenant, outputOf<PodDeployment>(ctx, 'pod'));
      return { published: true };
    },
    remove: (ctx) => ctx.drivers.routing.remove(ctx.tenant),
    // Its own output says only that it was published; the pod's says where to.
    observe: (ctx) => ctx.drivers.routing.observe(ctx.tenant, outputOf<PodDeployment>(ctx, 'pod')),
    // Frozen first, so the gateway holds requests (and wakes the tenant) before anything stops.
    freeze: async (ctx) => {
      if (!ctx.drivers.routing.freeze) throw new SpecNotMetError('this driver cannot freeze tenants yet; set the state back to active');
      await ctx.drivers.routing.freeze(ctx.tenant, outputOf<PodDeployment>(ctx, 'pod'));
    },
    wake: (ctx) => ctx.drivers.routing.publish(ctx.tenant, outputOf<PodDeployment>(ctx, 'pod')),
  },
];

export const STEP_NAMES: readonly string[] = PROVISIONING_STEPS.map((s) => s.name);
