-- Schema 2: full-text search for staff over ticket, place, description and contact.
-- The trigram tokenizer matches any substring of 3+ characters, which is what Chinese text
-- (no spaces between words) needs; shorter queries fall back to LIKE in code.

CREATE VIRTUAL TABLE case_search USING fts5 (
    ticket, place, text, contact,
    content = 'cases', content_rowid = 'seq', tokenize = 'trigram'
);
INSERT INTO case_search (case_search) VALUES ('rebuild');

CREATE TRIGGER cases_search_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_search (rowid, ticket, place, text, contact)
    VALUES (new.seq, new.ticket, new.place, new.text, new.contact);
END;

CREATE TRIGGER cases_search_delete AFTER DELETE ON cases BEGIN
    INSERT INTO case_search (case_search, rowid, ticket, place, text, contact)
    VALUES ('delete', old.seq, old.ticket, old.place, old.text, old.contact);
END;

CREATE TRIGGER cases_search_update AFTER UPDATE OF ticket, place, text, contact ON cases BEGIN
    INSERT INTO case_search (case_search, rowid, ticket, place, text, contact)
    VALUES ('delete', old.seq, old.ticket, old.place, old.text, old.contact);
    INSERT INTO case_search (rowid, ticket, place, text, contact)
    VALUES (new.seq, new.ticket, new.place, new.text, new.contact);
END;
