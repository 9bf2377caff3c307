-- Issue 16 #3/#4: the item(s) the conversation was last about, per chat ("move it to
-- Friday", "готово" right after a reminder). Written in the same transaction as the
-- change that made them the referent; only the rows of the latest cause are kept (two
-- reminders of one tick, or several items of one message, are referents together):
-- `cause` names that moment (`inbox:<row id>`, `tick:<time>`).
CREATE TABLE referent (
    chat_id INTEGER NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    cause   TEXT    NOT NULL,
    at      TEXT    NOT NULL,
    PRIMARY KEY (chat_id, item_id)
);
