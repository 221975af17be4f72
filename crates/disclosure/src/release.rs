//! A release: the cells of every table published together, and the additive relations between
//! them that an attacker knows.

use std::collections::BTreeMap;

use crate::{Error, Result};

/// One quantity of a release. The same quantity published in two tables (a year's total in the
/// table by year and as the margin of the table by year and sex) is one cell, found by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId(pub(crate) usize);

impl CellId {
    /// Its position in [`Release::len`]-long vectors such as [`crate::Protection::hidden`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// How a relation compares its weighted sum with zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// `Σ coefficient × cell = 0`.
    Eq,
    /// `Σ coefficient × cell ≤ 0`.
    Le,
}

/// A linear relation between cells, homogeneous (its right-hand side is zero): a total equals the
/// sum of its parts, a part is at most its whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub terms: Vec<(CellId, i64)>,
    pub sense: Sense,
}

/// The cells of all the tables of one release, with their relations.
///
/// A cell is *published* (it appears in some table: a candidate for suppression) or *latent*
/// (never published, but a quantity the relations need, such as the victims of a year and sex
/// whose age is unknown when only children and adults are tabulated: the attacker knows it
/// exists and is a count, not its value). A key registered as latent and as published is
/// published.
#[derive(Debug, Clone, Default)]
pub struct Release {
    pub(crate) keys: Vec<String>,
    pub(crate) values: Vec<u64>,
    pub(crate) published: Vec<bool>,
    /// Multiplies the rule's cost of suppressing the cell (1 unless set).
    pub(crate) priority: Vec<f64>,
    pub(crate) relations: Vec<Relation>,
    index: BTreeMap<String, CellId>,
}

impl Release {
    pub fn new() -> Self {
        Self::default()
    }

    /// A published cell. The same key twice is the same cell, and must have the same value.
    pub fn published(&mut self, key: &str, value: u64) -> Result<CellId> {
        let id = self.cell(key, value)?;
        self.published[id.0] = true;
        Ok(id)
    }

    /// A latent cell: in relations, never published.
    pub fn latent(&mut self, key: &str, value: u64) -> Result<CellId> {
        self.cell(key, value)
    }

    fn cell(&mut self, key: &str, value: u64) -> Result<CellId> {
        if let Some(&id) = self.index.get(key) {
            if self.values[id.0] != value {
                return Err(Error::Conflict { key: key.to_owned(), first: self.values[id.0], second: value });
            }
            return Ok(id);
        }
        let id = CellId(self.keys.len());
        self.keys.push(key.to_owned());
        self.values.push(value);
        self.published.push(false);
        self.priority.push(1.0);
        self.index.insert(key.to_owned(), id);
        Ok(id)
    }

    /// How much more than others a cell matters to readers: the cost of suppressing it is
    /// multiplied by `priority` (a positive number; 1 by default), so the optimiser suppresses
    /// other cells where it can.
    pub fn set_priority(&mut self, id: CellId, priority: f64) {
        if let Some(p) = self.priority.get_mut(id.0)
            && priority.is_finite()
            && priority > 0.0
        {
            *p = priority;
        }
    }

    /// The information lost by suppressing a cell under `rule`.
    pub fn cost(&self, id: CellId, rule: &crate::Rule) -> f64 {
        rule.weight(self.values[id.0]) * self.priority.get(id.0).copied().unwrap_or(1.0)
    }

    /// `total = Σ parts`.
    pub fn sum(&mut self, total: CellId, parts: &[CellId]) -> Result<()> {
        let mut terms = vec![(total, -1)];
        terms.extend(parts.iter().map(|&p| (p, 1)));
        self.relation(terms, Sense::Eq)
    }

    /// `part ≤ whole`.
    pub fn at_most(&mut self, part: CellId, whole: CellId) -> Result<()> {
        self.relation(vec![(part, 1), (whole, -1)], Sense::Le)
    }

    /// `Σ parts ≥ bound` (the forms of exploitation of a group of victims count each victim at
    /// least once).
    pub fn at_least(&mut self, parts: &[CellId], bound: CellId) -> Result<()> {
        let mut terms = vec![(bound, 1)];
        terms.extend(parts.iter().map(|&p| (p, -1)));
        self.relation(terms, Sense::Le)
    }

    /// Any homogeneous relation. Repeated cells are merged; the relation must hold on the
    /// cells' values (a relation the data contradict is a bug in the caller).
    pub fn relation(&mut self, terms: Vec<(CellId, i64)>, sense: Sense) -> Result<()> {
        let mut merged: BTreeMap<CellId, i64> = BTreeMap::new();
        for (id, c) in terms {
            if id.0 >= self.keys.len() {
                return Err(Error::UnknownCell(id.0));
            }
            *merged.entry(id).or_default() += c;
        }
        let terms: Vec<(CellId, i64)> = merged.into_iter().filter(|(_, c)| *c != 0).collect();
        if terms.is_empty() {
            return Ok(());
        }
        let lhs: i128 = terms.iter().map(|(id, c)| i128::from(*c) * i128::from(self.values[id.0])).sum();
        let holds = match sense {
            Sense::Eq => lhs == 0,
            Sense::Le => lhs <= 0,
        };
        if !holds {
            let keys = terms.iter().map(|(id, c)| format!("{c:+} {}", self.keys[id.0])).collect::<Vec<_>>();
            return Err(Error::Contradicted { relation: keys.join(" "), sense });
        }
        self.relations.push(Relation { terms, sense });
        Ok(())
    }

    /// The cell of `key`, if registered.
    pub fn get(&self, key: &str) -> Option<CellId> {
        self.index.get(key).copied()
    }

    pub fn key(&self, id: CellId) -> &str {
        &self.keys[id.0]
    }

    pub fn value(&self, id: CellId) -> u64 {
        self.values[id.0]
    }

    pub fn is_published(&self, id: CellId) -> bool {
        self.published[id.0]
    }

    /// How many cells, published and latent.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Every cell, in registration order.
    pub fn cells(&self) -> impl Iterator<Item = CellId> + '_ {
        (0..self.keys.len()).map(CellId)
    }

    /// The release as text, one cell or relation a line (`cell published|latent VALUE KEY`,
    /// `priority INDEX FACTOR`, `rel eq|le INDEX:COEFFICIENT …`): true values of every cell, latent ones included, so it
    /// is never written where a release goes; it lets tests replay a release.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for i in 0..self.keys.len() {
            let kind = if self.published[i] { "published" } else { "latent" };
            out.push_str(&format!("cell {kind} {} {}\n", self.values[i], self.keys[i]));
        }
        for (i, p) in self.priority.iter().enumerate().filter(|(_, p)| **p != 1.0) {
            out.push_str(&format!("priority {i} {p}\n"));
        }
        for r in &self.relations {
            let sense = match r.sense {
                Sense::Eq => "eq",
                Sense::Le => "le",
            };
            let terms: Vec<String> = r.terms.iter().map(|(id, c)| format!("{}:{c}", id.0)).collect();
            out.push_str(&format!("rel {sense} {}\n", terms.join(" ")));
        }
        out
    }

    /// Reads [`Release::to_text`].
    pub fn from_text(text: &str) -> Result<Self> {
        let mut release = Release::new();
        for (n, line) in text.lines().enumerate() {
            let bad = || Error::Parse { line: n + 1 };
            let mut words = line.splitn(4, ' ');
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some("cell"), Some(kind), Some(value), Some(key)) => {
                    let value = value.parse().map_err(|_| bad())?;
                    match kind {
                        "published" => release.published(key, value)?,
                        "latent" => release.latent(key, value)?,
                        _ => return Err(bad()),
                    };
                }
                (Some("priority"), Some(id), Some(p), None) => {
                    let id = CellId(id.parse().map_err(|_| bad())?);
                    release.set_priority(id, p.parse().map_err(|_| bad())?);
                }
                (Some("rel"), Some(sense), ..) => {
                    let sense = match sense {
                        "eq" => Sense::Eq,
                        "le" => Sense::Le,
                        _ => return Err(bad()),
                    };
                    let mut terms = Vec::new();
                    for term in line.split(' ').skip(2) {
                        let (id, c) = term.split_once(':').ok_or_else(bad)?;
                        terms.push((CellId(id.parse().map_err(|_| bad())?), c.parse().map_err(|_| bad())?));
                    }
                    release.relation(terms, sense)?;
                }
                (None, ..) | (Some(""), ..) => {}
                _ => return Err(bad()),
            }
        }
        Ok(release)
    }
}
