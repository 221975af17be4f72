-- Palermo schema, version 7: the accounts of the web application (`palermo serve`), their
-- sessions and API tokens, login throttling, files staged for review before they are committed,
-- and the purpose of each audited action. Portable SQL (SQLite and PostgreSQL). Everything a
-- server instance needs lives here, so several instances on one PostgreSQL serve one observatory.

-- Why an audited action was taken (the purpose a reader of identities states).
ALTER TABLE audit_log ADD COLUMN purpose TEXT;

-- role: administrator | analyst | reviewer | submitter | focal_point. scope: the source a
-- submitter submits for, the State (ISO 3166-1 alpha-3) a focal point answers for; NULL otherwise.
-- password_hash: argon2id in PHC string form; never a password.
CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    scope TEXT,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

-- A signed-in browser. token_hash: SHA-256 of the cookie's secret (the secret itself is never
-- stored); csrf: the token every form of the session carries.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed logins, counted per account name over a recent window.
CREATE TABLE login_failures (
    account TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures(account, at);

-- API tokens for agency systems: SHA-256 of the secret; the role and scope the token acts with
-- (its user's when it was made); revoked_at set once revoked.
CREATE TABLE api_tokens (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    scope TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- A file uploaded for a source and validated, awaiting its submitter's commit or discard. id: a
-- random token. body: the file in base64. report: the validation report (JSON, values masked).
CREATE TABLE staged_uploads (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    body TEXT NOT NULL,
    report TEXT NOT NULL,
    created_at TEXT NOT NULL
);
