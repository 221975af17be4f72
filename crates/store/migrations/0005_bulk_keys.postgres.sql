-- Palermo schema, version 5 (PostgreSQL): the foreign keys of the tables an import loads in bulk
-- are dropped: from a record to its submission, and from a record's identifying part and its
-- encoding to the record. PostgreSQL checked them row by row (a query per row, and for the
-- identifying part a lock on the record's row): a bulk import spent about 40% of the server's time
-- there, the same check a million times. The import writes the submission and then its records,
-- each record with its identifying part and encoding, in its one transaction (import.rs), and
-- records are never deleted or re-keyed, so these keys cannot point at nothing. SQLite's bulk load
-- does not check them either (it writes with foreign keys off).
ALTER TABLE person_records DROP CONSTRAINT IF EXISTS person_records_submission_id_fkey;
ALTER TABLE person_identities DROP CONSTRAINT IF EXISTS person_identities_record_id_fkey;
ALTER TABLE record_encodings DROP CONSTRAINT IF EXISTS record_encodings_record_id_fkey
