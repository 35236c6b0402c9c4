-- Schema 8: the monthly report reads the cases active in its month (filed before its end
-- and touched since its start) through this index instead of folding every case; lists
-- at HQ filter by estate, and "open" has an index of its own.
CREATE INDEX cases_by_updated_at ON cases (updated_at);
CREATE INDEX cases_by_estate_filed ON cases (estate, filed_at, seq);
-- Open cases newest first (closed_at is set exactly while a case is closed).
CREATE INDEX cases_open_filed ON cases (filed_at, seq) WHERE closed_at = '';
CREATE INDEX cases_open_by_estate_filed ON cases (estate, filed_at, seq) WHERE closed_at = '';
