//! CSV files that are broken or hostile: quotes left open, bytes that are not UTF-8, rows too
//! long or too wide, duplicate and missing headers, NUL bytes, CRLF, embedded newlines.

use ingest::{Error, Limits, Mapping, RawRow};

use super::{MAPPING, mapping, raw_bytes, read, write};

const HEADER: &str = "id,year,sex,name,notes\n";

/// `n` good rows numbered from `first` (ids `r<first>`…).
fn rows(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("r{i},2021,female,Name{i},note {i}\n")).collect()
}

#[test]
fn a_quote_left_open_to_the_end_of_the_file_refuses_only_its_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Row 5 opens a quote in the unmapped `notes` column and never closes it.
    let text = format!("{HEADER}{}r4,2021,female,Ana,\"left open\n{}", rows(1, 3), rows(5, 6));
    let path = write(dir.path(), "open.csv", text.as_bytes());
    let read = read(&path, &mapping(), &Limits::default()).expect("read");
    assert_eq!(read.bad_rows(), vec![5]);
    let error = read.error(5);
    assert_eq!(error.column.as_deref(), Some("notes"));
    assert!(error.reason.contains("not closed before the end of the file"), "{error}");
    assert_eq!(read.good, vec![2, 3, 4, 6, 7, 8, 9, 10, 11], "the rows after the quote are read");
    assert_eq!(raw_bytes(read.raw(5)), b"r4,2021,female,Ana,\"left open\n");
}

#[test]
fn a_quote_left_open_in_a_mapped_column_refuses_only_its_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("{HEADER}{}r4,2021,\"female,Ana,x\n{}", rows(1, 2), rows(4, 3));
    let path = write(dir.path(), "open.csv", text.as_bytes());
    let read = read(&path, &mapping(), &Limits::default()).expect("read");
    assert_eq!(read.bad_rows(), vec![4]);
    assert_eq!(read.error(4).column.as_deref(), Some("sex"));
    assert_eq!(read.good, vec![2, 3, 5, 6, 7]);
}

#[test]
fn a_quote_closed_by_a_stray_quote_rows_later_refuses_only_its_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Row 3's quote is closed by row 6's: the record in between is ragged.
    let text =
        format!("{HEADER}{}r2,2021,female,Ana,\"open\n{}r5,2021,\"male,Bo,x\n{}", rows(1, 1), rows(3, 2), rows(6, 2));
    let path = write(dir.path(), "stray.csv", text.as_bytes());
    let read = read(&path, &mapping(), &Limits::default()).expect("read");
    assert_eq!(read.error(3).column.as_deref(), Some("notes"));
    assert!(read.error(3).reason.contains("a quote is probably left open"), "{}", read.error(3));
    assert!(read.good.contains(&4) && read.good.contains(&5), "{read:?}");
    assert!(read.good.contains(&7) && read.good.contains(&8), "{read:?}");
    assert_eq!(read.good.len() + read.bad.len(), 7, "every row is accounted for: {read:?}");
}

#[test]
fn a_quoted_cell_over_the_line_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = Limits { max_row_lines: 3, ..Limits::default() };
    // Row 3's cell runs over five lines and closes with the right number of fields.
    let text = format!("{HEADER}{}r2,2021,female,Ana,\"a\nb\nc\nd\ne\"\n{}", rows(1, 1), rows(3, 2));
    let path = write(dir.path(), "long.csv", text.as_bytes());
    let read = read(&path, &mapping(), &limits).expect("read");
    assert!(read.error(3).reason.contains("`max_row_lines`"), "{}", read.error(3));
    // Embedded newlines within the limit are a cell's content, not an error.
    let read = read_ok(&path);
    assert_eq!(read.bad_rows(), Vec::<u64>::new());
    assert_eq!(read.good, vec![2, 3, 4, 5]);
}

fn read_ok(path: &std::path::Path) -> super::Read {
    read(path, &mapping(), &Limits::default()).expect("read")
}

#[test]
fn a_row_over_the_size_limit_is_refused_with_its_first_bytes_and_reading_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = Limits { max_row_bytes: 1 << 20, ..Limits::default() };
    let long = "x".repeat(3 << 20);
    let text = format!("{HEADER}{}r2,2021,female,Ana,{long}\n{}", rows(1, 1), rows(3, 2));
    let path = write(dir.path(), "wide.csv", text.as_bytes());
    let read = read(&path, &mapping(), &limits).expect("read");
    assert_eq!(read.bad_rows(), vec![3]);
    assert!(read.error(3).reason.contains("`max_row_bytes`"), "{}", read.error(3));
    assert_eq!(read.good, vec![2, 4, 5]);
    let RawRow::Bytes(raw) = read.raw(3) else { panic!("bytes expected") };
    assert!(raw.truncated);
    assert_eq!(raw.length, ("r2,2021,female,Ana,".len() + (3 << 20) + 1) as u64);
    assert_eq!(raw.offset, Some((HEADER.len() + rows(1, 1).len()) as u64));
}

#[test]
fn a_50_megabyte_line_is_read_under_the_memory_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("huge.csv");
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        file.write_all(format!("{HEADER}r1,2021,female,Ana,\"").as_bytes()).expect("write");
        let chunk = vec![b'y'; 1 << 20];
        for _ in 0..50 {
            file.write_all(&chunk).expect("write");
        }
        file.write_all(b"\"\n").expect("write");
        file.write_all(rows(3, 1).as_bytes()).expect("write");
    }
    let read = read_ok(&path);
    assert_eq!(read.bad_rows(), vec![2]);
    assert_eq!(read.good, vec![3]);
}

#[test]
fn bytes_that_are_not_utf8_are_kept_in_the_quarantine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = format!("{HEADER}{}", rows(1, 1)).into_bytes();
    let bad_line = b"r2,2021,female,Jos\xe9,n\xf6te\n";
    text.extend_from_slice(bad_line);
    text.extend_from_slice(rows(3, 1).as_bytes());
    let path = write(dir.path(), "latin.csv", &text);
    let read = read_ok(&path);
    assert_eq!(read.bad_rows(), vec![3]);
    assert_eq!(read.error(3).column.as_deref(), Some("name"));
    assert_eq!(raw_bytes(read.raw(3)), bad_line, "the row's bytes, exactly");
    let json = serde_json::to_string(read.raw(3)).expect("json");
    assert!(json.contains("base64"), "{json}");
}

#[test]
fn a_ragged_row_keeps_every_cell() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("{HEADER}r1,2021,female,Ana,x,extra1,extra2\n");
    let path = write(dir.path(), "ragged.csv", text.as_bytes());
    let read = read_ok(&path);
    let RawRow::Cells(cells) = read.raw(2) else { panic!("cells expected") };
    assert_eq!(cells.len(), 7);
    assert_eq!(cells[6], ("#7".to_owned(), "extra2".to_owned()));
}

#[test]
fn a_header_of_100000_columns_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let header: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let path = write(dir.path(), "wide.csv", format!("id,year,{}\nr1,2021\n", header.join(",")).as_bytes());
    let started = std::time::Instant::now();
    let err = read_ok_or_err(&path);
    assert!(matches!(err, Some(Error::TooManyColumns { columns: 100_002, max: 16_384, .. })), "{err:?}");
    // Under the limit, a wide header is checked in linear time.
    let header: Vec<String> = (0..16_000).map(|i| format!("c{i}")).collect();
    let path = write(dir.path(), "wide2.csv", format!("id,year,sex,name,{}\nr1,2021\n", header.join(",")).as_bytes());
    assert!(read_ok_or_err(&path).is_none());
    assert!(started.elapsed().as_secs() < 10, "took {:?}", started.elapsed());
}

fn read_ok_or_err(path: &std::path::Path) -> Option<Error> {
    read(path, &mapping(), &Limits::default()).err()
}

#[test]
fn classes_that_hold_give_clean_outcomes() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Empty, header only, duplicate and missing headers: the file is refused, naming it.
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.csv", b"", "the file is empty"),
        ("dup.csv", b"id,year,sex,year\nr1,2021,female,2021\n", "appears twice"),
        ("missing.csv", b"id,sex\nr1,female\n", "column `year`"),
        ("random.csv", &[0x8d, 0x12, 0xff, 0x00, 0x9c, b'\n', 0xfe, 0x01], "not valid UTF-8"),
    ];
    for (name, bytes, expected) in cases {
        let path = write(dir.path(), name, bytes);
        let err = read_ok_or_err(&path).map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(expected) && err.contains(name), "{name}: {err:?}");
    }
    let path = write(dir.path(), "header.csv", HEADER.as_bytes());
    let read = read_ok(&path);
    assert!(read.good.is_empty() && read.bad.is_empty());
    // CRLF, embedded newlines in a closed quote, a NUL byte in a cell.
    let text =
        "id,year,sex,name,notes\r\nr1,2021,female,Ana,\"two\r\nlines\"\r\nr2,2021,male,B\0o,x\r\nr3,2021,male,C,x\r\n";
    let path = write(dir.path(), "crlf.csv", text.as_bytes());
    let read = read_ok(&path);
    assert_eq!(read.good, vec![2, 3, 4], "{read:?}");
}

#[test]
fn a_device_or_a_folder_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    for path in [std::path::Path::new("/dev/zero"), dir.path()] {
        let err = read_ok_or_err(path).map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("not a regular file"), "{err:?}");
        let err = ingest::hash_file(path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("not a regular file"), "{err:?}");
    }
}

#[test]
fn utf16_text_is_named_as_such() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!("{HEADER}{}", rows(1, 3));
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let with_bom = [&[0xFF, 0xFE][..], &le].concat();
    for (name, bytes) in [("bom.csv", with_bom), ("le.csv", le), ("be.csv", be)] {
        let path = write(dir.path(), name, &bytes);
        match read(&path, &mapping(), &Limits::default()) {
            Err(e @ Error::Utf16 { .. }) => assert!(e.to_string().contains("save it as UTF-8"), "{e}"),
            other => panic!("{name}: {:?}", other.map(|r| r.good)),
        }
    }
    // Plain UTF-8 with the same rows is read.
    let path = write(dir.path(), "utf8.csv", text.as_bytes());
    assert_eq!(read(&path, &mapping(), &Limits::default()).expect("read").good, vec![2, 3, 4]);
}

/// A column whose header says it holds names is masked in errors even when a mapping sends it to
/// a coded field (here `sex`): the error names the row and column, never the name.
#[test]
fn a_name_column_mapped_to_a_coded_field_is_masked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "id,year,Nom complet,name\nr1,2021,Ana Popescu,x\n";
    let path = write(dir.path(), "agency.csv", text.as_bytes());
    let mapping = Mapping::parse("mapping.toml", &MAPPING.replace("\"sex\" = \"sex\"", "\"Nom complet\" = \"sex\""))
        .expect("mapping");
    let read = read(&path, &mapping, &Limits::default()).expect("read");
    let error = read.error(2);
    assert_eq!(error.column.as_deref(), Some("Nom complet"));
    let shown = error.to_string();
    assert!(!shown.contains("Ana") && !shown.contains("Popescu"), "{shown}");
}
