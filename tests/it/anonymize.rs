//! `anonymize` end to end: the store of generated data against the generator's ground truth and
//! its list of personal values, re-runs, keys.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, TimestampMicrosecondType, UInt32Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::util::{confstats, leaks, personal_values, small_dataset, stderr, stdout};

/// Every row of every store file as column name → text (timestamps and numbers as text).
fn read_store(store: &Path) -> Vec<BTreeMap<String, Option<String>>> {
    let mut rows = Vec::new();
    for file in parquet_files(store) {
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap()).unwrap().build().unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let schema = batch.schema();
            for i in 0..batch.num_rows() {
                let mut row = BTreeMap::new();
                for (field, col) in schema.fields().iter().zip(batch.columns()) {
                    let v = if col.is_null(i) {
                        None
                    } else {
                        Some(match col.data_type() {
                            DataType::Utf8 => col.as_string::<i32>().value(i).to_owned(),
                            DataType::UInt32 => col.as_primitive::<UInt32Type>().value(i).to_string(),
                            DataType::Timestamp(_, _) => {
                                col.as_primitive::<TimestampMicrosecondType>().value(i).to_string()
                            }
                            other => panic!("unexpected column type {other}"),
                        })
                    };
                    row.insert(field.name().clone(), v);
                }
                let date = file
                    .parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .trim_start_matches("date=")
                    .to_owned();
                row.insert("date".into(), Some(date));
                rows.push(row);
            }
        }
    }
    rows
}

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn anonymize(data: &Path) -> serde_json::Value {
    let logs = small_dataset().join("logs");
    let o = confstats(&["anonymize", "--json", "--input", logs.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert!(o.status.success(), "anonymize failed: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

fn get<'a>(row: &'a BTreeMap<String, Option<String>>, col: &str) -> Option<&'a str> {
    row.get(col).and_then(|v| v.as_deref())
}

#[test]
fn store_agrees_with_ground_truth_and_holds_no_personal_value() {
    let dir = tempfile::tempdir().unwrap();
    let summary = anonymize(dir.path());
    assert_eq!(summary["ingest"]["quarantined"], 0);
    let rows = read_store(&dir.path().join("store"));
    assert_eq!(rows.len() as u64, summary["records"].as_u64().unwrap());

    // No personal value of the generator in any decoded string column.
    let values = personal_values(small_dataset());
    let mut text = String::new();
    for row in &rows {
        for v in row.values().flatten() {
            text.push_str(v);
            text.push('\n');
        }
    }
    let found = leaks(&text, &values);
    assert!(
        found.is_empty(),
        "{} personal values in the store, e.g. a value of {} chars",
        found.len(),
        found[0].chars().count()
    );

    // Joins, conferences and participants per school and day, as the generator's model says.
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(small_dataset().join("ground-truth.json")).unwrap()).unwrap();
    let mut joins: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut meetings: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut people: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut audio_failures: BTreeMap<(String, String), u64> = BTreeMap::new();
    for row in &rows {
        let key = (get(row, "school").unwrap().to_owned(), get(row, "date").unwrap().to_owned());
        match get(row, "kind").unwrap() {
            "participant_joined" => {
                *joins.entry(key.clone()).or_default() += 1;
                meetings.entry(key.clone()).or_default().insert(get(row, "meeting").unwrap().to_owned());
                people.entry(key).or_default().insert(get(row, "participant").unwrap().to_owned());
            }
            "audio_failed" => *audio_failures.entry(key).or_default() += 1,
            _ => {}
        }
    }
    let days = truth["school_days"].as_array().unwrap();
    assert!(!days.is_empty());
    for day in days {
        let key = (day["school"].as_str().unwrap().to_owned(), day["date"].as_str().unwrap().to_owned());
        assert_eq!(joins.get(&key).copied().unwrap_or(0), day["joins"].as_u64().unwrap(), "joins of {key:?}");
        assert_eq!(
            meetings.get(&key).map_or(0, BTreeSet::len) as u64,
            day["conferences"].as_u64().unwrap(),
            "conferences of {key:?}"
        );
        assert_eq!(
            people.get(&key).map_or(0, BTreeSet::len) as u64,
            day["participants"].as_u64().unwrap(),
            "participants of {key:?}"
        );
        assert_eq!(
            audio_failures.get(&key).copied().unwrap_or(0),
            day["audio_failures"].as_u64().unwrap(),
            "audio failures of {key:?}"
        );
    }
    assert_eq!(joins.len(), days.len(), "no school-day without ground truth");

    // Pseudonyms carry their prefixes; generalised fields only.
    for row in &rows {
        for (col, prefix) in
            [("participant", "p_"), ("session", "s_"), ("meeting", "m_"), ("room", "r_"), ("network", "n_")]
        {
            if let Some(v) = get(row, col) {
                assert!(v.starts_with(prefix) && v.len() == 34, "{col} is not a pseudonym");
            }
        }
    }
}

#[test]
fn rerun_replaces_and_a_purged_key_unlinks() {
    let dir = tempfile::tempdir().unwrap();
    let first = anonymize(dir.path());
    let rows1 = read_store(&dir.path().join("store"));
    let second = anonymize(dir.path());
    let rows2 = read_store(&dir.path().join("store"));
    assert_eq!(first["records"], second["records"]);
    assert_eq!(rows1.len(), rows2.len(), "a re-run replaces, never duplicates");
    let participants = |rows: &[BTreeMap<String, Option<String>>]| -> BTreeSet<String> {
        rows.iter().filter_map(|r| get(r, "participant").map(str::to_owned)).collect()
    };
    assert_eq!(participants(&rows1), participants(&rows2), "same key, same pseudonyms");

    // Keys: one 0600 file per day, listed without content; purging them unlinks.
    let keys = dir.path().join("keys");
    let o = confstats(&["keys", "list", "--data", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("epoch 2026-11-23") && stdout(&o).contains("epoch 2026-11-24"), "{}", stdout(&o));
    #[cfg(unix)]
    for e in std::fs::read_dir(&keys).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let mode = e.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let o = confstats(&["keys", "purge", "--all", "--data", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    anonymize(dir.path());
    let rows3 = read_store(&dir.path().join("store"));
    assert!(participants(&rows1).is_disjoint(&participants(&rows3)), "new keys, unlinkable pseudonyms");
}

#[test]
fn quarantine_names_file_line_and_reason_only() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs/bbb1");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("bbb-web.log"),
        "2026-11-24T08:00:03.112+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={\"logCode\":\"user_joined_message\",\"username\":\"Jörg Weiß\",\"meetingId\":\"m-1\"\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let o = confstats(&["anonymize", "--input", logs.to_str().unwrap(), "--data", data.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let q = parquet_files(&data.join("quarantine"));
    assert!(q.is_empty());
    let mut found = Vec::new();
    for e in std::fs::read_dir(data.join("quarantine")).unwrap() {
        for f in std::fs::read_dir(e.unwrap().path()).unwrap() {
            found.push(std::fs::read_to_string(f.unwrap().path()).unwrap());
        }
    }
    assert_eq!(found.len(), 1);
    let entry: serde_json::Value = serde_json::from_str(found[0].lines().next().unwrap()).unwrap();
    assert_eq!(entry["line"], 1);
    assert_eq!(entry["reason"], "truncated_json");
    assert!(!found[0].contains("Jörg") && !found[0].contains("m-1"));
}

#[test]
fn keys_inside_a_published_output_and_readable_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let logs = small_dataset().join("logs/bbb1");
    let data = dir.path().join("data");
    let inside = data.join("store/keys");
    let o = confstats(&[
        "anonymize",
        "--input",
        logs.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--keys",
        inside.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("published output"), "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let keys = dir.path().join("keys");
        let args = [
            "anonymize",
            "--input",
            logs.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ];
        assert!(confstats(&args).status.success());
        for e in std::fs::read_dir(&keys).unwrap() {
            std::fs::set_permissions(e.unwrap().path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let o = confstats(&args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    }
}
