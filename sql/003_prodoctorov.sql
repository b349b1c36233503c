-- priem schema, version 3: the ProDoctorov connector (mis-exchange.md §4).
--
-- One row per schedule upload to ProDoctorov, and per check that found nothing changed since
-- the last successful upload ('unchanged': nothing was sent). Only the URL's host is kept, never
-- credentials. Rows older than 90 days are deleted as new ones are written. Which filials and
-- doctors are exported is in the settings (prodoctorov.filials / prodoctorov.doctors).

CREATE TABLE IF NOT EXISTS Priem_Upload (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  started_at  DATETIME NOT NULL COMMENT 'UTC',
  api         ENUM('old','v2') NOT NULL,
  host        VARCHAR(255) NOT NULL COMMENT 'host[:port] of the upload URL, nothing else',
  outcome     ENUM('ok','failed','unchanged') NOT NULL,
  bytes       INT UNSIGNED NOT NULL COMMENT 'size of the document (before form or v2 wrapping)',
  digest      CHAR(64) CHARACTER SET ascii NOT NULL COMMENT 'sha256 of api, URL and document',
  filials     INT UNSIGNED NOT NULL,
  doctors     INT UNSIGNED NOT NULL,
  cells       INT UNSIGNED NOT NULL,
  http_status SMALLINT UNSIGNED NULL COMMENT 'NULL when no answer came',
  answer      VARCHAR(500) NULL COMMENT 'start of the answer, or the error',
  seconds     DOUBLE NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY started_at (started_at),
  KEY outcome (outcome, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: schedule uploads to ProDoctorov';
