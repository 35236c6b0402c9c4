-- Schema 3: the print queue. A ticket's job is written in the same transaction as its
-- case, so filing never waits on the printer and no ticket is forgotten.
--
-- state: queued → printing → printed (the printer confirmed) | sent (the link cannot
-- report; the write succeeded). A job found in `printing` at start was interrupted
-- mid-send: it becomes `uncertain` and is not sent again unless someone asks.

CREATE TABLE print_jobs (
    id           INTEGER PRIMARY KEY,
    document     TEXT NOT NULL,
    case_id      TEXT REFERENCES cases (id),
    params       TEXT NOT NULL DEFAULT '{}',
    reprint      INTEGER NOT NULL DEFAULT 0,
    requested_by TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued',
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  TEXT NOT NULL,
    last_error   TEXT,
    done_at      TEXT
) STRICT;
CREATE INDEX print_jobs_by_state ON print_jobs (state, id);
CREATE INDEX print_jobs_by_case ON print_jobs (case_id);
