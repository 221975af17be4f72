//! End-to-end tests of the `palermo` binary: exit codes, crash safety of imports, and logs that
//! never carry a person's identifying data.

mod demo;
mod encoded;
mod import;
mod monitor;
mod review;

use std::path::Path;
use std::process::{Command, Output};

/// Runs `palermo` with arguments in `dir`, with extra environment variables.
pub fn palermo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_palermo"));
    command.current_dir(dir).args(args).env_remove("PALERMO_DIR").env_remove("PALERMO_DATABASE");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run palermo")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
