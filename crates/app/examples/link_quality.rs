//! Linkage quality on a demo observatory, against its `truth.json`, with the errors sorted into
//! categories: which false links join namesakes, which true pairs are missed because of a typo, a
//! missing birth date or a hotline record that keeps initials only. Prints counts, never a name
//! or a birth date.
//!
//! Usage (after `palermo demo DIR --run`, or `palermo demo DIR` and `palermo --dir DIR run`):
//! `cargo run --release -p app --example link_quality -- DIR [--unique] [--match P]`
//! - `--unique`: one record per source in a person (`LinkSettings::unique_within_source`);
//! - `--match P`: match threshold P.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use link::normalize;

/// What two records of a pair share, in words (no values).
struct PairFacts {
    hotline: bool,
    name_missing: bool,
    given_equal: bool,
    family_equal: bool,
    swapped: bool,
    dob: &'static str,
    sex_differs: bool,
    citizenship_differs: bool,
}

fn facts(a: &link::LinkRecord, b: &link::LinkRecord) -> PairFacts {
    let g = |r: &link::LinkRecord| normalize::given_name(&r.values[0]);
    let f = |r: &link::LinkRecord| normalize::family_name(&r.values[1]);
    let (ga, gb, fa, fb) = (g(a), g(b), f(a), f(b));
    let dob = |r: &link::LinkRecord| normalize::parse_date(&r.values[2]);
    let (da, db) = (dob(a), dob(b));
    let dob = if da.is_empty() || db.is_empty() {
        "dob missing"
    } else if da == db && da.is_complete() {
        "dob equal"
    } else if !da.is_complete() || !db.is_complete() {
        if da.year == db.year { "dob partial, year equal" } else { "dob partial, year differs" }
    } else if da.year == db.year && da.month == db.day && da.day == db.month {
        "dob day/month swapped"
    } else if da.year == db.year {
        "dob differs, same year"
    } else if da.month == db.month && da.day == db.day {
        "dob differs in year only"
    } else {
        "dob differs"
    };
    let differs = |i: usize| !a.values[i].is_empty() && !b.values[i].is_empty() && a.values[i] != b.values[i];
    PairFacts {
        hotline: a.source == "hotline" || b.source == "hotline",
        name_missing: ga.is_empty() || gb.is_empty() || fa.is_empty() || fb.is_empty(),
        given_equal: ga == gb,
        family_equal: fa == fb,
        swapped: ga == fb && fa == gb && ga != fa,
        dob,
        sex_differs: differs(3),
        citizenship_differs: normalize::category(&a.values[4]) != normalize::category(&b.values[4])
            && !a.values[4].is_empty()
            && !b.values[4].is_empty(),
    }
}

fn names_category(p: &PairFacts) -> &'static str {
    if p.hotline {
        "hotline (initials only)"
    } else if p.name_missing {
        "a name missing"
    } else if p.given_equal && p.family_equal {
        "names equal"
    } else if p.swapped {
        "given/family swapped"
    } else if p.given_equal {
        "family name differs"
    } else if p.family_equal {
        "given name differs"
    } else {
        "both names differ"
    }
}

fn print_table(title: &str, counts: &BTreeMap<String, u64>) {
    let total: u64 = counts.values().sum();
    println!("\n{title}: {total} pairs");
    let mut rows: Vec<(&String, &u64)> = counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (k, v) in rows {
        println!("  {v:>6}  {k}");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(args.first().ok_or("usage: link_quality DIR [--unique] [--match P]")?);
    let mut settings = app::linkage::link_settings();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--unique" => settings.unique_within_source = true,
            "--match" => {
                i += 1;
                settings.match_threshold = args.get(i).ok_or("--match needs a value")?.parse()?;
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 1;
    }

    // Exploration knob: training rules as field lists, e.g. `given_name,family_name,sex;date_of_birth`.
    if let Ok(rules) = std::env::var("LINK_QUALITY_TRAINING") {
        settings.training_rules =
            rules.split(';').map(|r| link::BlockingRule::on(&r.split(',').collect::<Vec<_>>())).collect();
    }
    if let Ok(r) = std::env::var("LINK_QUALITY_REVIEW") {
        settings.review_threshold = r.parse()?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (victims, identities) = runtime.block_on(async {
        let observatory = app::Observatory::open(&dir, None).await?;
        let persons = observatory.store.persons().await?;
        let identities =
            observatory.store.read_identities("link_quality", "linkage quality against the demo's truth").await?;
        Ok::<_, app::Error>((persons, identities))
    })?;
    let victims: Vec<&store::StoredPerson> = victims.iter().filter(|p| p.get("role") != "suspect").collect();
    let (victims, _) = app::linkage::linkable(&victims, &identities);
    let records = app::linkage::link_inputs(&victims, &identities);

    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("truth.json"))?)?;
    let mut person_of: HashMap<(String, String), String> = HashMap::new();
    for r in truth["records"].as_array().ok_or("truth has no records")? {
        if r["malformed"].is_null() {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
            person_of.insert((s("source"), s("source_id")), s("person_id"));
        }
    }
    let truth_id: Vec<String> = victims
        .iter()
        .map(|v| {
            person_of.get(&(v.source.clone(), v.get("source_id").to_owned())).cloned().ok_or("record not in truth")
        })
        .collect::<Result<_, _>>()?;

    let start = std::time::Instant::now();
    let output = link::link(&records, &settings, &link::NoProgress)?;
    let elapsed = start.elapsed();
    let cluster = &output.clusters;
    let probability: HashMap<(u32, u32), f64> =
        output.pairs.iter().map(|p| ((p.left, p.right), p.match_probability)).collect();

    let n = records.len();
    let mut by_cluster: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    let mut by_person: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for r in 0..n {
        by_cluster.entry(cluster[r]).or_default().push(r);
        by_person.entry(truth_id[r].as_str()).or_default().push(r);
    }
    let (mut tp, mut fp, mut fn_) = (0u64, 0u64, 0u64);
    let mut fp_cat: BTreeMap<String, u64> = BTreeMap::new();
    let mut fn_cat: BTreeMap<String, u64> = BTreeMap::new();
    let mut fn_status: BTreeMap<String, u64> = BTreeMap::new();
    let mut fp_same_source = 0u64;
    for members in by_cluster.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if truth_id[a] == truth_id[b] {
                    tp += 1;
                    continue;
                }
                fp += 1;
                let p = facts(&records[a], &records[b]);
                let direct = probability.get(&(a as u32, b as u32)).is_some_and(|&q| q >= settings.match_threshold);
                let link = if direct { "direct link" } else { "chained" };
                if records[a].source == records[b].source {
                    fp_same_source += 1;
                }
                *fp_cat.entry(format!("{} | {} | {link}", names_category(&p), p.dob)).or_default() += 1;
            }
        }
    }
    for members in by_person.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if cluster[a] == cluster[b] {
                    continue;
                }
                fn_ += 1;
                let p = facts(&records[a], &records[b]);
                let status = match probability.get(&(a as u32, b as u32)) {
                    None => "not scored (blocking, or below review)",
                    Some(&q) if q < settings.match_threshold => "review band",
                    Some(_) => "linked, split by clustering",
                };
                let mut extra = String::new();
                if p.sex_differs {
                    extra.push_str(" | sex differs");
                }
                if p.citizenship_differs {
                    extra.push_str(" | citizenship differs");
                }
                *fn_cat.entry(format!("{} | {}{extra}", names_category(&p), p.dob)).or_default() += 1;
                *fn_status.entry(format!("{} | {status}", names_category(&p))).or_default() += 1;
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    let hotline_pairs: u64 = by_person
        .values()
        .map(|m| {
            let h = m.iter().filter(|&&r| records[r].source == "hotline").count() as u64;
            let k = m.len() as u64;
            k * (k - 1) / 2 - (k - h) * (k - h).saturating_sub(1) / 2
        })
        .sum();
    let true_pairs = tp + fn_;
    println!(
        "{n} records, {} persons linked, {} true persons; {} s",
        by_cluster.len(),
        by_person.len(),
        elapsed.as_secs_f64()
    );
    println!("pairwise precision {precision:.3}, recall {recall:.3} (tp {tp}, fp {fp}, fn {fn_})");
    println!(
        "true pairs involving a hotline record: {hotline_pairs} of {true_pairs}; recall without them {:.3}",
        (tp as f64) / (true_pairs - hotline_pairs).max(1) as f64
    );
    println!("false pairs within one source: {fp_same_source}");

    // Namesakes: true persons whose usual (most frequent, normalised) name another person shares.
    let mut usual: BTreeMap<(String, String), u64> = BTreeMap::new();
    for members in by_person.values() {
        let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
        for &r in members {
            let (g, f) = (normalize::given_name(&records[r].values[0]), normalize::family_name(&records[r].values[1]));
            if records[r].source != "hotline" && !g.is_empty() && !f.is_empty() {
                *counts.entry((g, f)).or_default() += 1;
            }
        }
        if let Some((name, _)) = counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) {
            *usual.entry(name).or_default() += 1;
        }
    }
    let named: u64 = usual.values().sum();
    let shared: u64 = usual.values().filter(|&&c| c > 1).sum();
    println!(
        "persons with a name: {named}; distinct usual names {}; persons sharing their usual name: {shared}",
        usual.len()
    );

    if std::env::var_os("LINK_QUALITY_MODEL").is_some() {
        let model = &output.model;
        println!("\nprior weight {:.2}", model.prior_weight());
        for (f, name) in model.field_names.iter().enumerate() {
            for (l, label) in model.level_labels[f].iter().enumerate() {
                let level = (l + 1) as u8;
                println!(
                    "  {name:<16} {label:<46} m {:.4} u {:.5} weight {:+.2}",
                    model.m[f][l + 1],
                    model.u[f][l + 1],
                    model.level_weight(f, level)
                );
            }
        }
    }
    print_table("false links (names | birth date | how)", &fp_cat);
    print_table("missed true pairs (names | birth date | other)", &fn_cat);
    print_table("missed true pairs (names | why)", &fn_status);
    Ok(())
}
