/**
 * @module Migration 4: revocable operator sessions (used on the master only), verified addresses
 * and the tenant setting that requires them before anything is mailed.
 */
export default `
-- The dashboard's sign-ins with the admin token: the browser holds a random token, this table its
-- hash, so signing out (or expiry) ends the session at once.
CREATE TABLE operator_sessions (
  token_hash  text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX operator_sessions_expires ON operator_sessions (expires_at);

-- Accounts that existed before verification was offered count as verified.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;

CREATE TABLE email_verifications (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);

ALTER TABLE tenant_settings ADD COLUMN require_email_verification boolean NOT NULL DEFAULT false;
`;
