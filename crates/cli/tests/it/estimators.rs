//! `palermo estimate --counts FILE.csv --method rcapture|dga|lcmcr`: the other estimators reach
//! the command line (their agreement with the R packages is tested in the `mse` crate; on the
//! observatory, every configured method is checked in `demo.rs`).

use crate::{palermo, text};

const COUNTS: &str = "A,B,C,count\n1,0,0,40\n0,1,0,30\n0,0,1,20\n1,1,0,6\n1,0,1,5\n0,1,1,4\n1,1,1,2\n";

#[test]
fn other_estimators_run_on_a_counts_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("counts.csv"), COUNTS).expect("write");
    let run = |method: &str| {
        let out =
            palermo(dir.path(), &["--format", "json", "estimate", "--counts", "counts.csv", "--method", method], &[]);
        assert!(out.status.success(), "{method}: {}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")
    };
    let rcapture = run("rcapture");
    let fits = rcapture["fits"].as_array().expect("fits");
    assert_eq!(fits.len(), 10, "ten of closedp.t's models");
    assert!(fits.iter().all(|f| f["abundance"].as_f64().is_some_and(|a| a >= 107.0)));
    let dga = run("dga");
    assert_eq!(dga["models"].as_u64(), Some(8), "the 8 decomposable graphs on 3 lists");
    let median = dga["median"].as_f64().expect("median");
    assert!(median > 107.0 && median < 2141.0, "{median}");
}

/// Two lists that share two persons (issue 15.11): the BCa interval has no upper limit, and the
/// command says so in words rather than printing an enormous number beside checks that say "ok".
#[test]
fn two_lists_that_barely_overlap_have_no_upper_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("two.csv"), "A,B,count\n1,0,60\n0,1,40\n1,1,2\n").expect("write");
    let out = palermo(dir.path(), &["estimate", "--counts", "two.csv"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let bca = printed.lines().find(|l| l.contains("BCa bootstrap")).expect("BCa row");
    assert!(bca.trim_end().ends_with("unbounded"), "{printed}");
    assert!(printed.contains("not identifiable") && !printed.contains("e+"), "{printed}");
    let out = palermo(dir.path(), &["--format", "json", "estimate", "--counts", "two.csv"], &[]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(json["ci_bca"][0].as_f64().is_some_and(|lo| lo > 102.0) && json["ci_bca"][1].is_null(), "{json}");
    assert!(json["upper_limit_note"].as_str().is_some_and(|n| n.starts_with("not identifiable")), "{json}");
}
