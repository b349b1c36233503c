-- priem schema, version 7: the patients' data (152-ФЗ, issue 15).
--
-- anonymized_at: when a booking's name, phone, comment and consent address were removed — by
-- the retention (booking.retention_days after the appointment) or by an erasure on request. The
-- row stays for statistics (filial, doctor, times, status, source).
-- Priem_Erasure: who erased a person's data on request, and when; never the person's data.

ALTER TABLE Priem_Booking
  ADD COLUMN IF NOT EXISTS anonymized_at DATETIME NULL
  COMMENT 'when the patient''s data was removed (retention or erasure)' AFTER phone_masked;

ALTER TABLE Priem_Booking ADD KEY IF NOT EXISTS retention (anonymized_at, start_utc);

CREATE TABLE IF NOT EXISTS Priem_Erasure (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  erased_at   DATETIME NOT NULL COMMENT 'UTC',
  actor       VARCHAR(255) NOT NULL COMMENT 'who erased: the admin user, never the patient',
  bookings    INT UNSIGNED NOT NULL COMMENT 'bookings whose data was removed',
  files       INT UNSIGNED NOT NULL COMMENT 'booking and result files deleted from FTP',
  PRIMARY KEY (id),
  KEY erased_at (erased_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: erasures of a person''s data on request (152-ФЗ), without the data';
