//! Bad capture tables give errors that name the row.

use mse::{CaptureTable, Error};

/// Whether an error is the one a case expects.
type IsExpected = fn(&Error) -> bool;

fn parse_err(text: &str) -> Error {
    match CaptureTable::parse_csv(text) {
        Ok(t) => panic!("parsed a bad table: {t:?}"),
        Err(e) => e,
    }
}

#[test]
fn good_table_parses_with_rows_in_order() {
    let t = CaptureTable::parse_csv("A,B,count\n1,0,5\n0,1,3\n1,1,2\n").expect("valid table");
    assert_eq!(t.lists(), ["A", "B"]);
    assert_eq!(t.n_observed(), 10);
    assert_eq!(t.rows()[1].history, 0b10);
    let y = t.history_counts();
    assert_eq!(y, vec![0.0, 5.0, 3.0, 2.0]);
}

#[test]
fn each_kind_of_bad_input_names_its_row() {
    let cases: [(&str, IsExpected); 8] = [
        ("A,B,count\n1,0,5\n0,2,3\n", |e| matches!(e, Error::NotBinary { row: 2, list, .. } if list == "B")),
        ("A,B,count\n1,0,5\n0,1,-3\n", |e| matches!(e, Error::BadCount { row: 2, .. })),
        ("A,B,count\n1,0,2.5\n", |e| matches!(e, Error::BadCount { row: 1, .. })),
        ("A,B,count\n1,0,5\n0,0,3\n", |e| matches!(e, Error::AllZeroHistory { row: 2 })),
        ("A,count\n1,5\n", |e| matches!(e, Error::TooFewLists { lists: 1 })),
        ("A,B,count\n1,0,5\n0,1,1\n1,0,2\n", |e| matches!(e, Error::DuplicateHistory { row: 3, first_row: 1 })),
        ("A,B,count\n1,0,5\n0,1\n", |e| matches!(e, Error::RaggedRow { row: 2, found: 2, expected: 3 })),
        ("A,B,n\n1,0,5\n", |e| matches!(e, Error::MissingCountColumn { .. })),
    ];
    for (text, is_expected) in cases {
        let e = parse_err(text);
        assert!(is_expected(&e), "{text:?} gave {e:?}");
        let message = e.to_string();
        assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
    }
    assert!(parse_err("A,B,count\n1,0,0\n").to_string().contains("no case"));
    assert!(parse_err("A,B,count\n1,0,5\n0,1,x\n").to_string().contains("row 2"));
}
