/**
 * @module The admin API's schemas (TypeBox, i.e. JSON Schema): Fastify validates requests and
 * serialises responses with them, and the admin API's OpenAPI document is generated from the same objects.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DisplayName, ErrorBody, errorResponses, NoContent, Text, Uuid } from '@tenantry/pod-runtime';

const PersonName = DisplayName({ maxLength: 120 });
const Timestamp = Type.String({ format: 'date-time' });

export { ErrorBody, NoContent };
/** What every admin route can answer besides its own: not signed in (401), or not an admin (403). */
export const ADMIN_ONLY = errorResponses(401, 403);

export const Id = Uuid();
export const IdParams = Type.Object({ id: Id });
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);
export const Roles = Type.Object({ roles: Type.Array(Type.Object({ name: Role, description: Type.String() })) });

export const AdminUser = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  lastLoginAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});
export const AdminUsers = Type.Object({ users: Type.Array(AdminUser) });
export const NewUser = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: PersonName,
    role: Type.Optional(Role),
    password: Text({ minLength: 10, maxLength: 200, description: 'at least 10 characters' }),
  },
  { additionalProperties: false },
);
export const UserChanges = Type.Object(
  {
    name: Type.Optional(PersonName),
    role: Type.Optional(Role),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Settings = Type.Object(
  {
    displayName: Type.Union([DisplayName({ maxLength: 100 }), Type.Null()]),
    primaryColor: Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: 'a colour such as #2563eb' }),
    logoUrl: Type.Union([Text({ format: 'uri', pattern: '^https?://', maxLength: 500 }), Type.Null()]),
    features: Type.Object({ projects: Type.Boolean(), files: Type.Boolean(), signup: Type.Boolean() }, { additionalProperties: false }),
    requireEmailVerification: Type.Boolean({ description: 'new accounts must confirm their address from a mailed link before they can sign in' }),
  },
  { additionalProperties: false },
);
export const SettingsChanges = Type.Partial(Settings, { additionalProperties: false, minProperties: 1 });

export const JOB_STATES = ['failed', 'completed', 'active', 'waiting', 'delayed'] as const;
export const JOB_LIMIT_DEFAULT = 50;
export const QUEUE_NAMES = ['mail', 'maintenance'] as const;
const QueueName = Type.Union(QUEUE_NAMES.map((q) => Type.Literal(q)));
export const JobQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(JOB_STATES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: JOB_LIMIT_DEFAULT, description: 'jobs per queue' })),
  },
  { additionalProperties: false },
);
export const JobParams = Type.Object({ queue: QueueName, id: Text({ minLength: 1, maxLength: 100 }) });
const JobCounts = Type.Record(Type.String(), Type.Integer(), { description: 'jobs in each state' });
export const Jobs = Type.Object({
  queues: Type.Array(
    Type.Object({
      name: QueueName,
      counts: JobCounts,
      jobs: Type.Array(
        Type.Object({
          id: Type.String(),
          name: Type.String(),
          state: Type.String(),
          attempts: Type.Integer(),
          maxAttempts: Type.Integer(),
          failedReason: Type.Union([Type.String(), Type.Null()]),
          createdAt: Timestamp,
          finishedAt: Type.Union([Timestamp, Type.Null()]),
          result: Type.Unknown({ description: "the job's return value (null until it completed)" }),
          to: Type.Optional(Type.String({ description: 'the recipient of a mail job' })),
        }),
      ),
    }),
  ),
});
export const RetriedJob = Type.Object({ id: Type.String(), state: Type.Literal('waiting') });

export const Usage = Type.Object({
  users: Type.Integer(),
  activeUsers7d: Type.Integer(),
  projects: Type.Integer(),
  tasks: Type.Integer(),
  files: Type.Integer(),
  storageBytes: Type.Integer(),
  activeSessions: Type.Integer(),
  jobs: Type.Record(Type.String(), JobCounts),
});

/** A message id as the local mail catcher makes them (its mailbox store's MESSAGE_ID): another could never name a message. */
export const MailParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-z]{9}-[0-9a-f]{12}$' }) });
const mailFields = {
  id: Type.String(),
  from: Type.String(),
  to: Type.Array(Type.String()),
  subject: Type.String(),
  date: Type.String(),
  size: Type.Integer(),
};
export const MailList = Type.Object({ messages: Type.Array(Type.Object(mailFields)) });
export const MailMessage = Type.Object({ ...mailFields, text: Type.String(), html: Type.Union([Type.String(), Type.Null()]) });

export const Migrations = Type.Object({
  version: Type.Integer(),
  latest: Type.Integer(),
  applied: Type.Array(Type.Object({ version: Type.Integer(), name: Type.String(), appliedAt: Timestamp })),
});
export const MigrationRun = Type.Object({ version: Type.Integer(), applied: Type.Array(Type.Integer(), { description: 'the versions applied by this run' }) });

export const Status = Type.Object({ tenant: Type.String(), tier: Type.String(), program: Type.String(), schemaVersion: Type.Integer() });

export type { Static };
