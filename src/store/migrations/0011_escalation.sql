-- Schema 11: from when each case belongs on the GM's escalation list (000 4.3.2, 4.3.3;
-- domain::clocks::escalated_from), so "escalated" is a range query like "overdue". Filled
-- by the projection rebuild the bumped projection version triggers at open.
ALTER TABLE cases ADD COLUMN escalated_from TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_by_escalated_from ON cases (escalated_from) WHERE escalated_from != '';
