/**
 * @module The tenants API's schemas (TypeBox): Fastify validates requests with them, serialises the
 * answers, and the tenants API's OpenAPI document is generated from them; a refused input becomes
 * the catalogue's error for its part of the request, with the field's rule as the message.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CONDITION_TYPES, RESERVED_SLUGS, SLUG_PATTERN, TENANT_STATES, TENANT_STATUSES, TEXT_PATTERN, TIERS, USAGE_MAX_HOURS } from '@tenantry/core';
import { ErrorBody, errorResponses, Text, WholeNumberText } from '@tenantry/api-schemas';
import { STEP_LOG_MAX_LINES } from '../catalog/step-logs.js';
import { ControlPlaneErrors } from '../errors.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Tier = Type.Union(
  TIERS.map((t) => Type.Literal(t)),
  { description: `must be one of: ${TIERS.join(', ')}` },
);

export { ErrorBody };
/** Every tenants API route answers 401 without an operator's credentials. */
export const OPERATOR_ONLY = errorResponses(401);

/** A path parameter: anything without control characters reaches the catalog (which answers 404 for what it does not hold). */
const PathText = Text({ minLength: 1, description: 'must not contain control characters (such as NUL, tab or line breaks)' });
export const SlugParams = Type.Object({ slug: PathText });
export const StepParams = Type.Object({ slug: PathText, step: PathText });

/** A tenant's display name: one line of 1 to 100 characters, not only spaces. */
function TenantName(more: string) {
  return Type.String({
    maxLength: 100,
    // One line with at least one character that is not a space.
    pattern: '^[^\\u0000-\\u001F\\u007F]*[^\\s\\u0000-\\u001F\\u007F][^\\u0000-\\u001F\\u007F]*$',
    description: `must not contain control characters, and must be 1 to 100 characters, not only spaces${more ? ` ${more}` : ''}`,
  });
}

export const NewTenant = Type.Object(
  {
    slug: Type.String({
      minLength: 3,
      maxLength: 63,
      pattern: SLUG_PATTERN.source,
      not: { enum: [...RESERVED_SLUGS] },
      description: `must be a DNS label such as "acme": 3 to 63 characters, only a-z, 0-9 and '-', not starting or ending with '-', and not a name reserved by the platform (${[...RESERVED_SLUGS].join(', ')})`,
    }),
    tier: Tier,
    name: Type.Optional(TenantName('(default: the slug, capitalised)')),
  },
  { additionalProperties: false, description: 'e.g. {"slug":"acme","tier":"trial"}' },
);

const State = Type.Union(
  TENANT_STATES.map((s) => Type.Literal(s)),
  { description: `must be one of: ${TENANT_STATES.join(', ')}` },
);

/** `PATCH /admin/api/tenants/:slug`: the fields of the spec to change. */
export const SpecChange = Type.Object(
  { name: Type.Optional(TenantName('')), tier: Type.Optional(Tier), state: Type.Optional(State) },
  { additionalProperties: false, minProperties: 1, description: 'e.g. {"name":"Acme Inc."}' },
);

export const LogQuery = Type.Object(
  {
    limit: Type.Optional(
      WholeNumberText(STEP_LOG_MAX_LINES, {
        description: `must be a whole number from 1 to ${STEP_LOG_MAX_LINES}: the newest lines only (default: all that are kept)`,
      }),
    ),
  },
  { additionalProperties: false },
);
export const UsageQuery = Type.Object(
  {
    hours: Type.Optional(
      WholeNumberText(USAGE_MAX_HOURS, { description: `must be a whole number from 1 to ${USAGE_MAX_HOURS}: the window, up to now (default 24)` }),
    ),
    bucketMinutes: Type.Optional(
      WholeNumberText(1440, { description: 'must be a whole number from 1 to 1440: the size of each bucket of the series (default 60)' }),
    ),
  },
  { additionalProperties: false },
);
export const PlatformUsageQuery = Type.Object({ hours: UsageQuery.properties.hours }, { additionalProperties: false });

const Health = Type.Object({ ok: Type.Boolean(), checkedAt: Timestamp, detail: Type.String() });
const Step = Type.Object({
  name: Type.String(),
  state: Type.Union(['pending', 'running', 'done', 'failed', 'removing', 'removed'].map((s) => Type.Literal(s))),
  attempts: Type.Integer(),
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
  durationMs: Nullable(Type.Integer()),
  detail: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
const Condition = Type.Object({
  type: Type.Union(CONDITION_TYPES.map((t) => Type.Literal(t))),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
  reason: Type.String({ description: 'CamelCase, for programs: Applied, Observed, Repaired, Updated, Missing, Unhealthy, ApplyFailed, …' }),
  message: Type.String({ description: 'for people: what was seen or done' }),
  lastTransitionTime: Timestamp,
  observedGeneration: Type.Integer(),
});
export const Tenant = Type.Object({
  slug: Type.String(),
  name: Type.String({ description: "the spec's name" }),
  tier: Tier,
  spec: Type.Object({ name: Type.String(), tier: Tier, state: State }, { description: 'what the operator wants' }),
  generation: Type.Integer({ description: 'counts changes to the spec, from 1' }),
  status: Type.Union(
    TENANT_STATUSES.map((s) => Type.Literal(s)),
    { description: 'the phase' },
  ),
  observedGeneration: Type.Integer({ description: 'the generation the reconciler last converged (0 before it has)' }),
  conditions: Type.Array(Condition, { description: 'what the reconciler last observed of each resource, and of the whole (Reconciled)' }),
  error: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  readyAt: Nullable(Timestamp),
  schemaVersion: Nullable(Type.Integer()),
  schemaError: Nullable(Type.String()),
  steps: Type.Array(Step),
  host: Type.String(),
  url: Type.String(),
  health: Nullable(Health),
});
export const TenantList = Type.Object({ tenants: Type.Array(Tenant) });
/** What a deletion answers when a fast worker already forgot the tenant. */
export const TenantGone = Type.Object({ slug: Type.String(), status: Type.Literal('deprovisioning') });
export const StepLogAnswer = Type.Object({
  slug: Type.String(),
  step: Type.String(),
  lines: Type.Array(Type.Object({ at: Timestamp, line: Type.String() })),
  truncated: Type.Boolean({ description: 'older lines are left out (beyond the limit, or dropped by the per-step cap)' }),
});

const usageTotals = {
  requests: Type.Integer(),
  errors: Type.Integer(),
  activeUsers: Type.Integer(),
  jobs: Type.Integer(),
  jobsFailed: Type.Integer(),
  storageBytes: Type.Integer(),
};
const CostEstimate = Type.Object({
  databaseUsdPerMonth: Type.Number(),
  computeUsdPerMonth: Type.Number(),
  totalUsdPerMonth: Type.Number(),
  basis: Type.String(),
});
export const TenantUsage = Type.Object({
  tenant: Type.String(),
  from: Timestamp,
  to: Timestamp,
  bucketMinutes: Type.Integer(),
  totals: Type.Object({ tenant: Type.String(), ...usageTotals }),
  costEstimate: CostEstimate,
  series: Type.Array(
    Type.Object({
      at: Timestamp,
      requests: Type.Integer(),
      errors: Type.Integer(),
      p95LatencyMs: Nullable(Type.Number()),
      signups: Type.Integer(),
      logins: Type.Integer(),
      jobs: Type.Integer(),
      jobsFailed: Type.Integer(),
    }),
    { description: 'one entry per bucket of the window, oldest first, empty ones as zeros' },
  ),
});
export const PlatformUsage = Type.Object({
  from: Timestamp,
  to: Timestamp,
  totals: Type.Object({ tenants: Type.Integer(), ...usageTotals, costUsdPerMonth: Type.Number() }),
  tenants: Type.Array(Type.Object({ tenant: Type.String(), ...usageTotals, tier: Tier, costEstimate: CostEstimate })),
});

/** A streamed answer: its media type and what it carries (not serialised by Fastify: these routes write it themselves). */
export const streamed = (mediaType: string, description: string) => ({ description, content: { [mediaType]: { schema: { type: 'string', description } } } });

type InputPart = 'body' | 'querystring' | 'params' | 'headers';
interface InputProblem {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Each field's rule (its description), by the part of the request it is in: `querystring:limit`, `params:slug`... */
const RULES: Record<string, string | undefined> = Object.fromEntries(
  (
    [
      ['querystring', LogQuery],
      ['querystring', UsageQuery],
      ['params', StepParams],
    ] as const
  ).flatMap(([part, schema]) => Object.entries(schema.properties).map(([field, s]) => [`${part}:${field}`, (s as { description?: string }).description])),
);

/** A route's JSON body schema: its fields' rules are their descriptions. */
type BodySchema = typeof NewTenant | typeof SpecChange;

/** The message for one refused input: the field and the rule it breaks. */
function problemMessage(part: InputPart, problem: InputProblem, body: BodySchema): string {
  const fields = Object.keys(body.properties);
  const listed = `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}`;
  const field = problem.instancePath.split('/').filter(Boolean).join('.') || (problem.keyword === 'required' ? String(problem.params.missingProperty) : '');
  if (problem.keyword === 'additionalProperties') {
    const extra = JSON.stringify(problem.params.additionalProperty);
    return part === 'body' ? `unknown field ${extra}; the fields are ${listed}` : `unknown query parameter ${extra}`;
  }
  if (problem.keyword === 'minProperties') return `the body must have at least one of ${listed}`;
  if (!field) return part === 'body' ? `the body must be a JSON object such as ${body.description?.replace(/^e\.g\. /, '')}` : `the ${part} is not valid`;
  if (problem.keyword === 'pattern' && problem.params.pattern === TEXT_PATTERN)
    return `${field} must not contain control characters (such as NUL, tab or line breaks)`;
  const rule =
    (part === 'body' ? (body.properties as Record<string, { description?: string } | undefined>)[field]?.description : RULES[`${part}:${field}`]) ??
    'is not valid';
  return problem.keyword === 'required' ? `${field} is required: it ${rule}` : `${field} ${rule}`;
}

/**
 * Fastify's schema error formatter for the tenants API: a validation failure as the catalogue's
 * error. `body`: the route's body schema (a tenant to create, unless the route says otherwise).
 */
export function tenantsApiInputError(problems: InputProblem[], part: string, body: BodySchema = NewTenant): Error {
  const message = problemMessage(part as InputPart, problems[0] ?? { instancePath: '', keyword: '', params: {} }, body);
  if (part === 'params') return ControlPlaneErrors.invalidParam(message);
  if (part === 'querystring') return ControlPlaneErrors.invalidQuery(message);
  if (message.startsWith('slug ')) return ControlPlaneErrors.invalidSlug(message);
  if (message.startsWith('tier ')) return ControlPlaneErrors.invalidTier(message);
  return ControlPlaneErrors.invalidBody(message);
}

export type { Static };
