-- Schema 5: sync integrity and reads that do not scan every case.

-- The estate each arrival belongs to: a kiosk's pull reads its own estate's rows through
-- an index instead of walking every arrival from every estate.
ALTER TABLE received ADD COLUMN estate TEXT NOT NULL DEFAULT '';
UPDATE received SET estate = COALESCE(
    (SELECT c.estate FROM events e JOIN cases c ON c.id = e.case_id WHERE e.id = received.event_id), '');
CREATE INDEX received_by_estate ON received (estate, seq);

-- The highest ticket sequence seen per kiosk code, kept as filings are stored: HQ's status
-- answer reads one row instead of parsing every ticket.
CREATE TABLE ticket_high (
    code     TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL
) STRICT;
INSERT INTO ticket_high (code, sequence)
    SELECT substr(ticket, 1, instr(ticket, '-') - 1), MAX(CAST(substr(ticket, instr(ticket, '-') + 1) AS INTEGER))
    FROM cases WHERE instr(ticket, '-') > 1 GROUP BY 1;

-- Why HQ set an event aside, as a code the kiosk acts on (see sync::RejectCode).
ALTER TABLE sync_rejected ADD COLUMN code TEXT NOT NULL DEFAULT 'refused';
