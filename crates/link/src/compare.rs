//! Prepared (normalised, interned) columns and the comparison of two records into a vector of
//! comparison levels, one per field, packed into a `u64` (4 bits per field).

use rphonetic::DoubleMetaphone;
use rustc_hash::FxHashMap;
use strsim::osa_distance;

use crate::normalize::{self, PartialDate};
use crate::settings::{FieldKind, LinkSettings};

/// Most fields a comparison vector can hold (4 bits each in a `u64`).
pub const MAX_FIELDS: usize = 16;

/// Level 0 of every field: at least one of the two values is missing. Its weight is zero.
pub const NULL_LEVEL: u8 = 0;

/// Level 1 of every field: exact agreement.
pub const EXACT_LEVEL: u8 = 1;

/// Level 2 of the name fields: the given and family names agree crosswise (swapped).
pub const SWAP_LEVEL: u8 = 2;

/// One normalised field of all records, column-wise.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    pub kind: FieldKind,
    /// Normalised text, empty when missing.
    pub text: Vec<String>,
    /// Interned id of `text`; 0 when missing, so equal ids mean equal values.
    pub value_id: Vec<u32>,
    /// Relative frequency of each interned value among the non-missing values (index = id).
    pub frequency: Vec<f64>,
    /// Interned id of the phonetic key (name fields), 0 when none.
    pub phonetic_id: Vec<u32>,
    /// Parsed dates (date fields).
    pub date: Vec<PartialDate>,
    /// Sorted token multiset of given + family names (name fields), interned; 0 when none.
    pub name_set_id: Vec<u32>,
    /// Name fields: the relative frequency of each interned value (index = id) among the values
    /// of the partner name field (given ↔ family), the chance that a non-match agrees with it
    /// crosswise. Empty for other fields.
    pub cross_frequency: Vec<f64>,
}

/// The combined values of a group of fields ([`LinkSettings::joint_frequency_groups`]).
#[derive(Clone, Debug)]
pub(crate) struct Joint {
    /// Field indices of the group.
    pub fields: Vec<usize>,
    /// Whether the group holds both name fields, which then count as an unordered set: the
    /// group agrees when the names agree in either order.
    pub unordered_names: bool,
    /// Interned id of each record's combined value; 0 when a field of the group is missing.
    pub ids: Vec<u32>,
    /// Relative frequency of each combined value among the records that have one (index = id).
    pub frequency: Vec<f64>,
}

/// One field of one record as comparison reads it: everything in one small struct, and the
/// record's cells side by side (`cells[record * n_fields + field]`), so that comparing two
/// records touches a few cache lines instead of one per field and array.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cell {
    value: u32,
    /// Phonetic id (names) or the packed date (dates: year << 9 | month << 5 | day).
    aux: u32,
    name_set: u32,
    text_start: u32,
    text_len: u32,
}

/// All records, normalised.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    pub n_records: usize,
    pub columns: Vec<Column>,
    /// Source index of each record (interned from the record's source label).
    pub source: Vec<u32>,
    /// Combined values of the joint-frequency groups, in the settings' order.
    pub joint: Vec<Joint>,
    /// The given-name and family-name fields, compared crosswise.
    pub names: Option<(usize, usize)>,
    kinds: Vec<FieldKind>,
    cells: Vec<Cell>,
    /// Normalised texts of all cells, record after record.
    arena: String,
}

fn pack_date(d: &PartialDate) -> u32 {
    let year = d.year.and_then(|y| u32::try_from(y).ok()).unwrap_or(0);
    (year << 9) | (u32::from(d.month.unwrap_or(0)) << 5) | u32::from(d.day.unwrap_or(0))
}

fn unpack_date(packed: u32) -> PartialDate {
    let nonzero = |v: u32| if v == 0 { None } else { Some(v) };
    PartialDate {
        year: nonzero(packed >> 9).and_then(|y| i32::try_from(y).ok()),
        month: nonzero((packed >> 5) & 0xF).and_then(|m| u8::try_from(m).ok()),
        day: nonzero(packed & 0x1F).and_then(|d| u8::try_from(d).ok()),
    }
}

/// Builds the row-major cells and text arena from the columns.
fn build_cells(columns: &[Column], n_records: usize) -> (Vec<Cell>, String) {
    let mut cells = Vec::with_capacity(n_records * columns.len());
    let mut arena = String::new();
    for r in 0..n_records {
        for col in columns {
            let text = &col.text[r];
            let text_start = u32::try_from(arena.len()).unwrap_or(u32::MAX);
            arena.push_str(text);
            let aux = if matches!(col.kind, FieldKind::Date | FieldKind::EventDate) {
                pack_date(&col.date[r])
            } else if col.kind == FieldKind::ApproximateYear {
                pack_year(text)
            } else {
                col.phonetic_id.get(r).copied().unwrap_or(0)
            };
            cells.push(Cell {
                value: col.value_id[r],
                aux,
                name_set: col.name_set_id.get(r).copied().unwrap_or(0),
                text_start,
                text_len: u32::try_from(text.len()).unwrap_or(0),
            });
        }
    }
    (cells, arena)
}

#[derive(Default)]
struct Interner {
    ids: FxHashMap<String, u32>,
    counts: Vec<u64>,
}

impl Interner {
    fn new() -> Self {
        // Id 0 is reserved for "missing".
        Interner { ids: FxHashMap::default(), counts: vec![0] }
    }

    fn intern(&mut self, text: &str) -> u32 {
        if text.is_empty() {
            return 0;
        }
        if let Some(&id) = self.ids.get(text) {
            self.counts[id as usize] += 1;
            return id;
        }
        let id = u32::try_from(self.counts.len()).unwrap_or(u32::MAX);
        self.ids.insert(text.to_owned(), id);
        self.counts.push(1);
        id
    }

    fn frequencies(&self) -> Vec<f64> {
        leave_one_out_frequencies(&self.counts)
    }
}

/// Relative frequencies of interned values (index 0, "missing", is not counted), left one out:
/// `(count − 1) / (total − 1)`, at least one in `total − 1`. A value's frequency stands for the
/// chance that a *non-matching* record shares it with a given record, which cannot be that
/// record itself: counting it would make every value of a small list look common (a name seen
/// twice among five records is not shared by 40% of other people).
fn leave_one_out_frequencies(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().skip(1).sum();
    let others = total.saturating_sub(1).max(1) as f64;
    counts.iter().map(|&c| if c == 0 { 0.0 } else { c.saturating_sub(1).max(1) as f64 / others }).collect()
}

/// Normalises one raw value for its field kind.
pub(crate) fn normalise_value(kind: FieldKind, raw: &str) -> String {
    match kind {
        FieldKind::GivenName => normalize::given_name(raw),
        FieldKind::FamilyName => normalize::family_name(raw),
        FieldKind::Date => {
            let date = normalize::parse_date(raw);
            if date.is_complete() {
                return date.to_canonical();
            }
            // An impossible date with eight digits ("1816-17-30") keeps its digits, so that a
            // transposition of two digits can still be recognised.
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            if digits.len() == 8 && !date.is_empty() {
                digits
            } else if date.is_empty() {
                String::new()
            } else {
                date.to_canonical()
            }
        }
        FieldKind::Sex => normalize::sex(raw),
        FieldKind::Place => normalize::place(raw),
        FieldKind::Postcode => normalize::postcode(raw),
        FieldKind::DocumentNumber => normalize::document_number(raw),
        FieldKind::Category => normalize::category(raw),
        FieldKind::EventDate => {
            let date = normalize::parse_date(raw);
            if date.is_empty() { String::new() } else { date.to_canonical() }
        }
        FieldKind::ApproximateYear => {
            let trimmed = raw.trim();
            let (estimated, digits) = match trimmed.strip_prefix('~') {
                Some(rest) => (true, rest.trim()),
                None => (false, trimmed),
            };
            match digits.parse::<u16>() {
                Ok(year) if year > 0 => format!("{}{year}", if estimated { "~" } else { "" }),
                _ => String::new(),
            }
        }
        FieldKind::CodeSet => {
            let mut codes: Vec<String> =
                raw.split(['|', ',', ';']).map(normalize::category).filter(|c| !c.is_empty()).collect();
            codes.sort_unstable();
            codes.dedup();
            codes.join("|")
        }
    }
}

/// Bit of a packed approximate year that marks an estimate.
const ESTIMATED_YEAR: u32 = 1 << 31;

/// Packs a normalised approximate year (`1994` or `~1994`): the year, with [`ESTIMATED_YEAR`]
/// set for an estimate; 0 when empty.
fn pack_year(text: &str) -> u32 {
    match text.strip_prefix('~') {
        Some(rest) => rest.parse::<u32>().map_or(0, |y| y | ESTIMATED_YEAR),
        None => text.parse::<u32>().unwrap_or(0),
    }
}

impl Prepared {
    /// Normalises and interns all records. `values[r][f]` is record `r`'s raw value of field `f`.
    pub(crate) fn build<R: AsRef<str> + Sync>(settings: &LinkSettings, sources: &[u32], values: &[&[R]]) -> Prepared {
        use rayon::prelude::*;
        let n_records = values.len();
        let encoder = DoubleMetaphone::default();
        let (given_idx, family_idx) = name_partners(settings);
        let mut columns = Vec::with_capacity(settings.fields.len());
        for (field_idx, spec) in settings.fields.iter().enumerate() {
            let text: Vec<String> = values
                .par_iter()
                .map(|row| row.get(field_idx).map(|v| normalise_value(spec.kind, v.as_ref())).unwrap_or_default())
                .collect();
            let mut interner = Interner::new();
            let value_id: Vec<u32> = text.iter().map(|t| interner.intern(t)).collect();
            let frequency = interner.frequencies();
            let is_name = matches!(spec.kind, FieldKind::GivenName | FieldKind::FamilyName);
            let phonetic_id = if is_name {
                // One phonetic code per distinct name, not per record: names repeat a lot.
                let mut distinct: Vec<&str> = vec![""; interner.counts.len()];
                for (t, &id) in text.iter().zip(&value_id) {
                    distinct[id as usize] = t;
                }
                let keys: Vec<String> = distinct.par_iter().map(|t| normalize::phonetic_key(&encoder, t)).collect();
                let mut phon = Interner::new();
                let key_ids: Vec<u32> = keys.iter().map(|k| phon.intern(k)).collect();
                value_id.iter().map(|&id| key_ids[id as usize]).collect()
            } else {
                Vec::new()
            };
            let date = if matches!(spec.kind, FieldKind::Date | FieldKind::EventDate) {
                values
                    .par_iter()
                    .map(|row| row.get(field_idx).map(|v| normalize::parse_date(v.as_ref())).unwrap_or_default())
                    .collect()
            } else {
                Vec::new()
            };
            columns.push(Column {
                kind: spec.kind,
                text,
                value_id,
                frequency,
                phonetic_id,
                date,
                name_set_id: Vec::new(),
                cross_frequency: Vec::new(),
            });
        }
        if let (Some(g), Some(f)) = (given_idx, family_idx) {
            columns[g].cross_frequency = cross_frequency(&columns[g], &columns[f]);
            columns[f].cross_frequency = cross_frequency(&columns[f], &columns[g]);
        }
        // The unordered name set is shared by the given- and family-name columns.
        if let (Some(g), Some(f)) = (given_idx, family_idx) {
            let mut interner = Interner::new();
            let ids: Vec<u32> = (0..n_records)
                .map(|r| {
                    let mut tokens: Vec<&str> = columns[g].text[r]
                        .split(' ')
                        .chain(columns[f].text[r].split(' '))
                        .filter(|t| !t.is_empty())
                        .collect();
                    if columns[g].text[r].is_empty() || columns[f].text[r].is_empty() {
                        return 0;
                    }
                    tokens.sort_unstable();
                    interner.intern(&tokens.join(" "))
                })
                .collect();
            columns[g].name_set_id.clone_from(&ids);
            columns[f].name_set_id = ids;
        }
        let joint = settings
            .joint_frequency_groups
            .iter()
            .map(|group| {
                let fields: Vec<usize> = group.iter().filter_map(|name| settings.field_index(name)).collect();
                // Both names in a group: they count as one unordered set (either order agrees).
                let unordered = |f: usize| {
                    given_idx
                        .zip(family_idx)
                        .is_some_and(|(g, fam)| (f == g || f == fam) && fields.contains(&g) && fields.contains(&fam))
                };
                let mut interner: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
                let mut counts = vec![0u64];
                let ids = (0..n_records)
                    .map(|r| {
                        let key: Vec<u32> = fields
                            .iter()
                            .map(|&f| if unordered(f) { columns[f].name_set_id[r] } else { columns[f].value_id[r] })
                            .collect();
                        if key.contains(&0) {
                            return 0;
                        }
                        let next = counts.len() as u32;
                        let id = *interner.entry(key).or_insert(next);
                        if id == next {
                            counts.push(0);
                        }
                        counts[id as usize] += 1;
                        id
                    })
                    .collect();
                let unordered_names = fields.iter().any(|&f| unordered(f));
                Joint { fields, unordered_names, ids, frequency: leave_one_out_frequencies(&counts) }
            })
            .collect();
        let mut prep = Prepared::assemble(n_records, columns, sources.to_vec());
        prep.joint = joint;
        prep
    }

    fn assemble(n_records: usize, columns: Vec<Column>, source: Vec<u32>) -> Prepared {
        let (cells, arena) = build_cells(&columns, n_records);
        let kinds = columns.iter().map(|c| c.kind).collect();
        let given = columns.iter().position(|c| c.kind == FieldKind::GivenName);
        let family = columns.iter().position(|c| c.kind == FieldKind::FamilyName);
        let names = given.zip(family);
        Prepared { n_records, columns, source, joint: Vec::new(), names, kinds, cells, arena }
    }

    /// Interned value of a record's field (0 when missing), read from the row-major cells that a
    /// comparison of the record has just loaded.
    #[inline]
    pub(crate) fn value_id(&self, record: usize, field_idx: usize) -> u32 {
        self.cells[record * self.kinds.len() + field_idx].value
    }

    #[inline]
    pub(crate) fn text(&self, cell: &Cell) -> &str {
        let start = cell.text_start as usize;
        self.arena.get(start..start + cell.text_len as usize).unwrap_or("")
    }
}

impl Prepared {
    /// The records at `indices` (in that order), for comparing many pairs among few records.
    pub(crate) fn subset(&self, indices: &[usize]) -> Prepared {
        fn pick<T: Clone>(v: &[T], indices: &[usize]) -> Vec<T> {
            if v.is_empty() { Vec::new() } else { indices.iter().map(|&i| v[i].clone()).collect() }
        }
        let columns = self
            .columns
            .iter()
            .map(|c| Column {
                kind: c.kind,
                text: pick(&c.text, indices),
                value_id: pick(&c.value_id, indices),
                frequency: Vec::new(),
                phonetic_id: pick(&c.phonetic_id, indices),
                date: pick(&c.date, indices),
                name_set_id: pick(&c.name_set_id, indices),
                cross_frequency: Vec::new(),
            })
            .collect();
        Prepared::assemble(indices.len(), columns, pick(&self.source, indices))
    }
}

/// For each value of `column` (by id), its relative frequency among the values of `partner`.
fn cross_frequency(column: &Column, partner: &Column) -> Vec<f64> {
    let mut texts: Vec<&str> = vec![""; column.frequency.len()];
    for (t, &id) in column.text.iter().zip(&column.value_id) {
        texts[id as usize] = t;
    }
    let mut partner_ids: FxHashMap<&str, u32> = FxHashMap::default();
    for (t, &id) in partner.text.iter().zip(&partner.value_id) {
        partner_ids.entry(t.as_str()).or_insert(id);
    }
    texts
        .iter()
        .map(|t| match partner_ids.get(t) {
            Some(&id) if id != 0 => partner.frequency[id as usize],
            _ => 0.0,
        })
        .collect()
}

/// The first given-name field and the first family-name field, compared crosswise.
pub(crate) fn name_partners(settings: &LinkSettings) -> (Option<usize>, Option<usize>) {
    let given = settings.fields.iter().position(|f| f.kind == FieldKind::GivenName);
    let family = settings.fields.iter().position(|f| f.kind == FieldKind::FamilyName);
    (given, family)
}

/// Packs a level into a comparison vector.
#[inline]
pub(crate) fn set_level(gamma: &mut u64, field_idx: usize, level: u8) {
    *gamma |= u64::from(level & 0xF) << (4 * field_idx);
}

/// Reads a level from a comparison vector.
#[inline]
pub fn level_of(gamma: u64, field_idx: usize) -> u8 {
    ((gamma >> (4 * field_idx)) & 0xF) as u8
}

/// Compares records `a` and `b` on every field.
pub(crate) fn compare(prep: &Prepared, a: usize, b: usize) -> u64 {
    let n_fields = prep.kinds.len();
    let row_a = &prep.cells[a * n_fields..(a + 1) * n_fields];
    let row_b = &prep.cells[b * n_fields..(b + 1) * n_fields];
    let mut gamma = 0u64;
    for (field_idx, ((&kind, ca), cb)) in prep.kinds.iter().zip(row_a).zip(row_b).enumerate() {
        set_level(&mut gamma, field_idx, compare_cells(prep, kind, ca, cb));
    }
    if let Some((g, f)) = prep.names {
        gamma = compare_crosswise(prep, gamma, (&row_a[g], &row_a[f]), (&row_b[g], &row_b[f]), (g, f));
    }
    gamma
}

/// Given and family names written the other way round *and* misspelt ("Berger, Saar" against
/// "Sara Berger") agree on neither field directly. When a direct level is weak, the names are
/// also compared crosswise (given with family, family with given); the crosswise levels replace
/// the direct ones when they are better in sum. A crosswise exact agreement takes the swap level
/// of its field, a crosswise near agreement the same fuzzy levels as a direct one.
fn compare_crosswise(prep: &Prepared, gamma: u64, a: (&Cell, &Cell), b: (&Cell, &Cell), fields: (usize, usize)) -> u64 {
    let (g, f) = fields;
    let (direct_g, direct_f) = (level_of(gamma, g), level_of(gamma, f));
    if direct_g == NULL_LEVEL || direct_f == NULL_LEVEL || (direct_g < 4 && direct_f < 4) {
        return gamma;
    }
    let crossed = |x: &Cell, y: &Cell, kind: FieldKind| -> u8 {
        let (tx, ty) = (prep.text(x), prep.text(y));
        if tx == ty {
            return SWAP_LEVEL;
        }
        // Crosswise, the "phonetic" level is reached by string similarity only (phonetic keys
        // are per field): Jaro-Winkler >= 0.92.
        compare_distinct_texts(kind, tx, ty).max(3)
    };
    let cross_g = crossed(a.0, b.1, FieldKind::GivenName);
    let cross_f = crossed(a.1, b.0, FieldKind::FamilyName);
    if u16::from(cross_g) + u16::from(cross_f) >= u16::from(direct_g) + u16::from(direct_f) {
        return gamma;
    }
    let mask = !((0xFu64 << (4 * g)) | (0xFu64 << (4 * f)));
    let mut out = gamma & mask;
    set_level(&mut out, g, cross_g);
    set_level(&mut out, f, cross_f);
    out
}

/// Compares two records' cells of one field.
fn compare_cells(prep: &Prepared, kind: FieldKind, a: &Cell, b: &Cell) -> u8 {
    let (ia, ib) = (a.value, b.value);
    if kind == FieldKind::Date {
        if ia == 0 || ib == 0 {
            return NULL_LEVEL;
        }
        let level = compare_dates(&unpack_date(a.aux), &unpack_date(b.aux));
        // Only an impossible date is stored as eight bare digits; complete dates were handled above.
        if level > 2
            && (a.text_len == 8 || b.text_len == 8)
            && let (Some(x), Some(y)) = (eight_digits(prep.text(a)), eight_digits(prep.text(b)))
            && digit_arrays_within_one_edit(&x, &y)
        {
            return 2;
        }
        return level;
    }
    if ia == 0 || ib == 0 {
        return NULL_LEVEL;
    }
    match kind {
        FieldKind::EventDate => return compare_event_dates(&unpack_date(a.aux), &unpack_date(b.aux)),
        FieldKind::ApproximateYear => {
            // Two known years are the birth date's to compare.
            if a.aux & ESTIMATED_YEAR == 0 && b.aux & ESTIMATED_YEAR == 0 {
                return NULL_LEVEL;
            }
            return match (a.aux & !ESTIMATED_YEAR).abs_diff(b.aux & !ESTIMATED_YEAR) {
                0 => 1,
                1 => 2,
                2 => 3,
                _ => 4,
            };
        }
        _ => {}
    }
    if ia == ib {
        return EXACT_LEVEL;
    }
    if matches!(kind, FieldKind::GivenName | FieldKind::FamilyName) {
        // Cheap id comparisons before any string work.
        if a.name_set != 0 && a.name_set == b.name_set {
            return 2;
        }
        if a.aux != 0 && a.aux == b.aux {
            return 3;
        }
    }
    if matches!(kind, FieldKind::Sex | FieldKind::Category) {
        return 2;
    }
    compare_distinct_texts(kind, prep.text(a), prep.text(b))
}

/// Level of two different, present values of a non-date field (exact agreement and the name-set
/// and phonetic levels are decided before).
fn compare_distinct_texts(kind: FieldKind, ta: &str, tb: &str) -> u8 {
    match kind {
        FieldKind::GivenName | FieldKind::FamilyName => {
            let jw = jaro_winkler(ta, tb);
            if jw >= 0.92 {
                return 3;
            }
            if jw >= 0.8 || shares_token_or_initial(ta, tb) {
                return 4;
            }
            5
        }
        FieldKind::Place => {
            if jaro_winkler(ta, tb) >= 0.9 {
                2
            } else {
                3
            }
        }
        FieldKind::Postcode => {
            if within_one_edit(ta, tb) {
                return 2;
            }
            if district(ta) == district(tb) {
                return 3;
            }
            if ta.get(..2).is_some() && ta.get(..2) == tb.get(..2) {
                return 4;
            }
            5
        }
        FieldKind::DocumentNumber => {
            if ta.len().abs_diff(tb.len()) > 2 {
                return 4;
            }
            match osa_distance(ta, tb) {
                0 | 1 => 2,
                2 => 3,
                _ => 4,
            }
        }
        FieldKind::Sex | FieldKind::Category => 2,
        FieldKind::CodeSet => {
            if ta.split('|').any(|x| tb.split('|').any(|y| x == y)) {
                2
            } else {
                3
            }
        }
        FieldKind::Date | FieldKind::EventDate | FieldKind::ApproximateYear => NULL_LEVEL,
    }
}

/// Jaro–Winkler similarity (Winkler 1990; prefix scale 0.1, prefix up to 4, boost threshold 0.7),
/// on bytes for the ASCII strings normalisation produces, without allocation; agrees with
/// `strsim::jaro_winkler`, which it falls back to for long or non-ASCII input.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    const MAX: usize = 64;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > MAX || y.len() > MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let window = (x.len().max(y.len()) / 2).saturating_sub(1);
    // Matched positions as bit sets (both strings are at most 64 bytes here).
    let mut x_matched = 0u64;
    let mut y_matched = 0u64;
    let mut matches = 0usize;
    for (i, &cx) in x.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(y.len());
        for (j, &cy) in y.iter().enumerate().take(hi).skip(lo) {
            if y_matched & (1 << j) == 0 && cy == cx {
                x_matched |= 1 << i;
                y_matched |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut ys = y_matched;
    let mut xs = x_matched;
    while xs != 0 {
        let i = xs.trailing_zeros() as usize;
        let j = ys.trailing_zeros() as usize;
        if x[i] != y[j] {
            transpositions += 1;
        }
        xs &= xs - 1;
        ys &= ys - 1;
    }
    let m = matches as f64;
    let jaro = (m / x.len() as f64 + m / y.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    // Winkler's boost threshold: only strings already similar gain from a common prefix.
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// Restricted Damerau–Levenshtein (optimal string alignment) distance at most 1: one
/// substitution, insertion, deletion or transposition of neighbours. Works on bytes without
/// allocating, because it runs on every compared postcode.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    match long.len() - short.len() {
        0 => {
            let first = short.iter().zip(long).position(|(p, q)| p != q);
            let Some(i) = first else { return true };
            if short[i + 1..] == long[i + 1..] {
                return true;
            }
            i + 1 < short.len() && short[i] == long[i + 1] && short[i + 1] == long[i] && short[i + 2..] == long[i + 2..]
        }
        1 => {
            let i = short.iter().zip(long).position(|(p, q)| p != q).unwrap_or(short.len());
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

/// The eight digits `YYYYMMDD` of two complete dates differ in at most one place or by one
/// transposition of neighbours (the typing errors of a date).
fn digits_within_one_edit(a: &PartialDate, b: &PartialDate) -> bool {
    let digits = |d: &PartialDate| -> Option<[u8; 8]> {
        let year = u32::try_from(d.year?).ok().filter(|&y| y <= 9999)?;
        let mut rest = year * 10_000 + u32::from(d.month?) * 100 + u32::from(d.day?);
        let mut out = [0u8; 8];
        for slot in out.iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Some(out)
    };
    match (digits(a), digits(b)) {
        (Some(x), Some(y)) => digit_arrays_within_one_edit(&x, &y),
        _ => false,
    }
}

/// The digits of a date text when there are exactly eight of them.
fn eight_digits(text: &str) -> Option<[u8; 8]> {
    let mut out = [0u8; 8];
    let mut n = 0;
    for b in text.bytes().filter(u8::is_ascii_digit) {
        *out.get_mut(n)? = b;
        n += 1;
    }
    (n == 8).then_some(out)
}

fn digit_arrays_within_one_edit(x: &[u8; 8], y: &[u8; 8]) -> bool {
    let mut differing = (0..8).filter(|&i| x[i] != y[i]);
    match (differing.next(), differing.next(), differing.next()) {
        (None, _, _) | (Some(_), None, _) => true,
        (Some(i), Some(j), None) => j == i + 1 && x[i] == y[j] && x[j] == y[i],
        _ => false,
    }
}

fn district(postcode: &str) -> &str {
    if postcode.len() > 4 {
        &postcode[..postcode.len() - 3]
    } else {
        postcode.get(..postcode.len().saturating_sub(1).max(1)).unwrap_or(postcode)
    }
}

/// One name is a token of the other ("mary" / "mary anne"), or one is a lone initial of the
/// other's first token ("t" / "thomas").
fn shares_token_or_initial(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() == 1 {
        return long.starts_with(short);
    }
    short.split(' ').any(|s| s.len() > 1 && long.split(' ').any(|t| t == s))
}

/// Date levels: 1 exact, 2 one character or day/month swap, 3 within 7 days, 4 within 31 days,
/// 5 same year (or consistent partial date), 6 within 10 years, 7 else; 0 when either date is
/// unknown.
pub(crate) fn compare_dates(a: &PartialDate, b: &PartialDate) -> u8 {
    if a.is_empty() || b.is_empty() {
        return NULL_LEVEL;
    }
    if a == b && a.is_complete() {
        return EXACT_LEVEL;
    }
    if let (Some(da), Some(db)) = (a.days_since_epoch(), b.days_since_epoch()) {
        let swapped = a.year == b.year && a.day == b.month && a.month == b.day;
        if swapped || digits_within_one_edit(a, b) {
            return 2;
        }
        if (da - db).abs() <= 7 {
            return 3;
        }
        if (da - db).abs() <= 31 {
            return 4;
        }
    }
    match (a.year, b.year) {
        (Some(ya), Some(yb)) => {
            if ya == yb {
                5
            } else if (ya - yb).abs() <= 10 {
                6
            } else {
                7
            }
        }
        _ => {
            if a.month.is_some() && a.month == b.month && a.day.is_some() && a.day == b.day {
                5
            } else {
                7
            }
        }
    }
}

/// Compares two event dates (see [`FieldKind::EventDate`]).
fn compare_event_dates(a: &PartialDate, b: &PartialDate) -> u8 {
    if let (Some(da), Some(db)) = (a.days_since_epoch(), b.days_since_epoch()) {
        return match (da - db).abs() {
            0 => 1,
            1..=7 => 2,
            8..=30 => 3,
            31..=90 => 4,
            91..=365 => 5,
            _ => 6,
        };
    }
    match (a.year, b.year) {
        (Some(ya), Some(yb)) if ya == yb => 5,
        (Some(_), Some(_)) => 6,
        _ => NULL_LEVEL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_levels() {
        let d = |t: &str| crate::normalize::parse_date(t);
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1990-03-07")), 1);
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1990-07-03")), 2, "day/month swap");
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1990-03-08")), 2, "one digit");
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1990-03-12")), 3, "within 7 days");
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1990-04-01")), 4, "within 31 days");
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1990")), 5, "partial, same year");
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1985-11-20")), 6);
        assert_eq!(compare_dates(&d("1990-03-07"), &d("1950-11-20")), 7);
        assert_eq!(compare_dates(&d("1990-03-07"), &d("")), 0);
        // Impossible dates keep their digits for the one-edit test.
        assert_eq!(normalise_value(FieldKind::Date, "1816-17-30"), "18161730");
        let (x, y) = (eight_digits("18161730"), eight_digits("18167130"));
        assert!(matches!((x, y), (Some(x), Some(y)) if digit_arrays_within_one_edit(&x, &y)));
    }

    #[test]
    fn one_edit_agrees_with_osa_distance() {
        let words = ["sw1a2bj", "sw1a2jb", "sw1a2b", "w1a2bj", "sw1a2bjx", "sx1a2bj", "xx1a2bj", "", "s", "ab", "ba"];
        for a in words {
            for b in words {
                assert_eq!(within_one_edit(a, b), strsim::osa_distance(a, b) <= 1, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn fast_jaro_winkler_agrees_with_strsim() {
        let long = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01";
        let words = [
            "martha",
            "marhta",
            "dixon",
            "dicksonx",
            "thomas",
            "tom",
            "",
            "a",
            "abdrahman",
            "abdrrahman",
            "jellyfish",
            "smellyfish",
            "aaaaab",
            "ababab",
            "baaaaa",
            "nguyen van an",
            "van an nguyen",
            long,
            &long[1..],
        ];
        for a in words {
            for b in words {
                let (fast, reference) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!((fast - reference).abs() < 1e-12, "{a} {b}: {fast} vs {reference}");
            }
        }
    }
}
