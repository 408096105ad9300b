/** @module The admin API's schemas (TypeBox): request validation and response serialisation. */
import { Type, type Static } from '@sinclair/typebox';
import { DisplayName, Text, Uuid } from '@tenantry/pod-runtime';

const PersonName = DisplayName({ maxLength: 120 });

export const Id = Uuid();
export const IdParams = Type.Object({ id: Id });
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

export const AdminUser = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export const NewUser = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: PersonName,
    role: Type.Optional(Role),
    password: Text({ minLength: 10, maxLength: 200 }),
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
export const JobQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(JOB_STATES.map((s) => Type.Literal(s)))),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);
export const JobParams = Type.Object({ queue: Type.Union([Type.Literal('mail'), Type.Literal('maintenance')]), id: Text({ maxLength: 100 }) });
export const MailParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9-]{1,64}$' }) });

export type { Static };
