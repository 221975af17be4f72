-- Palermo schema, version 6: the ledger of releases. Every `palermo publish` records what it
-- released (the outputs), for whom (the audience), when, by whom, and how it was protected (the
-- disclosure method and its parameters, as JSON).
CREATE TABLE releases (
    id BIGINT PRIMARY KEY,
    released_at TEXT NOT NULL,
    released_by TEXT NOT NULL,
    audience TEXT NOT NULL,
    method TEXT NOT NULL,
    parameters TEXT NOT NULL,
    outputs TEXT NOT NULL,
    cells_suppressed BIGINT NOT NULL
);
