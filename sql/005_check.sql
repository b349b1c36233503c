-- priem schema, version 5: ambiguous outcomes (issue 15).
--
-- `check` («проверить в МИС»): a retry of a booking whose earlier attempt may have reached the MIS
-- unanswered was answered "taken" — most likely by that very booking. The time stays held until
-- the MIS's next snapshot settles it (busy: confirmed; free: the booking was lost).
-- `unsure`: an attempt of the booking may have reached the MIS without an answer (a timeout after
-- sending, a broken connection, a 5xx); a "taken" answer then means `check`, not a refusal.

ALTER TABLE Priem_Booking
  MODIFY status ENUM('queued','sent','confirmed','rejected','unknown','check') NOT NULL;

ALTER TABLE Priem_Booking
  ADD COLUMN IF NOT EXISTS unsure TINYINT(1) NOT NULL DEFAULT 0
  COMMENT 'an attempt may have reached the MIS without an answer' AFTER last_error;
