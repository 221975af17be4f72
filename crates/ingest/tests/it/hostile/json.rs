//! JSON documents that are broken or hostile: records that are not objects, deep nesting, many
//! distinct keys.

use ingest::{Limits, Mapping};

use super::{MAPPING, raw_bytes, read, write};

fn json_mapping() -> Mapping {
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
