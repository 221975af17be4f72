//! Exploration harness: links an imported demo observatory's linkable records and scores the
//! result against `truth.json`, so it runs only on a simulated demo (a real observatory has no
//! truth). Prints counts, except with `SHOW_MISSED=N` or `SHOW_UNBLOCKED=1`, which print the
//! simulated records of missed pairs for debugging the linkage: never use them elsewhere.
//!
//! Usage: `cargo run --release -p app --example scale_quality -- DIR`

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(args.first().ok_or("usage: scale_quality DIR")?);
    let mut settings = app::linkage::link_settings();
    // Exploration knob: training rules as field lists, e.g. `given_name,family_name;date_of_birth`.
    if let Ok(rules) = std::env::var("TRAINING") {
        settings.training_rules =
            rules.split(';').map(|r| link::BlockingRule::on(&r.split(',').collect::<Vec<_>>())).collect();
    }
    if let Ok(drop) = std::env::var("DROP_RULES") {
        let drop: Vec<usize> = drop.split(',').filter_map(|x| x.parse().ok()).collect();
        settings.blocking_rules = settings
            .blocking_rules
            .iter()
            .enumerate()
            .filter(|(i, _)| !drop.contains(i))
            .map(|(_, r)| r.clone())
            .collect();
    }
    // Exploration knob: extra blocking rules, e.g. `ph:family_name,ex:citizenship,yr:identified;…`
    // (ex exact, ph phonetic, yr year, md month and day, pN prefix of N characters).
    if let Ok(rules) = std::env::var("EXTRA_RULES") {
        for rule in rules.split(';') {
            // `keys|field,field`: a rule only for records lacking one of those fields.
            let (rule, incomplete) = rule.split_once('|').unwrap_or((rule, ""));
            let keys = rule
                .split(',')
                .map(|part| {
                    let (kind, field) = part.split_once(':').ok_or("key is kind:field")?;
                    let field = field.to_owned();
                    Ok(match kind {
                        "ex" => link::BlockKey::Exact(field),
                        "ph" => link::BlockKey::Phonetic(field),
                        "yr" => link::BlockKey::Year(field),
                        "md" => link::BlockKey::MonthDay(field),
                        p if p.starts_with('p') => link::BlockKey::Prefix(field, p[1..].parse()?),
                        _ => return Err("unknown key kind".into()),
                    })
                })
                .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
            let mut rule = link::BlockingRule::new(keys);
            if let Ok(fields) = std::env::var("EXTRA_INCOMPLETE") {
                rule = rule.for_incomplete(&fields.split(',').collect::<Vec<_>>());
            }
            if !incomplete.is_empty() {
                rule = rule.for_incomplete(&incomplete.split(',').collect::<Vec<_>>());
            }
            settings.blocking_rules.push(rule);
        }
    }
    if let Ok(t) = std::env::var("PROBE_SAMPLE") {
        settings.probe_sample = t.parse()?;
    }
    if let Ok(keys) = std::env::var("PROBE_KEYS") {
        settings.probe_keys = keys
            .split(',')
            .map(|k| match k.strip_prefix("yr:") {
                Some(f) => link::BlockKey::Year(f.to_owned()),
                None => link::BlockKey::Exact(k.to_owned()),
            })
            .collect();
    }
    if let Ok(fields) = std::env::var("PROBE_COMPATIBLE") {
        settings.probe_compatible = fields.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect();
    }
    if let Ok(t) = std::env::var("PROBE_THRESHOLD") {
        settings.probe_threshold = t.parse()?;
    }
    if let Ok(t) = std::env::var("PROBE_COMPARISONS") {
        settings.probe_comparisons = t.parse()?;
    }
    if let Ok(t) = std::env::var("REVIEW") {
        settings.review_threshold = t.parse()?;
    }
    if let Ok(t) = std::env::var("MATCH") {
        settings.match_threshold = t.parse()?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let t0 = std::time::Instant::now();
    let (persons, identities) = runtime.block_on(async {
        let observatory = app::Observatory::open(&dir, None).await?;
        let persons = observatory.store.persons().await?;
        let identities = observatory.store.read_identities("scale_quality", "linkage quality against truth").await?;
        Ok::<_, app::Error>((persons, identities))
    })?;
    eprintln!("read {:.1} s", t0.elapsed().as_secs_f64());
    let victims: Vec<&store::StoredPerson> = persons.iter().filter(|p| p.get("role") != "suspect").collect();
    let (victims, unlinkable) = app::linkage::linkable(&victims, &identities);
    let records = app::linkage::link_inputs(&victims, &identities);

    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("truth.json"))?)?;
    let mut person_of: HashMap<(String, String), String> = HashMap::new();
    for r in truth["records"].as_array().ok_or("truth has no records")? {
        if r["malformed"].is_null() {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
            person_of.insert((s("source"), s("source_id")), s("person_id"));
        }
    }
    let truth_id: Vec<&str> = victims
        .iter()
        .map(|v| {
            person_of
                .get(&(v.source.clone(), v.get("source_id").to_owned()))
                .map(String::as_str)
                .ok_or("record not in truth")
        })
        .collect::<Result<_, _>>()?;

    let start = std::time::Instant::now();
    let output = link::link(&records, &settings, &link::NoProgress)?;
    let elapsed = start.elapsed();
    let cluster = &output.clusters;
    let n = records.len();
    let mut cells: HashMap<(u32, &str), u64> = HashMap::new();
    let mut by_cluster: HashMap<u32, u64> = HashMap::new();
    let mut by_person: HashMap<&str, u64> = HashMap::new();
    for r in 0..n {
        *cells.entry((cluster[r], truth_id[r])).or_default() += 1;
        *by_cluster.entry(cluster[r]).or_default() += 1;
        *by_person.entry(truth_id[r]).or_default() += 1;
    }
    let pairs = |k: &u64| k * k.saturating_sub(1) / 2;
    let tp: u64 = cells.values().map(pairs).sum();
    let predicted: u64 = by_cluster.values().map(pairs).sum();
    let true_pairs: u64 = by_person.values().map(pairs).sum();
    println!(
        "{n} records ({} unlinkable left out), {} persons linked, {} true persons; link {:.2} s; candidates {}; review {}",
        unlinkable.values().sum::<u64>(),
        by_cluster.len(),
        by_person.len(),
        elapsed.as_secs_f64(),
        output.diagnostics.candidate_pairs,
        output.review.len(),
    );
    println!(
        "pairwise precision {:.4}, recall {:.4} (tp {tp}, fp {}, fn {})",
        tp as f64 / predicted.max(1) as f64,
        tp as f64 / true_pairs.max(1) as f64,
        predicted - tp,
        true_pairs - tp
    );
    if let Some(missed) = &output.missed {
        let truly = |l: &&link::probe::MissedLink| truth_id[l.left as usize] == truth_id[l.right as usize];
        let true_found = missed.links.iter().filter(truly).count();
        let true_expected: f64 = missed.links.iter().filter(truly).map(|l| 1.0 / l.inclusion).sum();
        // Merges the truth needs: for every true person, its clusters less one.
        let mut clusters_of: HashMap<&str, std::collections::HashSet<u32>> = HashMap::new();
        for (r, t) in truth_id.iter().enumerate() {
            clusters_of.entry(t).or_default().insert(output.clusters[r]);
        }
        let needed: usize = clusters_of.values().map(|c| c.len() - 1).sum();
        println!(
            "probe: {} sampled, {} compared, {} merges found ({} true, standing for {:.0}); expected missed merges {:.0}; merges the truth needs {needed}",
            missed.sampled,
            missed.compared,
            missed.links.len(),
            true_found,
            true_expected,
            missed.expected()
        );
    }
    println!(
        "prior weight {:.2}; skipped blocks {}",
        output.model.prior_weight(),
        output.diagnostics.blocking.skipped_blocks
    );
    println!("pairs per rule {:?}", output.diagnostics.blocking.pairs_per_rule);
    for s in &output.model.sessions {
        println!(
            "  session rule {} pairs {} iters {} converged {} block share {:.4}",
            s.rule_idx, s.n_pairs, s.iterations, s.converged, s.block_match_share
        );
    }
    if std::env::var_os("MODEL").is_some() {
        let model = &output.model;
        for (f, name) in model.field_names.iter().enumerate() {
            for (l, label) in model.level_labels[f].iter().enumerate() {
                println!(
                    "  {name:<16} {label:<46} m {:.4} u {:.5} weight {:+.2}",
                    model.m[f][l + 1],
                    model.u[f][l + 1],
                    model.level_weight(f, (l + 1) as u8)
                );
            }
        }
    }
    {
        // Calibration: true-match share among scored pairs by predicted probability.
        let edges = [0.001, 0.01, 0.1, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.01];
        let mut bins = vec![(0u64, 0u64, 0f64); edges.len()];
        for p in &output.pairs {
            let i = edges.iter().position(|&e| p.match_probability < e).unwrap_or(edges.len() - 1);
            bins[i].0 += 1;
            bins[i].1 += u64::from(truth_id[p.left as usize] == truth_id[p.right as usize]);
            bins[i].2 += p.match_probability;
        }
        let mut lower = 0.0;
        for (i, (n, t, sum)) in bins.iter().enumerate() {
            println!(
                "  p in [{lower}, {}): {n} pairs, mean p {:.3}, true share {:.3}",
                edges[i],
                sum / (*n).max(1) as f64,
                *t as f64 / (*n).max(1) as f64
            );
            lower = edges[i];
        }
    }
    if let Ok(k) = std::env::var("SHOW_MISSED") {
        // Debugging on synthetic demo data only: a few missed true pairs with their values.
        let k: usize = k.parse()?;
        let scored: HashMap<(u32, u32), f64> =
            output.pairs.iter().map(|p| ((p.left, p.right), p.match_probability)).collect();
        let mut members: HashMap<&str, Vec<u32>> = HashMap::new();
        for (r, t) in truth_id.iter().enumerate() {
            members.entry(t).or_default().push(r as u32);
        }
        let mut shown = 0;
        let mut keys: Vec<&&str> = members.keys().collect();
        keys.sort();
        'outer: for key in keys {
            let m = &members[*key];
            for (i, &a) in m.iter().enumerate() {
                for &b in &m[i + 1..] {
                    if cluster[a as usize] != cluster[b as usize] {
                        let g = link::compare_pairs(&records, &settings, &[(a, b)])?[0];
                        let levels: String =
                            (0..settings.fields.len()).map(|f| format!("{}", link::compare::level_of(g, f))).collect();
                        println!(
                            "MISSED p={:?} levels {levels}\n  {:?} {:?}\n  {:?} {:?}",
                            scored.get(&(a, b)),
                            records[a as usize].source,
                            records[a as usize].values,
                            records[b as usize].source,
                            records[b as usize].values
                        );
                        shown += 1;
                        if shown >= k {
                            break 'outer;
                        }
                    }
                }
            }
        }
    }
    if std::env::var_os("MISSED_PATTERNS").is_some() {
        // Missed true pairs (in different clusters) by the levels of given name, family name and
        // birth date, and whether blocking brought them together.
        let scored: HashMap<(u32, u32), f64> =
            output.pairs.iter().map(|p| ((p.left, p.right), p.match_probability)).collect();
        let mut members: HashMap<&str, Vec<u32>> = HashMap::new();
        for (r, t) in truth_id.iter().enumerate() {
            members.entry(t).or_default().push(r as u32);
        }
        let missed: Vec<(u32, u32)> = members
            .values()
            .flat_map(|m| m.iter().enumerate().flat_map(move |(i, &a)| m[i + 1..].iter().map(move |&b| (a, b))))
            .filter(|&(a, b)| cluster[a as usize] != cluster[b as usize])
            .collect();
        let gammas = link::compare_pairs(&records, &settings, &missed)?;
        let mut by: BTreeMap<(String, bool), u64> = BTreeMap::new();
        // Unblocked missed pairs by the probability the model would give them without term
        // frequencies (prior + level weights): could a wider blocking have found them?
        let approximate_p = |g| {
            let model = &output.model;
            let w: f64 = model.prior_weight()
                + (0..model.field_names.len())
                    .map(|f| model.level_weight_in(g, f, link::compare::level_of(g, f)))
                    .sum::<f64>();
            1.0 / (1.0 + 2f64.powf(-w))
        };
        let edges = [0.01, 0.1, 0.5, 0.9, 1.01];
        let mut unblocked_by_p = [0u64; 5];
        for (&(a, b), &g) in missed.iter().zip(&gammas) {
            if scored.contains_key(&(a, b)) {
                continue;
            }
            let p = approximate_p(g);
            unblocked_by_p[edges.iter().position(|&e| p < e).unwrap_or(4)] += 1;
            if p >= 0.9 && unblocked_by_p[4] <= 12 && std::env::var_os("SHOW_UNBLOCKED").is_some() {
                let levels: String =
                    (0..settings.fields.len()).map(|f| format!("{}", link::compare::level_of(g, f))).collect();
                println!(
                    "    p~{p:.2} {levels}\n      {:?}\n      {:?}",
                    records[a as usize].values, records[b as usize].values
                );
            }
        }
        println!("  unblocked missed pairs by approximate p (<0.01, <0.1, <0.5, <0.9, >=0.9): {unblocked_by_p:?}");
        // Which coarse keys the unblocked missed pairs of p >= 0.1 agree on (candidate probe keys):
        // sex, citizenship, year identified, birth year, region, country of exploitation.
        let names = ["sex", "cit", "idyear", "byear", "region", "exploited_in"];
        let part = |r: &link::LinkRecord, k: usize| -> String {
            let v = &r.values;
            match k {
                0 => v[3].clone(),
                1 => v[4].clone(),
                2 => v[7].get(..4).unwrap_or("").to_owned(),
                3 => v[8].trim_start_matches('~').to_owned(),
                4 => v[9].clone(),
                _ => v[10].clone(),
            }
        };
        let mut patterns: BTreeMap<String, u64> = BTreeMap::new();
        let mut total = 0u64;
        for (&(a, b), &g) in missed.iter().zip(&gammas) {
            if scored.contains_key(&(a, b)) || records[a as usize].source == records[b as usize].source {
                continue;
            }
            if approximate_p(g) < 0.1 {
                continue;
            }
            total += 1;
            let agree: String = (0..names.len())
                .map(|k| {
                    let (x, y) = (part(&records[a as usize], k), part(&records[b as usize], k));
                    if x.is_empty() || y.is_empty() {
                        '?'
                    } else if x == y {
                        '='
                    } else {
                        '.'
                    }
                })
                .collect();
            *patterns.entry(agree).or_default() += 1;
        }
        println!("  unblocked cross-list missed pairs of p >= 0.1: {total}; agreement on {names:?}:");
        let mut rows: Vec<_> = patterns.into_iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        for (k, n) in rows.iter().take(30) {
            println!("    {k} {n}");
        }
        for (&(a, b), g) in missed.iter().zip(gammas) {
            let key: String = (0..3).map(|f| format!("{}", link::compare::level_of(g, f))).collect();
            let cross = records[a as usize].source != records[b as usize].source;
            *by.entry((
                format!("{key} {}", if scored.contains_key(&(a, b)) { "scored " } else { "unblocked" }),
                cross,
            ))
            .or_default() += 1;
        }
        let mut rows: Vec<_> = by.into_iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        for (f, labels) in output.model.level_labels.iter().enumerate().take(3) {
            println!("  {} levels: {:?}", output.model.field_names[f], labels);
        }
        println!("missed pairs {}:", missed.len());
        let scored_total: u64 = rows.iter().filter(|r| r.0.0.contains("scored")).map(|r| r.1).sum();
        println!("  scored {scored_total}, unblocked {}", missed.len() as u64 - scored_total);
        for ((k, cross), n) in rows.iter().take(40) {
            println!("  {k} {} {n}", if *cross { "cross" } else { "within" });
        }
    }
    if std::env::var_os("UNCOMPARED").is_some() {
        // The true cross-list pairs the linkage left in two persons, by whether a blocking rule
        // compared them; those no rule compared by their full comparison levels and by the rules
        // they come closest to (the rule keys they fail).
        let scored: HashMap<(u32, u32), f64> =
            output.pairs.iter().map(|p| ((p.left, p.right), p.match_probability)).collect();
        let mut members: HashMap<&str, Vec<u32>> = HashMap::new();
        for (r, t) in truth_id.iter().enumerate() {
            members.entry(t).or_default().push(r as u32);
        }
        let mut missed: Vec<(u32, u32)> = members
            .values()
            .flat_map(|m| m.iter().enumerate().flat_map(move |(i, &a)| m[i + 1..].iter().map(move |&b| (a, b))))
            .filter(|&(a, b)| {
                cluster[a as usize] != cluster[b as usize] && records[a as usize].source != records[b as usize].source
            })
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        missed.sort_unstable();
        let masks = link::rules_pairing(&records, &settings, &missed)?;
        let gammas = link::compare_pairs(&records, &settings, &missed)?;
        let model = &output.model;
        let approximate_p = |g| {
            let w: f64 = model.prior_weight()
                + (0..model.field_names.len())
                    .map(|f| model.level_weight_in(g, f, link::compare::level_of(g, f)))
                    .sum::<f64>();
            1.0 / (1.0 + 2f64.powf(-w))
        };
        let (mut kept, mut dropped, mut never) = (0u64, 0u64, Vec::new());
        for ((&pair, &mask), &g) in missed.iter().zip(&masks).zip(&gammas) {
            if mask != 0 {
                if scored.contains_key(&pair) { kept += 1 } else { dropped += 1 }
            } else {
                never.push((pair, g, approximate_p(g)));
            }
        }
        let mut by_p = [0u64; 5];
        let edges = [0.01, 0.1, 0.5, 0.9, 1.01];
        for &(_, _, p) in &never {
            by_p[edges.iter().position(|&e| p < e).unwrap_or(4)] += 1;
        }
        println!(
            "uncompared: true cross-list pairs in two persons {}: compared and kept {kept}, compared and scored below the review threshold {dropped}, never compared {} (by approximate p <0.01, <0.1, <0.5, <0.9, >=0.9: {by_p:?})",
            missed.len(),
            never.len()
        );
        let min_p: f64 = std::env::var("UNCOMPARED_MIN_P").ok().and_then(|v| v.parse().ok()).unwrap_or(0.1);
        let never: Vec<_> = never.into_iter().filter(|x| x.2 >= min_p).collect();
        println!("  never compared with approximate p >= {min_p}: {}", never.len());
        println!("  fields: {:?} (level 0 = missing, 1 = exact/same, higher = worse)", model.field_names);
        for (f, name) in model.field_names.iter().enumerate() {
            let mut hist = [0u64; 9];
            for &(_, g, _) in &never {
                hist[usize::from(link::compare::level_of(g, f)).min(8)] += 1;
            }
            let n_levels = model.level_labels[f].len() + 1;
            println!("    {name:<16} by level {:?}", &hist[..n_levels]);
        }
        let mut patterns: BTreeMap<String, u64> = BTreeMap::new();
        for &(_, g, _) in &never {
            let key: String =
                (0..model.field_names.len()).map(|f| format!("{}", link::compare::level_of(g, f))).collect();
            *patterns.entry(key).or_default() += 1;
        }
        let mut rows: Vec<_> = patterns.into_iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        println!("  full level patterns:");
        for (k, n) in rows.iter().take(40) {
            println!("    {k} {n}");
        }
        // For every rule, the pairs that fail exactly one of its keys, by that key.
        let mut single_keys: Vec<link::BlockKey> = Vec::new();
        for rule in &settings.blocking_rules {
            for key in &rule.keys {
                if !single_keys.contains(key) {
                    single_keys.push(key.clone());
                }
            }
        }
        let single = link::LinkSettings {
            blocking_rules: single_keys.iter().map(|k| link::BlockingRule::new(vec![k.clone()])).collect(),
            ..settings.clone()
        };
        let never_pairs: Vec<(u32, u32)> = never.iter().map(|x| x.0).collect();
        let key_masks = link::rules_pairing(&records, &single, &never_pairs)?;
        for (e, rule) in settings.blocking_rules.iter().enumerate() {
            let mut failing: BTreeMap<String, u64> = BTreeMap::new();
            for &mask in &key_masks {
                let failed: Vec<String> = rule
                    .keys
                    .iter()
                    .filter(|k| {
                        let i = single_keys.iter().position(|s| s == *k).unwrap_or(0);
                        mask & (1 << i) == 0
                    })
                    .map(|k| format!("{k:?}"))
                    .collect();
                if failed.len() == 1 {
                    *failing.entry(failed.join("+")).or_default() += 1;
                }
            }
            println!(
                "  rule {e} {:?} (incomplete {:?}): pairs failing exactly one key {failing:?}",
                rule.keys, rule.incomplete
            );
        }
    }
    if std::env::var_os("PATTERNS").is_some() {
        // Scored pairs by comparison pattern: count, mean predicted probability, true share.
        let mut by: BTreeMap<String, (u64, f64, u64)> = BTreeMap::new();
        let model = &output.model;
        for p in &output.pairs {
            let key: Vec<String> = (0..model.field_names.len())
                .filter(|&f| {
                    !matches!(model.field_names[f].as_str(), "place_of_birth" | "exploited_in" | "sex" | "citizenship")
                })
                .map(|f| format!("{}", link::compare::level_of(p.levels, f)))
                .collect();
            let e = by.entry(key.join("")).or_default();
            e.0 += 1;
            e.1 += p.match_probability;
            e.2 += u64::from(truth_id[p.left as usize] == truth_id[p.right as usize]);
        }
        let mut rows: Vec<_> = by.into_iter().collect();
        rows.sort_by(|a, b| (b.1.1 - b.1.2 as f64).abs().total_cmp(&(a.1.1 - a.1.2 as f64).abs()));
        let names: Vec<&str> = model
            .field_names
            .iter()
            .map(String::as_str)
            .filter(|f| !matches!(*f, "place_of_birth" | "exploited_in" | "sex" | "citizenship"))
            .collect();
        println!("pattern fields: {names:?}");
        for (k, (n, sp, t)) in rows.iter().filter(|r| r.1.0 >= 20).take(40) {
            println!(
                "  {k}  n {n:>6}  mean p {:.3}  true {:.3}  excess false {:.0}",
                sp / *n as f64,
                *t as f64 / *n as f64,
                sp - *t as f64
            );
        }
    }
    if std::env::var_os("NAMESAKES").is_some() {
        // Level distributions of non-matches: random pairs, random pairs of one citizenship, and
        // namesakes (same normalised given and family name).
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let n = records.len() as u32;
        let mut random = Vec::new();
        while random.len() < 200_000 {
            let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
            if a != b && truth_id[a as usize] != truth_id[b as usize] {
                random.push((a, b));
            }
        }
        let mut by_cit: HashMap<&str, Vec<u32>> = HashMap::new();
        let mut by_name: HashMap<(String, String), Vec<u32>> = HashMap::new();
        for (r, rec) in records.iter().enumerate() {
            by_cit.entry(rec.values[4].as_str()).or_default().push(r as u32);
            let (g, f) = (link::normalize::given_name(&rec.values[0]), link::normalize::family_name(&rec.values[1]));
            if !g.is_empty() && !f.is_empty() {
                by_name.entry((g, f)).or_default().push(r as u32);
            }
        }
        let mut same_cit = Vec::new();
        while same_cit.len() < 200_000 {
            let (a, _) = (rng.random_range(0..n), 0);
            let group = &by_cit[records[a as usize].values[4].as_str()];
            let b = group[rng.random_range(0..group.len())];
            if a != b && truth_id[a as usize] != truth_id[b as usize] {
                same_cit.push((a, b));
            }
        }
        let mut namesakes = Vec::new();
        for group in by_name.values() {
            for (i, &a) in group.iter().enumerate() {
                for &b in &group[i + 1..] {
                    if truth_id[a as usize] != truth_id[b as usize] && namesakes.len() < 2_000_000 {
                        namesakes.push((a, b));
                    }
                }
            }
        }
        let model = &output.model;
        let dist = |pairs: &[(u32, u32)]| -> Result<Vec<Vec<f64>>, link::Error> {
            let gammas = link::compare_pairs(&records, &settings, pairs)?;
            let mut out: Vec<Vec<f64>> = model.level_labels.iter().map(|l| vec![0.0; l.len() + 1]).collect();
            for g in gammas {
                for (f, row) in out.iter_mut().enumerate() {
                    row[usize::from(link::compare::level_of(g, f))] += 1.0;
                }
            }
            for row in &mut out {
                let non_null: f64 = row[1..].iter().sum();
                for v in row.iter_mut().skip(1) {
                    *v /= non_null.max(1.0);
                }
            }
            Ok(out)
        };
        let (d_random, d_cit, d_names) = (dist(&random)?, dist(&same_cit)?, dist(&namesakes)?);
        println!(
            "non-matches: random {}, same citizenship {}, namesakes {}",
            random.len(),
            same_cit.len(),
            namesakes.len()
        );
        for f in 0..model.field_names.len() {
            for (l, label) in model.level_labels[f].iter().enumerate() {
                println!(
                    "  {:<16} {label:<46} u {:.5}  random {:.5}  same cit {:.5}  namesakes {:.5}",
                    model.field_names[f],
                    model.u[f][l + 1],
                    d_random[f][l + 1],
                    d_cit[f][l + 1],
                    d_names[f][l + 1]
                );
            }
        }
    }
    if std::env::var_os("EMPIRICAL").is_some() {
        // Level distribution among the true matches that blocking found (the m EM should find),
        // beside EM's m.
        let model = &output.model;
        let n_fields = model.field_names.len();
        let mut counts: Vec<BTreeMap<u8, u64>> = vec![BTreeMap::new(); n_fields];
        let mut members: HashMap<&str, Vec<u32>> = HashMap::new();
        for (r, t) in truth_id.iter().enumerate() {
            members.entry(t).or_default().push(r as u32);
        }
        let true_pairs: Vec<(u32, u32)> = members
            .values()
            .flat_map(|m| m.iter().enumerate().flat_map(move |(i, &a)| m[i + 1..].iter().map(move |&b| (a, b))))
            .collect();
        let gammas = link::compare_pairs(&records, &settings, &true_pairs)?;
        let n_true = gammas.len();
        for g in gammas {
            for (f, c) in counts.iter_mut().enumerate() {
                *c.entry(link::compare::level_of(g, f)).or_default() += 1;
            }
        }
        println!("true matches among candidates: {n_true}");
        for (f, counts) in counts.iter().enumerate() {
            let non_null: u64 = counts.iter().filter(|(l, _)| **l != 0).map(|(_, c)| c).sum();
            for (l, label) in model.level_labels[f].iter().enumerate() {
                let level = (l + 1) as u8;
                let c = counts.get(&level).copied().unwrap_or(0);
                println!(
                    "  {:<16} {label:<46} empirical m {:.4}  EM m {:.4}",
                    model.field_names[f],
                    c as f64 / non_null.max(1) as f64,
                    model.m[f][l + 1]
                );
            }
        }
    }
    if std::env::var_os("MSE").is_some() {
        mse_experiment(&records, &victims, &truth_id, &output)?;
    }
    Ok(())
}

/// Exploration: the estimate on the linkage's persons, on the truth's, on drawn linkages, and
/// with the missed links put back in several ways, all with the linked table's selected model.
fn mse_experiment(
    _records: &[link::LinkRecord],
    victims: &[&store::StoredPerson],
    truth_id: &[&str],
    output: &link::LinkOutput,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut lists: Vec<String> = victims.iter().map(|v| v.source.clone()).collect();
    lists.sort();
    lists.dedup();
    let bit: Vec<u32> =
        victims.iter().map(|v| 1u32 << lists.iter().position(|l| *l == v.source).unwrap_or(0)).collect();
    let table_of = |cluster: &[u32]| -> Result<mse::CaptureTable, Box<dyn std::error::Error>> {
        let mut h: HashMap<u32, u32> = HashMap::new();
        for (r, &c) in cluster.iter().enumerate() {
            *h.entry(c).or_default() |= bit[r];
        }
        Ok(mse::CaptureTable::from_person_histories(lists.clone(), h.into_values())?)
    };
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let truth_cluster: Vec<u32> = truth_id
        .iter()
        .map(|t| {
            let n = ids.len() as u32;
            *ids.entry(t).or_insert(n)
        })
        .collect();
    let linked = table_of(&output.clusters)?;
    let true_table = table_of(&truth_cluster)?;
    let step = mse::EstimateOptions { nboot: 0, profile: false, ..Default::default() };
    let r_linked = mse::estimate(&linked, &step, &mse::NoProgress)?;
    let fixed = mse::EstimateOptions { method: mse::Method::Fixed(r_linked.model.clone()), ..step.clone() };
    let est =
        |t: &mse::CaptureTable| mse::estimate(t, &fixed, &mse::NoProgress).map(|r| r.estimate).unwrap_or(f64::NAN);
    let r_true = mse::estimate(&true_table, &step, &mse::NoProgress)?;
    println!("MSE model {:?}", r_linked.model);
    println!("  linked: persons {} estimate {:.0}", linked.n_observed(), r_linked.estimate);
    println!(
        "  truth: persons {} same model {:.0}; stepwise {:.0} model {:?}",
        true_table.n_observed(),
        est(&true_table),
        r_true.estimate,
        r_true.model
    );
    // Missed true pairs by what the linkage knew of them.
    let scored: HashMap<(u32, u32), f64> =
        output.pairs.iter().map(|p| ((p.left, p.right), p.match_probability)).collect();
    let mut bins = [0u64; 4]; // unscored(<0.1 or never), [0.1,0.5), [0.5,0.9) split, >=0.9 split
    let mut members: HashMap<&str, Vec<u32>> = HashMap::new();
    for (r, t) in truth_id.iter().enumerate() {
        members.entry(t).or_default().push(r as u32);
    }
    let mut missed_cross: Vec<(u32, u32)> = Vec::new();
    for m in members.values() {
        for (i, &a) in m.iter().enumerate() {
            for &b in &m[i + 1..] {
                if output.clusters[a as usize] == output.clusters[b as usize] {
                    continue;
                }
                let p = scored.get(&(a.min(b), a.max(b))).copied();
                let k = match p {
                    None => 0,
                    Some(p) if p < 0.5 => 1,
                    Some(p) if p < 0.9 => 2,
                    _ => 3,
                };
                bins[k] += 1;
                if bit[a as usize] != bit[b as usize] {
                    missed_cross.push((a, b));
                }
            }
        }
    }
    let sum_p_unlinked: f64 = output
        .pairs
        .iter()
        .filter(|p| output.clusters[p.left as usize] != output.clusters[p.right as usize])
        .map(|p| p.match_probability)
        .sum();
    let sum_q_linked: f64 = output
        .pairs
        .iter()
        .filter(|p| output.clusters[p.left as usize] == output.clusters[p.right as usize])
        .map(|p| 1.0 - p.match_probability)
        .sum();
    println!(
        "  missed true pairs: unscored {}, [0.1,0.5) {}, split [0.5,0.9) {}, split >=0.9 {}; cross-list {}",
        bins[0],
        bins[1],
        bins[2],
        bins[3],
        missed_cross.len()
    );
    println!("  sum p over unlinked scored pairs {sum_p_unlinked:.0}; sum 1-p over linked {sum_q_linked:.0}");
    if let Some(m) = &output.missed {
        println!("  probe expected missed {:.0} ({} found)", m.expected(), m.links.len());
    }
    // Oracle: the truly missed cross-list links made.
    fn find(s: &mut [u32], mut x: u32) -> u32 {
        while s[x as usize] != x {
            s[x as usize] = s[s[x as usize] as usize];
            x = s[x as usize];
        }
        x
    }
    let mut cl = output.clusters.clone();
    let nc = cl.iter().max().map_or(0, |m| m + 1) as usize;
    let mut sets: Vec<u32> = (0..nc as u32).collect();
    for &(a, b) in &missed_cross {
        let (x, y) = (find(&mut sets, cl[a as usize]), find(&mut sets, cl[b as usize]));
        if x != y {
            sets[x.max(y) as usize] = x.min(y);
        }
    }
    for c in cl.iter_mut() {
        *c = find(&mut sets, *c);
    }
    println!("  oracle (missed cross links made): {:.0}", est(&table_of(&cl)?));
    {
        let mut size: HashMap<u32, u32> = HashMap::new();
        for &c in &output.clusters {
            *size.entry(c).or_default() += 1;
        }
        let single = |r: u32| size[&output.clusters[r as usize]] == 1;
        let mut shape = [0u64; 3];
        for &(a, b) in &missed_cross {
            shape[usize::from(single(a)) + usize::from(single(b))] += 1;
        }
        println!("  missed cross pairs by single-record sides (0, 1, 2): {shape:?}");
        if let Some(m) = &output.missed {
            let mut t = [[0u64; 3]; 2];
            let mut mass = [[0f64; 3]; 2];
            let mut stands = [[0f64; 3]; 2];
            for &link::probe::MissedLink { left: a, right: b, probability, inclusion } in &m.links {
                let truth = usize::from(truth_id[a as usize] == truth_id[b as usize]);
                let k = usize::from(single(a)) + usize::from(single(b));
                t[truth][k] += 1;
                mass[0][k] += probability / inclusion;
                mass[1][k] += truth as f64 / inclusion;
                stands[truth][k] += 1.0 / inclusion;
            }
            println!("  probe pairs false / true by single-record sides: {:?} / {:?}", t[0], t[1]);
            // The true merges found by whether their best pair's citizenship agrees, is missing on
            // a side, or differs (what a probe key on citizenship would lose), each standing for
            // 1 / inclusion merges.
            let mut by_citizenship = [0f64; 3];
            for l in m.links.iter().filter(|l| truth_id[l.left as usize] == truth_id[l.right as usize]) {
                let (x, y) = (&_records[l.left as usize].values[4], &_records[l.right as usize].values[4]);
                let k = if x.is_empty() || y.is_empty() {
                    1
                } else if x == y {
                    0
                } else {
                    2
                };
                by_citizenship[k] += 1.0 / l.inclusion;
            }
            println!("  true merges found by citizenship (same, missing, different): {by_citizenship:.0?}");
            println!(
                "  probe merges by single-record sides: expected (sum p/incl) {:.0?}, truly (sum true/incl) {:.0?}",
                mass[0], mass[1]
            );
            // The truth's merges needed, by the shape of the first missed link joining them.
            let mut cross_merges = [0u64; 3];
            let mut seen: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
            for &(a, b) in &missed_cross {
                let (x, y) = (output.clusters[a as usize], output.clusters[b as usize]);
                if seen.insert((x.min(y), x.max(y))) {
                    cross_merges[usize::from(single(a)) + usize::from(single(b))] += 1;
                }
            }
            println!("  missed cross merges (distinct pairs of persons) by single-record sides: {cross_merges:?}");
        }
        let mut t = [[0u64; 3]; 2];
        for p in output.pairs.iter().filter(|p| output.clusters[p.left as usize] != output.clusters[p.right as usize]) {
            let truth = usize::from(truth_id[p.left as usize] == truth_id[p.right as usize]);
            t[truth][usize::from(single(p.left)) + usize::from(single(p.right))] += 1;
        }
        println!("  unlinked scored pairs false / true by single-record sides: {:?} / {:?}", t[0], t[1]);
        let mut sum_p = [0f64; 3];
        for p in output.pairs.iter().filter(|p| {
            output.clusters[p.left as usize] != output.clusters[p.right as usize] && p.match_probability < 0.9
        }) {
            sum_p[usize::from(single(p.left)) + usize::from(single(p.right))] += p.match_probability;
        }
        println!("  unlinked borderline pairs' sum of p by single-record sides: {sum_p:.0?}");
        // Oracle by shape: only the missed cross pairs with this many single-record sides made.
        for want in 0..3usize {
            let mut sets: Vec<u32> = (0..nc as u32).collect();
            for &(a, b) in
                missed_cross.iter().filter(|&&(a, b)| usize::from(single(a)) + usize::from(single(b)) == want)
            {
                let (x, y) =
                    (find(&mut sets, output.clusters[a as usize]), find(&mut sets, output.clusters[b as usize]));
                if x != y {
                    sets[x.max(y) as usize] = x.min(y);
                }
            }
            let c: Vec<u32> = output.clusters.iter().map(|&c| find(&mut sets, c)).collect();
            println!("  oracle with {want} single sides only: {:.0}", est(&table_of(&c)?));
        }
        // Draw-like: every unlinked scored pair with a single side merged with chance p, false ones only / true ones only.
        for only_true in [false, true] {
            let mut rng = mse::replicate_rng(3, 0);
            let mut sets: Vec<u32> = (0..nc as u32).collect();
            for p in
                output.pairs.iter().filter(|p| output.clusters[p.left as usize] != output.clusters[p.right as usize])
            {
                if !(single(p.left) || single(p.right))
                    || (truth_id[p.left as usize] == truth_id[p.right as usize]) != only_true
                {
                    continue;
                }
                if rand::Rng::random_bool(&mut rng, p.match_probability) {
                    let (x, y) = (
                        find(&mut sets, output.clusters[p.left as usize]),
                        find(&mut sets, output.clusters[p.right as usize]),
                    );
                    if x != y {
                        sets[x.max(y) as usize] = x.min(y);
                    }
                }
            }
            let c: Vec<u32> = output.clusters.iter().map(|&c| find(&mut sets, c)).collect();
            println!(
                "  scored single-side merges drawn, {} only: {:.0}",
                if only_true { "true" } else { "false" },
                est(&table_of(&c)?)
            );
        }
    }
    // Persons by the number of lists they are on, and by size: the linkage's, the truth's, the
    // oracle's and one draw's.
    let by_lists = |cluster: &[u32]| -> (Vec<u64>, Vec<u64>) {
        let mut h: HashMap<u32, (u32, u32)> = HashMap::new();
        for (r, &c) in cluster.iter().enumerate() {
            let e = h.entry(c).or_default();
            e.0 |= bit[r];
            e.1 += 1;
        }
        let mut out = vec![0u64; lists.len() + 1];
        let mut sizes = vec![0u64; 6];
        for (hist, size) in h.values() {
            out[hist.count_ones() as usize] += 1;
            sizes[(*size as usize).min(5)] += 1;
        }
        (out, sizes)
    };
    println!("  persons by lists (0..) and by records (0..5+): linked {:?}", by_lists(&output.clusters));
    println!("  truth {:?}", by_lists(&truth_cluster));
    println!("  oracle {:?}", by_lists(&cl));
    {
        let drawer = output.drawer();
        let mut rng = mse::replicate_rng(1, 0);
        let c = drawer.draw(|_, _| false, &mut rng);
        println!("  a draw {:?}", by_lists(&c));
        let alone = |cluster: &[u32]| {
            let mut size: HashMap<u32, u32> = HashMap::new();
            for &x in cluster {
                *size.entry(x).or_default() += 1;
            }
            cluster.iter().map(|x| size[x] == 1).collect::<Vec<bool>>()
        };
        let (before, after, truly) = (alone(&output.clusters), alone(&c), alone(&truth_cluster));
        let split = (0..before.len()).filter(|&r| !before[r] && after[r]).count();
        let merged = (0..before.len()).filter(|&r| before[r] && !after[r]).count();
        let merged_right = (0..before.len()).filter(|&r| before[r] && !after[r] && !truly[r]).count();
        let split_right = (0..before.len()).filter(|&r| !before[r] && after[r] && truly[r]).count();
        let should_split = (0..before.len()).filter(|&r| !before[r] && truly[r]).count();
        let should_merge = (0..before.len()).filter(|&r| before[r] && !truly[r]).count();
        println!(
            "  a draw: records split off {split} ({split_right} truly alone; truly alone but linked {should_split}), records alone merged {merged} ({merged_right} truly not alone; truly not alone but alone {should_merge})"
        );
    }
    // Drawn linkages.
    let draws: usize = std::env::var("DRAWS").ok().and_then(|d| d.parse().ok()).unwrap_or(40);
    let drawer = output.drawer();
    let mut e: Vec<f64> = (0..draws)
        .map(|d| {
            let mut rng = mse::replicate_rng(1, d as u64);
            let c = drawer.draw(|_, _| false, &mut rng);
            table_of(&c).map(|t| est(&t)).unwrap_or(f64::NAN)
        })
        .collect();
    e.sort_by(f64::total_cmp);
    let mean = e.iter().sum::<f64>() / e.len() as f64;
    println!("  draws: mean {:.0} median {:.0} [{:.0}, {:.0}]", mean, e[e.len() / 2], e[0], e[e.len() - 1]);
    let mut e: Vec<f64> = (0..draws)
        .map(|d| {
            let mut rng = mse::replicate_rng(1, d as u64);
            let c = drawer.draw_as(link::MissedAs::Alone, |_, _| false, &mut rng);
            table_of(&c).map(|t| est(&t)).unwrap_or(f64::NAN)
        })
        .collect();
    e.sort_by(f64::total_cmp);
    println!(
        "  draws, missed links between records alone: median {:.0} [{:.0}, {:.0}]",
        e[e.len() / 2],
        e[0],
        e[e.len() - 1]
    );
    Ok(())
}
