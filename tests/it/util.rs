//! Helpers: run the real binary in temporary directories.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Runs `confstats` with the arguments and returns its output.
pub fn confstats(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_confstats"))
        .args(args)
        .env_remove("CONFSTATS_CONFIG")
        .output()
        .expect("the confstats binary runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small generated data set shared by the tests of this binary (2 schools, 2 days, fixed
/// start), generated once per test run into a temporary directory.
pub fn small_dataset() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().to_str().expect("utf-8 temp path");
        let o = confstats(&["generate", "--out", out, "--schools", "3", "--days", "2", "--start", "2026-11-23", "-q"]);
        assert!(o.status.success(), "generate failed: {}", stderr(&o));
        dir
    })
    .path()
}

/// Every line of `personal-values.txt` of a generated data set.
pub fn personal_values(dataset: &Path) -> Vec<String> {
    std::fs::read_to_string(dataset.join("personal-values.txt"))
        .expect("personal-values.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}
