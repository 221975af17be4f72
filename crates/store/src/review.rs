//! The review list of record linkage and the reviewers' decisions.
//!
//! After each linkage the application replaces the review list ([`Store::replace_review`]): the
//! borderline pairs and unstable clusters, naming records by their database ids, with each pair's
//! per-field explanation as data. An item keeps its id from run to run as long as it concerns the
//! same records, so a reviewer can decide on `palermo review`'s ids. Decisions
//! ([`Store::record_decision`]) are appended, never overwritten: the latest decision about a pair
//! of records is the one the next linkage applies. Nothing here holds a name or a birth date;
//! a reviewer who needs them reads them through [`Store::read_identities_of`], which is audited.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::query::Identity;
use crate::{Result, Store, db};

/// What kind of thing a review item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// Two records scored between the review and the match threshold.
    Pair,
    /// A person whose records fall apart at a stricter threshold or were cut for being sparse.
    Cluster,
}

impl ReviewKind {
    fn code(self) -> &'static str {
        match self {
            ReviewKind::Pair => "pair",
            ReviewKind::Cluster => "cluster",
        }
    }

    fn parse(code: &str) -> ReviewKind {
        if code == "cluster" { ReviewKind::Cluster } else { ReviewKind::Pair }
    }
}

/// One field's part of a pair's match weight.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewField {
    pub field: String,
    pub level: i64,
    pub level_label: String,
    /// Weight in bits (term-frequency adjustment included).
    pub weight: f64,
}

/// A review item as the linkage produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReviewItem {
    pub kind: ReviewKind,
    /// Database ids of the records (two for a pair).
    pub records: Vec<i64>,
    pub match_weight: Option<f64>,
    pub match_probability: Option<f64>,
    /// Whether the linkage put the records into one person.
    pub linked: bool,
    pub fields: Vec<ReviewField>,
}

/// A stored review item, with the sources of its records.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewItem {
    pub id: i64,
    pub kind: ReviewKind,
    /// (record id, source, source id), by record id.
    pub records: Vec<(i64, String, String)>,
    pub match_weight: Option<f64>,
    pub match_probability: Option<f64>,
    pub linked: bool,
    pub fields: Vec<ReviewField>,
}

/// A reviewer's verdict on records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The same person.
    Match,
    /// Different persons.
    Distinct,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Distinct => "distinct",
        }
    }
}

/// What identifies a record across imports: its source and the agency's own id for it. A
/// `--replace` of a file gives its records new database ids but keeps these.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct RecordKey {
    pub source: String,
    pub source_id: String,
}

/// A decision about a pair of records (`record_a < record_b`), as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub id: i64,
    /// Database ids of the records when the decision was made.
    pub record_a: i64,
    pub record_b: i64,
    /// The same records across imports (`key_a <= key_b`): what the next linkage applies the
    /// decision to.
    pub key_a: RecordKey,
    pub key_b: RecordKey,
    pub verdict: Verdict,
    /// The review item it was made on.
    pub item_id: Option<i64>,
    pub decided_by: String,
    pub decided_at: String,
}

/// A linkage whose review list was stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkageRun {
    pub id: i64,
    pub at: String,
    /// `named` or `encoded`.
    pub mode: String,
    pub n_records: i64,
    pub n_persons: i64,
    pub n_review: i64,
    pub n_decided: i64,
}

/// The counts of a linkage to record with its review list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLinkageRun {
    pub mode: String,
    pub n_records: i64,
    pub n_persons: i64,
    pub n_review: i64,
    pub n_decided: i64,
}

/// A row of `review_decisions`: id, record_a, record_b, decision, item_id, decided_by, decided_at,
/// source_a, source_id_a, source_b, source_id_b.
type DecisionRow = (
    i64,
    i64,
    i64,
    String,
    Option<i64>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Review rows go into the database this many at a time (multi-row INSERTs).
const BATCH_ROWS: usize = 500;

/// A row of `linkage_runs`.
type RunRow = (i64, String, String, i64, i64, i64, i64);

fn record_key(records: &[i64]) -> String {
    let mut sorted = records.to_vec();
    sorted.sort_unstable();
    sorted.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Store {
    /// Replaces the review list by the items of a new linkage, in one transaction, and records the
    /// linkage's counts. Items about the same records keep their ids; ids of new items follow the
    /// largest ever given.
    /// Safe when several processes link at once: replacements take the review list's write lock
    /// first, so they run one after the other.
    pub async fn replace_review(&self, run: &NewLinkageRun, items: &[NewReviewItem]) -> Result<()> {
        let action = "storing the review list";
        let mut tx = self.pool().begin().await.map_err(db(action))?;
        self.lock_review(&mut tx, action).await?;
        let existing: Vec<(i64, String, String)> = sqlx::query_as("SELECT id, kind, record_key FROM review_items")
            .fetch_all(&mut *tx)
            .await
            .map_err(db(action))?;
        let existing: BTreeMap<(String, String), i64> =
            existing.into_iter().map(|(id, kind, key)| ((kind, key), id)).collect();
        let mut next_id: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(m), 0) + 1 FROM (SELECT MAX(id) AS m FROM review_items \
             UNION ALL SELECT MAX(item_id) AS m FROM review_decisions) t",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(db(action))?;
        for table in ["review_item_fields", "review_item_records", "review_items"] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await
                .map_err(db(action))?;
        }
        // Ids first, then each table in multi-row statements.
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            let key = record_key(&item.records);
            let id = match existing.get(&(item.kind.code().to_owned(), key.clone())) {
                Some(&id) => id,
                None => {
                    next_id += 1;
                    next_id - 1
                }
            };
            ids.push((id, key));
        }
        let backend = self.backend();
        let rows: Vec<(&NewReviewItem, &(i64, String))> = items.iter().zip(&ids).collect();
        for chunk in rows.chunks(BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO review_items (id, kind, record_key, match_weight, match_probability, linked) VALUES {}",
                crate::placeholders(backend, chunk.len(), 6)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (item, (id, key)) in chunk {
                query = query
                    .bind(*id)
                    .bind(item.kind.code())
                    .bind(key.as_str())
                    .bind(item.match_weight)
                    .bind(item.match_probability)
                    .bind(i64::from(item.linked));
            }
            query.execute(&mut *tx).await.map_err(db(action))?;
        }
        let records: Vec<(i64, i64)> = rows
            .iter()
            .flat_map(|(item, (id, _))| {
                let mut records = item.records.clone();
                records.sort_unstable();
                records.dedup();
                records.into_iter().map(move |r| (*id, r))
            })
            .collect();
        for chunk in records.chunks(BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO review_item_records (item_id, record_id) VALUES {}",
                crate::placeholders(backend, chunk.len(), 2)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, record) in chunk {
                query = query.bind(*id).bind(*record);
            }
            query.execute(&mut *tx).await.map_err(db(action))?;
        }
        let fields: Vec<(i64, usize, &ReviewField)> = rows
            .iter()
            .flat_map(|(item, (id, _))| item.fields.iter().enumerate().map(move |(p, f)| (*id, p, f)))
            .collect();
        for chunk in fields.chunks(BATCH_ROWS) {
            let sql = format!(
                "INSERT INTO review_item_fields (item_id, position, field, level, level_label, weight) VALUES {}",
                crate::placeholders(backend, chunk.len(), 6)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (id, position, f) in chunk {
                query = query
                    .bind(*id)
                    .bind(*position as i64)
                    .bind(f.field.as_str())
                    .bind(f.level)
                    .bind(f.level_label.as_str())
                    .bind(f.weight);
            }
            query.execute(&mut *tx).await.map_err(db(action))?;
        }
        let run_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM linkage_runs")
            .fetch_one(&mut *tx)
            .await
            .map_err(db(action))?;
        sqlx::query(
            "INSERT INTO linkage_runs (id, at, mode, n_records, n_persons, n_review, n_decided) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(run_id)
        .bind(crate::now_utc())
        .bind(&run.mode)
        .bind(run.n_records)
        .bind(run.n_persons)
        .bind(run.n_review)
        .bind(run.n_decided)
        .execute(&mut *tx)
        .await
        .map_err(db(action))?;
        tx.commit().await.map_err(db(action))
    }

    /// Takes the write lock of the review list and the decisions for the rest of `tx`, before
    /// anything is read: on PostgreSQL a table lock that only writers of the review list take
    /// (readers go on); on SQLite the database's write lock, taken by a statement that writes
    /// nothing (a transaction that read first could not upgrade while another writes).
    async fn lock_review(&self, tx: &mut sqlx::Transaction<'static, sqlx::Any>, action: &'static str) -> Result<()> {
        let sql = match self.backend() {
            crate::Backend::Postgres => "LOCK TABLE review_items IN SHARE ROW EXCLUSIVE MODE",
            crate::Backend::Sqlite => "DELETE FROM review_items WHERE 1 = 0",
        };
        sqlx::query(sql).execute(&mut **tx).await.map_err(db(action))?;
        Ok(())
    }

    /// The review list of the last linkage, by id.
    pub async fn review_items(&self) -> Result<Vec<ReviewItem>> {
        let action = "reading the review list";
        let rows =
            sqlx::query("SELECT id, kind, match_weight, match_probability, linked FROM review_items ORDER BY id")
                .fetch_all(self.pool())
                .await
                .map_err(db(action))?;
        let mut items: BTreeMap<i64, ReviewItem> = BTreeMap::new();
        for r in &rows {
            let id: i64 = r.try_get(0).map_err(db(action))?;
            let kind: String = r.try_get(1).map_err(db(action))?;
            let linked: i64 = r.try_get(4).map_err(db(action))?;
            items.insert(
                id,
                ReviewItem {
                    id,
                    kind: ReviewKind::parse(&kind),
                    records: Vec::new(),
                    match_weight: r.try_get(2).map_err(db(action))?,
                    match_probability: r.try_get(3).map_err(db(action))?,
                    linked: linked != 0,
                    fields: Vec::new(),
                },
            );
        }
        let records: Vec<(i64, i64, String, String)> = sqlx::query_as(
            "SELECT i.item_id, i.record_id, r.source, r.source_id FROM review_item_records i \
             JOIN person_records r ON r.id = i.record_id ORDER BY i.item_id, i.record_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db(action))?;
        for (item_id, record_id, source, source_id) in records {
            if let Some(item) = items.get_mut(&item_id) {
                item.records.push((record_id, source, source_id));
            }
        }
        let fields = sqlx::query(
            "SELECT item_id, field, level, level_label, weight FROM review_item_fields ORDER BY item_id, position",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db(action))?;
        for r in &fields {
            let item_id: i64 = r.try_get(0).map_err(db(action))?;
            if let Some(item) = items.get_mut(&item_id) {
                item.fields.push(ReviewField {
                    field: r.try_get(1).map_err(db(action))?,
                    level: r.try_get(2).map_err(db(action))?,
                    level_label: r.try_get(3).map_err(db(action))?,
                    weight: r.try_get(4).map_err(db(action))?,
                });
            }
        }
        Ok(items.into_values().collect())
    }

    /// Records a reviewer's verdict on item `item_id` of the review list: for a pair, one decision
    /// about its two records; for a cluster, `match` joins its records (a decision per
    /// consecutive two) and `distinct` separates every two of them. Returns the decisions written.
    pub async fn record_decision(&self, item_id: i64, verdict: Verdict, decided_by: &str) -> Result<Vec<Decision>> {
        if decided_by.trim().is_empty() {
            return Err(crate::Error::UnnamedActor);
        }
        let action = "recording a review decision";
        let mut tx = self.pool().begin().await.map_err(db(action))?;
        self.lock_review(&mut tx, action).await?;
        let mut records: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT i.record_id, r.source, r.source_id FROM review_item_records i \
             JOIN person_records r ON r.id = i.record_id WHERE i.item_id = $1 ORDER BY i.record_id",
        )
        .bind(item_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db(action))?;
        records.dedup_by_key(|r| r.0);
        if records.len() < 2 {
            return Err(crate::Error::UnknownReviewItem(item_id));
        }
        type Keyed = (i64, RecordKey);
        let records: Vec<Keyed> =
            records.into_iter().map(|(id, source, source_id)| (id, RecordKey { source, source_id })).collect();
        let pairs: Vec<(&Keyed, &Keyed)> = match verdict {
            Verdict::Match => records.windows(2).map(|w| (&w[0], &w[1])).collect(),
            Verdict::Distinct => {
                records.iter().enumerate().flat_map(|(i, a)| records[i + 1..].iter().map(move |b| (a, b))).collect()
            }
        };
        let mut next_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM review_decisions")
            .fetch_one(&mut *tx)
            .await
            .map_err(db(action))?;
        let at = crate::now_utc();
        let mut written = Vec::new();
        for ((record_a, a), (record_b, b)) in pairs {
            let (key_a, key_b) = if a <= b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
            sqlx::query(
                "INSERT INTO review_decisions (id, record_a, record_b, decision, item_id, decided_by, decided_at, \
                 source_a, source_id_a, source_b, source_id_b) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(next_id)
            .bind(*record_a)
            .bind(*record_b)
            .bind(verdict.code())
            .bind(item_id)
            .bind(decided_by)
            .bind(&at)
            .bind(key_a.source.as_str())
            .bind(key_a.source_id.as_str())
            .bind(key_b.source.as_str())
            .bind(key_b.source_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db(action))?;
            written.push(Decision {
                id: next_id,
                record_a: *record_a,
                record_b: *record_b,
                key_a,
                key_b,
                verdict,
                item_id: Some(item_id),
                decided_by: decided_by.to_owned(),
                decided_at: at.clone(),
            });
            next_id += 1;
        }
        tx.commit().await.map_err(db(action))?;
        Ok(written)
    }

    /// Every decision ever recorded, oldest first (the history).
    pub async fn decisions(&self) -> Result<Vec<Decision>> {
        let action = "reading review decisions";
        let rows: Vec<DecisionRow> = sqlx::query_as(
            "SELECT id, record_a, record_b, decision, item_id, decided_by, decided_at, \
             source_a, source_id_a, source_b, source_id_b FROM review_decisions ORDER BY id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db(action))?;
        // Decisions older than version 4 of the schema whose records were gone when it was applied
        // have no keys: they still name their records by id.
        let key = |source: Option<String>, source_id: Option<String>, id: i64| RecordKey {
            source: source.unwrap_or_default(),
            source_id: source_id.unwrap_or_else(|| format!("#{id}")),
        };
        Ok(rows
            .into_iter()
            .map(|(id, record_a, record_b, decision, item_id, decided_by, decided_at, sa, ia, sb, ib)| Decision {
                id,
                record_a,
                record_b,
                key_a: key(sa, ia, record_a),
                key_b: key(sb, ib, record_b),
                verdict: if decision == "match" { Verdict::Match } else { Verdict::Distinct },
                item_id,
                decided_by,
                decided_at,
            })
            .collect())
    }

    /// The decision in force for each pair of records (named by source and source id, so across
    /// re-imports): the latest one.
    pub async fn current_decisions(&self) -> Result<Vec<Decision>> {
        let mut latest: BTreeMap<(RecordKey, RecordKey), Decision> = BTreeMap::new();
        for d in self.decisions().await? {
            latest.insert((d.key_a.clone(), d.key_b.clone()), d);
        }
        Ok(latest.into_values().collect())
    }

    /// The last linkage whose review list was stored.
    pub async fn last_linkage_run(&self) -> Result<Option<LinkageRun>> {
        let row: Option<RunRow> = sqlx::query_as(
            "SELECT id, at, mode, n_records, n_persons, n_review, n_decided FROM linkage_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading the last linkage"))?;
        Ok(row.map(|(id, at, mode, n_records, n_persons, n_review, n_decided)| LinkageRun {
            id,
            at,
            mode,
            n_records,
            n_persons,
            n_review,
            n_decided,
        }))
    }

    /// Reads the identifying fields of the given records (for a reviewer), after writing an
    /// audit entry naming the actor, the purpose and how many records were asked for.
    pub async fn read_identities_of(&self, record_ids: &[i64], actor: &str, purpose: &str) -> Result<Vec<Identity>> {
        self.audit(actor, "read_identities", &format!("{purpose} ({} records)", record_ids.len())).await?;
        let mut out = Vec::with_capacity(record_ids.len());
        let mut ids = record_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let row = sqlx::query(
                "SELECT record_id, given_name, family_name, date_of_birth, place_of_birth, document_number \
                 FROM person_identities WHERE record_id = $1",
            )
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db("reading identities"))?;
            if let Some(r) = row {
                let identity = (|| {
                    Ok::<_, sqlx::Error>(Identity {
                        record_id: r.try_get(0)?,
                        given_name: r.try_get(1)?,
                        family_name: r.try_get(2)?,
                        date_of_birth: r.try_get(3)?,
                        place_of_birth: r.try_get(4)?,
                        document_number: r.try_get(5)?,
                    })
                })()
                .map_err(db("reading identities"))?;
                out.push(identity);
            }
        }
        Ok(out)
    }
}
