/** @module Catalog migration 1: tenants, their steps and step logs, and the change announcements (the catalog's schema from before versioned migrations: idempotent, so a catalog made then migrates to version 1 unchanged). */
export default `
CREATE TABLE IF NOT EXISTS tenants (
  slug        text PRIMARY KEY,
  name        text NOT NULL,
  tier        text NOT NULL,
  status      text NOT NULL,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  ready_at    timestamptz
);
CREATE TABLE IF NOT EXISTS tenant_steps (
  slug        text NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
  position    int  NOT NULL,
  name        text NOT NULL,
  state       text NOT NULL DEFAULT 'pending',
  attempts    int  NOT NULL DEFAULT 0,
  started_at  timestamptz,
  finished_at timestamptz,
  detail      text,
  error       text,
  output      jsonb,
  PRIMARY KEY (slug, name)
);
CREATE INDEX IF NOT EXISTS tenants_status ON tenants (status);
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS schema_version int;
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS schema_error text;
-- Each step's log: every line it reported, numbered per step (n = 1, 2, ...; log_lines is the last
-- number given), so the oldest lines beyond the cap are deleted by a range of that index.
ALTER TABLE tenant_steps ADD COLUMN IF NOT EXISTS log_lines bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS tenant_step_logs (
  id          bigserial PRIMARY KEY,
  slug        text NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
  step        text NOT NULL,
  n           bigint NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  line        text NOT NULL
);
CREATE INDEX IF NOT EXISTS tenant_step_logs_read ON tenant_step_logs (slug, step, n);
-- Every change to a tenant or its steps is announced, so live views follow provisioning step by step.
CREATE OR REPLACE FUNCTION tenantry_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenantry_tenants', coalesce(NEW.slug, OLD.slug));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS tenants_announce ON tenants;
CREATE TRIGGER tenants_announce AFTER INSERT OR UPDATE OR DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION tenantry_announce();
DROP TRIGGER IF EXISTS tenant_steps_announce ON tenant_steps;
CREATE TRIGGER tenant_steps_announce AFTER INSERT OR UPDATE OR DELETE ON tenant_steps FOR EACH ROW EXECUTE FUNCTION tenantry_announce();
`;
