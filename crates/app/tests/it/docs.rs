//! `docs/mapping.md` stays true: its tables of fields and vocabularies are the schema's, and it
//! describes every section of a mapping and every key of `palermo.toml`. When the schema changes,
//! `PALERMO_UPDATE_DOCS=1 cargo test -p app --test it docs` rewrites the generated tables.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use model::vocab::Vocabulary;
use model::{FieldKind, RecordKind};

const BEGIN: &str = "<!-- generated from crates/model: begin -->";
const END: &str = "<!-- generated from crates/model: end -->";

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/mapping.md")
}

fn kind_of(kind: FieldKind) -> String {
    let link = |v: &Vocabulary| format!("[`{}`](#{})", v.name, v.name);
    match kind {
        FieldKind::Code(v) => format!("a code of {}", link(v)),
        FieldKind::MultiCode(v) => format!("codes of {} (a list, see `[multi]`)", link(v)),
        FieldKind::Country => "a country (code or name)".to_owned(),
        FieldKind::Integer { min, max } => format!("a whole number, {min}–{max}"),
        FieldKind::Year => "a year, 1990 to this year".to_owned(),
        FieldKind::Date => "a date (1990 to today; `[dates]`)".to_owned(),
        FieldKind::PartialDate => "a date, a year-month or a year (1900 to today; `[dates]`)".to_owned(),
        FieldKind::Text { max_chars } => format!("text, at most {max_chars} characters"),
    }
}

/// The tables of fields and vocabularies, as the schema has them.
fn generated() -> String {
    let mut out = String::new();
    let mut vocabularies: Vec<&'static Vocabulary> = Vec::new();
    for (kind, title) in [(RecordKind::Persons, "Person records"), (RecordKind::Justice, "Justice records")] {
        let _ = writeln!(out, "### {title} (`kind = \"{}\"`)\n", kind.as_str());
        out.push_str("| field | label | type | required | identifying |\n|---|---|---|---|---|\n");
        for f in kind.fields() {
            let required = match (kind, f.name, f.required) {
                (RecordKind::Persons, "year", true) => "yes (or from `date`)",
                (_, _, true) => "yes",
                _ => "",
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {required} | {} |",
                f.name,
                f.label,
                kind_of(f.kind),
                if f.identifying { "yes" } else { "" }
            );
            if let FieldKind::Code(v) | FieldKind::MultiCode(v) = f.kind
                && !vocabularies.iter().any(|w| w.name == v.name)
            {
                vocabularies.push(v);
            }
        }
        out.push('\n');
    }
    vocabularies.push(&model::vocab::SOURCE_KIND);
    out.push_str("### Vocabularies\n\nBesides its codes, every coded field takes `unknown` and `not_recorded`.\n");
    for v in vocabularies {
        let _ = writeln!(out, "\n#### `{}`\n\n| code | label |\n|---|---|", v.name);
        for t in v.terms {
            let _ = writeln!(out, "| `{}` | {} |", t.code, t.label);
        }
    }
    out
}

#[test]
fn the_mapping_reference_has_every_field_and_code() {
    let path = doc_path();
    let doc = std::fs::read_to_string(&path).expect("docs/mapping.md");
    let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/mapping.md lacks the markers {BEGIN} … {END}");
    };
    let expected = generated();
    let current = doc[start + BEGIN.len()..end].trim();
    if current != expected.trim() {
        if std::env::var_os("PALERMO_UPDATE_DOCS").is_some() {
            let updated = format!("{}{BEGIN}\n{}\n{}", &doc[..start], expected.trim(), &doc[end..]);
            std::fs::write(&path, updated).expect("write docs/mapping.md");
        } else {
            panic!(
                "docs/mapping.md's tables differ from the schema: run `PALERMO_UPDATE_DOCS=1 cargo test -p app --test it docs` and review the change"
            );
        }
    }
    // The hand-written parts: every section and [file] key of a mapping has its heading or row.
    for section in ingest::SECTIONS {
        let heading =
            if *section == "values" { "### `[values.FIELD]`".to_owned() } else { format!("### `[{section}]`") };
        assert!(doc.contains(&heading), "docs/mapping.md lacks {heading}");
    }
    for key in ingest::FILE_KEYS {
        assert!(doc.contains(&format!("| `{key}` |")), "docs/mapping.md lacks the [file] key {key}");
    }
    for derived in ["`year`", "`age`", "`age_band`", "`cross_border`", "`count`"] {
        assert!(doc.contains(&format!("{derived} from")), "docs/mapping.md does not say where {derived} comes from");
    }
}

#[test]
fn the_settings_reference_has_every_key() {
    use app::settings::*;
    // Every optional part present, so that serialising names every key.
    let settings = Settings {
        observatory: ObservatorySettings {
            name: "n".into(),
            country: "XDL".into(),
            years: Some([2020, 2024]),
            seed: 1,
            read_outside: false,
        },
        sources: vec![SourceSettings {
            name: "police".into(),
            kind: "police".into(),
            file: "f".into(),
            mapping: "m".into(),
            encodings: Some("e".into()),
        }],
        population: Some(PopulationSettings { file: "p".into() }),
        disclosure: DisclosureSettings::default(),
        linkage: LinkageSettings::default(),
        estimate: EstimateSettings::default(),
        publish: PublishSettings::default(),
        encoding: Some(EncodingSettings { schema: "s".into(), secret_file: "k".into(), threshold: 0.8 }),
        monitor: Some(MonitorSettings { data: "d".into(), replies: Some("r".into()) }),
        limits: ingest::Limits::default(),
        report: ReportSettings::default(),
    };
    let value = toml::Value::try_from(&settings).expect("settings serialise");
    let doc = std::fs::read_to_string(doc_path()).expect("docs/mapping.md");
    let reference = &doc[doc.find("## `palermo.toml`").expect("a palermo.toml part")..];
    let table = value.as_table().expect("a table");
    for (section, content) in table {
        let (heading, keys) = match content {
            toml::Value::Table(keys) => (format!("### `[{section}]`"), keys.clone()),
            toml::Value::Array(items) => (
                format!("### `[[{section}]]`"),
                items.first().and_then(toml::Value::as_table).cloned().unwrap_or_default(),
            ),
            other => panic!("{section} = {other}: not a section"),
        };
        let at = reference.find(&heading).unwrap_or_else(|| panic!("docs/mapping.md lacks {heading}"));
        let part = &reference[at + heading.len()..];
        let part = &part[..part.find("\n### ").unwrap_or(part.len())];
        for key in keys.keys() {
            assert!(part.contains(&format!("| `{key}` |")), "docs/mapping.md lacks {section}.{key}");
        }
    }
    for code in model::vocab::SOURCE_KIND.codes() {
        assert!(reference.contains(code), "docs/mapping.md lacks the source kind {code}");
    }
}
