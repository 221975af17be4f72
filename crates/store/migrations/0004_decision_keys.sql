-- Palermo schema, version 4: reviewers' decisions also name their records by what identifies a
-- record across imports (its source and the agency's own id for it), so that a decision survives
-- a `--replace` of the file, which gives the records new database ids.
ALTER TABLE review_decisions ADD COLUMN source_a TEXT;
ALTER TABLE review_decisions ADD COLUMN source_id_a TEXT;
ALTER TABLE review_decisions ADD COLUMN source_b TEXT;
ALTER TABLE review_decisions ADD COLUMN source_id_b TEXT;
UPDATE review_decisions SET
    source_a = (SELECT source FROM person_records WHERE id = record_a),
    source_id_a = (SELECT source_id FROM person_records WHERE id = record_a),
    source_b = (SELECT source FROM person_records WHERE id = record_b),
    source_id_b = (SELECT source_id FROM person_records WHERE id = record_b)
