-- priem schema, version 10: a booking keeps the names its visitor was shown.
--
-- Priem_Booking.names is the doctor and the clinic as the booking's answer named them (JSON:
-- doctor_name, specialty, clinic, address, phone), written once. When the MIS later drops the
-- doctor or the editors remove a card, the visitor's status link and .ics still name them
-- (src/engine/view.rs). Nothing of the patient is in it.

ALTER TABLE Priem_Booking ADD COLUMN IF NOT EXISTS names TEXT NULL
  COMMENT 'the doctor and clinic as the visitor was shown them (JSON), kept for the status link' AFTER doctor;
