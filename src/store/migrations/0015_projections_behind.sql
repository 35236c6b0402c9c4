-- A filing or a desk action commits its event durably (with its fsync) and then brings
-- the case's row and search indexes up to date in a second transaction without one: the
-- resident waits for the fact, not for twenty indexes on the disk. A case is listed here
-- from the first commit until its row is written; whatever a power cut leaves here is
-- projected again when the store next opens.
CREATE TABLE unprojected (case_id TEXT PRIMARY KEY) WITHOUT ROWID;

-- A ticket's print job commits with its filing, before the case's row exists: the job's
-- case is no longer a foreign key into `cases` (the purge deletes a case's jobs with it).
CREATE TABLE print_jobs_new (
    id           INTEGER PRIMARY KEY,
    document     TEXT NOT NULL,
    case_id      TEXT,
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
INSERT INTO print_jobs_new SELECT id, document, case_id, params, reprint, requested_by, created_at,
    state, attempts, next_try_at, last_error, done_at FROM print_jobs;
DROP TABLE print_jobs;
ALTER TABLE print_jobs_new RENAME TO print_jobs;
CREATE INDEX print_jobs_by_state ON print_jobs (state, id);
CREATE INDEX print_jobs_by_case ON print_jobs (case_id);
