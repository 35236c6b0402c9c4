-- Schema 6 (issue 16): residents' photos and the messages sent to residents, as in the
-- SQLite store's schema 12. Photos are bytea in the database itself (not large objects:
-- those outlive their rows unless unlinked, and pg_dump/purge would need to know them).
CREATE TABLE case_photos (
    id        uuid PRIMARY KEY,
    case_id   uuid NOT NULL,
    added_at  timestamptz NOT NULL,
    width     integer NOT NULL,
    height    integer NOT NULL,
    picture   bytea NOT NULL,
    thumbnail bytea NOT NULL
);
CREATE INDEX case_photos_by_case ON case_photos (case_id);

CREATE TABLE notices (
    event_id   uuid PRIMARY KEY,
    case_id    uuid NOT NULL,
    kind       text NOT NULL,
    payload    text NOT NULL,
    queued_at  timestamptz NOT NULL,
    due_at     timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    sent_at    timestamptz,
    gave_up_at timestamptz,
    last_error text
);
CREATE INDEX notices_due ON notices (due_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX notices_by_case ON notices (case_id);

CREATE TABLE notice_cursors (
    estate text PRIMARY KEY,
    after  bigint NOT NULL
);
