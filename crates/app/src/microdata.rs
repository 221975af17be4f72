//! Person-level outputs of a release: the CTDC-compatible microdata export, made k-anonymous
//! ([`disclosure::kanon`]), and the synthetic microdata file ([`disclosure::synth`]).
//!
//! One row per counted unit (a linked person, or a record where nothing could be linked), in the
//! variables and codes of the CTDC Global Synthetic Dataset's codebook (version 2, February 2024;
//! `../shared/data/htcds/README.md`). No name, birth date, place of birth, document number,
//! subnational area or free text ever enters a row: a row is built from the analytical fields of
//! [`Counted`] listed in [`ctdc_row`] and nothing else. Rows are written sorted by their values,
//! so their order says nothing about the sources' order.

use std::collections::BTreeMap;
use std::path::Path;

use disclosure::kanon::{self, Hierarchy, KAnonymity};
use serde::Serialize;

use crate::publish::{Audience, Output};
use crate::stats::Counted;
use crate::{Error, Result};

/// The 27 variables of the CTDC codebook, in its order.
pub const CTDC_COLUMNS: [&str; 27] = [
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    "meansDebtBondageEarnings",
    "meansThreats",
    "meansAbusePsyPhySex",
    "meansFalsePromises",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
    "meansExcessiveWorkHours",
    "meansWithholdDocs",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
];

/// The quasi-identifiers of the export (the first five CTDC variables: what someone who knows a
/// victim is likely to know), in the order local suppression prefers to keep them.
pub const QUASI_IDENTIFIERS: [&str; 5] =
    ["yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation"];

/// CTDC's age bands as written in its files, for Palermo's `age_band` codes; "child" and "adult"
/// (band not known) are the coarser bands of the hierarchy.
/// Palermo's age bands and CTDC's `ageBroad` codes.
const AGE_BROAD: [(&str, &str); 11] = [
    ("0-8", "0--8"),
    ("9-17", "9--17"),
    ("18-20", "18--20"),
    ("21-23", "21--23"),
    ("24-26", "24--26"),
    ("27-29", "27--29"),
    ("30-38", "30--38"),
    ("39-47", "39--47"),
    ("48+", "48+"),
    ("child", "0--17"),
    ("adult", "18+"),
];

/// Palermo's sexes and CTDC's `gender` codes.
const GENDER: [(&str, &str); 3] = [("female", "Woman"), ("male", "Man"), ("other", "Trans/Transgender/NonConforming")];

/// The CTDC code of a Palermo value, by one of the tables above.
fn ctdc_code(table: &[(&str, &'static str)], value: &str) -> Option<&'static str> {
    table.iter().find(|(ours, _)| *ours == value).map(|(_, code)| *code)
}

fn recorded(value: &str) -> Option<&str> {
    let v = value.trim();
    (!v.is_empty() && v != model::vocab::UNKNOWN && v != model::vocab::NOT_RECORDED).then_some(v)
}

/// One unit as a CTDC row at full detail (`None`: `NULL`). Flags are `1` or `NULL`, as in CTDC.
pub fn ctdc_row(unit: &dyn Counted) -> Vec<Option<String>> {
    let list = |field: &str| -> Vec<String> {
        recorded(unit.value(field)).map(|v| v.split(';').map(|s| s.trim().to_owned()).collect()).unwrap_or_default()
    };
    let forms = list("exploitation");
    let means = list("means_of_control");
    let sector = recorded(unit.value("labour_sector")).map(str::to_owned);
    let relation = recorded(unit.value("recruiter_relation")).map(str::to_owned);
    fn flag(on: bool) -> Option<String> {
        on.then(|| "1".to_owned())
    }
    fn any(values: &[String], codes: &[&str]) -> Option<String> {
        flag(values.iter().any(|v| codes.contains(&v.as_str())))
    }
    fn is(value: &Option<String>, codes: &[&str]) -> Option<String> {
        flag(value.as_deref().is_some_and(|v| codes.contains(&v)))
    }
    let gender = recorded(unit.value("sex")).and_then(|s| ctdc_code(&GENDER, s));
    let country =
        |field: &str| recorded(unit.value(field)).filter(|c| model::Iso3::parse(c).is_some()).map(str::to_owned);
    vec![
        recorded(unit.value("year")).map(str::to_owned),
        gender.map(str::to_owned),
        recorded(unit.value("age_band")).and_then(|band| ctdc_code(&AGE_BROAD, band)).map(str::to_owned),
        country("citizenship"),
        country("country_of_exploitation"),
        None, // traffickMonths: Palermo does not record how long the exploitation lasted.
        any(&means, &["debt_bondage"]),
        any(&means, &["threats"]),
        any(&means, &["physical_abuse", "sexual_abuse"]),
        any(&means, &["false_promises"]),
        any(&means, &["drugs_alcohol"]),
        any(&means, &["deprivation"]),
        any(&means, &["excessive_hours"]),
        any(&means, &["withheld_documents"]),
        // CTDC counts begging and illicit activities as types of forced labour.
        any(&forms, &["forced_labour", "forced_begging", "forced_criminality"]),
        any(&forms, &["sexual"]),
        any(&forms, &["forced_marriage", "organ_removal", "other"]),
        is(&sector, &["agriculture"]),
        is(&sector, &["construction"]),
        is(&sector, &["domestic_work"]),
        is(&sector, &["hospitality"]),
        None, // typeOfSexProstitution, typeOfSexPornography: not told apart by Palermo.
        None,
        is(&relation, &["intimate_partner"]),
        is(&relation, &["friend"]),
        is(&relation, &["family"]),
        is(&relation, &["employer", "other"]),
    ]
}

/// The generalisation hierarchies of [`QUASI_IDENTIFIERS`] over the values of `rows`.
pub fn hierarchies(rows: &[Vec<Option<String>>]) -> Vec<Hierarchy> {
    let distinct = |j: usize| -> Vec<String> {
        let mut v: Vec<String> = rows.iter().filter_map(|r| r.get(j).cloned().flatten()).collect();
        v.sort();
        v.dedup();
        v
    };
    let years = distinct(0);
    let year_group = |width: i64| {
        years
            .iter()
            .map(|y| {
                let label = match y.parse::<i64>() {
                    Ok(n) => {
                        let start = n - n.rem_euclid(width);
                        format!("{start}-{}", start + width - 1)
                    }
                    Err(_) => y.clone(),
                };
                (y.clone(), label)
            })
            .collect::<Vec<_>>()
    };
    let year = Hierarchy::new("yearOfRegistration").level(year_group(2)).level(year_group(5));
    let gender = Hierarchy::new("gender");
    let wide = |band: &str| -> &'static str {
        match band {
            "0--8" | "9--17" | "0--17" => "0--17",
            "18--20" | "21--23" | "24--26" | "27--29" => "18--29",
            "30--38" | "39--47" => "30--47",
            "48+" => "48+",
            _ => "18+",
        }
    };
    let ages = distinct(2);
    let age = Hierarchy::new("ageBroad")
        .level(ages.iter().map(|a| (a.clone(), wide(a).to_owned())))
        .level(ages.iter().map(|a| (a.clone(), if wide(a) == "0--17" { "0--17" } else { "18+" }.to_owned())));
    let country = |j: usize, name: &str| {
        let codes = distinct(j);
        let group = |pick: fn(&model::country::Country) -> &str| {
            codes
                .iter()
                .filter_map(|c| {
                    let entry = model::Iso3::parse(c).and_then(|iso| model::country::countries().get(iso))?;
                    Some((c.clone(), pick(entry).to_owned()))
                })
                .collect::<Vec<_>>()
        };
        Hierarchy::new(name).level(group(|c| c.sub_region.as_str())).level(group(|c| c.region.as_str()))
    };
    vec![year, gender, age, country(3, "citizenship"), country(4, "CountryOfExploitation")]
}

/// A person-level output ready to write.
#[derive(Debug, Clone)]
pub struct MicroOutput {
    pub csv: String,
    pub sidecar: serde_json::Value,
    /// Values set to `NULL` (local suppression), or rows removed, for the release summary.
    pub cells_suppressed: usize,
}

/// What the CTDC export's sidecar says about its k-anonymity.
#[derive(Debug, Clone, Serialize)]
pub struct KAnonymitySummary {
    pub k: usize,
    pub k_achieved: usize,
    pub quasi_identifiers: Vec<&'static str>,
    /// Per quasi-identifier, the generalisation chosen.
    pub generalisation: BTreeMap<String, String>,
    pub cells_suppressed: usize,
    pub rows_touched: usize,
    pub rows_removed: usize,
    pub rows: usize,
    pub information_loss: f64,
    pub max_suppressed_share: f64,
    pub lattice_nodes: usize,
}

/// The CTDC-compatible export of `units`, k-anonymous over [`QUASI_IDENTIFIERS`].
pub fn ctdc_export(units: &[&dyn Counted], params: &KAnonymity) -> MicroOutput {
    let full: Vec<Vec<Option<String>>> = units.iter().map(|u| ctdc_row(*u)).collect();
    let q = QUASI_IDENTIFIERS.len();
    let qi: Vec<kanon::QiRow> = full.iter().map(|r| r[..q].to_vec()).collect();
    let h = hierarchies(&full);
    let result = kanon::anonymise(&qi, &h, params);
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    for (row, protected) in full.into_iter().zip(&result.rows) {
        if let Some(protected) = protected {
            let mut out = protected.clone();
            out.extend(row.into_iter().skip(q));
            rows.push(out);
        }
    }
    rows.sort();
    let generalisation = h
        .iter()
        .zip(&result.levels)
        .map(|(h, &level)| {
            let text = match (h.name.as_str(), level) {
                (_, 0) => "as recorded".to_owned(),
                ("yearOfRegistration", 1) => "2-year groups".to_owned(),
                ("yearOfRegistration", 2) => "5-year groups".to_owned(),
                ("ageBroad", 1) => "0--17, 18--29, 30--47, 48+".to_owned(),
                ("ageBroad", 2) => "0--17, 18+".to_owned(),
                ("citizenship" | "CountryOfExploitation", 1) => "UN M49 sub-region".to_owned(),
                ("citizenship" | "CountryOfExploitation", 2) => "UN M49 region".to_owned(),
                _ => h.describe(level),
            };
            (h.name.clone(), text)
        })
        .collect();
    let summary = KAnonymitySummary {
        k: params.k,
        k_achieved: result.k_achieved,
        quasi_identifiers: QUASI_IDENTIFIERS.to_vec(),
        generalisation,
        cells_suppressed: result.cells_suppressed,
        rows_touched: result.rows_touched,
        rows_removed: result.rows_removed,
        rows: rows.len(),
        information_loss: (result.loss * 10_000.0).round() / 10_000.0,
        max_suppressed_share: params.max_suppressed_share,
        lattice_nodes: result.nodes,
    };
    let sidecar = serde_json::json!({
        "file": "ctdc.csv",
        "title": "Victims, one row per person, in the variables and codes of the CTDC codebook (version 2), k-anonymous over its quasi-identifiers",
        "method": "k_anonymity",
        "standard": "CTDC Global Synthetic Dataset codebook v2 (February 2024); empty cell = NULL; flags 1 or NULL",
        "parameters": {
            "k": params.k,
            "quasi_identifiers": QUASI_IDENTIFIERS,
            "max_suppressed_share": params.max_suppressed_share,
            "information_loss": "mean over recorded quasi-identifier values of Iyengar's loss metric (m-1)/(M-1); a suppressed value loses 1",
            "search": "every generalisation of the lattice, then local suppression of classes smaller than k",
        },
        "k_anonymity": summary,
        "cells_suppressed": result.cells_suppressed,
    });
    MicroOutput { csv: to_csv(&CTDC_COLUMNS, &rows), sidecar, cells_suppressed: result.cells_suppressed }
}

/// A synthetic CTDC-style file made from `units` ([`disclosure::synth`]): every combination of
/// up to `params.reporting_length` values occurs at least `params.k` times, in the real data and
/// in the file.
pub fn synthetic_export(units: &[&dyn Counted], params: &disclosure::synth::SynthParams) -> MicroOutput {
    let full: Vec<Vec<Option<String>>> = units.iter().map(|u| ctdc_row(*u)).collect();
    let result = disclosure::synth::synthesise(&full, CTDC_COLUMNS.len(), params);
    let mut rows = result.rows;
    rows.sort();
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let sidecar = serde_json::json!({
        "file": "synthetic.csv",
        "title": "Synthetic victims in the variables of the CTDC codebook: made-up records whose every combination of up to `reporting_length` values occurs at least k times",
        "method": "synthetic_k_anonymous",
        "standard": "CTDC Global Synthetic Dataset codebook v2 (February 2024); empty cell = NULL; flags 1 or NULL",
        "parameters": {
            "mode": "k_anonymous",
            "k": params.k,
            "reporting_length": params.reporting_length,
            "seed": params.seed,
            "fitting_passes": params.passes,
            "synthesis": "made-up profiles, each written k or more times and holding only combinations reportable (at least k persons) in the real data, sampled as Synthetic Data Showcase's aggregate-seeded synthesizer does, then fitted to the real marginals by local search",
        },
        "rows": rows.len(),
        "profiles": result.profiles,
        "utility": {
            "measure": "mean absolute error of the counts of all combinations of 1, 2 and 3 values (the union of those in the real and the synthetic data) against the real data",
            "mae_by_length": result.utility.mae.iter().map(|v| round(*v)).collect::<Vec<_>>(),
            "combinations_by_length": result.utility.combinations,
        },
        "cells_suppressed": 0,
    });
    MicroOutput { csv: to_csv(&CTDC_COLUMNS, &rows), sidecar, cells_suppressed: 0 }
}

/// The values each CTDC column may take, from the codebook and Palermo's vocabularies rather than
/// from the data (for a differentially private file, the combinations noised must not depend on
/// which ones occur): the years of `years` (`[observatory] years`), CTDC's genders and age bands,
/// every country of the country table (the demo's fictional States too) for citizenship and
/// country of exploitation, `1` for a flag, nothing for the variables Palermo does not record.
/// Without `years`, the years are those of `rows`, and the second value names the column whose
/// values came from the data.
pub fn ctdc_domain(rows: &[Vec<Option<String>>], years: Option<[i32; 2]>) -> (Vec<Vec<String>>, Vec<&'static str>) {
    let mut from_data = Vec::new();
    let domain = CTDC_COLUMNS
        .iter()
        .enumerate()
        .map(|(j, &column)| match column {
            "yearOfRegistration" => match years {
                Some([first, last]) => (first..=last).map(|y| y.to_string()).collect(),
                None => {
                    from_data.push(column);
                    let mut seen: Vec<String> = rows.iter().filter_map(|r| r.get(j).cloned().flatten()).collect();
                    seen.sort();
                    seen.dedup();
                    seen
                }
            },
            "gender" => GENDER.iter().map(|(_, code)| (*code).to_owned()).collect(),
            "ageBroad" => AGE_BROAD.iter().map(|(_, code)| (*code).to_owned()).collect(),
            "citizenship" | "CountryOfExploitation" => {
                model::country::countries().all().iter().map(|c| c.iso3.as_str().to_owned()).collect()
            }
            "traffickMonths" | "typeOfSexProstitution" | "typeOfSexPornography" => Vec::new(),
            _ => vec!["1".to_owned()],
        })
        .collect();
    (domain, from_data)
}

/// A differentially private synthetic CTDC-style file made from `units`
/// ([`disclosure::synth::synthesise_dp`]) over [`ctdc_domain`], with the ε its noise spent.
pub fn synthetic_dp_export(
    units: &[&dyn Counted],
    params: &disclosure::synth::DpSynthParams,
    years: Option<[i32; 2]>,
) -> Result<(MicroOutput, f64)> {
    let full: Vec<Vec<Option<String>>> = units.iter().map(|u| ctdc_row(*u)).collect();
    let (domain, from_data) = ctdc_domain(&full, years);
    let result =
        disclosure::synth::synthesise_dp(&full, &domain, params).map_err(|e| Error::Disclosure(e.to_string()))?;
    let aggregates = &result.aggregates;
    let mut rows = result.rows;
    rows.sort();
    let mechanisms: Vec<&disclosure::Laplace> = aggregates.mechanisms.iter().flatten().collect();
    let epsilon = aggregates.epsilon();
    let domain_note = if from_data.is_empty() {
        "every value of the codebook and of Palermo's vocabularies (the years of [observatory] years), not taken from the data".to_owned()
    } else {
        format!(
            "every value of the codebook and of Palermo's vocabularies, except {}: its values are those present in the data (set [observatory] years for a guarantee that does not assume them public)",
            from_data.join(", ")
        )
    };
    let sidecar = serde_json::json!({
        "file": "synthetic.csv",
        "title": "Synthetic victims in the variables of the CTDC codebook, made from differentially private counts of their combinations",
        "method": "synthetic_dp",
        "standard": "CTDC Global Synthetic Dataset codebook v2 (February 2024); empty cell = NULL; flags 1 or NULL",
        "parameters": {
            "mode": "differential_privacy",
            "epsilon": epsilon,
            "epsilon_by_length": mechanisms.iter().map(|m| m.epsilon).collect::<Vec<_>>(),
            "sensitivity_by_length": mechanisms.iter().map(|m| m.sensitivity).collect::<Vec<_>>(),
            "scale_by_length": mechanisms.iter().map(|m| m.scale).collect::<Vec<_>>(),
            "threshold_by_length": aggregates.thresholds,
            "combinations_noised_by_length": aggregates.candidates,
            "reporting_length": params.reporting_length,
            "max_attributes": params.max_attributes,
            "absent_singles": params.absent_singles,
            "threshold": params.threshold,
            "seed": params.seed,
            "fitting_passes": params.passes,
            "mechanism": "discrete Laplace (OpenDP make_laplace on integer vectors, L1 distance), one per length of combination, ε split in proportion to the square root of each length's sensitivity (sequential composition)",
            "unit_of_privacy": "one person (added or removed)",
            "scope": "this file alone: the release's tables are protected by suppression and its CTDC export by k-anonymity, not by differential privacy",
            "sensitivity": "a person keeps at most max_attributes values (the others dropped at random before counting), so changes at most C(max_attributes, l) counts of length l, and the number of persons",
            "domain": domain_note,
            "domain_from_data": from_data,
            "combinations_noised": "length 1: every value of the domain; length l > 1: every combination of values of distinct columns whose every sub-combination of l - 1 values was kept (chosen from the noisy counts only)",
            "synthesis": "from the noisy counts only (post-processing): aggregate-seeded sampling as Synthetic Data Showcase over the kept combinations, then fitted to the noisy counts by local search; no combination whose noisy count was below its threshold appears in the file",
            "reproducible": false,
            "randomness": "noise drawn from the operating system's entropy through a cryptographic generator: not reproducible from the observatory's seed, by design; the synthesis after it is seeded",
        },
        "rows": rows.len(),
        "utility": "not published: it would be measured against the real data, outside the privacy guarantee",
        "reproducible": false,
        "cells_suppressed": 0,
    });
    Ok((MicroOutput { csv: to_csv(&CTDC_COLUMNS, &rows), sidecar, cells_suppressed: 0 }, epsilon))
}

/// CSV text with `columns` as header and `NULL` as an empty cell.
pub fn to_csv(columns: &[&str], rows: &[Vec<Option<String>>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(columns);
    for row in rows {
        let _ = writer.write_record(row.iter().map(|v| crate::csv_cell(v.as_deref().unwrap_or("")).into_owned()));
    }
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}

/// Writes the person-level outputs and the SDMX-CSV file of a release into `dir` (`folder`
/// relative to the observatory), each with its JSON sidecar; returns them with the ε the
/// synthetic file spent (0 unless `[publish] synthetic_epsilon` makes it differentially private).
pub fn publish(
    dir: &Path,
    folder: &Path,
    audience: Audience,
    units: &[&dyn Counted],
    statistics: &crate::stats::Statistics,
    settings: &crate::Settings,
) -> Result<(Vec<Output>, f64)> {
    let mut outputs = Vec::new();
    let mut put = |name: &str, method: &'static str, output: MicroOutput| -> Result<()> {
        let mut sidecar = output.sidecar;
        sidecar["audience"] = serde_json::json!(audience);
        write(&dir.join(format!("{name}.csv")), output.csv.as_bytes())?;
        let json = serde_json::to_string_pretty(&sidecar).map_err(|e| Error::Internal(e.to_string()))? + "\n";
        write(&dir.join(format!("{name}.json")), json.as_bytes())?;
        outputs.push(Output {
            path: folder.join(format!("{name}.csv")),
            method,
            cells_suppressed: output.cells_suppressed,
        });
        Ok(())
    };
    put("ctdc", "k_anonymity", ctdc_export(units, &KAnonymity::default()))?;
    let mut epsilon_spent = 0.0;
    match settings.publish.synthetic_epsilon {
        None => {
            let synth = disclosure::synth::SynthParams { seed: settings.observatory.seed, ..Default::default() };
            put("synthetic", "synthetic_k_anonymous", synthetic_export(units, &synth))?;
        }
        Some(epsilon) => {
            let synth =
                disclosure::synth::DpSynthParams { epsilon, seed: settings.observatory.seed, ..Default::default() };
            let (output, spent) = synthetic_dp_export(units, &synth, settings.observatory.years)?;
            epsilon_spent = spent;
            put("synthetic", "synthetic_dp", output)?;
        }
    }
    put("sdg_16_2_2", "from_protected_tables", crate::sdmx::output(statistics, &settings.observatory.country))?;
    Ok((outputs, epsilon_spent))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io { path: path.to_owned(), source })
}
