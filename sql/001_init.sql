-- priem schema, version 1.
--
-- Applied by priem::storage::migrate() (or by the NetCat module installer, statement by
-- statement): every statement is idempotent, the version is then recorded in Priem_Migration.
-- InnoDB, utf8mb4, every table prefixed Priem_. MIS codes use utf8mb4_bin: "0001" <> "1".
-- Every time is UTC (DATETIME), except a slot's local date and minutes.
-- Statements are separated by a semicolon at the end of a line.

CREATE TABLE IF NOT EXISTS Priem_Migration (
  version     INT UNSIGNED NOT NULL,
  name        VARCHAR(100) NOT NULL,
  checksum    CHAR(64) CHARACTER SET ascii NOT NULL COMMENT 'sha256 of the migration file',
  applied_at  DATETIME NOT NULL,
  PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: applied schema versions';

CREATE TABLE IF NOT EXISTS Priem_Filial (
  code        VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'MIS filial id',
  name        VARCHAR(255) NULL COMMENT 'name from the MIS document, NULL when it sent none',
  zone        VARCHAR(64) CHARACTER SET ascii NOT NULL COMMENT 'IANA zone used to convert its cells',
  first_seen  DATETIME NOT NULL,
  last_seen   DATETIME NOT NULL COMMENT 'last snapshot that listed the filial',
  PRIMARY KEY (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: filials as named by the MIS';

CREATE TABLE IF NOT EXISTS Priem_Doctor (
  filial      VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  code        VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'MIS doctor id',
  name        VARCHAR(255) NOT NULL COMMENT 'efio',
  specialties TEXT NOT NULL COMMENT 'espec, cleaned: "Кардиолог, Терапевт"',
  first_seen  DATETIME NOT NULL,
  last_seen   DATETIME NOT NULL,
  PRIMARY KEY (filial, code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: doctors as named by the MIS, per filial';

CREATE TABLE IF NOT EXISTS Priem_Slot (
  filial      VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  doctor      VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  start_utc   DATETIME NOT NULL,
  end_utc     DATETIME NOT NULL,
  date        DATE NOT NULL COMMENT 'local date in the filial',
  start_min   SMALLINT UNSIGNED NOT NULL COMMENT 'local start, minutes since midnight',
  end_min     SMALLINT UNSIGNED NOT NULL,
  free        TINYINT(1) NOT NULL COMMENT 'free in the MIS (holds are in Priem_Hold)',
  room        VARCHAR(255) NOT NULL DEFAULT '',
  snapshot_id BIGINT UNSIGNED NULL COMMENT 'Priem_SyncRun that last wrote the row',
  PRIMARY KEY (filial, doctor, start_utc)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: the imported MIS schedule, one row per cell';

CREATE TABLE IF NOT EXISTS Priem_Day (
  filial      VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  doctor      VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  date        DATE NOT NULL COMMENT 'local date in the filial',
  digest      BINARY(16) NOT NULL COMMENT 'hash of packed; zeros = must be compared again',
  cells       INT UNSIGNED NOT NULL,
  packed      MEDIUMBLOB NULL COMMENT 'the day''s rows as the import wrote them, packed; NULL = read the rows',
  first_utc   DATETIME NOT NULL COMMENT 'earliest start_utc of the day''s rows',
  last_utc    DATETIME NOT NULL COMMENT 'latest start_utc of the day''s rows',
  snapshot_id BIGINT UNSIGNED NULL,
  updated_at  DATETIME NOT NULL,
  PRIMARY KEY (filial, doctor, date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: one digest per doctor-day, so unchanged days are skipped on import';

CREATE TABLE IF NOT EXISTS Priem_Booking (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  idempotency_key VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL
                  COMMENT 'from the form: the same key never makes a second booking',
  source          ENUM('site','prodoctorov') NOT NULL,
  status          ENUM('queued','sent','confirmed','rejected','unknown') NOT NULL,
  filial          VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  doctor          VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  start_utc       DATETIME NOT NULL,
  end_utc         DATETIME NOT NULL,
  payload         MEDIUMTEXT NOT NULL COMMENT 'the exact JSON sent to the MIS (resent as is)',
  attempts        INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'delivery attempts made',
  next_attempt_at DATETIME NULL COMMENT 'when an unknown outcome is retried',
  last_error      TEXT NULL COMMENT 'last delivery error, or the MIS reason of a refusal',
  mis_reference   VARCHAR(255) NULL COMMENT 'the MIS id of the appointment (v2 claim_id)',
  created_at      DATETIME NOT NULL,
  sent_at         DATETIME NULL,
  answered_at     DATETIME NULL,
  consent_at      DATETIME NULL COMMENT 'personal data consent: when',
  consent_ip      VARCHAR(45) NULL COMMENT 'from which address',
  consent_version VARCHAR(64) NULL COMMENT 'which text of the consent',
  phone_masked    VARCHAR(32) NOT NULL DEFAULT '' COMMENT 'for the journal: 7900***4567',
  PRIMARY KEY (id),
  UNIQUE KEY idempotency_key (idempotency_key),
  KEY outbox (status, next_attempt_at),
  KEY slot (filial, doctor, start_utc),
  KEY created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: bookings and their delivery to the MIS';

CREATE TABLE IF NOT EXISTS Priem_Hold (
  filial      VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  doctor      VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  start_utc   DATETIME NOT NULL,
  booking_id  BIGINT UNSIGNED NOT NULL,
  created_at  DATETIME NOT NULL,
  PRIMARY KEY (filial, doctor, start_utc),
  UNIQUE KEY booking_id (booking_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: slots held for bookings; the primary key decides who got the time';

CREATE TABLE IF NOT EXISTS Priem_SyncRun (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  started_at  DATETIME NOT NULL,
  finished_at DATETIME NULL,
  status      ENUM('running','ok','failed') NOT NULL DEFAULT 'running',
  file        VARCHAR(512) NULL COMMENT 'the snapshot file or source imported',
  sha256      CHAR(64) CHARACTER SET ascii NULL,
  counts      TEXT NULL COMMENT 'JSON object',
  errors      TEXT NULL COMMENT 'JSON array of messages',
  PRIMARY KEY (id),
  KEY started_at (started_at),
  KEY sha256 (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: cron runs and imports';

CREATE TABLE IF NOT EXISTS Priem_Alert (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  alert_key   VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL
              COMMENT 'stable: unknown_doctor:1:0042, ftp_login, booking_unanswered:17…',
  kind        VARCHAR(64) NOT NULL,
  text        TEXT NOT NULL COMMENT 'the latest description, in Russian',
  first_seen  DATETIME NOT NULL,
  last_seen   DATETIME NOT NULL,
  last_sent   DATETIME NULL COMMENT 'last mail about it (NULL: the last one failed or none yet)',
  mails       INT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'mails sent since it (re)appeared',
  occurrences INT UNSIGNED NOT NULL DEFAULT 1,
  resolved_at DATETIME NULL COMMENT 'NULL while the problem lasts',
  last_error  TEXT NULL COMMENT 'why the last mail failed',
  PRIMARY KEY (id),
  UNIQUE KEY alert_key (alert_key),
  KEY open (resolved_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: failures reported by e-mail';
