-- Schema 7: the rest of the read model beside each case's folded state (issue 14), so the
-- daily report, "open" and "overdue" read indexes instead of folding every case. Filled
-- by the projection rebuild the bumped projection version triggers at open. Times are
-- RFC 3339 UTC with milliseconds (they sort as text); empty is "none".
ALTER TABLE cases ADD COLUMN resolved_at TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN closed_at TEXT NOT NULL DEFAULT '';
-- When the case turns overdue unless something happens first (domain::clocks::overdue_from,
-- under the calendar kept in meta `calendar`).
ALTER TABLE cases ADD COLUMN overdue_from TEXT NOT NULL DEFAULT '';
-- The resident's phone, for "the same resident complained before" (major suggestions).
ALTER TABLE cases ADD COLUMN phone TEXT NOT NULL DEFAULT '';
-- Callback records a supervisor has not reviewed yet.
ALTER TABLE cases ADD COLUMN unreviewed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX cases_by_closed_at ON cases (closed_at, filed_at);
CREATE INDEX cases_by_resolved_at ON cases (resolved_at) WHERE resolved_at != '';
CREATE INDEX cases_by_overdue_from ON cases (overdue_from) WHERE overdue_from != '';
CREATE INDEX cases_by_phone ON cases (phone, filed_at) WHERE phone != '';
CREATE INDEX cases_by_unreviewed ON cases (unreviewed) WHERE unreviewed > 0;
CREATE INDEX cases_by_duplicate_of ON cases (json_extract(state, '$.duplicate_of'))
    WHERE json_extract(state, '$.duplicate_of') IS NOT NULL;
