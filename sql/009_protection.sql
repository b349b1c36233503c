-- priem schema, version 9: how the last real connection to the SMTP and FTP servers was
-- protected (issue 12: opportunistic TLS).
--
-- One row per link (`mail`, `ftp`), replaced on every connection that got as far as choosing
-- TLS or plain text: `required` (the settings demand TLS), `upgraded` (the server offered TLS
-- and the connection used it), `not_offered`, `fell_back` (the offered upgrade failed; `cause`
-- says why, in Russian). «Состояние» and the settings page show it instead of guessing from the
-- settings alone.

CREATE TABLE IF NOT EXISTS Priem_Protection (
  link        VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'mail | ftp',
  state       VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
              COMMENT 'required | upgraded | not_offered | fell_back',
  cause       VARCHAR(500) NULL COMMENT 'why the upgrade failed (fell_back), in Russian',
  observed_at DATETIME NOT NULL COMMENT 'UTC',
  PRIMARY KEY (link)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
  COMMENT='priem: how the last SMTP and FTP connection was protected (TLS or plain text)';
