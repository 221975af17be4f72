//! XLSX workbooks that are broken or hostile: a cell at `XFD1048576`, zip bombs, shared strings
//! that lie about their count, too many cells, files that are not zip archives.

use std::io::Write;

use ingest::{Limits, Mapping};

use super::{MAPPING, read, write};

pub(super) fn xlsx_mapping() -> Mapping {
    Mapping::parse("mapping.toml", &MAPPING.replace("[columns]", "[file]\nformat = \"xlsx\"\n[columns]"))
        .expect("mapping")
}

/// A workbook of one sheet, built by hand so that every part can lie.
pub(super) fn workbook(sheet_xml: &str, shared_strings: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, text: &str| {
        zip.start_file(name, options).expect("part");
        zip.write_all(text.as_bytes()).expect("write part");
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    part(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Cases" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    part(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    );
    part("xl/worksheets/sheet1.xml", sheet_xml);
    if let Some(strings) = shared_strings {
        part("xl/sharedStrings.xml", strings);
    }
    zip.finish().expect("zip").into_inner()
}

pub(super) fn sheet(dimension: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

pub(super) fn header_and_row() -> String {
    format!(
        "<row r=\"1\">{}{}{}{}</row><row r=\"2\">{}{}{}{}</row>",
        inline("A1", "id"),
        inline("B1", "year"),
        inline("C1", "sex"),
        inline("D1", "name"),
        inline("A2", "r1"),
        r#"<c r="B2"><v>2021</v></c>"#,
        inline("C2", "female"),
        inline("D2", "Ana"),
    )
}

#[test]
fn a_plain_workbook_is_read_row_by_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows =
        format!("{}<row r=\"4\">{}{}</row>", header_and_row(), inline("A4", "r2"), r#"<c r="B4"><v>2022</v></c>"#);
    let path = write(dir.path(), "cases.xlsx", &workbook(&sheet("A1:D4", &rows), None));
    let read = read(&path, &xlsx_mapping(), &Limits::default()).expect("read");
    assert_eq!(read.good, vec![2, 4], "{read:?}");
}

#[test]
fn a_cell_at_xfd1048576_is_read_without_allocating_the_sheet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = format!("{}<row r=\"1048576\">{}</row>", header_and_row(), inline("XFD1048576", "far away"));
    let path = write(dir.path(), "far.xlsx", &workbook(&sheet("A1:XFD1048576", &rows), None));
    let read = read(&path, &xlsx_mapping(), &Limits::default()).expect("read");
    assert_eq!(read.good, vec![2]);
    // The far cell is beyond the header: its row is quarantined whole, not dropped.
    assert_eq!(read.bad_rows(), vec![1_048_576]);
    assert!(read.error(1_048_576).reason.contains("ragged"), "{}", read.error(1_048_576));
}

#[test]
fn declared_dimensions_and_cells_over_the_limits_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "tall.xlsx", &workbook(&sheet("A1:D2000", &header_and_row()), None));
    let limits = Limits { max_rows: 1000, ..Limits::default() };
    let err = read(&path, &xlsx_mapping(), &limits).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("tall.xlsx") && err.contains("`max_rows`"), "{err:?}");
    let path = write(dir.path(), "cells.xlsx", &workbook(&sheet("A1:D2", &header_and_row()), None));
    let limits = Limits { max_cells: 5, ..Limits::default() };
    let err = read(&path, &xlsx_mapping(), &limits).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("cells.xlsx") && err.contains("`max_cells`"), "{err:?}");
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_decompressed() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A sheet of 8 MiB that compresses to a few kilobytes, against a limit of 1 MiB.
    let padding = " ".repeat(8 << 20);
    let bomb = sheet("A1:D2", &format!("{}{padding}", header_and_row()));
    let bytes = workbook(&bomb, None);
    assert!(bytes.len() < 100_000);
    let path = write(dir.path(), "bomb.xlsx", &bytes);
    let limits = Limits { max_decompressed_bytes: 1 << 20, ..Limits::default() };
    let err = read(&path, &xlsx_mapping(), &limits).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("bomb.xlsx") && err.contains("`max_decompressed_bytes`"), "{err:?}");
    assert!(err.contains("xl/worksheets/sheet1.xml"), "{err:?}");
}

#[test]
fn shared_strings_that_lie_about_their_count_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="4000000000"><si><t>id</t></si></sst>"#;
    let path = write(dir.path(), "liar.xlsx", &workbook(&sheet("A1:D2", &header_and_row()), Some(strings)));
    let err = read(&path, &xlsx_mapping(), &Limits::default()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("liar.xlsx") && err.contains("4000000000 strings"), "{err:?}");
}

#[test]
fn a_file_that_is_not_a_zip_archive_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "fake.xlsx", b"id,year\nr1,2021\n");
    let err = read(&path, &xlsx_mapping(), &Limits::default()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("fake.xlsx") && err.contains("not an XLSX workbook"), "{err:?}");
}
