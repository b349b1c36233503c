-- priem schema, version 2: the booking form's rate limits.
--
-- One row per (bucket, window): `bucket` is "ip:<hash>" or "phone:<hash>", a salted SHA-256
-- prefix, so no address or phone number is kept in clear. Old windows are deleted by the form
-- itself as it counts.

CREATE TABLE IF NOT EXISTS Priem_RateLimit (
  bucket       VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  window_start DATETIME NOT NULL COMMENT 'UTC start of the counting window',
  hits         INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, window_start),
  KEY window_start (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: booking attempts per address and per phone, hashed';
