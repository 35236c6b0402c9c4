-- HQ on PostgreSQL, schema 4: each kiosk's last health report (as the SQLite store's
-- schema 10): the report as JSON (sync::Health) and when HQ received it.
ALTER TABLE kiosks ADD COLUMN health text, ADD COLUMN health_at timestamptz;
