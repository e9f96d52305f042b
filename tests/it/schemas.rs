//! The contracts in `schemas/` agree with the code.

use confstats_ingest::{CANONICAL_SCHEMA, EventKind};

use crate::util::{confstats, stderr};

fn raw_event_schema() -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/raw-event.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid JSON")
}

#[test]
fn raw_event_schema_lists_exactly_the_event_kinds() {
    let schema = raw_event_schema();
    let kinds: Vec<&str> =
        schema["properties"]["kind"]["enum"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    let code: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(kinds, code);
    assert_eq!(schema["$id"], CANONICAL_SCHEMA);
    assert_eq!(schema["properties"]["schema"]["const"], CANONICAL_SCHEMA);
}

#[test]
fn raw_event_schema_example_is_read_as_a_canonical_event() {
    let schema = raw_event_schema();
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("bbb3");
    std::fs::create_dir(&server).unwrap();
    let lines: Vec<String> = schema["examples"].as_array().unwrap().iter().map(|e| e.to_string()).collect();
    std::fs::write(server.join("events.jsonl"), lines.join("\n") + "\n").unwrap();
    let o = confstats(&["ingest", "--json", "--input", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["by_format"]["canonical"], lines.len());
    assert_eq!(s["quarantined"], 0);
    assert_eq!(s["by_kind"]["audio_failed"], 1);
}

#[test]
fn store_schema_file_matches_the_arrow_schema() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/store.schema.json");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let schema = confstats_anonymize::store_schema();
    let documented: Vec<(String, String, bool)> = doc["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["type"].as_str().unwrap().to_owned(),
                f["nullable"].as_bool().unwrap(),
            )
        })
        .collect();
    let code: Vec<(String, String, bool)> = schema
        .fields()
        .iter()
        .map(|f| {
            let ty = match f.data_type() {
                arrow::datatypes::DataType::Utf8 => "utf8".to_owned(),
                arrow::datatypes::DataType::UInt32 => "uint32".to_owned(),
                arrow::datatypes::DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, Some(tz)) => {
                    format!("timestamp[us, {tz}]")
                }
                other => format!("{other:?}"),
            };
            (f.name().clone(), ty, f.is_nullable())
        })
        .collect();
    assert_eq!(documented, code);
    assert_eq!(doc["schema_version"], confstats_anonymize::STORE_SCHEMA_VERSION);
}

#[test]
fn stats_data_dictionary_matches_the_tables_of_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/stats.schema.json");
    let dict: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(dict["schema_version"], confstats_report::STATS_SCHEMA_VERSION);
    let tables = dict["tables"].as_array().unwrap();
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()).collect()
    };
    let strs = |v: &[&str]| -> Vec<String> { v.iter().map(|s| (*s).to_owned()).collect() };
    assert_eq!(tables.len(), confstats_report::ALL_TABLES.len());
    for (t, spec) in tables.iter().zip(confstats_report::ALL_TABLES) {
        assert_eq!(t["name"], spec.name);
        assert_eq!(names(&t["keys"]), strs(spec.keys), "keys of {}", spec.name);
        assert_eq!(names(&t["group"]), strs(spec.group), "group of {}", spec.name);
        assert_eq!(t["people"], spec.people, "people of {}", spec.name);
        assert_eq!(names(&t["people_counts"]), strs(spec.people_counts), "people counts of {}", spec.name);
        let columns: Vec<(String, String)> = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert!(!c["description"].as_str().unwrap().is_empty(), "{} is described", c["name"]);
                (c["name"].as_str().unwrap().to_owned(), c["type"].as_str().unwrap().to_owned())
            })
            .collect();
        let code: Vec<(String, String)> =
            spec.columns().into_iter().map(|c| (c.to_owned(), confstats_report::column_type(c).to_owned())).collect();
        assert_eq!(columns, code, "columns of {}", spec.name);
    }
}
