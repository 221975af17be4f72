//! `palermo mapping suggest` as a data officer runs it on a new agency's file: from an empty
//! folder to statistics, with no edit but those the command asks for.

use crate::{palermo, text};

const COUNTRIES: [&str; 4] = ["Rumanía", "Nigeria", "Viet Nam", "Honduras"];
const FORMS: [&str; 4] =
    ["Explotación sexual", "trabajo forzoso", "explotación laboral, mendicidad", "Mendicidad forzada"];

const GIVEN: [&str; 10] =
    ["Itzel", "Yesenia", "Maricruz", "Guadalupe", "Xiomara", "Dulce", "Rosalba", "Nayeli", "Brenda", "Elvira"];
const FAMILY: [&str; 8] = ["Zapata", "Quispe", "Huanca", "Mamani", "Condori", "Villca", "Choque", "Apaza"];

/// A Spanish-speaking NGO's file: semicolons, dd/mm/yyyy dates, country names, free-text forms
/// of exploitation, a notes column, and two values no vocabulary knows (`carterismo`, a form;
/// `Moldavia`, a country name the table does not hold).
fn agency_file(n: usize) -> (String, Vec<String>) {
    let mut out = String::from(
        "Expediente;Fecha de identificación;Apellidos;Nombre;Fecha de nacimiento;Sexo;Nacionalidad;País de explotación;Forma de explotación;Observaciones\n",
    );
    let mut secrets = Vec::new();
    for i in 0..n {
        let family = FAMILY[(i / 10) % FAMILY.len()].to_owned();
        let given = GIVEN[i % GIVEN.len()].to_owned();
        // Days above 12 tell the day from the month.
        let born =
            if i % 10 == 9 { String::new() } else { format!("{:02}/{:02}/{}", 13 + i % 15, 1 + i % 12, 1960 + i % 45) };
        let country = if i == 7 { "Moldavia" } else { COUNTRIES[i % 4] };
        let form = if i == 11 { "carterismo" } else { FORMS[i % 4] };
        let sex = if i % 3 == 0 { "Hombre" } else { "Mujer" };
        out.push_str(&format!(
            "ES-{i:04};{:02}/{:02}/{};{family};{given};{born};{sex};{country};España;{form};{}\n",
            1 + i % 28,
            1 + i % 12,
            2021 + i % 4,
            if i % 5 == 0 { "seguimiento pendiente" } else { "" }
        ));
        secrets.extend([family, given]);
        if !born.is_empty() {
            secrets.push(born);
        }
    }
    (out, secrets)
}

#[test]
fn a_new_agency_is_imported_with_the_suggested_mapping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let init = palermo(dir.path(), &["init", "obs", "--country", "ESP"], &[]);
    assert!(init.status.success(), "{}", text(&init.stderr));
    let (file, secrets) = agency_file(80);
    std::fs::write(dir.path().join("obs/data/ong.csv"), file).expect("data");

    let suggest = palermo(dir.path(), &["mapping", "suggest", "obs/data/ong.csv", "-o", "obs/mappings/ong.toml"], &[]);
    let summary = text(&suggest.stdout) + &text(&suggest.stderr);
    assert!(suggest.status.success(), "{summary}");
    let mapping_path = dir.path().join("obs/mappings/ong.toml");
    let mapping = std::fs::read_to_string(&mapping_path).expect("mapping written");
    for secret in &secrets {
        assert!(!summary.contains(secret.as_str()), "the summary shows {secret}: {summary}");
        assert!(!mapping.contains(secret.as_str()), "the mapping shows {secret}: {mapping}");
    }
    for (column, field) in [
        ("Expediente", "source_id"),
        ("\"Fecha de identificación\"", "date"),
        ("Apellidos", "family_name"),
        ("Nombre", "given_name"),
        ("\"Fecha de nacimiento\"", "date_of_birth"),
        ("Sexo", "sex"),
        ("Nacionalidad", "citizenship"),
        ("\"País de explotación\"", "country_of_exploitation"),
        ("\"Forma de explotación\"", "exploitation"),
    ] {
        assert!(mapping.contains(&format!("{column} = \"{field}\"")), "{column} → {field}?\n{mapping}");
    }
    for expected in
        ["date = \"%d/%m/%Y\"", "date_of_birth = \"%d/%m/%Y\"", "exploitation = \",\"", "Mujer = \"female\""]
    {
        assert!(mapping.contains(expected), "{expected}?\n{mapping}");
    }
    // What the command asks for: the two unknown values, the role to confirm, the notes column.
    assert!(summary.contains("to decide (4;"), "{summary}");
    for asked in ["`Observaciones`", "not countries Palermo knows", "not `exploitation` codes", "confirm it"] {
        assert!(summary.contains(asked), "{asked}?\n{summary}");
    }

    // The edits asked for, and no other: a code for each value the command listed.
    let edited: String = mapping
        .lines()
        .map(|line| match line {
            l if l.starts_with("# carterismo = \"\"") => "carterismo = \"forced_criminality\"".to_owned(),
            l if l.starts_with("# Moldavia = \"\"") => {
                assert!(l.contains("closest: MDA"), "{l}");
                "Moldavia = \"MDA\"".to_owned()
            }
            l => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let changed = edited.lines().zip(mapping.lines()).filter(|(a, b)| a != b).count();
    assert_eq!(changed, 2, "{edited}");
    std::fs::write(&mapping_path, &edited).expect("edit");

    let import = palermo(
        dir.path(),
        &[
            "--dir",
            "obs",
            "import",
            "--source",
            "ong",
            "--kind",
            "ngo",
            "--mapping",
            "obs/mappings/ong.toml",
            "obs/data/ong.csv",
        ],
        &[],
    );
    let out = text(&import.stdout);
    assert_eq!(import.status.code(), Some(0), "{out}{}", text(&import.stderr));
    assert!(out.contains("80 rows stored, 0 quarantined"), "{out}");

    let stats = palermo(dir.path(), &["--dir", "obs", "--format", "json", "stats"], &[]);
    assert!(stats.status.success(), "{}", text(&stats.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("json");
    assert_eq!(stats["total"], 80);
    let missing = |field: &str| {
        let rows = stats["tables"]["missing_values"]["rows"].as_array().expect("rows");
        let row = rows.iter().find(|r| r["field"] == field).expect("field row");
        row["unknown"].as_u64().unwrap_or(99) + row["not_recorded"].as_u64().unwrap_or(99)
    };
    // Ages from the dates of birth at identification (8 rows have none), countries from names.
    assert_eq!(missing("age_band"), 8);
    assert_eq!(missing("citizenship"), 0);
    assert_eq!(missing("country_of_exploitation"), 0);
    assert_eq!(missing("cross_border"), 0);
    let by_citizenship = stats["tables"]["by_citizenship"]["rows"].as_array().expect("rows");
    // Moldova's one person is suppressed, and one more cell with it (secondary suppression).
    let mut published = 0;
    for code in ["ROU", "NGA", "VNM", "HND"] {
        let row = by_citizenship.iter().find(|r| r["citizenship"] == code).unwrap_or_else(|| panic!("{code}"));
        if let Some(n) = row["count"].as_u64() {
            assert!(n >= 15, "{code}: {row}");
            published += 1;
        }
    }
    assert!(published >= 3, "{by_citizenship:?}");
    let sex_age = stats["tables"]["detected_by_sex_age"]["rows"].as_array().expect("rows");
    assert!(sex_age.iter().any(|r| r["age_group"] == "adult" && r["count"].as_u64().is_some()), "{sex_age:?}");
}
