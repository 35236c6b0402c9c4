-- HQ on PostgreSQL, schema 3: HQ's web desk (as the SQLite store's schema 9). Accounts
-- with an Argon2id password hash, sessions kept as a hash of their token (any node
-- recognises a session another node started), failed sign-ins counted across nodes, and
-- the log of who opened which case's personal data.
CREATE TABLE hq_accounts (
    name          text PRIMARY KEY,
    role          text NOT NULL,
    estates       jsonb NOT NULL DEFAULT '[]',
    password_hash text NOT NULL,
    added_at      timestamptz NOT NULL,
    disabled_at   timestamptz
);

CREATE TABLE hq_sessions (
    token_hash text PRIMARY KEY,
    account    text NOT NULL REFERENCES hq_accounts (name) ON DELETE CASCADE,
    csrf       text NOT NULL,
    started_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE TABLE hq_sign_in_failures (
    account text NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX hq_sign_in_failures_by_account ON hq_sign_in_failures (account, at);

CREATE TABLE hq_audit (
    seq     bigserial PRIMARY KEY,
    account text NOT NULL,
    case_id uuid NOT NULL,
    action  text NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX hq_audit_by_case ON hq_audit (case_id, seq);

-- The fleet page: when each kiosk last asked HQ for its status (every sync starts so).
ALTER TABLE kiosks ADD COLUMN last_seen_at timestamptz;
