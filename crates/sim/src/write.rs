//! Turns one agency's detections into its file: plans the records (dates, within-agency
//! duplicates), observes and renders them in the agency's dialect, adds the deliberately malformed
//! rows, numbers the source ids and encodes the file (CSV, Latin-1 CSV, XLSX or JSON).

use std::collections::BTreeMap;

use rand::Rng;

use crate::date::Date;
use crate::detection::Agency;
use crate::dialects::{DATE_COL, Dialect, FileFormat, ID_COL, Reason};
use crate::observe::observe;
use crate::population::Person;
use crate::truth::{AgencyTruth, MalformedRow, TrueRecord};
use crate::{Error, Result};

/// Share of police victims registered twice under different case numbers.
const POLICE_DUPLICATE_RATE: f64 = 0.04;

/// One agency's file and what the truth needs to know about it.
pub(crate) struct Written {
    pub(crate) bytes: Vec<u8>,
    pub(crate) records: Vec<TrueRecord>,
    pub(crate) summary: AgencyTruth,
}

struct Row {
    person: usize,
    year: i32,
    cells: Vec<Option<String>>,
    duplicate: bool,
    malformed: Option<Reason>,
}

pub(crate) fn write_agency(
    dialect: &Dialect,
    persons: &[Person],
    lists: &[[bool; 6]],
    rng: &mut impl Rng,
) -> Result<Written> {
    let agency = dialect.agency;
    // Plan: (date, person, is a repeat registration).
    let mut plan: Vec<(Date, usize, bool)> = Vec::new();
    for (idx, (person, on)) in persons.iter().zip(lists).enumerate() {
        if !on[agency.index()] {
            continue;
        }
        let date = person.window_start.add_days(rng.random_range(0..=60));
        plan.push((date, idx, false));
        if agency == Agency::Police && rng.random_bool(POLICE_DUPLICATE_RATE) {
            let year_end = Date::new(date.year, 12, 31);
            let again = date.add_days(rng.random_range(3..=40)).min(year_end);
            plan.push((again, idx, true));
        }
    }
    plan.sort_unstable();

    let mut rows: Vec<Row> = plan
        .iter()
        .map(|&(date, idx, duplicate)| {
            let obs = observe(agency, &persons[idx], date, &lists[idx], rng);
            Row { person: idx, year: date.year, cells: dialect.render(&obs, rng), duplicate, malformed: None }
        })
        .collect();

    // Source ids: numbered per year in date order.
    let mut counters: BTreeMap<i32, usize> = BTreeMap::new();
    for row in &mut rows {
        let n = counters.entry(row.year).or_insert(0);
        *n += 1;
        row.cells[ID_COL] = Some(dialect.source_id(row.year, *n));
    }

    // Malformed rows: corrupted copies of genuine rows, inserted shortly after them. Their ids
    // continue the year's numbering (late data entry), except the deliberate duplicate.
    let mut inserts: Vec<(usize, Row)> = Vec::new();
    if !rows.is_empty() {
        for &reason in dialect.malformed {
            let base = rng.random_range(0..rows.len());
            let source = &rows[base];
            let mut cells = source.cells.clone();
            let date = source_date(persons, source, rng);
            let n = counters.entry(source.year).or_insert(0);
            *n += 1;
            cells[ID_COL] = Some(dialect.source_id(source.year, *n));
            corrupt(dialect, reason, &mut cells, source, date);
            let at = (base + rng.random_range(0..=2)).min(rows.len() - 1);
            inserts.push((
                at,
                Row { person: source.person, year: source.year, cells, duplicate: false, malformed: Some(reason) },
            ));
        }
    }
    inserts.sort_by_key(|(at, _)| *at);
    let mut final_rows: Vec<Row> = Vec::with_capacity(rows.len() + inserts.len());
    let mut inserts = inserts.into_iter().peekable();
    for (i, row) in rows.into_iter().enumerate() {
        final_rows.push(row);
        while let Some((_, extra)) = inserts.next_if(|(at, _)| *at == i) {
            final_rows.push(extra);
        }
    }

    let bytes = encode(dialect, &final_rows)?;
    let name = agency.name();
    let mut records = Vec::with_capacity(final_rows.len());
    let mut malformed = Vec::new();
    // Importers count the header as row 1 of a delimited file or sheet; JSON has no header.
    let header_rows = usize::from(!matches!(dialect.format, FileFormat::Json));
    for (i, row) in final_rows.iter().enumerate() {
        let source_id = row.cells[ID_COL].clone().unwrap_or_default();
        let person_id = persons[row.person].id.clone();
        if let Some(reason) = row.malformed {
            malformed.push(MalformedRow {
                row: i + 1,
                file_row: i + 1 + header_rows,
                source_id: source_id.clone(),
                reason: reason.code().to_owned(),
                person_id: person_id.clone(),
            });
        }
        records.push(TrueRecord {
            source: name.to_owned(),
            source_id,
            row: i + 1,
            file_row: i + 1 + header_rows,
            person_id,
            malformed: row.malformed.map(|r| r.code().to_owned()),
            within_source_duplicate: row.duplicate,
        });
    }
    let n_malformed = malformed.len();
    let summary = AgencyTruth {
        file: dialect.path.to_owned(),
        mapping: dialect.mapping_path(),
        n_records_written: final_rows.len(),
        n_malformed,
        n_valid_records: final_rows.len() - n_malformed,
        n_persons: lists.iter().filter(|l| l[agency.index()]).count(),
        n_within_source_duplicates: final_rows.iter().filter(|r| r.duplicate).count(),
        malformed,
    };
    Ok(Written { bytes, records, summary })
}

/// The identification date of a row, recovered from its person's window (any day in it will do
/// for a corrupted copy).
fn source_date(persons: &[Person], row: &Row, rng: &mut impl Rng) -> Date {
    persons[row.person].window_start.add_days(rng.random_range(0..=60)).min(Date::new(row.year, 12, 31))
}

fn corrupt(dialect: &Dialect, reason: Reason, cells: &mut Vec<Option<String>>, source: &Row, date: Date) {
    let fmt = dialect.date_format;
    match reason {
        Reason::UnknownCode => cells[dialect.bad_code.0] = Some(dialect.bad_code.1.to_owned()),
        Reason::ImpossibleAge => {
            if let Some(col) = dialect.age_col {
                cells[col] = Some("187".to_owned());
            }
        }
        Reason::FutureDate => cells[DATE_COL] = Some(Date::new(2099, date.month, date.day.min(28)).format(fmt)),
        // 30 February does not exist; `format` prints the fields as they are.
        Reason::InvalidDate => cells[DATE_COL] = Some(Date::new(date.year, 2, 30).format(fmt)),
        Reason::DuplicateSourceId => {
            cells[ID_COL].clone_from(&source.cells[ID_COL]);
            cells[DATE_COL] = Some(date.format(fmt));
        }
        Reason::RaggedLine => cells.truncate(cells.len() / 2),
        Reason::MissingRequired => cells[DATE_COL] = None,
    }
}

fn encode(dialect: &Dialect, rows: &[Row]) -> Result<Vec<u8>> {
    match dialect.format {
        FileFormat::Csv { delimiter, latin1 } => {
            // The NGO's legacy system writes Windows line ends; the others Unix ones.
            let terminator = if latin1 { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
            let mut w = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .terminator(terminator)
                .flexible(true)
                .from_writer(Vec::new());
            w.write_record(dialect.headers)?;
            for row in rows {
                w.write_record(row.cells.iter().map(|c| c.as_deref().unwrap_or("")))?;
            }
            let utf8 = w.into_inner().map_err(|e| Error::Buffer(e.to_string()))?;
            if latin1 {
                let text = String::from_utf8(utf8).map_err(|e| Error::Buffer(e.to_string()))?;
                Ok(crate::names::to_latin1(&text))
            } else {
                Ok(utf8)
            }
        }
        FileFormat::Xlsx { sheet } => encode_xlsx(dialect, sheet, rows),
        FileFormat::Json => {
            let records: Vec<serde_json::Value> = rows
                .iter()
                .map(|row| {
                    let object: serde_json::Map<String, serde_json::Value> = dialect
                        .headers
                        .iter()
                        .enumerate()
                        .map(|(col, header)| {
                            let value = match row.cells.get(col).cloned().flatten() {
                                None => serde_json::Value::Null,
                                Some(text) if Some(col) == dialect.age_col => {
                                    text.parse::<i64>().map_or(serde_json::Value::String(text), serde_json::Value::from)
                                }
                                Some(text) => serde_json::Value::String(text),
                            };
                            ((*header).to_owned(), value)
                        })
                        .collect();
                    serde_json::Value::Object(object)
                })
                .collect();
            let doc = serde_json::json!({ "records": records });
            let mut bytes =
                serde_json::to_vec_pretty(&doc).map_err(|source| Error::Json { what: "agency file", source })?;
            bytes.push(b'\n');
            Ok(bytes)
        }
    }
}

fn encode_xlsx(dialect: &Dialect, sheet: &str, rows: &[Row]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let agency = dialect.agency.name();
    let err = |source| Error::Xlsx { agency, source };
    let mut workbook = Workbook::new();
    // A fixed creation time keeps the file byte-identical across runs.
    let created = ExcelDateTime::from_ymd(2025, 1, 15).map_err(err)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title("Labour inspection findings (simulated)")
            .set_author("Demoland Labour Inspectorate (simulated)"),
    );
    let bold = Format::new().set_bold();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(err)?;
    for (col, header) in dialect.headers.iter().enumerate() {
        worksheet.write_string_with_format(0, col as u16, *header, &bold).map_err(err)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        for (col, cell) in row.cells.iter().enumerate() {
            let Some(text) = cell else { continue };
            let c = col as u16;
            // Ages are numbers in a spreadsheet; everything else stays text (dates included, as
            // typed by the inspectors).
            match text.parse::<f64>() {
                Ok(number) if Some(col) == dialect.age_col => worksheet.write_number(r, c, number).map_err(err)?,
                _ => worksheet.write_string(r, c, text).map_err(err)?,
            };
        }
    }
    workbook.save_to_buffer().map_err(err)
}
