//! `palermo user`: the first administrator is made from the command line with a password read
//! from standard input (never from argv), accounts are listed without secrets, a token's secret
//! is printed once and works until revoked, and every change is in the audit log.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{palermo, text};

/// Runs `palermo --dir obs ARGS` with `stdin` as standard input.
fn with_stdin(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palermo"))
        .current_dir(dir)
        .args(["--dir", "obs"])
        .args(args)
        .env_remove("PALERMO_DIR")
        .env_remove("PALERMO_DATABASE")
        .env("USER", "operator")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write");
    child.wait_with_output().expect("wait")
}

#[test]
fn the_first_administrator_and_a_token_are_made_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = palermo(dir.path(), &["demo", "obs", "--size", "200"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // No password on the command line: there is no option for it.
    let out = with_stdin(dir.path(), &["user", "add", "chief", "--role", "administrator", "--password", "x"], "");
    assert_eq!(out.status.code(), Some(2));
    // A short password is refused, and nothing is made.
    let out = with_stdin(dir.path(), &["user", "add", "chief", "--role", "administrator"], "short\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("12 characters"), "{}", text(&out.stderr));
    let password = "a passphrase of some length";
    let out = with_stdin(dir.path(), &["user", "add", "chief", "--role", "administrator"], &format!("{password}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = with_stdin(
        dir.path(),
        &["user", "add", "pol", "--role", "submitter", "--source", "police"],
        &format!("{password}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A submitter is bound to a source of palermo.toml.
    let out = with_stdin(
        dir.path(),
        &["user", "add", "x", "--role", "submitter", "--source", "nope"],
        &format!("{password}\n"),
    );
    assert_eq!(out.status.code(), Some(2));

    let out = palermo(dir.path(), &["--dir", "obs", "--format", "json", "user", "list"], &[]);
    let users: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(users.len(), 2);
    assert_eq!(
        (users[1]["name"].as_str(), users[1]["role"].as_str(), users[1]["source"].as_str()),
        (Some("pol"), Some("submitter"), Some("police"))
    );
    assert!(!text(&out.stdout).contains("argon2"), "no hash is listed");

    let out = palermo(
        dir.path(),
        &["--dir", "obs", "user", "token", "add", "pol", "--label", "police system"],
        &[("USER", "operator")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let secret = text(&out.stdout).lines().find(|l| l.starts_with("plm_")).expect("the secret, once").to_owned();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let obs = dir.path().join("obs");
    let account = |secret: String| {
        let obs = obs.clone();
        runtime.block_on(async move {
            let observatory = app::Observatory::open(&obs, None).await.expect("open");
            let account = app::accounts::token_account(&observatory.store, &secret).await.expect("token");
            observatory.store.close().await;
            account
        })
    };
    assert_eq!(account(secret.clone()).map(|a| a.name), Some("pol".to_owned()));
    let listed = palermo(dir.path(), &["--dir", "obs", "user", "token", "list"], &[]);
    assert!(!text(&listed.stdout).contains(&secret), "a listing never shows the secret");
    let out = palermo(dir.path(), &["--dir", "obs", "user", "token", "revoke", "1"], &[("USER", "operator")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(account(secret), None);

    let log = runtime.block_on(async {
        let observatory = app::Observatory::open(&dir.path().join("obs"), None).await.expect("open");
        let log = app::accounts::audit_log(&observatory.store, Some("cli:operator"), None, 100).await.expect("log");
        observatory.store.close().await;
        log
    });
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["user.add", "user.add", "token.create", "token.revoke"]);
    assert!(log.iter().all(|e| !e.detail.contains(password)));
}
