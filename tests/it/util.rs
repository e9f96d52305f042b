//! Helpers: run the real binary in temporary directories.

use std::collections::BTreeSet;
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

/// The personal values (of at least 4 characters) found in `text`, case-insensitively: one-word
/// values as whole tokens (letters and digits; anything else separates), others as substrings.
pub fn leaks(text: &str, values: &[String]) -> Vec<String> {
    let lower = text.to_lowercase();
    let tokens: BTreeSet<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    values
        .iter()
        .filter(|v| v.chars().count() >= 4)
        .filter(|v| {
            let v = v.to_lowercase();
            if v.chars().all(char::is_alphanumeric) { tokens.contains(v.as_str()) } else { lower.contains(&v) }
        })
        .cloned()
        .collect()
}
