-- Calendar (issues 6 and 10): occurrences cancelled out of a recurring series, and the
-- series' anchor as the calendar event holds it. Times are UTC text (organizer.model.to_db).

-- One row per occurrence cancelled with "only this one" (button cxo:<item>:<occurrence>).
-- occurrence_at is that occurrence's start exactly as organizer.schedule computes it.
-- The calendar event gets it as an EXDATE (organizer.sync, organizer.ical); reminders,
-- the next-occurrence logic and the agenda skip it. UNIQUE: a second press of the same
-- button records nothing new (and asks the calendar for nothing new).
CREATE TABLE item_exdates (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    occurrence_at TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (item_id, occurrence_at)
);

-- The recurring event's DTSTART/DTEND. items.start_at is the *current* occurrence and
-- moves along the series as reminders go out and occurrences are done or cancelled;
-- the calendar event must stay anchored where the series began (or else every update
-- would drop its past occurrences). NULL: start_at/end_at is the anchor. Set from
-- start_at/end_at when the item first moves along its series; cleared when the series
-- is (re)defined (db.items.request_upsert: a new or rescheduled meeting).
ALTER TABLE items ADD COLUMN cal_dtstart TEXT;
ALTER TABLE items ADD COLUMN cal_dtend TEXT;
