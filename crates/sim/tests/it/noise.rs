//! The agencies' slips are there, but not so many that linkage is hopeless: compare the names and
//! birth dates two agencies wrote for the same true persons.

use std::collections::BTreeMap;

use crate::{default_demo, read_agency};

/// Per true person: (family, given, date of birth) as the first valid record of `source` has them.
fn identities(demo: &sim::Demo, source: &str, columns: [&str; 3]) -> BTreeMap<String, [String; 3]> {
    let t = &demo.truth.agencies[source];
    let (header, rows) = read_agency(demo, &t.file);
    let col = |name: &str| header.iter().position(|h| h == name).expect("a column");
    let cols = columns.map(col);
    let mut out = BTreeMap::new();
    for record in demo.truth.records.iter().filter(|r| r.source == source && r.malformed.is_none()) {
        let row = &rows[record.row - 1];
        out.entry(record.person_id.clone()).or_insert_with(|| cols.map(|c| row[c].to_lowercase()));
    }
    out
}

#[test]
fn the_same_person_is_written_alike_mostly_but_not_always() {
    let demo = default_demo();
    let police = identities(demo, "police", ["Surname", "First name", "DOB"]);
    let shelter = identities(demo, "shelter", ["LastName", "FirstName", "BirthDate"]);
    let common: Vec<_> = police.keys().filter(|p| shelter.contains_key(*p)).collect();
    assert!(common.len() > 50, "police and shelter share only {} persons", common.len());
    let same_names =
        common.iter().filter(|p| police[**p][..2] == shelter[**p][..2]).count() as f64 / common.len() as f64;
    assert!((0.4..0.95).contains(&same_names), "identical names for {same_names:.2} of shared persons");
    // The two write birth dates in different formats (dd/mm/yyyy vs mm-dd-yyyy): compare fields.
    let day_month_year = |s: &str, order: [usize; 3]| -> Option<[String; 3]> {
        let parts: Vec<&str> = s.split(['/', '-']).collect();
        (parts.len() == 3).then(|| order.map(|i| parts[i].to_owned()))
    };
    let both_known: Vec<_> = common
        .iter()
        .filter_map(|p| Some((day_month_year(&police[*p][2], [0, 1, 2])?, day_month_year(&shelter[*p][2], [1, 0, 2])?)))
        .collect();
    assert!(both_known.len() > 30);
    let same_dob = both_known.iter().filter(|(a, b)| a == b).count() as f64 / both_known.len() as f64;
    assert!((0.75..0.99).contains(&same_dob), "identical birth dates for {same_dob:.2}");
}
