-- Palermo schema, version 2: the review list of record linkage and the reviewers' decisions.
-- Portable SQL (SQLite and PostgreSQL). Records are named by their database ids only: no name,
-- birth date or other identifying value is stored here.

-- Every linkage whose review list was stored: when, in which mode, and its counts.
CREATE TABLE linkage_runs (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    mode TEXT NOT NULL,
    n_records BIGINT NOT NULL,
    n_persons BIGINT NOT NULL,
    n_review BIGINT NOT NULL,
    n_decided BIGINT NOT NULL
);

-- What a reviewer should check after the last linkage. kind: pair (a borderline pair) or
-- cluster (a person whose records fall apart at a stricter threshold). record_key lists the
-- records' ids, sorted and comma-separated, so the same item keeps its id from run to run.
CREATE TABLE review_items (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    record_key TEXT NOT NULL,
    match_weight DOUBLE PRECISION,
    match_probability DOUBLE PRECISION,
    linked BIGINT NOT NULL
);
CREATE UNIQUE INDEX review_items_key ON review_items(kind, record_key);

CREATE TABLE review_item_records (
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    record_id BIGINT NOT NULL REFERENCES person_records(id),
    PRIMARY KEY (item_id, record_id)
);

-- Why a pair scored as it did: each field's comparison level and weight (in bits).
CREATE TABLE review_item_fields (
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    position BIGINT NOT NULL,
    field TEXT NOT NULL,
    level BIGINT NOT NULL,
    level_label TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (item_id, position)
);

-- Reviewers' decisions, kept as history: the latest decision about a pair of records applies
-- in the next linkage. decision: match | distinct.
CREATE TABLE review_decisions (
    id BIGINT PRIMARY KEY,
    record_a BIGINT NOT NULL REFERENCES person_records(id),
    record_b BIGINT NOT NULL REFERENCES person_records(id),
    decision TEXT NOT NULL,
    item_id BIGINT,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX review_decisions_pair ON review_decisions(record_a, record_b);
