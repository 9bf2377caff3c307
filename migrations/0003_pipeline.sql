-- Pipeline (issue 6): what a clarifying question is for, and the language to answer in.

-- 'complete': the item is a DRAFT missing `missing`; the answer completes it.
-- 'reschedule': the item is OPEN; the answer is its new date/time.
ALTER TABLE clarify ADD COLUMN purpose TEXT NOT NULL DEFAULT 'complete'
    CHECK (purpose IN ('complete', 'reschedule'));
-- How many times this question was asked (an answer that still lacks the field asks again).
ALTER TABLE clarify ADD COLUMN asks INTEGER NOT NULL DEFAULT 1;
-- ru | en: the language the question was asked in.
ALTER TABLE clarify ADD COLUMN lang TEXT;

-- ru | en: the language of the message an item came from (button replies use it).
ALTER TABLE items ADD COLUMN lang TEXT;
