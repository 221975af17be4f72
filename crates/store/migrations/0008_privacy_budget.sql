-- Palermo schema, version 8: the privacy budget. Each release records the dataset it publishes
-- from and the ε (differential privacy) it spent; a dataset's budget is the total ε its releases
-- may spend, pinned in the ledger by the first release that spends from it.
ALTER TABLE releases ADD COLUMN dataset TEXT NOT NULL DEFAULT 'victims';
ALTER TABLE releases ADD COLUMN epsilon DOUBLE PRECISION NOT NULL DEFAULT 0;
CREATE TABLE privacy_budgets (
    dataset TEXT PRIMARY KEY,
    total_epsilon DOUBLE PRECISION NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
);
