//! The command line itself: help, usage errors, exit codes.

use crate::util::{confstats, stderr, stdout};

#[test]
fn help_teaches_commands_and_exit_codes() {
    let o = confstats(&["--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!("help", stdout(&o));
}

#[test]
fn ingest_help_documents_every_flag() {
    let o = confstats(&["ingest", "--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!("ingest_help", stdout(&o));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let o = confstats(&["ingest", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn ingest_without_input_is_a_usage_error() {
    let o = confstats(&["ingest"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no input"), "{}", stderr(&o));
}

#[test]
fn missing_input_exits_3_and_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let o = confstats(&["ingest", "--input", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
}

#[test]
fn bad_config_key_and_bad_time_zone_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "inptu = ['x']\n").unwrap();
    let o = confstats(&["--config", cfg.to_str().unwrap(), "ingest"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 1"), "{}", stderr(&o));
    std::fs::write(&cfg, format!("input = ['{}']\ntime_zone = 'Mars/Olympus'\n", dir.path().display())).unwrap();
    let o = confstats(&["--config", cfg.to_str().unwrap(), "ingest"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("time_zone"), "{}", stderr(&o));
}

#[test]
fn example_config_is_valid() {
    // Every documented key of the example parses, and the inputs it names are the only problem.
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/confstats.toml");
    let o = confstats(&["--config", example.to_str().unwrap(), "ingest"]);
    let err = stderr(&o);
    assert!(err.contains("opt-out file") || err.contains("does not exist"), "{err}");
    assert!(!err.contains("invalid config file"), "{err}");
}

#[test]
fn generate_rejects_invalid_shape() {
    let dir = tempfile::tempdir().unwrap();
    let o = confstats(&["generate", "--out", dir.path().to_str().unwrap(), "--scale", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("scale"), "{}", stderr(&o));
}
