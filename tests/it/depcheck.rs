//! Dependency edges point one way (STYLE.md): `anonymize → ingest`, `report → anonymize`.

fn manifest(krate: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(krate).join("Cargo.toml");
    std::fs::read_to_string(path).expect("crate manifest")
}

fn dependency_names(manifest: &str) -> Vec<String> {
    let table: toml::Table = toml::from_str(manifest).expect("valid manifest");
    table.get("dependencies").and_then(toml::Value::as_table).map(|t| t.keys().cloned().collect()).unwrap_or_default()
}

#[test]
fn report_does_not_depend_on_ingest() {
    let deps = dependency_names(&manifest("report"));
    assert!(!deps.iter().any(|d| d == "confstats-ingest"), "report must never see raw events: {deps:?}");
}

#[test]
fn ingest_depends_on_no_other_confstats_crate() {
    let deps = dependency_names(&manifest("ingest"));
    assert!(!deps.iter().any(|d| d.starts_with("confstats")), "ingest is the bottom of the graph: {deps:?}");
}

#[test]
fn only_the_cli_depends_on_clap_anyhow_indicatif() {
    for krate in ["ingest", "anonymize", "report", "generate"] {
        let deps = dependency_names(&manifest(krate));
        for banned in ["clap", "anyhow", "indicatif"] {
            assert!(!deps.iter().any(|d| d == banned), "{krate} depends on {banned}");
        }
    }
}

#[test]
fn anonymize_does_not_reexport_ingest_types() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("anonymize/src");
    for entry in std::fs::read_dir(src).expect("anonymize/src") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(!text.contains("pub use confstats_ingest"), "{} re-exports an ingest type", path.display());
    }
}
