-- priem schema, version 8: the streaming import skips a doctor whose JSON did not change.
--
-- Priem_Doctor.raw_digest is a digest of the doctor's JSON as last imported (with his filial's
-- zone), kept only when none of his cells was left out: a snapshot that has the same bytes for
-- him is not read again for him (src/storage/import).

ALTER TABLE Priem_Doctor ADD COLUMN IF NOT EXISTS raw_digest BINARY(16) NULL
  COMMENT 'digest of the doctor''s JSON as last imported; NULL = read him again' AFTER specialties;
