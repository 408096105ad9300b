/** @module Migration 1: the tenant's users, sessions, password resets, signing keys and settings. */
export default `
CREATE TABLE users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text NOT NULL,
  name           text NOT NULL,
  password_hash  text NOT NULL,
  role           text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  disabled_at    timestamptz,
  last_login_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE password_resets (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- The key that signs this tenant's session tokens: generated in its own database, so no two
-- tenants share one even though they run the same code.
CREATE TABLE signing_keys (
  id          text PRIMARY KEY,
  secret      bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- gen_random_uuid() draws from the server's strong random source; two of them make a 244-bit key,
-- and a third names it (the name travels in every token's header, so it shares nothing with the key).
INSERT INTO signing_keys (id, secret)
SELECT left(replace(k::text, '-', ''), 12), decode(replace(a::text, '-', '') || replace(b::text, '-', ''), 'hex')
FROM gen_random_uuid() AS k, gen_random_uuid() AS a, gen_random_uuid() AS b;

CREATE TABLE tenant_settings (
  singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  display_name   text,
  primary_color  text NOT NULL DEFAULT '#2563eb',
  logo_url       text,
  features       jsonb NOT NULL DEFAULT '{"projects": true, "files": true, "signup": true}',
  updated_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenant_settings DEFAULT VALUES;
`;
