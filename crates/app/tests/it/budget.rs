//! The privacy budget in the ledger, on SQLite and PostgreSQL: a differentially private release
//! that would overspend is refused with the budget named, and nothing is written (no file under
//! `out/<audience>/`, no row in the ledger); controlled rounding and DP releases of the demo.

use std::collections::BTreeMap;
use std::path::Path;

use app::publish::{Audience, Request};
use app::settings::PublishMethod;
use model::NoProgress;

use crate::postgres::PgDatabase;

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    entries
        .map(|e| {
            let path = e.expect("entry").path();
            (path.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(&path).expect("read"))
        })
        .collect()
}

fn dp(epsilon: f64) -> Request {
    Request { method: Some(PublishMethod::Dp), epsilon: Some(epsilon), base: None }
}

async fn the_budget_holds(dir: &Path, database: Option<&str>) {
    let config = app::sim::SimConfig { size: 800, seed: 5, ..Default::default() };
    app::pipeline::write_demo(dir, &config, None).expect("demo");
    let observatory = app::Observatory::open(dir, database).await.expect("open");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
    app::pipeline::import_sources(&observatory, today, &NoProgress).await.expect("import");
    let public = dir.join("out/public");

    // More than the whole budget (1.0 by default), first thing: refused, nothing written.
    let refused = app::publish::publish_with(&observatory, Audience::Public, "analyst", &dp(1.5)).await;
    let message = refused.expect_err("over the budget").to_string();
    assert!(message.contains("total is ε = 1") && message.contains("ε = 1.5"), "{message}");
    assert!(!public.exists(), "nothing under out/public");
    assert!(observatory.store.releases().await.expect("ledger").is_empty());

    // Half of it: published, and the ledger says what is left.
    let first = app::publish::publish_with(&observatory, Audience::Public, "analyst", &dp(0.5)).await.expect("dp");
    assert!((first.epsilon_spent - 0.5).abs() < 1e-9);
    assert!((first.budget.spent - 0.5).abs() < 1e-9 && (first.budget.left - 0.5).abs() < 1e-9, "{:?}", first.budget);
    assert_eq!(first.method, "dp_discrete_laplace");
    assert!(first.omitted.contains(&"justice_chain"), "{:?}", first.omitted);
    let before = snapshot(&public);
    assert!(before.contains_key("flows.csv") && !before.contains_key("justice_chain.csv"));
    let sidecar: serde_json::Value = serde_json::from_slice(&before["flows.json"]).expect("sidecar");
    assert_eq!(sidecar["reproducible"], false);
    assert_eq!(sidecar["parameters"]["reproducible"], false);

    // 0.6 more would overspend: refused with the budget named; the files and the ledger are as
    // they were.
    let refused = app::publish::publish_with(&observatory, Audience::Public, "analyst", &dp(0.6)).await;
    let message = refused.expect_err("over the budget").to_string();
    for part in ["`victims`", "total is ε = 1", "0.5 is already spent", "ε = 0.6"] {
        assert!(message.contains(part), "`{part}` in: {message}");
    }
    assert_eq!(snapshot(&public), before, "out/public unchanged");
    assert!(!dir.join("out/.public.partial").exists());
    let ledger = observatory.store.releases().await.expect("ledger");
    assert_eq!(ledger.len(), 1);
    assert!((ledger[0].epsilon - 0.5).abs() < 1e-9 && ledger[0].dataset == "victims");

    // The rest of it exactly: allowed. Then nothing is left, whatever palermo.toml says later
    // (the ledger pinned the budget).
    app::publish::publish_with(&observatory, Audience::Partners, "analyst", &dp(0.5)).await.expect("the rest");
    let budget = observatory.store.privacy_budget("victims").await.expect("budget");
    assert_eq!(budget.total, Some(1.0));
    assert!((budget.spent - 1.0).abs() < 1e-9);
    let spend = store::Spend { dataset: "victims".into(), epsilon: 0.1, budget: 10.0 };
    let release = store::NewRelease {
        released_by: "analyst".into(),
        audience: "public".into(),
        method: "dp_discrete_laplace".into(),
        parameters: "{}".into(),
        outputs: String::new(),
        cells_suppressed: 0,
    };
    let refused = observatory.store.record_private_release(&release, &spend).await;
    assert!(matches!(refused, Err(store::Error::BudgetExceeded { total, .. }) if total == 1.0), "{refused:?}");

    // Releases without differential privacy spend nothing and are not limited by the budget.
    let rounded = app::publish::publish_with(
        &observatory,
        Audience::Internal,
        "analyst",
        &Request { method: Some(PublishMethod::Rounding), epsilon: None, base: Some(5) },
    )
    .await
    .expect("rounding");
    assert_eq!(rounded.epsilon_spent, 0.0);
    assert_eq!(rounded.method, "controlled_rounding");
    assert!(rounded.utility.mean_abs_error > 0.0 && rounded.utility.max_abs_error < 5, "{:?}", rounded.utility);
    assert_eq!(observatory.store.releases().await.expect("ledger").len(), 3);
    observatory.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_holds_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    the_budget_holds(&dir.path().join("obs"), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_holds_on_postgres() {
    let Some(pg) = PgDatabase::create("budget").await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    the_budget_holds(&dir.path().join("obs"), Some(&pg.url)).await;
    pg.drop_database().await;
}
