/** @module The provisioning steps, in order. Each is idempotent: applying it again finds what it made. */
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
  /** Looks at what the step made, given its recorded output; never changes anything. */
  observe(ctx: StepContext, output: unknown): Promise<Observed>;
  /** Makes (or finds) the step's resources; the result is stored in the catalog for later steps. */
  apply(ctx: StepContext): Promise<unknown>;
  /** Removes whatever the step made, whole or partial; a no-op when nothing is there. */
  remove(ctx: StepContext): Promise<void>;
}

const PRESENT: Observed = { state: 'present' };

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
    observe: async () => PRESENT,
    apply: (ctx) => ctx.drivers.database.create(ctx.tenant, ctx.progress),
    remove: (ctx) => ctx.drivers.database.remove(ctx.tenant, ctx.progress),
  },
  {
    // Before the pod starts, so its programs find the schema current and start at once.
    name: 'schema',
    condition: 'SchemaReady',
    reads: { steps: ['database'], spec: [] },
    observe: async () => PRESENT,
    apply: async (ctx) => {
      ctx.progress(`migrating to schema version ${ctx.drivers.schema.latestVersion}`);
      const { version, applied } = await ctx.drivers.schema.migrate(outputOf<DatabaseGrant>(ctx, 'database').url);
      await ctx.recordSchemaVersion(version);
      return { version, applied };
    },
    // The schema goes with the database.
    remove: async () => undefined,
  },
  {
    name: 'storage',
    condition: 'StorageReady',
    reads: { steps: [], spec: [] },
    observe: async () => PRESENT,
    apply: (ctx) => ctx.drivers.storage.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.storage.remove(ctx.tenant),
  },
  {
    name: 'queue',
    condition: 'QueueReady',
    reads: { steps: [], spec: [] },
    observe: async () => PRESENT,
    apply: (ctx) => ctx.drivers.queue.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.queue.remove(ctx.tenant),
  },
  {
    name: 'mail',
    condition: 'MailReady',
    reads: { steps: [], spec: ['name'] },
    observe: async () => PRESENT,
    apply: (ctx) => ctx.drivers.mail.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.mail.remove(ctx.tenant),
  },
  {
    name: 'analytics',
    condition: 'AnalyticsReady',
    reads: { steps: [], spec: [] },
    observe: async () => PRESENT,
    apply: (ctx) => ctx.drivers.analytics.create(ctx.tenant),
    remove: (ctx) => ctx.drivers.analytics.remove(ctx.tenant),
  },
  {
    name: 'pod',
    condition: 'PodReady',
    reads: { steps: ['database', 'queue', 'storage', 'mail', 'analytics'], spec: ['name', 'tier'] },
    observe: async () => PRESENT,
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
      );
    },
    remove: (ctx) => ctx.drivers.compute.remove(ctx.tenant, ctx.progress),
  },
  {
    name: 'route',
    condition: 'Routed',
    reads: { steps: ['pod'], spec: [] },
    observe: async () => PRESENT,
    apply: async (ctx) => {
      await ctx.drivers.routing.publish(ctx.tenant, outputOf<PodDeployment>(ctx, 'pod'));
      return { published: true };
    },
    remove: (ctx) => ctx.drivers.routing.remove(ctx.tenant),
  },
];

export const STEP_NAMES: readonly string[] = PROVISIONING_STEPS.map((s) => s.name);
