-- Schema 12 (HQ, issue 16): residents' photos and the messages sent to residents.
-- Photos are kept in the database itself, re-encoded (no metadata), beside a thumbnail:
-- they are backed up, restored and purged with the cases they belong to.
CREATE TABLE case_photos (
    id        TEXT PRIMARY KEY,
    case_id   TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    width     INTEGER NOT NULL,
    height    INTEGER NOT NULL,
    picture   BLOB NOT NULL,
    thumbnail BLOB NOT NULL
);
CREATE INDEX case_photos_by_case ON case_photos (case_id);

-- One message per event a resident is told about: the event's id is the key, so a
-- change is queued once however often it is seen. `payload` is the JSON sent, fixed when
-- queued so every retry sends the same bytes; `due_at` is the next try (a node that
-- takes a message moves it on, so no other node sends it meanwhile).
CREATE TABLE notices (
    event_id   TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    queued_at  TEXT NOT NULL,
    due_at     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    sent_at    TEXT,
    gave_up_at TEXT,
    last_error TEXT
);
CREATE INDEX notices_due ON notices (due_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX notices_by_case ON notices (case_id);

-- How far each estate's arrivals have been looked at for messages.
CREATE TABLE notice_cursors (
    estate TEXT PRIMARY KEY,
    after  INTEGER NOT NULL
);
