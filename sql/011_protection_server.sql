-- priem schema, version 11: which server an observation of Priem_Protection was made with
-- (`host:port`), so that after the host is changed in the settings «Состояние» does not show
-- the old server's TLS as the new one's.

ALTER TABLE Priem_Protection
  ADD COLUMN IF NOT EXISTS server VARCHAR(255) NULL COMMENT 'host:port of the observed connection'
  AFTER link;
