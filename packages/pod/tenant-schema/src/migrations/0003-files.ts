/** @module Migration 3: files kept in the tenant's storage prefix, described here. */
export default `
CREATE TABLE files (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  content_type  text NOT NULL,
  size          bigint NOT NULL,
  storage_key   text NOT NULL UNIQUE,
  uploaded_by   uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz
);
CREATE INDEX files_live ON files (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX files_deleted ON files (deleted_at) WHERE deleted_at IS NOT NULL;
`;
