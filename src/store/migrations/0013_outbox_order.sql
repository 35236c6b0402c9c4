-- Schema 13 (issue 17): the outbox keeps its events' indexes, so a sync reads the next
-- batch from an index of the outbox alone instead of walking every event this kiosk
-- ever wrote (which grew with its whole history, for every batch).
ALTER TABLE outbox ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET seq = COALESCE((SELECT origin_seq FROM events WHERE events.id = outbox.event_id), 0);
CREATE INDEX outbox_by_seq ON outbox (seq);
