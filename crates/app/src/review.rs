//! The review list of record linkage: what `palermo review` shows and records.
//!
//! Every linkage stores its borderline pairs and unstable clusters (by record id, with each pair's
//! per-field weights) in the store; a reviewer lists them, may read the records' identities
//! (an audited read), and decides `match` or `distinct`. The decisions are history: the latest
//! about a pair of records is applied by the next linkage ([`crate::linkage::link_records`]).

use std::collections::BTreeMap;

pub use store::Identity;
pub use store::Verdict;
use store::{ReviewItem, Store};

use crate::Result;
use crate::linkage::Linkage;
use crate::observatory::Observatory;

/// Stores the review list of a linkage, replacing the previous one.
pub async fn store_review(store: &Store, linkage: &Linkage, mode: &str) -> Result<()> {
    let run = store::NewLinkageRun {
        mode: mode.to_owned(),
        n_records: linkage.records_by_source.values().sum::<u64>() as i64,
        n_persons: linkage.persons.len() as i64,
        n_review: linkage.review_pairs as i64,
        n_decided: linkage.review_decided as i64,
    };
    store.replace_review(&run, &linkage.review).await?;
    Ok(())
}

/// A review item with the decision in force about its records, if any.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListedItem {
    #[serde(flatten)]
    pub item: ReviewItem,
    /// The latest verdict about any two of its records.
    pub decision: Option<Verdict>,
}

/// The review list as a reviewer sees it.
#[derive(Debug, Clone)]
pub struct Listing {
    pub items: Vec<ListedItem>,
    /// The identities of the listed records, when asked for (an audited read).
    pub identities: Option<BTreeMap<i64, Identity>>,
    pub last_run: Option<store::LinkageRun>,
}

/// Reads the review list of the last linkage; with `show_identities`, also the listed records'
/// identities, through the audited accessor (`actor` is named in the audit log).
pub async fn list(observatory: &Observatory, show_identities: bool, actor: &str) -> Result<Listing> {
    let store = &observatory.store;
    let items = store.review_items().await?;
    let decisions = store.current_decisions().await?;
    let by_pair: BTreeMap<(&store::RecordKey, &store::RecordKey), Verdict> =
        decisions.iter().map(|d| ((&d.key_a, &d.key_b), d.verdict)).collect();
    let items: Vec<ListedItem> = items
        .into_iter()
        .map(|item| {
            let keys: Vec<store::RecordKey> = item
                .records
                .iter()
                .map(|(_, source, source_id)| store::RecordKey { source: source.clone(), source_id: source_id.clone() })
                .collect();
            let decision = keys
                .iter()
                .enumerate()
                .find_map(|(i, a)| keys[i + 1..].iter().find_map(|b| by_pair.get(&(a.min(b), a.max(b))).copied()));
            ListedItem { item, decision }
        })
        .collect();
    let identities = if show_identities {
        let ids: Vec<i64> = items.iter().flat_map(|i| i.item.records.iter().map(|r| r.0)).collect();
        let read = store.read_identities_of(&ids, actor, "review of record linkage").await?;
        Some(read.into_iter().map(|i| (i.record_id, i)).collect())
    } else {
        None
    };
    let last_run = store.last_linkage_run().await?;
    Ok(Listing { items, identities, last_run })
}

/// Records a reviewer's verdict on a review item; returns how many pair decisions were written.
pub async fn decide(observatory: &Observatory, item_id: i64, verdict: Verdict, reviewer: &str) -> Result<usize> {
    Ok(observatory.store.record_decision(item_id, verdict, reviewer).await?.len())
}

/// One item of the last linkage's review list, with the decision in force; `None` when the list
/// has no such item.
pub async fn item(observatory: &Observatory, item_id: i64) -> Result<Option<ListedItem>> {
    Ok(list(observatory, false, "").await?.items.into_iter().find(|i| i.item.id == item_id))
}

/// The identities of one review item's records, read through the audited accessor: the audit
/// entry names the reviewer, the item and the purpose the reviewer stated (required). `None` when
/// the list has no such item.
pub async fn item_identities(
    observatory: &Observatory,
    item_id: i64,
    actor: &str,
    purpose: &str,
) -> Result<Option<Vec<Identity>>> {
    let purpose = purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 || purpose.chars().any(char::is_control) {
        return Err(crate::Error::MissingPurpose);
    }
    let Some(listed) = item(observatory, item_id).await? else { return Ok(None) };
    let ids: Vec<i64> = listed.item.records.iter().map(|r| r.0).collect();
    let identities =
        observatory.store.read_identities_of(&ids, actor, &format!("review item {item_id}: {purpose}")).await?;
    Ok(Some(identities))
}
