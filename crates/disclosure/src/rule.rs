//! What a release must guarantee, and how suppression is chosen.

/// The protection rule of a release.
///
/// * **Threshold rule (primary suppression)**: a count from 1 to `min_cell − 1` is sensitive. A
///   zero is not (it says nobody is there).
/// * **Protection interval**: for a sensitive count `x`, the interval in which an attacker who
///   knows every published cell of the release, every relation between cells and that counts are
///   not negative can place it (by linear programming) must contain
///   `[max(0, x − protection), x + protection]`, as τ-ARGUS' lower and upper protection levels
///   (here equal and absolute). With the default `protection = min_cell − 1` the attacker can
///   tell neither that the count is above zero nor that it is below the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub min_cell: u64,
    pub protection: u64,
    /// The information lost by suppressing a cell, which secondary suppression minimises.
    pub cost: Cost,
    pub method: Method,
}

/// The information lost by suppressing one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Every cell weighs the same: minimise the number of suppressed cells.
    Cells,
    /// A cell weighs its value plus one: minimise the total suppressed (the `+ 1` makes a zero
    /// cost something).
    Value,
    /// A cell weighs `1 + ln(1 + value)`: few cells, preferring small ones (τ-ARGUS' log cost).
    LogValue,
}

/// How secondary suppressions are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Linear programming over the whole release (see [`crate::secondary`]).
    Optimal,
    /// The older rule: in every additive relation with exactly one suppressed cell, suppress its
    /// smallest other non-zero cell. It protects one level of totals, not linked tables: kept as
    /// the baseline the optimiser must beat, and as the fallback when the solver fails (the audit
    /// still decides whether the release may go out).
    Heuristic,
}

impl Rule {
    /// The rule for a threshold, with the default protection `min_cell − 1`, log-value cost and
    /// the optimiser.
    pub fn new(min_cell: u64) -> Self {
        Rule { min_cell, protection: min_cell.saturating_sub(1).max(1), cost: Cost::LogValue, method: Method::Optimal }
    }

    /// Whether a count is sensitive.
    pub fn is_primary(&self, value: u64) -> bool {
        value > 0 && value < self.min_cell
    }

    /// The interval the attacker's interval must contain for a sensitive count.
    pub fn required(&self, value: u64) -> (u64, u64) {
        (value.saturating_sub(self.protection), value.saturating_add(self.protection))
    }

    pub(crate) fn weight(&self, value: u64) -> f64 {
        match self.cost {
            Cost::Cells => 1.0,
            Cost::Value => value as f64 + 1.0,
            Cost::LogValue => 1.0 + (value as f64).ln_1p(),
        }
    }
}

impl Cost {
    pub fn name(self) -> &'static str {
        match self {
            Cost::Cells => "cells",
            Cost::Value => "value",
            Cost::LogValue => "log_value",
        }
    }
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Optimal => "linked_tables_lp",
            Method::Heuristic => "group_heuristic",
        }
    }
}
