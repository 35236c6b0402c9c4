-- Schema 10: how each kiosk is doing, as it last said after a sync (PUT /v1/health), for
-- HQ's fleet page: the report as JSON (sync::Health) and when HQ received it, by HQ's
-- clock (the kiosk's clock is judged against it).
ALTER TABLE kiosks ADD COLUMN health TEXT;
ALTER TABLE kiosks ADD COLUMN health_at TEXT;
