/** @module Catalog migration 2: each tenant's spec and status, as Kubernetes objects have them. */
export default `
-- What the operator wants (name and tier were there; state is new) and how many times it changed.
ALTER TABLE tenants ADD COLUMN state text NOT NULL DEFAULT 'active';
ALTER TABLE tenants ADD COLUMN generation bigint NOT NULL DEFAULT 1;
-- What the reconciler last saw: the generation it converged, and a condition per resource.
ALTER TABLE tenants ADD COLUMN observed_generation bigint NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN conditions jsonb NOT NULL DEFAULT '[]';
-- A tenant ready before this version was made for its spec as it stands.
UPDATE tenants SET observed_generation = generation WHERE status = 'ready';
-- The spec each step was applied for: a step that reads a field of it is applied again when it changes.
ALTER TABLE tenant_steps ADD COLUMN spec jsonb;
`;
