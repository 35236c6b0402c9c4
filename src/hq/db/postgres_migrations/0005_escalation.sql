-- HQ on PostgreSQL, schema 5: from when each case belongs on the GM's escalation list (as
-- the SQLite store's schema 11), filled by the projection rebuild that follows.
ALTER TABLE cases ADD COLUMN escalated_from timestamptz;
CREATE INDEX cases_by_escalated_from ON cases (escalated_from) WHERE escalated_from IS NOT NULL;
