//! Benchmark driver for `bench/link/run.sh`: links a benchmark data set with Palermo, or
//! evaluates a peer tool's output on it, and prints one result line.
//!
//! Usage:
//!   bench_link DATASET [--no-ssn] [--peer DIR] CSV [CSV]
//! DATASET is `historical` (one CSV), `febrl3` (one CSV), `febrl4` (two CSVs, A then B) or
//! `scale` (two CSVs). Without `--peer` it runs Palermo; with `--peer DIR` it reads DIR/pairs.csv
//! (`id_l,id_r,match_probability`, already cut at the tool's threshold), DIR/clusters.csv
//! (`id,cluster_id`) and DIR/seconds.txt, and evaluates them with the same code.
//! The output line is tab-separated: tool, dataset, records, pairwise P/R/F1, cluster P/R/F1,
//! exact-cluster F1, seconds.
//!
//! Exploration knobs (environment; `run.sh` sets none): `BENCH_LINK_MATCH`, `BENCH_LINK_REVIEW`
//! and `BENCH_LINK_DENSITY` override thresholds, `BENCH_LINK_DROP_RULES=3,5` drops blocking
//! rules by index, `BENCH_LINK_VERBOSE` prints stage times, the fitted weights and the recall of
//! the kept pairs, `BENCH_LINK_MISSED` prints a few missed true pairs with their explanations
//! (public benchmark data only), `BENCH_LINK_CUTS` counts links cut by the density check.

use std::collections::HashMap;
use std::error::Error;
use std::time::Instant;

use link::{BlockKey, BlockingRule, FieldKind, FieldSpec, LinkRecord, LinkSettings, LinkType, NoProgress};

/// Prints the time at which each stage starts (verbose mode).
struct StageTimer(Instant);

impl link::Progress for StageTimer {
    fn start(&self, stage: &str, _total: u64) {
        eprintln!("{:>8.2}s {stage}", self.0.elapsed().as_secs_f64());
    }
}

type BoxResult<T> = Result<T, Box<dyn Error>>;

struct Table {
    ids: Vec<String>,
    truth: Vec<String>,
    sources: Vec<u32>,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn value(&self, row: usize, column: &str) -> String {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|c| self.rows[row].get(c))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    }
}

fn read_tables(paths: &[String], id_column: &str) -> BoxResult<Table> {
    let mut table =
        Table { ids: Vec::new(), truth: Vec::new(), sources: Vec::new(), headers: Vec::new(), rows: Vec::new() };
    for (source, path) in paths.iter().enumerate() {
        let mut reader = csv::Reader::from_path(path)?;
        let headers: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
        if source > 0 && headers != table.headers {
            return Err("the CSV files have different columns".into());
        }
        table.headers = headers;
        for row in reader.records() {
            table.rows.push(row?);
            table.sources.push(source as u32);
        }
    }
    for r in 0..table.rows.len() {
        let (id, truth) = (table.value(r, id_column), table.value(r, "cluster"));
        table.ids.push(id);
        table.truth.push(truth);
    }
    Ok(table)
}

fn settings_for(dataset: &str, no_ssn: bool) -> LinkSettings {
    let s = |x: &str| x.to_owned();
    match dataset {
        "historical" => {
            let fields = vec![
                FieldSpec::new("first_name", FieldKind::GivenName),
                FieldSpec::new("surname", FieldKind::FamilyName),
                FieldSpec::new("dob", FieldKind::Date),
                FieldSpec::new("birth_place", FieldKind::Place),
                FieldSpec::new("postcode_fake", FieldKind::Postcode),
                FieldSpec::new("gender", FieldKind::Sex),
                FieldSpec::new("occupation", FieldKind::Category),
            ];
            let mut rules = LinkSettings::default_person_blocking(
                "first_name",
                "surname",
                "dob",
                &["birth_place", "postcode_fake"],
            );
            rules.push(BlockingRule::new(vec![
                BlockKey::Prefix(s("postcode_fake"), 3),
                BlockKey::Prefix(s("surname"), 2),
            ]));
            rules.push(BlockingRule::new(vec![
                BlockKey::Prefix(s("postcode_fake"), 3),
                BlockKey::Prefix(s("first_name"), 2),
            ]));
            let training = vec![BlockingRule::on(&["first_name", "surname"]), BlockingRule::on(&["dob"])];
            LinkSettings::new(fields, rules, training)
        }
        "scale" => {
            let fields = vec![
                FieldSpec::new("given_name", FieldKind::GivenName),
                FieldSpec::new("surname", FieldKind::FamilyName),
                FieldSpec::new("date_of_birth", FieldKind::Date),
                FieldSpec::new("sex", FieldKind::Sex),
                FieldSpec::new("postcode", FieldKind::Postcode),
                FieldSpec::new("city", FieldKind::Place),
            ];
            let rules = LinkSettings::default_person_blocking("given_name", "surname", "date_of_birth", &["postcode"]);
            let training = vec![BlockingRule::on(&["given_name", "surname"]), BlockingRule::on(&["date_of_birth"])];
            let mut settings = LinkSettings::new(fields, rules, training);
            settings.link_type = LinkType::LinkOnly;
            settings.unique_within_source = true;
            settings
        }
        _ => {
            let mut fields = vec![
                FieldSpec::new("given_name", FieldKind::GivenName),
                FieldSpec::new("surname", FieldKind::FamilyName),
                FieldSpec::new("date_of_birth", FieldKind::Date),
                FieldSpec::new("street_number", FieldKind::Category),
                FieldSpec::new("address_1", FieldKind::Place),
                FieldSpec::new("suburb", FieldKind::Place),
                FieldSpec::new("postcode", FieldKind::Postcode),
                FieldSpec::new("state", FieldKind::Category),
            ];
            if !no_ssn {
                fields.push(FieldSpec::new("soc_sec_id", FieldKind::DocumentNumber));
            }
            let mut rules = LinkSettings::default_person_blocking(
                "given_name",
                "surname",
                "date_of_birth",
                &["suburb", "postcode"],
            );
            rules.push(BlockingRule::on(&["street_number", "address_1"]));
            if !no_ssn {
                rules.insert(0, BlockingRule::on(&["soc_sec_id"]));
            }
            let training = vec![
                BlockingRule::on(&["given_name", "surname"]),
                BlockingRule::on(&["date_of_birth"]),
                BlockingRule::on(&["postcode"]),
            ];
            let mut settings = LinkSettings::new(fields, rules, training);
            if dataset != "febrl3" {
                settings.link_type = LinkType::LinkOnly;
                settings.unique_within_source = true;
            }
            settings
        }
    }
}

fn print_line(
    tool: &str,
    dataset: &str,
    table: &Table,
    pairs: &[(u32, u32)],
    clusters: &[u32],
    seconds: f64,
) -> BoxResult<()> {
    let truth = link::intern_labels(&table.truth);
    let cross = if dataset == "febrl4" || dataset == "scale" { Some(table.sources.as_slice()) } else { None };
    let pm = link::evaluate_pairs(pairs, &truth, cross)?;
    let cm = link::evaluate_clusters(clusters, &truth, cross)?;
    println!(
        "{tool}\t{dataset}\t{}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.2}",
        table.ids.len(),
        pm.precision,
        pm.recall,
        pm.f1,
        cm.pairwise.precision,
        cm.pairwise.recall,
        cm.pairwise.f1,
        cm.exact.f1,
        seconds
    );
    Ok(())
}

fn run_palermo(dataset: &str, label: &str, no_ssn: bool, table: &Table) -> BoxResult<()> {
    let mut settings = settings_for(dataset, no_ssn);
    // Exploration knobs (not used by run.sh): thresholds from the environment.
    if let Some(t) = std::env::var("BENCH_LINK_MATCH").ok().and_then(|v| v.parse().ok()) {
        settings.match_threshold = t;
    }
    if let Some(t) = std::env::var("BENCH_LINK_REVIEW").ok().and_then(|v| v.parse().ok()) {
        settings.review_threshold = t;
    }
    if let Some(t) = std::env::var("BENCH_LINK_DENSITY").ok().and_then(|v| v.parse().ok()) {
        settings.min_cluster_density = t;
    }
    if let Ok(drop) = std::env::var("BENCH_LINK_DROP_RULES") {
        let drop: Vec<usize> = drop.split(',').filter_map(|d| d.parse().ok()).collect();
        let rules = std::mem::take(&mut settings.blocking_rules);
        settings.blocking_rules =
            rules.into_iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, r)| r).collect();
    }
    let records: Vec<LinkRecord> = (0..table.rows.len())
        .map(|r| {
            let values: Vec<String> = settings.fields.iter().map(|f| table.value(r, &f.name)).collect();
            LinkRecord { source: table.sources[r].to_string(), values }
        })
        .collect();
    let start = Instant::now();
    let output = if std::env::var_os("BENCH_LINK_VERBOSE").is_some() {
        link::link(&records, &settings, &StageTimer(Instant::now()))?
    } else {
        link::link(&records, &settings, &NoProgress)?
    };
    let seconds = start.elapsed().as_secs_f64();
    if std::env::var_os("BENCH_LINK_VERBOSE").is_some() {
        eprintln!("{:#?}", output.diagnostics);
        eprintln!("prior {:.3e}", output.model.prior_match_probability);
        for (f, name) in output.model.field_names.iter().enumerate() {
            let w: Vec<String> =
                (1..output.model.m[f].len()).map(|l| format!("{:.2}", output.model.level_weight(f, l as u8))).collect();
            eprintln!("{name}: {}", w.join(" "));
        }
        let truth = link::intern_labels(&table.truth);
        let all: Vec<(u32, u32)> = output.pairs.iter().map(|p| (p.left, p.right)).collect();
        let kept = link::evaluate_pairs(&all, &truth, None)?;
        if std::env::var_os("BENCH_LINK_MISSED").is_some() {
            for (idx, p) in output
                .pairs
                .iter()
                .enumerate()
                .filter(|(_, p)| p.match_probability < 0.95 && truth[p.left as usize] == truth[p.right as usize])
                .step_by(997)
                .take(12)
            {
                let e = output.explain(idx).ok_or("no explanation")?;
                eprintln!("p={:.3} {:?}", p.match_probability, records[p.left as usize].values);
                eprintln!("        {:?}", records[p.right as usize].values);
                eprintln!(
                    "        {}",
                    e.fields
                        .iter()
                        .map(|f| format!("{}:{}:{:.1}", f.field, f.level, f.weight))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
        }
        if std::env::var_os("BENCH_LINK_CUTS").is_some() {
            let linked = output.linked_pairs();
            let cut_true = linked
                .iter()
                .filter(|&&(a, b)| {
                    truth[a as usize] == truth[b as usize] && output.clusters[a as usize] != output.clusters[b as usize]
                })
                .count();
            let cut_false = linked
                .iter()
                .filter(|&&(a, b)| {
                    truth[a as usize] != truth[b as usize] && output.clusters[a as usize] != output.clusters[b as usize]
                })
                .count();
            eprintln!("links cut by the density check: {cut_true} true, {cut_false} false");
        }
        eprintln!("kept pairs: recall {:.4} precision {:.4}", kept.recall, kept.precision);
        for s in &output.model.sessions {
            eprintln!(
                "session {} pairs {} iter {} share {:.3}",
                s.rule_idx, s.n_pairs, s.iterations, s.block_match_share
            );
        }
    }
    print_line("palermo", label, table, &output.linked_pairs(), &output.clusters, seconds)
}

fn run_peer(dataset: &str, label: &str, table: &Table, dir: &str) -> BoxResult<()> {
    let index: HashMap<(&str, u32), u32> =
        table.ids.iter().zip(&table.sources).enumerate().map(|(i, (id, &s))| ((id.as_str(), s), i as u32)).collect();
    let two_sources = dataset == "febrl4" || dataset == "scale";
    // Peer ids are "<source>:<id>" for two-source sets, plain ids otherwise.
    let lookup = |raw: &str| -> Option<u32> {
        if two_sources {
            let (s, id) = raw.split_once(':')?;
            index.get(&(id, s.parse().ok()?)).copied()
        } else {
            index.get(&(raw, 0)).copied()
        }
    };
    let mut pairs = Vec::new();
    let mut reader = csv::Reader::from_path(format!("{dir}/pairs.csv"))?;
    for row in reader.records() {
        let row = row?;
        if let (Some(a), Some(b)) = (lookup(&row[0]), lookup(&row[1])) {
            pairs.push((a, b));
        }
    }
    let mut clusters: Vec<u32> = (0..table.ids.len() as u32).map(|i| i + 1_000_000_000).collect();
    let mut reader = csv::Reader::from_path(format!("{dir}/clusters.csv"))?;
    let mut cluster_ids: HashMap<String, u32> = HashMap::new();
    for row in reader.records() {
        let row = row?;
        if let Some(i) = lookup(&row[0]) {
            let next = cluster_ids.len() as u32;
            clusters[i as usize] = *cluster_ids.entry(row[1].to_owned()).or_insert(next);
        }
    }
    let seconds: f64 = std::fs::read_to_string(format!("{dir}/seconds.txt"))?.trim().parse()?;
    print_line("splink", label, table, &pairs, &clusters, seconds)
}

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dataset = args.first().ok_or("usage: bench_link DATASET [--no-ssn] [--peer DIR] CSV [CSV]")?.clone();
    let mut no_ssn = false;
    let mut peer = None;
    let mut files = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--no-ssn" => no_ssn = true,
            "--peer" => peer = it.next().cloned(),
            _ => files.push(a.clone()),
        }
    }
    let id_column = if dataset == "historical" || dataset == "scale" { "unique_id" } else { "rec_id" };
    let table = read_tables(&files, id_column)?;
    let label = if no_ssn { format!("{dataset}-no-ssn") } else { dataset.clone() };
    match peer {
        Some(dir) => run_peer(&dataset, &label, &table, &dir),
        None => run_palermo(&dataset, &label, no_ssn, &table),
    }
}
