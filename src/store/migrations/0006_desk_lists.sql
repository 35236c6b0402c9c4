-- Schema 6: what the staff desk filters its lists by, kept as columns beside each case's
-- projection so a filtered page reads an index instead of parsing every case (issue 13).
-- Filled by the projection rebuild that the bumped projection version triggers at open.
ALTER TABLE cases ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN owner TEXT NOT NULL DEFAULT '';
-- When the next callback may be made (RFC 3339, UTC), empty when none is owed.
ALTER TABLE cases ADD COLUMN callback_opens TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_by_status_filed ON cases (status, filed_at, seq);
CREATE INDEX cases_by_kind_filed ON cases (kind, filed_at, seq);
CREATE INDEX cases_by_department ON cases (department, filed_at, seq);
CREATE INDEX cases_by_assignee ON cases (assignee, filed_at, seq);
CREATE INDEX cases_by_owner ON cases (owner, filed_at, seq);
CREATE INDEX cases_by_callback ON cases (callback_opens) WHERE callback_opens != '';
CREATE INDEX cases_by_place ON cases (place, filed_at, seq);
