//! A sample report with every kind of block and chart, shaped like what `palermo run` produces
//! for the demo observatory. The figures are made up (fictional countries, arithmetic series),
//! consistent enough to read like a real report.

use report::charts::withheld;
use report::{Block, Chart, Figure, Report, Section, Table};
use serde_json::{Value, json};

/// Why the sample's withheld cells are withheld.
const REASON: &str = "withheld by disclosure control (a count from 1 to 4)";

const YEARS: [i64; 5] = [2019, 2020, 2021, 2022, 2023];
const FORMS: [&str; 4] = ["Sexual exploitation", "Forced labour", "Forced criminality", "Other forms"];

/// Detected victims in a year by form: a smooth made-up series with a dip in 2020.
fn detected(year_idx: usize, form_idx: usize) -> i64 {
    let base = [182, 121, 34, 17][form_idx];
    let trend = [0, -28, 9, 21, 37][year_idx];
    base + trend * (4 - form_idx as i64) / 4 + (year_idx as i64 * (form_idx as i64 + 1) * 3)
}

/// The number of charts in [`sample_report`], which the browser test expects to see drawn.
pub const N_CHARTS: usize = 9;

/// The cells the sample withholds in its charts, each of which must be marked: men in 2020 and
/// 2021 (line), other forms in 2020 and 2021 (stacked bars), boys (grouped bars), Florin
/// (ranked bars), two flows, two heatmap cells.
pub const N_WITHHELD_IN_CHARTS: usize = 10;

pub fn sample_report() -> Report {
    let mut by_year_form = Vec::new();
    let mut by_year = Vec::new();
    for (year_idx, year) in YEARS.iter().enumerate() {
        let mut total = 0;
        for (form_idx, form) in FORMS.iter().enumerate() {
            let n = detected(year_idx, form_idx);
            total += n;
            let row = json!({"Year": year, "Form of exploitation": form, "Detected victims": n});
            let hide = *form == "Other forms" && matches!(year, 2020 | 2021);
            by_year_form.push(if hide { withheld(row, "Detected victims", REASON) } else { row });
        }
        for (sex, share) in [("Female", 0.68), ("Male", 0.32)] {
            let row = json!({"Year": year, "Sex": sex, "Detected victims": (total as f64 * share).round() as i64});
            let hide = sex == "Male" && matches!(year, 2020 | 2021);
            by_year.push(if hide { withheld(row, "Detected victims", REASON) } else { row });
        }
    }
    let by_age_sex: Vec<Value> = [
        ("Girls", "Child", "Female", 61),
        ("Boys", "Child", "Male", 27),
        ("Women", "Adult", "Female", 214),
        ("Men", "Adult", "Male", 103),
    ]
    .iter()
    .map(|(name, age, sex, n)| {
        let row = json!({"Age group": age, "Sex": sex, "Detected victims": n});
        if *name == "Boys" { withheld(row, "Detected victims", REASON) } else { row }
    })
    .collect();
    let citizenship: Vec<Value> = [
        ("Freedonia", 163),
        ("Sylvania", 74),
        ("Ruritania", 52),
        ("Latveria", 39),
        ("Genovia", 31),
        ("Elbonia", 22),
        ("Florin", 14),
        ("Other or unknown", 10),
    ]
    .iter()
    .map(|(country, n)| {
        let row = json!({"Citizenship": country, "Detected victims": n});
        if *country == "Florin" { withheld(row, "Detected victims", REASON) } else { row }
    })
    .collect();
    let flows: Vec<Value> = [
        ("Freedonia", "Freedonia", 151),
        ("Freedonia", "Sylvania", 12),
        ("Sylvania", "Freedonia", 58),
        ("Sylvania", "Ruritania", 16),
        ("Ruritania", "Freedonia", 44),
        ("Ruritania", "Sylvania", 8),
        ("Latveria", "Freedonia", 21),
        ("Latveria", "Ruritania", 18),
        ("Genovia", "Freedonia", 31),
        ("Elbonia", "Sylvania", 22),
        ("Florin", "Freedonia", 14),
        ("Florin", "Sylvania", 3),
        ("Genovia", "Latveria", 2),
    ]
    .iter()
    .map(|(from, to, n)| {
        let row = json!({"Citizenship": from, "Country of exploitation": to, "Victims": n});
        if *n < 5 { withheld(row, "Victims", REASON) } else { row }
    })
    .collect();
    let funnel = vec![
        json!({"Stage": "Suspects investigated", "Persons": 268}),
        json!({"Stage": "Persons prosecuted", "Persons": 121}),
        json!({"Stage": "Persons convicted", "Persons": 47}),
    ];
    let rates: Vec<Value> = FORMS
        .iter()
        .flat_map(|form| {
            [("Women", 2.91), ("Men", 1.12), ("Girls", 1.73), ("Boys", 0.64)].iter().enumerate().map(
                move |(idx, (group, rate))| {
                    let factor = match *form {
                        "Sexual exploitation" => [1.0, 0.12, 0.9, 0.2][idx],
                        "Forced labour" => [0.28, 1.6, 0.1, 0.35][idx],
                        "Forced criminality" => [0.06, 0.22, 0.14, 0.5][idx],
                        _ => [0.05, 0.04, 0.07, 0.06][idx],
                    };
                    let row = json!({"Group": group, "Form of exploitation": form,
                           "Victims per 100,000": ((rate * factor) * 100.0_f64).round() / 100.0});
                    if *form == "Other forms" && matches!(*group, "Girls" | "Boys") {
                        withheld(row, "Victims per 100,000", REASON)
                    } else {
                        row
                    }
                },
            )
        })
        .collect();
    let estimates = vec![
        json!({"Model": "Independence", "Estimate": 912, "Lower 95%": 801, "Upper 95%": 1046}),
        json!({"Model": "Police × NGO interaction", "Estimate": 1084, "Lower 95%": 903, "Upper 95%": 1327}),
        json!({"Model": "Selected (BIC)", "Estimate": 1031, "Lower 95%": 884, "Upper 95%": 1228}),
        json!({"Model": "Saturated minus 3-way", "Estimate": 1162, "Lower 95%": 867, "Upper 95%": 1650}),
    ];

    Report {
        title: "Trafficking in persons in Freedonia, 2019–2023".into(),
        subtitle: "Annual statistics of the National Rapporteur on Trafficking in Human Beings".into(),
        generated_note: "Synthetic demonstration data · six sources · seed 20231 · Palermo 0.1.0".into(),
        headline: vec![
            Figure::new("Detected victims", "405", "2023 · records, not yet deduplicated"),
            Figure::new("Estimated victims", "1,031", "95% interval 884 – 1,228 (MSE)"),
            Figure::new("Detection rate", "4.7", "per 100,000 population, SDG 16.2.2"),
            Figure::new("Convictions", "47", "18% of suspects investigated"),
        ],
        sections: vec![
            Section::new(
                "trend",
                "Detected victims over time",
                "Detection fell in 2020, when labour inspections and outreach were suspended, and \
                 has risen every year since. Women and girls remain two thirds of detected victims.",
            )
            .with(
                Chart::line("Detected victims by year and sex", by_year, "Year", "Detected victims", Some("Sex"))
                    .with_caption("Unit: records (not yet deduplicated). Sources: all six agencies.")
                    .with_unit("records (not yet deduplicated)"),
            )
            .with(
                Chart::stacked_bar(
                    "Detected victims by year and form of exploitation",
                    by_year_form.clone(),
                    "Year",
                    "Detected victims",
                    "Form of exploitation",
                )
                .with_caption("Unit: records. A victim exploited in several forms is counted under the main form."),
            ),
            Section::new("profile", "Who the victims are", "")
                .with(
                    Chart::bar(
                        "Detected victims by age group and sex, 2023",
                        by_age_sex,
                        "Age group",
                        "Detected victims",
                        Some("Sex"),
                    )
                    .with_caption("Children are persons under 18 at detection."),
                )
                .with(
                    Chart::ranked_bar(
                        "Detected victims by citizenship, 2023",
                        citizenship,
                        "Citizenship",
                        "Detected victims",
                    )
                    .with_caption("Unit: records."),
                ),
            Section::new(
                "flows",
                "Where victims come from and where they are exploited",
                "Most victims detected in Freedonia are its own citizens exploited at home; the \
                 largest cross-border flows come from Sylvania and Ruritania.",
            )
            .with(
                Chart::flows(
                    "Citizenship → country of exploitation, 2019–2023",
                    flows,
                    "Citizenship",
                    "Country of exploitation",
                    "Victims",
                )
                .with_caption("Band width is proportional to the number of victims. Unit: records."),
            ),
            Section::new(
                "justice",
                "The criminal-justice response",
                "Fewer than one suspect in five investigated is convicted.",
            )
            .with(
                Chart::funnel("Criminal-justice chain, 2023", funnel, "Stage", "Persons")
                    .with_caption("Unit: persons suspected, prosecuted or convicted of trafficking offences."),
            ),
            Section::new("sdg", "SDG indicator 16.2.2", "")
                .with(Block::Paragraph(
                    "Detected victims per 100,000 population, by sex, age and form of \
                     exploitation, from the national population table for 2023."
                        .into(),
                ))
                .with(
                    Chart::heatmap(
                        "Victims per 100,000 population by group and form, 2023",
                        rates,
                        "Group",
                        "Form of exploitation",
                        "Victims per 100,000",
                    )
                    .with_caption("Rates per 100,000 persons of the same sex and age group."),
                ),
            Section::new(
                "estimate",
                "How many victims go undetected",
                "Multiple Systems Estimation from the overlap of the six agencies' lists.",
            )
            .with(
                Chart::interval(
                    "Estimated number of victims by model, 2023",
                    estimates,
                    "Model",
                    "Estimate",
                    "Lower 95%",
                    "Upper 95%",
                )
                .with_caption("Poisson log-linear models; 95% profile-likelihood intervals.")
                .with_reference("Observed: 702 persons", 702.0),
            )
            .with(Chart::new(
                "Records per source, 2023 (hand-written spec)",
                "A chart built from a plain Vega-Lite spec; its table is derived from the spec's data.",
                json!({
                    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                    "width": "container",
                    "height": 160,
                    "data": {"values": [
                        {"Source": "Police", "Records": 171},
                        {"Source": "Labour inspection", "Records": 88},
                        {"Source": "Shelters", "Records": 102},
                    ]},
                    "mark": "bar",
                    "encoding": {
                        "y": {"field": "Source", "type": "nominal", "sort": null},
                        "x": {"field": "Records", "type": "quantitative"},
                    },
                }),
            )),
            Section::new("quality", "Data quality", "")
                .with(
                    Table::new(
                        "Rows received and quarantined per source",
                        "records",
                        vec!["Source".into(), "Kind".into(), "Rows".into(), "Quarantined".into(), "Share".into()],
                        vec![
                            vec!["National Police".into(), "police".into(), "1,204".into(), "7".into(), "0.6%".into()],
                            vec![
                                "Labour Inspectorate".into(),
                                "labour inspection".into(),
                                "391".into(),
                                "3".into(),
                                "0.8%".into(),
                            ],
                            vec!["Safe House Network".into(), "shelter".into(), "455".into(), "x".into(), "x".into()],
                        ],
                        vec![2, 3, 4],
                    )
                    .with_withheld_note("x: withheld by disclosure control (a count from 1 to 4)"),
                )
                .with(Block::Notes(vec![
                    "Quarantined rows are listed in out/quarantine/ with the reason for each.".into(),
                    "Date of birth is missing in 4.1% of police records.".into(),
                ]))
                .with(Block::Html(
                    "<p class=\"note\"><strong>Trusted fragment:</strong> inserted as given.</p>".into(),
                )),
            Section::new("method", "Method notes", "")
                .with(Block::Figures(vec![Figure::new(
                    "Sources",
                    "6",
                    "police, prosecution, labour, NGO, shelter, hotline",
                )]))
                .with(Block::Notes(vec![
                    "Counts are records until linkage; a person known to two agencies counts twice.".into(),
                    "SDG 16.2.2 uses the UNODC definition: detected victims per 100,000 population.".into(),
                ])),
        ],
        ..Report::default()
    }
}
