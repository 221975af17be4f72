-- Palermo schema, version 1. Portable SQL: the same script runs on SQLite and PostgreSQL.
-- Ids are assigned by the application inside the importing transaction.

CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL
);

-- One submitted file of a source. status: active | replaced.
CREATE TABLE submissions (
    id BIGINT PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(name),
    record_kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_stored BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    status TEXT NOT NULL,
    replaced_by BIGINT
);
CREATE INDEX submissions_source ON submissions(source, status);

-- The analytical part of a person record: no field here identifies a person.
CREATE TABLE person_records (
    id BIGINT PRIMARY KEY,
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
CREATE INDEX person_records_submission ON person_records(submission_id);
CREATE INDEX person_records_source_id ON person_records(source, source_id);

-- Identifying fields, apart from the analytical record; every read is audited.
CREATE TABLE person_identities (
    record_id BIGINT PRIMARY KEY REFERENCES person_records(id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    place_of_birth TEXT NOT NULL,
    document_number TEXT NOT NULL
);

CREATE TABLE justice_records (
    id BIGINT PRIMARY KEY,
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
CREATE INDEX justice_records_submission ON justice_records(submission_id);

-- Refused rows: the masked errors, and the raw cells (which may identify a person, so they are
-- read only through the audited accessor).
CREATE TABLE quarantine (
    id BIGINT PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions(id),
    row_number BIGINT NOT NULL,
    errors TEXT NOT NULL,
    raw_row TEXT NOT NULL
);
CREATE INDEX quarantine_submission ON quarantine(submission_id);

-- Every read of identifying data.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);

-- Named JSON documents owned by the engines that have no tables of their own (e.g. the monitoring
-- dataset of States' measures, kept with its history of rounds inside the document).
CREATE TABLE documents (
    name TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL,
    body TEXT NOT NULL
);
