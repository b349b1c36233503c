-- priem schema, version 4: single-use form tokens, and counters the core owns.
--
-- A booking from the site keeps the nonce of the form token it was sent with; the unique key
-- lets one token make one booking (a repeat of that booking finds it by its idempotency key
-- first, and a refused booking gives its nonce back). Priem_RateLimit is read and written by
-- the extension only (priem_count_attempt, priem_login_*, priem_book): booking attempts per
-- address, failed logins per address, bookings per phone and per doctor-day, each a salted
-- hash of what it counts.

ALTER TABLE Priem_Booking ADD COLUMN IF NOT EXISTS form_nonce VARCHAR(64) CHARACTER SET ascii
  COLLATE ascii_bin NULL COMMENT 'the form token it was made with: one booking per token';

ALTER TABLE Priem_Booking ADD UNIQUE KEY IF NOT EXISTS form_nonce (form_nonce);

ALTER TABLE Priem_RateLimit
  COMMENT='priem: rate-limit counters per (hashed) address, phone or doctor-day, and window';
