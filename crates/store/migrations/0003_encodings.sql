-- Palermo schema, version 3: Bloom-filter encodings (CLKs) of the records of sources that may not
-- share names. Portable SQL (SQLite and PostgreSQL). An encoding is pseudonymous personal data:
-- it lives apart from the analytical record and is read only through the audited accessor.
CREATE TABLE record_encodings (
    record_id BIGINT PRIMARY KEY REFERENCES person_records(id),
    encoding TEXT NOT NULL
);
