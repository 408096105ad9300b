/**
 * @module The user API's schemas (TypeBox, i.e. JSON Schema): Fastify validates requests and
 * serialises responses with them, and the OpenAPI document is generated from the same objects.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DateOnly as CalendarDate, DisplayName, ErrorBody, MultilineText, Text, Uuid } from '@tenantry/pod-runtime';

export const Id = Uuid();
export const IdParams = Type.Object({ id: Id });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Text({ minLength: 10, maxLength: 200, description: 'at least 10 characters' });
const Timestamp = Type.String({ format: 'date-time' });

/** The error body every error answer carries (shared by the pod APIs). */
export { ErrorBody };

export const TenantConfig = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  tier: Type.String(),
  isMaster: Type.Boolean(),
  branding: Type.Object({ primaryColor: Type.String(), logoUrl: Type.Union([Type.String(), Type.Null()]) }),
  features: Type.Record(Type.String(), Type.Boolean()),
});

export const User = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('member')]),
});

export const SignUp = Type.Object({ email: Email, password: Password, name: DisplayName({ maxLength: 120 }) }, { additionalProperties: false });
/** The answer to a sign-up that must wait for the address to be confirmed (and to one for a taken address then). */
export const SignUpPending = Type.Object({ status: Type.String() });
export const VerifyEmail = Type.Object({ token: Text({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const Login = Type.Object({ email: Email, password: Text({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const Session = Type.Object({ token: Type.String(), expiresAt: Timestamp, user: User });
export const ResetRequest = Type.Object({ email: Email }, { additionalProperties: false });
export const ResetConfirm = Type.Object({ token: Text({ minLength: 10, maxLength: 200 }), password: Password }, { additionalProperties: false });

export const ProjectStatus = Type.Union([Type.Literal('active'), Type.Literal('archived')]);
export const Project = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String(),
  status: ProjectStatus,
  createdBy: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const NewProject = Type.Object(
  {
    name: Text({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(MultilineText({ maxLength: 5000 })),
    status: Type.Optional(ProjectStatus),
  },
  { additionalProperties: false },
);
export const ProjectChanges = Type.Partial(NewProject, { additionalProperties: false, minProperties: 1 });

export const TaskStatus = Type.Union([Type.Literal('todo'), Type.Literal('doing'), Type.Literal('done')]);
export const DateOnly = CalendarDate();
export const Task = Type.Object({
  id: Id,
  projectId: Id,
  title: Type.String(),
  status: TaskStatus,
  assigneeId: Type.Union([Id, Type.Null()]),
  dueDate: Type.Union([DateOnly, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const NewTask = Type.Object(
  {
    title: Text({ minLength: 1, maxLength: 300 }),
    status: Type.Optional(TaskStatus),
    assigneeId: Type.Optional(Type.Union([Id, Type.Null()])),
    dueDate: Type.Optional(Type.Union([DateOnly, Type.Null()])),
  },
  { additionalProperties: false },
);
export const TaskChanges = Type.Partial(NewTask, { additionalProperties: false, minProperties: 1 });

export const FileInfo = Type.Object({
  id: Id,
  name: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  uploadedBy: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
});

/** `?limit=&cursor=` on every list: newest first, keyset-paginated. */
export const PAGE_LIMIT_DEFAULT = 20;
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: PAGE_LIMIT_DEFAULT })),
  cursor: Type.Optional(Text({ maxLength: 200, description: 'nextCursor of the previous page' })),
};
export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const ProjectQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(ProjectStatus),
    q: Type.Optional(Text({ minLength: 1, maxLength: 100, description: 'matches the name, case-insensitive' })),
  },
  { additionalProperties: false },
);
export const TaskQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(TaskStatus),
    assigneeId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export const FileQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });
export const UploadQuery = Type.Object({ name: Text({ minLength: 1, maxLength: 200 }) });

export type { Static };
