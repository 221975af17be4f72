//! Every mapping parses as TOML and keeps the schema contract (schema.md): known sections, column
//! keys that are headers of the file, canonical field names, recodings into canonical codes.

use crate::{default_demo, read_agency};

const FIELDS: &[&str] = &[
    "source_id",
    "role",
    "year",
    "date",
    "sex",
    "age",
    "age_band",
    "citizenship",
    "country_of_exploitation",
    "subnational_area",
    "exploitation",
    "labour_sector",
    "means_of_control",
    "recruiter_relation",
    "cross_border",
    "services",
    "referred_by",
    "consent_data_sharing",
    "given_name",
    "family_name",
    "date_of_birth",
    "place_of_birth",
    "document_number",
];
const JUSTICE_FIELDS: &[&str] =
    &["year", "stage", "sex", "citizenship", "exploitation", "offence", "sentence_months", "count"];

fn codes(field: &str) -> Option<&'static [&'static str]> {
    Some(match field {
        "role" => &["victim_identified", "victim_presumed", "suspect"],
        "sex" => &["female", "male", "other"],
        "age_band" => &["0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+", "child", "adult"],
        "exploitation" => &[
            "sexual",
            "forced_labour",
            "forced_criminality",
            "forced_begging",
            "forced_marriage",
            "organ_removal",
            "other",
        ],
        "labour_sector" => {
            &["agriculture", "construction", "domestic_work", "hospitality", "manufacturing", "fishing", "other"]
        }
        "means_of_control" => &[
            "debt_bondage",
            "threats",
            "physical_abuse",
            "sexual_abuse",
            "false_promises",
            "drugs_alcohol",
            "deprivation",
            "excessive_hours",
            "withheld_documents",
            "other",
        ],
        "recruiter_relation" => &["intimate_partner", "friend", "family", "employer", "other"],
        "services" => &["shelter", "medical", "psychological", "legal", "return", "residence_permit", "other"],
        "referred_by" => &[
            "police",
            "prosecution",
            "court",
            "immigration",
            "labour_inspection",
            "ngo",
            "shelter",
            "hotline",
            "social_services",
            "self",
            "other",
        ],
        "consent_data_sharing" => &["yes", "no"],
        "stage" => &["investigated", "prosecuted", "convicted", "acquitted"],
        _ => return None,
    })
}

fn parse(demo: &sim::Demo, path: &str) -> toml::Table {
    std::str::from_utf8(&demo.files[path]).expect("UTF-8").parse().unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn agency_mappings_follow_the_schema_contract() {
    let demo = default_demo();
    for (agency, t) in &demo.truth.agencies {
        let mapping = parse(demo, &t.mapping);
        for section in mapping.keys() {
            assert!(
                ["file", "columns", "dates", "multi", "values", "constants"].contains(&section.as_str()),
                "{agency}: [{section}]"
            );
        }
        let file = mapping["file"].as_table().expect("[file]");
        let format = file["format"].as_str().expect("format");
        assert!(t.file.ends_with(format) || (format == "csv" && t.file.ends_with(".tsv")), "{agency}: {format}");
        let (header, _) = read_agency(demo, &t.file);
        let columns = mapping["columns"].as_table().expect("[columns]");
        let mut mapped = Vec::new();
        for (column, field) in columns {
            assert!(header.contains(column), "{agency}: column {column} not in the file");
            let field = field.as_str().expect("a field name");
            assert!(FIELDS.contains(&field), "{agency}: unknown field {field}");
            mapped.push(field);
        }
        assert!(mapped.contains(&"source_id") && mapped.contains(&"date"), "{agency}: required fields");
        for (field, format) in mapping["dates"].as_table().expect("[dates]") {
            assert!(mapped.contains(&field.as_str()));
            assert!(format.as_str().expect("a format").contains("%Y"));
        }
        if let Some(values) = mapping.get("values").and_then(|v| v.as_table()) {
            for (field, recodes) in values {
                assert!(mapped.contains(&field.as_str()), "{agency}: values for unmapped field {field}");
                for (from, to) in recodes.as_table().expect("a table") {
                    let to = to.as_str().expect("a code");
                    match codes(field) {
                        Some(known) => {
                            assert!(known.contains(&to) || to == "unknown", "{agency}: {field}: {from} -> {to}")
                        }
                        None => assert!(to.len() <= 64 && !to.is_empty()),
                    }
                    if field == "citizenship" {
                        assert!(to.len() == 3 && to.chars().all(|c| c.is_ascii_uppercase()));
                    }
                }
            }
        }
        // Where the country of exploitation is not a column, it is Demoland for every row.
        let constants = mapping["constants"].as_table().expect("[constants]");
        match constants.get("country_of_exploitation") {
            Some(country) => assert_eq!(country.as_str(), Some("XDL")),
            None => assert!(mapped.contains(&"country_of_exploitation"), "{agency}"),
        }
    }
}

#[test]
fn the_justice_mapping_is_of_kind_justice() {
    let demo = default_demo();
    let mapping = parse(demo, "mappings/justice.toml");
    assert_eq!(mapping["file"]["kind"].as_str(), Some("justice"));
    let (header, _) = crate::read_delimited(&demo.files["data/justice.csv"], b',');
    for (column, field) in mapping["columns"].as_table().expect("[columns]") {
        assert!(header.contains(column));
        assert!(JUSTICE_FIELDS.contains(&field.as_str().expect("a field")));
    }
    for (field, recodes) in mapping["values"].as_table().expect("[values]") {
        let known = codes(field).expect("a coded field");
        for to in recodes.as_table().expect("a table").values() {
            assert!(known.contains(&to.as_str().expect("a code")));
        }
    }
}
