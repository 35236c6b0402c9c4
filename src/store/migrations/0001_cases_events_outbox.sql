-- Schema 1: cases (a projection of their events), the events themselves, and the outbox
-- of events HQ has not confirmed. Migrations are only ever added, never edited.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- `seq` is the stable rowid the search index points at (VACUUM may renumber implicit rowids).
CREATE TABLE cases (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    ticket     TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    category   TEXT NOT NULL,
    status     TEXT NOT NULL,
    place      TEXT NOT NULL,
    text       TEXT NOT NULL,
    contact    TEXT NOT NULL DEFAULT '',
    filed_at   TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state      TEXT NOT NULL
) STRICT;
CREATE INDEX cases_by_status ON cases (status);
CREATE INDEX cases_by_filed_at ON cases (filed_at);

-- Each origin (a kiosk, or HQ) writes its own gap-free series `origin_seq`; receiving an
-- event twice is harmless because (origin, origin_seq) and id are unique.
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL,
    origin        TEXT NOT NULL,
    origin_seq    INTEGER NOT NULL,
    stamp_millis  INTEGER NOT NULL,
    stamp_counter INTEGER NOT NULL,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    type          TEXT NOT NULL,
    body          TEXT NOT NULL,
    UNIQUE (origin, origin_seq)
) STRICT;
CREATE INDEX events_by_case ON events (case_id);

CREATE TABLE outbox (
    event_id  TEXT PRIMARY KEY REFERENCES events (id),
    queued_at TEXT NOT NULL
) STRICT;
