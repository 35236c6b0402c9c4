-- Schema 8: the monthly report reads the cases active in its month (filed before its end
-- and touched since its start) through this index instead of folding every case; lists
-- at HQ filter by estate.
CREATE INDEX cases_by_updated_at ON cases (updated_at);
CREATE INDEX cases_by_estate_filed ON cases (estate, filed_at, seq);
