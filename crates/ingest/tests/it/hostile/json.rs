//! JSON documents that are broken or hostile: records that are not objects, deep nesting, many
//! distinct keys.

use ingest::{Limits, Mapping};

use super::{MAPPING, raw_bytes, read, write};

pub(super) fn json_mapping() -> Mapping {
    Mapping::parse("mapping.toml", &MAPPING.replace("[columns]", "[file]\nformat = \"json\"\n[columns]"))
        .expect("mapping")
}

#[test]
fn a_record_that_is_not_an_object_is_refused_with_its_content() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = r#"[{"id": "r1", "year": 2021}, ["r2", 2021, "Ana"], {"id": "r3", "year": "2022"}]"#;
    let path = write(dir.path(), "records.json", text.as_bytes());
    let read = read(&path, &json_mapping(), &Limits::default()).expect("read");
    assert_eq!(read.good, vec![1, 3]);
    assert!(read.error(2).reason.contains("not an object"), "{}", read.error(2));
    assert_eq!(raw_bytes(read.raw(2)), br#"["r2",2021,"Ana"]"#);
}

#[test]
fn many_distinct_keys_cost_linear_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 10,000 records with a key of their own each: a header of 10,003 columns. Rows as wide as
    // that header would take 100 million cells (gigabytes, over the memory cap).
    let records: Vec<String> = (0..10_000).map(|i| format!(r#"{{"id": "r{i}", "year": 2021, "k{i}": 1}}"#)).collect();
    let path = write(dir.path(), "keys.json", format!("[{}]", records.join(",")).as_bytes());
    let started = std::time::Instant::now();
    let read = read(&path, &json_mapping(), &Limits::default()).expect("read");
    assert_eq!(read.good.len(), 10_000);
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    // Past the column limit, the document is refused, naming the limit.
    let limits = Limits { max_columns: 100, ..Limits::default() };
    let err = read_err(&path, &limits);
    assert!(err.contains("keys.json") && err.contains("`max_columns`"), "{err}");
}

fn read_err(path: &std::path::Path, limits: &Limits) -> String {
    read(path, &json_mapping(), limits).err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn broken_documents_are_refused_with_a_clear_reason_that_quotes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = format!(r#"[{{"id": "r1", "year": 2021, "x": {}1{}}}]"#, "[".repeat(300), "]".repeat(300));
    let cases: [(&str, String, &str); 5] = [
        ("deep.json", deep, "nested too deeply"),
        ("text.json", r#""Ioana Popescu""#.to_owned(), "expected an array of records"),
        ("norecords.json", r#"{"rows": [{"id": "Ioana"}]}"#.to_owned(), "expected an array of records"),
        ("cut.json", r#"[{"id": "r1", "name": "Ioana"#.to_owned(), "EOF"),
        ("empty.json", "[]".to_owned(), "empty"),
    ];
    for (name, text, expected) in cases {
        let path = write(dir.path(), name, text.as_bytes());
        let err = read_err(&path, &Limits::default());
        assert!(err.contains(expected) && err.contains(name), "{name}: {err}");
        assert!(!err.contains("Ioana"), "{name} quotes the document: {err}");
    }
}
