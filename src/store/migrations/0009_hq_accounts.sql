-- Schema 9: HQ's web desk (issue 15). People sign in with an account (a password kept
-- only as an Argon2id hash), a session is a random token kept here only as a hash, failed
-- sign-ins are counted to slow guessing, and every opening of a case's personal data is
-- logged. Used at HQ only; a kiosk's tables stay empty.
CREATE TABLE hq_accounts (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    estates       TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT NOT NULL,
    added_at      TEXT NOT NULL,
    disabled_at   TEXT
) STRICT;

CREATE TABLE hq_sessions (
    token_hash TEXT PRIMARY KEY,
    account    TEXT NOT NULL REFERENCES hq_accounts (name) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE TABLE hq_sign_in_failures (
    account TEXT NOT NULL,
    at      TEXT NOT NULL
) STRICT;
CREATE INDEX hq_sign_in_failures_by_account ON hq_sign_in_failures (account, at);

CREATE TABLE hq_audit (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    case_id TEXT NOT NULL,
    action  TEXT NOT NULL,
    at      TEXT NOT NULL
) STRICT;
CREATE INDEX hq_audit_by_case ON hq_audit (case_id, seq);

-- The fleet page: when each kiosk last asked HQ for its status (every sync starts so).
ALTER TABLE kiosks ADD COLUMN last_seen_at TEXT;
