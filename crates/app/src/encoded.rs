//! Sources that may not share names: their analytical records plus Bloom-filter encodings (CLKs),
//! and linkage in encoded space.
//!
//! **Import** ([`import_encoded`]): the analytical file goes through the ordinary import (its
//! identifying columns are absent), and every good row is stored with the encoding of its data row
//! (`{"clks": [...]}`, one per data row, in order: CSV and XLSX data rows start at spreadsheet row
//! 2, JSON records at position 1), in the file's one transaction. A row whose encoding is missing
//! or not a valid encoding is quarantined with the reason. Encodings are stored apart from the
//! analytical data.
//!
//! **Linkage** ([`link_encoded`]): when the observatory holds encodings, every source is compared
//! in encoded space. The named sources are encoded at the hub with the schema and secret of
//! `[encoding]` in `palermo.toml` (so the hub's linkage unit holds the secret and the named
//! sources' names, never the names of the encoding agencies); then Dice similarity between every
//! two sources and anonlink's greedy cluster solving (at most one record per source in a person).

use std::collections::BTreeMap;
use std::path::Path;

use model::Progress;
use store::{Identity, StoredPerson};

use crate::import::{FileReport, ImportOptions, RowEncodings, Source};
use crate::linkage::{LinkMode, Linkage, assemble};
use crate::settings::EncodingSettings;
use crate::{Error, Result};

/// A source's encodings as the agency sent them: per data row, the base64 text or why it is not
/// usable.
fn read_clk_file(path: &Path) -> Result<RowEncodings> {
    ingest::check_regular_file(path)?;
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    let bad = |reason: &str| Error::Settings { path: path.to_owned(), reason: reason.to_owned() };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| bad("not JSON in clkhash's format {\"clks\": [...]}"))?;
    let clks = value.get("clks").and_then(|c| c.as_array()).ok_or_else(|| bad("no `clks` array"))?;
    Ok(clks
        .iter()
        .map(|c| match c.as_str() {
            None => Err("not a text"),
            Some("") => Err("empty"),
            Some(b64) => match clk::Clk::from_base64(b64) {
                Ok(decoded) if decoded.n_bits() > 0 => Ok(b64.to_owned()),
                _ => Err("not a base64 encoding"),
            },
        })
        .collect())
}

/// Imports a source's analytical file with its encodings, atomically; rows without a usable encoding
/// are quarantined, and counted as bad rows in the returned report.
#[allow(clippy::too_many_arguments)]
pub async fn import_encoded(
    store: &store::Store,
    source: Source<'_>,
    file: &Path,
    encodings: &Path,
    mapping: &ingest::Mapping,
    options: ImportOptions,
    today: chrono::NaiveDate,
    progress: &dyn Progress,
) -> Result<FileReport> {
    // The encodings are read first: a file that is not clkhash JSON refuses the import.
    let clks = read_clk_file(encodings)?;
    crate::import::import_with_encodings(store, source, file, mapping, options, Some(clks), today, progress).await
}

/// The value of a schema feature for a named record: the identifying fields by their Palermo
/// names, lower-cased and trimmed (agencies prepare their encoding input the same way), and the
/// analytical `sex` and `citizenship`; any other feature is empty.
fn feature_value(feature: &str, identity: Option<&Identity>, record: &StoredPerson) -> String {
    let known = |v: &str| {
        if v == model::vocab::UNKNOWN || v == model::vocab::NOT_RECORDED { String::new() } else { v.to_owned() }
    };
    let value = match (feature, identity) {
        ("given_name", Some(i)) => known(&i.given_name),
        ("family_name", Some(i)) => known(&i.family_name),
        ("date_of_birth", Some(i)) => known(&i.date_of_birth),
        ("place_of_birth", Some(i)) => known(&i.place_of_birth),
        ("document_number", Some(i)) => known(&i.document_number),
        ("sex", _) => known(record.get("sex")),
        ("citizenship", _) => known(record.get("citizenship")),
        _ => String::new(),
    };
    prepare(&value)
}

/// How a value is prepared before encoding, at the hub and at the agency alike (`palermo encode`
/// applies it to every cell): lower case, runs of white space made one space, and spaces, commas,
/// dots and semicolons trimmed from both ends. Encodings of the same name typed differently
/// then agree.
pub fn prepare(value: &str) -> String {
    let lower = value.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    words.join(" ").trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | ';')).to_owned()
}

/// Links every source in encoded space. `encodings` are the stored encodings (record id →
/// base64), read through the audited accessor; `identities` those of the named records.
pub fn link_encoded(
    dir: &Path,
    settings: &EncodingSettings,
    victims: &[&StoredPerson],
    identities: &[Identity],
    encodings: &[(i64, String)],
) -> Result<Linkage> {
    let read = |relative: &Path| {
        let path = dir.join(relative);
        std::fs::read(&path).map_err(|source| Error::Io { path, source })
    };
    let schema_path = dir.join(&settings.schema);
    let schema_text = String::from_utf8(read(&settings.schema)?)
        .map_err(|_| Error::Settings { path: schema_path.clone(), reason: "the schema is not UTF-8 text".into() })?;
    let schema = clk::Schema::parse(&schema_text)
        .map_err(|e| Error::Settings { path: schema_path.clone(), reason: e.to_string() })?;
    let secret_bytes = read(&settings.secret_file)?;
    let secret = clk::secret_from_file(&secret_bytes);
    if secret.is_empty() {
        return Err(Error::Settings {
            path: dir.join(&settings.secret_file),
            reason: "the secret file is empty".into(),
        });
    }
    let encoded: BTreeMap<i64, &str> = encodings.iter().map(|(id, b64)| (*id, b64.as_str())).collect();
    let (victims, unlinkable) = crate::linkage::split_unlinkable(victims, identities, |id| encoded.contains_key(&id));
    let victims = victims.as_slice();
    let by_id: BTreeMap<i64, &Identity> = identities.iter().map(|i| (i.record_id, i)).collect();
    // The named records, encoded at the hub in one parallel batch.
    let features: Vec<String> = schema.identifiers().map(str::to_owned).collect();
    let named: Vec<usize> = (0..victims.len()).filter(|&i| !encoded.contains_key(&victims[i].id)).collect();
    let rows: Vec<Vec<String>> = named
        .iter()
        .map(|&i| features.iter().map(|f| feature_value(f, by_id.get(&victims[i].id).copied(), victims[i])).collect())
        .collect();
    let hub_clks = clk::encode(&schema, secret, &rows).map_err(|e| Error::Settings {
        path: schema_path.clone(),
        reason: format!("encoding the named sources: {e}"),
    })?;
    let n_bits = schema.encoding_bits();
    let mut clk_of: Vec<Option<clk::Clk>> = vec![None; victims.len()];
    for (&i, c) in named.iter().zip(hub_clks) {
        clk_of[i] = Some(c);
    }
    for (i, v) in victims.iter().enumerate() {
        if let Some(b64) = encoded.get(&v.id) {
            let c = clk::Clk::from_base64(b64).map_err(|e| Error::Internal(format!("a stored encoding: {e}")))?;
            if c.n_bits() != n_bits {
                return Err(Error::Settings {
                    path: schema_path.clone(),
                    reason: format!(
                        "source `{}` sent {}-bit encodings but the schema makes {n_bits}-bit ones: were they made with this schema?",
                        v.source,
                        c.n_bits()
                    ),
                });
            }
            clk_of[i] = Some(c);
        }
    }
    // One list per source, records in store order.
    let mut lists: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, v) in victims.iter().enumerate() {
        lists.entry(v.source.as_str()).or_default().push(i);
    }
    let list_records: Vec<&Vec<usize>> = lists.values().collect();
    let list_clks: Vec<Vec<clk::Clk>> = list_records
        .iter()
        .map(|records| records.iter().map(|&i| clk_of[i].clone().unwrap_or_else(|| clk::Clk::zeros(n_bits))).collect())
        .collect();
    let refs: Vec<&[clk::Clk]> = list_clks.iter().map(Vec::as_slice).collect();
    let groups = clk::cluster_sources(&refs, settings.threshold)
        .map_err(|e| Error::Internal(format!("linking encodings: {e}")))?;
    // Persons: the groups, then every record in no group on its own.
    let mut cluster = vec![u32::MAX; victims.len()];
    for (g, members) in groups.iter().enumerate() {
        for &(list, index) in members {
            if let Some(&record) = list_records.get(list).and_then(|r| r.get(index)) {
                cluster[record] = g as u32;
            }
        }
    }
    let mut next = groups.len() as u32;
    for c in &mut cluster {
        if *c == u32::MAX {
            *c = next;
            next += 1;
        }
    }
    let mut linkage = assemble(victims, &cluster, LinkMode::Encoded { threshold: settings.threshold });
    linkage.unlinkable = unlinkable;
    Ok(linkage)
}
