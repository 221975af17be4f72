//! Small agency files made for the tests: one mapping, and a CSV with good rows and one broken row
//! for each kind of problem the importer must catch.

use std::path::{Path, PathBuf};

pub const MAPPING: &str = r#"
[file]
delimiter = ";"
[columns]
"Case" = "source_id"
"Identified" = "date"
"Gender" = "sex"
"Age" = "age"
"Nationality" = "citizenship"
"Forms" = "exploitation"
"First name" = "given_name"
"Last name" = "family_name"
"Born" = "date_of_birth"
[dates]
date = "%d/%m/%Y"
date_of_birth = "%d/%m/%Y"
[multi]
exploitation = "|"
[values.sex]
W = "female"
F = "female"
M = "male"
[values.exploitation]
SEX = "sexual"
LAB = "forced_labour"
[constants]
role = "victim_identified"
country_of_exploitation = "XDL"
"#;

/// (row number as reported, column, reason fragment) of each broken row in [`broken_csv`].
pub const EXPECTED_ERRORS: &[(u64, Option<&str>, &str)] = &[
    (4, Some("Gender"), "not a code of the `sex` vocabulary"),
    (5, Some("Identified"), "not a date in the format"),
    (6, Some("Identified"), "date lies in the future"),
    (7, Some("Age"), "impossible value"),
    (8, Some("Case"), "duplicate source id"),
    (9, None, "ragged"),
    (10, Some("First name"), "too long"),
    (11, Some("Nationality"), "not a country code or name; did you mean NGA (Nigeria)?"),
];

/// Names that appear in the broken file: they must never reach a message or a log line.
pub const SECRET_NAMES: &[&str] = &["Ioana", "Popescu", "Nguyen", "Thi", "Adebayo"];

pub fn broken_csv() -> String {
    let long_name = "Ioana".repeat(300);
    [
        "Case;Identified;Gender;Age;Nationality;Forms;First name;Last name;Born",
        "A1;03/02/2021;W;17;ROU;SEX;Ioana;Popescu;05/03/2004",
        "A2;15/06/2022;M;34;VNM;LAB|SEX;Thi;Nguyen;1988",
        "A3;15/06/2022;X;34;VNM;LAB;Thi;Nguyen;1988",
        "A4;2022-06-15;M;34;VNM;LAB;Thi;Nguyen;1988",
        "A5;15/06/2099;M;34;VNM;LAB;Thi;Nguyen;1988",
        "A6;15/06/2022;M;340;VNM;LAB;Thi;Nguyen;1988",
        "A1;15/06/2022;F;30;NGA;SEX;Adebayo;Popescu;1990",
        "A8;15/06/2022;F;30;NGA",
        &format!("A9;15/06/2022;F;30;NGA;SEX;{long_name};Popescu;1990"),
        "A10;15/06/2022;F;30;Nigerria;SEX;Adebayo;Popescu;1990",
        "A11;01/01/2023;;;;;;;",
    ]
    .join("\n")
        + "\n"
}

/// Writes the mapping and a file into `dir`, returning their paths.
pub fn write(dir: &Path, name: &str, contents: &[u8]) -> (PathBuf, PathBuf) {
    let mapping = dir.join("mapping.toml");
    std::fs::write(&mapping, MAPPING).expect("write mapping");
    let file = dir.join(name);
    std::fs::write(&file, contents).expect("write file");
    (mapping, file)
}

/// `n` good rows, deterministic, for volume tests.
pub fn many_rows(n: usize) -> String {
    let sexes = ["W", "M", "F", ""];
    let countries = ["ROU", "VNM", "NGA", "XDL", "UKR"];
    let forms = ["SEX", "LAB", "SEX|LAB", ""];
    let mut out = String::from("Case;Identified;Gender;Age;Nationality;Forms;First name;Last name;Born\n");
    for i in 0..n {
        out.push_str(&format!(
            "C{i};{:02}/{:02}/{};{};{};{};{};Name{};Family{};{}\n",
            i % 28 + 1,
            i % 12 + 1,
            2019 + i % 5,
            sexes[i % 4],
            i % 70 + 5,
            countries[i % 5],
            forms[i % 4],
            i % 97,
            i % 89,
            1950 + i % 60
        ));
    }
    out
}
