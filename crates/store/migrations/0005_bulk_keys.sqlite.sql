-- Palermo schema, version 5 (SQLite): the record tables' ids become SQLite's rowid
-- (`INTEGER PRIMARY KEY`). A `BIGINT PRIMARY KEY` is a separate unique index beside the table's own
-- B-tree, so every imported record was stored and checked twice; as the rowid it is the table's key.
-- SQLite cannot change a primary key in place: each table is rebuilt (copied, dropped, renamed),
-- with foreign keys off for the migration and checked before it commits (migrate.rs).
CREATE TABLE person_records_v5 (
    id INTEGER PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions(id),
    source TEXT NOT NULL,
    row_number BIGINT NOT NULL,
    source_id TEXT NOT NULL,
    role TEXT NOT NULL,
    year BIGINT NOT NULL,
    date TEXT NOT NULL,
    sex TEXT NOT NULL,
    age BIGINT,
    age_band TEXT NOT NULL,
    citizenship TEXT NOT NULL,
    country_of_exploitation TEXT NOT NULL,
    subnational_area TEXT NOT NULL,
    exploitation TEXT NOT NULL,
    labour_sector TEXT NOT NULL,
    means_of_control TEXT NOT NULL,
    recruiter_relation TEXT NOT NULL,
    cross_border TEXT NOT NULL,
    services TEXT NOT NULL,
    referred_by TEXT NOT NULL,
    consent_data_sharing TEXT NOT NULL
);
INSERT INTO person_records_v5 SELECT * FROM person_records;
DROP TABLE person_records;
ALTER TABLE person_records_v5 RENAME TO person_records;
CREATE INDEX person_records_submission ON person_records(submission_id);
CREATE INDEX person_records_source_id ON person_records(source, source_id);

CREATE TABLE person_identities_v5 (
    record_id INTEGER PRIMARY KEY REFERENCES person_records(id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    place_of_birth TEXT NOT NULL,
    document_number TEXT NOT NULL
);
INSERT INTO person_identities_v5 SELECT * FROM person_identities;
DROP TABLE person_identities;
ALTER TABLE person_identities_v5 RENAME TO person_identities;

CREATE TABLE record_encodings_v5 (
    record_id INTEGER PRIMARY KEY REFERENCES person_records(id),
    encoding TEXT NOT NULL
);
INSERT INTO record_encodings_v5 SELECT * FROM record_encodings;
DROP TABLE record_encodings;
ALTER TABLE record_encodings_v5 RENAME TO record_encodings;

CREATE TABLE justice_records_v5 (
    id INTEGER PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions(id),
    source TEXT NOT NULL,
    row_number BIGINT NOT NULL,
    source_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    stage TEXT NOT NULL,
    sex TEXT NOT NULL,
    citizenship TEXT NOT NULL,
    exploitation TEXT NOT NULL,
    offence TEXT NOT NULL,
    sentence_months BIGINT,
    count BIGINT NOT NULL
);
INSERT INTO justice_records_v5 SELECT * FROM justice_records;
DROP TABLE justice_records;
ALTER TABLE justice_records_v5 RENAME TO justice_records;
CREATE INDEX justice_records_submission ON justice_records(submission_id)
