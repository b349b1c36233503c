-- priem schema, version 6: reconciliation with the MIS (issue 15).
--
-- After each snapshot import, a confirmed upcoming booking whose time the MIS shows busy is seen
-- (mis_seen_at); one whose time it still shows free in a snapshot produced at least
-- booking.reconcile_minutes after the confirmation is missing (mis_missing_at) and alerted
-- «МИС не показывает запись № …» until a snapshot shows it.

ALTER TABLE Priem_Booking
  ADD COLUMN IF NOT EXISTS mis_seen_at DATETIME NULL
  COMMENT 'when a snapshot of the MIS first showed the time busy' AFTER mis_reference;

ALTER TABLE Priem_Booking
  ADD COLUMN IF NOT EXISTS mis_missing_at DATETIME NULL
  COMMENT 'since when the MIS shows the confirmed time free (alerted)' AFTER mis_seen_at;
