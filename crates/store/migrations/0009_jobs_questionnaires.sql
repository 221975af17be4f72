-- Palermo schema, version 9: background jobs of the web application (`palermo run` started from
-- the browser or the API) and States' questionnaires filled in on the web. Portable SQL (SQLite
-- and PostgreSQL). Both live here, not in a server's memory, so that a second instance and a
-- reloaded page see them.

-- A job: state running | finished | failed. heartbeat_at: renewed while the job runs; a running
-- job whose heartbeat is older than the lease was left by an instance that stopped, and the next
-- start marks it failed. stage, done, total: its progress. message: why it failed (never a
-- person's data). summary: what it did (JSON).
CREATE TABLE jobs (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    finished_at TEXT,
    stage TEXT NOT NULL,
    done BIGINT NOT NULL,
    total BIGINT NOT NULL,
    message TEXT,
    summary TEXT
);
-- One running job per observatory: a second start fails on this index, whichever instance tries.
CREATE UNIQUE INDEX jobs_one_running ON jobs(state) WHERE state = 'running';

-- A State's questionnaire for a round, as its focal point filled it in on the web: status draft |
-- submitted; answers: the questionnaire (JSON, the format of `palermo monitor template`).
-- version: raised by every save; a save or a submission made against another version is refused
-- (compare-and-swap), never silently overwriting.
CREATE TABLE questionnaires (
    round TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    answers TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    PRIMARY KEY (round, state)
);
