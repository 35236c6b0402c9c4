-- Schema 14 (issue 17): two-character words (漏水, 电梯: most Chinese words) are searched
-- through an index too. The trigram index of schema 2 cannot match fewer than three
-- characters, so they read every case through LIKE. Here each case's texts are kept as
-- their two-character pieces, one token each; lobbydesk_pairs() makes them (registered
-- by the store on every connection it opens, so a sqlite3 shell cannot write cases).
-- Contentless: the texts are in `cases` already.

-- A search is one pair, so no positions are kept (detail): less for a filing to write.
CREATE VIRTUAL TABLE case_pairs USING fts5 (
    pairs, content = '', contentless_delete = 1, detail = none,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO case_pairs (rowid, pairs)
    SELECT seq, lobbydesk_pairs(ticket, place, text, contact) FROM cases;

CREATE TRIGGER cases_pairs_insert AFTER INSERT ON cases BEGIN
    INSERT INTO case_pairs (rowid, pairs)
    VALUES (new.seq, lobbydesk_pairs(new.ticket, new.place, new.text, new.contact));
END;

CREATE TRIGGER cases_pairs_delete AFTER DELETE ON cases BEGIN
    DELETE FROM case_pairs WHERE rowid = old.seq;
END;

CREATE TRIGGER cases_pairs_update AFTER UPDATE OF ticket, place, text, contact ON cases BEGIN
    DELETE FROM case_pairs WHERE rowid = old.seq;
    INSERT INTO case_pairs (rowid, pairs)
    VALUES (new.seq, lobbydesk_pairs(new.ticket, new.place, new.text, new.contact));
END;

-- Every filing writes a page of each index on cases; these two are the first columns of
-- cases_by_status_filed and cases_by_estate_filed, which answer the same lookups.
DROP INDEX cases_by_status;
DROP INDEX cases_by_estate;
