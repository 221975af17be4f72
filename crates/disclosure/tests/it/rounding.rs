//! Controlled rounding: every published count a multiple of the base, less than a base away from
//! the truth, and every total still the sum of its parts.

use disclosure::{Release, Sense};

fn check(release: &Release, base: u64) -> usize {
    let rounded = release.round(base).expect("controlled rounding");
    for id in release.cells() {
        if !release.is_published(id) {
            assert!(rounded.value(id).is_none());
            continue;
        }
        let (r, v) = (rounded.value(id).expect("rounded"), release.value(id));
        assert!(r.is_multiple_of(base), "{} = {r} is not a multiple of {base}", release.key(id));
        assert!(r.abs_diff(v) < base, "{}: {v} rounded to {r}", release.key(id));
        if v.is_multiple_of(base) {
            assert_eq!(r, v, "a multiple stays");
        }
    }
    let mut checked = 0;
    for relation in release.relations() {
        if relation.sense != Sense::Eq || !relation.terms.iter().all(|(id, _)| release.is_published(*id)) {
            continue;
        }
        let lhs: i64 = relation.terms.iter().map(|(id, c)| c * rounded.value(*id).expect("rounded") as i64).sum();
        assert_eq!(lhs, 0, "{:?}", relation.terms.iter().map(|(id, c)| (release.key(*id), c)).collect::<Vec<_>>());
        checked += 1;
    }
    assert_eq!(
        rounded.changed,
        release.cells().filter(|&id| release.is_published(id) && !release.value(id).is_multiple_of(base)).count()
    );
    checked
}

#[test]
fn a_table_with_its_margins_rounds_additively() {
    // 3 × 3 with row, column and grand totals.
    let values = [[1u64, 7, 12], [4, 4, 2], [13, 0, 8]];
    let mut release = Release::new();
    let cells: Vec<Vec<_>> = (0..3)
        .map(|r| (0..3).map(|c| release.published(&format!("c|{r}|{c}"), values[r][c]).expect("cell")).collect())
        .collect();
    let rows: Vec<_> =
        (0..3).map(|r| release.published(&format!("r|{r}"), values[r].iter().sum()).expect("row")).collect();
    let cols: Vec<_> = (0..3)
        .map(|c| release.published(&format!("k|{c}"), (0..3).map(|r| values[r][c]).sum()).expect("col"))
        .collect();
    let total = release.published("total", values.iter().flatten().sum()).expect("total");
    for r in 0..3 {
        release.sum(rows[r], &cells[r]).expect("row sum");
    }
    for c in 0..3 {
        let column: Vec<_> = (0..3).map(|r| cells[r][c]).collect();
        release.sum(cols[c], &column).expect("column sum");
    }
    release.sum(total, &rows).expect("total");
    release.sum(total, &cols).expect("total");
    for base in [3, 5] {
        assert_eq!(check(&release, base), 8);
    }
    assert!(release.round(4).is_err(), "only bases 3 and 5");
}

#[test]
fn the_demo_release_rounds_additively_in_base_3_and_5() {
    let release = Release::from_text(include_str!("fixtures/demo_release.txt")).expect("fixture");
    for base in [3, 5] {
        let checked = check(&release, base);
        assert!(checked > 50, "{checked} relations checked");
    }
}
