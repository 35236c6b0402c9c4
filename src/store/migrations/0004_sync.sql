-- Schema 4: sync with headquarters.

-- Which estate a case belongs to: HQ hands each kiosk its own estate's cases only.
ALTER TABLE cases ADD COLUMN estate TEXT NOT NULL DEFAULT '';
UPDATE cases SET estate = COALESCE(json_extract(state, '$.intake.estate'), '');
CREATE INDEX cases_by_estate ON cases (estate);

-- The order events arrived here, from anywhere: a kiosk pulls from HQ by this number.
CREATE TABLE received (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE REFERENCES events (id)
) STRICT;
INSERT INTO received (event_id)
    SELECT id FROM events ORDER BY stamp_millis, stamp_counter, origin, id;

-- Events HQ refused for good: out of the outbox so they never hold up the rest, kept
-- here for a person to look at.
CREATE TABLE sync_rejected (
    event_id    TEXT PRIMARY KEY REFERENCES events (id),
    reason      TEXT NOT NULL,
    rejected_at TEXT NOT NULL
) STRICT;

-- On HQ: the kiosks allowed to sync, with a hash of their credential (never the
-- credential itself) and when it was revoked.
CREATE TABLE kiosks (
    code       TEXT PRIMARY KEY,
    estate     TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    added_at   TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
