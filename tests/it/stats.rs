//! `aggregate`: the statistics of generated data against the generator's ground truth, a
//! hand-written micro-scenario with figures computed by hand, and suppression at k = 3 and 5.
//! The statistics are read with arrow-rs (not polars), as any other engine would read them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, UInt32Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};

use crate::util::{confstats, leaks, personal_values, small_dataset, stderr};

type Row = BTreeMap<String, Value>;

/// Every row of one statistics table, with `date` taken from the partition path.
pub fn read_table(stats: &Path, table: &str) -> Vec<Row> {
    let mut files: Vec<PathBuf> = Vec::new();
    let dir = stats.join(table);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries {
            let p = e.unwrap().path().join("part-0.parquet");
            if p.exists() {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut rows = Vec::new();
    for file in files {
        let date = file.parent().unwrap().file_name().unwrap().to_str().unwrap().trim_start_matches("date=").to_owned();
        let builder = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap()).unwrap();
        let kv = builder.metadata().file_metadata().key_value_metadata().cloned().unwrap_or_default();
        let version = kv.iter().find(|kv| kv.key == "confstats.stats_schema_version").and_then(|kv| kv.value.clone());
        assert_eq!(version.as_deref(), Some("1"), "{} records its schema version", file.display());
        for batch in builder.build().unwrap() {
            let batch = batch.unwrap();
            let schema = batch.schema();
            for i in 0..batch.num_rows() {
                let mut row = Row::new();
                row.insert("date".into(), json!(date));
                for (field, col) in schema.fields().iter().zip(batch.columns()) {
                    let v = if col.is_null(i) {
                        Value::Null
                    } else {
                        match col.data_type() {
                            DataType::Utf8 => json!(col.as_string::<i32>().value(i)),
                            DataType::Utf8View => json!(col.as_string_view().value(i)),
                            DataType::LargeUtf8 => json!(col.as_string::<i64>().value(i)),
                            DataType::UInt32 => json!(col.as_primitive::<UInt32Type>().value(i)),
                            DataType::Float64 => json!(col.as_primitive::<Float64Type>().value(i)),
                            DataType::Boolean => json!(col.as_boolean().value(i)),
                            other => panic!("unexpected column type {other} of {}", field.name()),
                        }
                    };
                    row.insert(field.name().clone(), v);
                }
                rows.push(row);
            }
        }
    }
    rows
}

fn anonymize_and_aggregate(logs: &Path, data: &Path, k: u32) {
    let o = confstats(&[
        "anonymize",
        "-q",
        "--input",
        logs.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--time-zone",
        "Europe/Berlin",
    ]);
    assert!(o.status.success(), "anonymize failed: {}", stderr(&o));
    aggregate(data, k);
}

fn aggregate(data: &Path, k: u32) {
    let o = confstats(&["aggregate", "-q", "--data", data.to_str().unwrap(), "--k", &k.to_string()]);
    assert!(o.status.success(), "aggregate failed: {}", stderr(&o));
}

/// The figures of `daily_usage` that `ground-truth.json` also has.
const TRUTH_FIGURES: &[&str] = &[
    "conferences",
    "breakout_rooms",
    "rooms",
    "participants",
    "joins",
    "reconnects",
    "participant_minutes",
    "conference_minutes",
    "peak_concurrent",
    "audio_failures",
    "chat_messages",
    "polls",
    "webcam_starts",
    "screenshare_starts",
];

#[test]
fn daily_usage_agrees_with_ground_truth_and_suppresses_small_days() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    anonymize_and_aggregate(&small_dataset().join("logs"), data, 5);
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(small_dataset().join("ground-truth.json")).unwrap()).unwrap();
    let truth_days = truth["school_days"].as_array().unwrap();

    let check = |k: u64| {
        let rows = read_table(&data.join("stats"), "daily_usage");
        let by_key: BTreeMap<(String, String), &Row> = rows
            .iter()
            .map(|r| ((r["school"].as_str().unwrap().to_owned(), r["date"].as_str().unwrap().to_owned()), r))
            .collect();
        let mut released = 0;
        for day in truth_days {
            let key = (day["school"].as_str().unwrap().to_owned(), day["date"].as_str().unwrap().to_owned());
            let row = by_key.get(&key).unwrap_or_else(|| panic!("no daily_usage row for {key:?}"));
            let people = day["participants"].as_u64().unwrap();
            if row["suppressed"].is_null() {
                released += 1;
                for figure in TRUTH_FIGURES {
                    assert_eq!(
                        row[*figure].as_f64(),
                        day[*figure].as_f64(),
                        "{figure} of {key:?} (k = {k}) differs from the ground truth"
                    );
                }
            } else {
                assert!(people < k, "{key:?} with {people} participants suppressed at k = {k}");
                for figure in TRUTH_FIGURES {
                    assert!(row[*figure].is_null(), "suppressed {key:?} shows {figure}");
                }
            }
            if people >= k {
                assert!(row["suppressed"].is_null(), "{key:?} has {people} ≥ {k} participants");
            }
        }
        released as f64 / truth_days.len() as f64
    };
    let share_k5 = check(5);
    assert!(share_k5 >= 0.9, "only {:.0} % of school-days released at k = 5", share_k5 * 100.0);
    aggregate(data, 3);
    check(3);

    // No personal value of the generator anywhere in the statistics.
    let values = personal_values(small_dataset());
    let mut text = String::new();
    for table in ["daily_usage", "usage_by_hour", "usage_by_client", "media_use", "conference_buckets", "errors"] {
        for row in read_table(&data.join("stats"), table) {
            text.push_str(&serde_json::to_string(&row).unwrap());
        }
    }
    assert!(leaks(&text, &values).is_empty(), "a personal value in the statistics");
}

#[test]
fn errors_by_code_agree_with_ground_truth_where_released() {
    let dir = tempfile::tempdir().unwrap();
    anonymize_and_aggregate(&small_dataset().join("logs"), dir.path(), 3);
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(small_dataset().join("ground-truth.json")).unwrap()).unwrap();
    let rows = read_table(&dir.path().join("stats"), "errors");
    let mut by_code: BTreeMap<(String, String, String), (u64, bool)> = BTreeMap::new();
    for r in &rows {
        let key = (
            r["school"].as_str().unwrap().to_owned(),
            r["date"].as_str().unwrap().to_owned(),
            r["code"].as_str().unwrap().to_owned(),
        );
        let e = by_code.entry(key).or_default();
        e.0 += r["events"].as_u64().unwrap_or(0);
        e.1 |= !r["suppressed"].is_null();
    }
    let mut compared = 0;
    for day in truth["school_days"].as_array().unwrap() {
        for (code, n) in day["error_codes"].as_object().unwrap() {
            let key =
                (day["school"].as_str().unwrap().to_owned(), day["date"].as_str().unwrap().to_owned(), code.clone());
            let (events, partly_suppressed) =
                by_code.get(&key).copied().unwrap_or_else(|| panic!("no row for {key:?}"));
            if !partly_suppressed {
                assert_eq!(events, n.as_u64().unwrap(), "events of {key:?}");
                compared += 1;
            }
        }
    }
    assert!(compared > 0, "no error code released to compare");
}

/// One canonical event line (the `canonical` log format, written by hand).
fn event(kind: &str, time: &str, meeting: &str, user: &str, account: Option<&str>, extra: Value) -> String {
    let mut e = json!({
        "schema": "confstats.raw-event.v1",
        "kind": kind,
        "time": time,
        "server": "bbb1",
        "school": "iserv-micro",
        "meeting": meeting,
        "user": user,
        "person_name": "Erika Mustermann",
    });
    if let Some(a) = account {
        e["account"] = json!(a);
    }
    if meeting == MAIN {
        e["external_meeting"] = json!("iserv-micro/klasse-4b");
    } else {
        e["parent_meeting"] = json!(MAIN);
    }
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    e.to_string()
}

const MAIN: &str = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f-1795550400000";
const BREAKOUT: &str = "1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e-1795553100000";

#[test]
fn micro_scenario_figures_match_the_hand_computation() {
    // Tuesday 2026-11-24, Europe/Berlin (UTC+1): the conference starts at 22:00 local and ends at
    // 00:30 local on the 25th, so it crosses midnight; all of it belongs to the 24th.
    let none = json!({});
    let j = |t: &str, m: &str, u: &str, a: Option<&str>| {
        event("participant_joined", t, m, u, a, json!({"role": "viewer", "client_type": "html5"}))
    };
    let l = |t: &str, m: &str, u: &str, a: Option<&str>| event("participant_left", t, m, u, a, none.clone());
    let lines = [
        event("meeting_created", "2026-11-24T20:59:00Z", MAIN, "w_a1", None, none.clone()),
        // A: leaves 21:30:00, rejoins 21:30:59 (59 s: a reconnect), leaves 22:00:00 → one session of 3600 s.
        j("2026-11-24T21:00:00Z", MAIN, "w_a1", Some("a.muster")),
        event(
            "audio_joined",
            "2026-11-24T21:00:05Z",
            MAIN,
            "w_a1",
            Some("a.muster"),
            json!({"audio_mode": "microphone"}),
        ),
        l("2026-11-24T21:30:00Z", MAIN, "w_a1", Some("a.muster")),
        j("2026-11-24T21:30:59Z", MAIN, "w_a2", Some("a.muster")),
        l("2026-11-24T22:00:00Z", MAIN, "w_a2", Some("a.muster")),
        // B: leaves 21:20:00, rejoins 21:21:01 (61 s: a new session): 1200 s + 1139 s.
        j("2026-11-24T21:00:00Z", MAIN, "w_b1", Some("b.beispiel")),
        l("2026-11-24T21:20:00Z", MAIN, "w_b1", Some("b.beispiel")),
        j("2026-11-24T21:21:01Z", MAIN, "w_b2", Some("b.beispiel")),
        l("2026-11-24T21:40:00Z", MAIN, "w_b2", Some("b.beispiel")),
        // C, a guest (no account): 21:10:00 → 23:30:00 (00:30 local on the 25th), 8400 s; audio
        // fails once (1007), then listen-only.
        j("2026-11-24T21:10:00Z", MAIN, "w_c1", None),
        event(
            "audio_failed",
            "2026-11-24T21:10:05Z",
            MAIN,
            "w_c1",
            None,
            json!({"error_code": "1007", "log_code": "audio_failure"}),
        ),
        event("audio_joined", "2026-11-24T21:10:30Z", MAIN, "w_c1", None, json!({"audio_mode": "listen_only"})),
        l("2026-11-24T23:30:00Z", MAIN, "w_c1", None),
        // E joins in the second B leaves (21:40:00): no overlap. 1800 s.
        j("2026-11-24T21:40:00Z", MAIN, "w_e1", Some("e.test")),
        l("2026-11-24T22:10:00Z", MAIN, "w_e1", Some("e.test")),
        // A breakout room: A again, 21:45–21:55 (600 s); no meeting end, so it ends at 21:55.
        j("2026-11-24T21:45:00Z", BREAKOUT, "w_a3", Some("a.muster")),
        l("2026-11-24T21:55:00Z", BREAKOUT, "w_a3", Some("a.muster")),
        event("meeting_ended", "2026-11-24T23:30:00Z", MAIN, "w_a1", None, none.clone()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs/bbb1");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("events.jsonl"), lines.join("\n") + "\n").unwrap();
    let data = dir.path().join("data");
    anonymize_and_aggregate(&dir.path().join("logs"), &data, 3);
    let stats = data.join("stats");

    let daily = read_table(&stats, "daily_usage");
    assert_eq!(daily.len(), 1, "one school-day: {daily:?}");
    let d = &daily[0];
    let expect = json!({
        "date": "2026-11-24", "school": "iserv-micro",
        // The main room and the breakout room; the breakout room has no external id of its own.
        "conferences": 2, "breakout_rooms": 1, "rooms": 1,
        // A, B, C (by BBB user id: a guest), E.
        "participants": 4,
        // A 3 (two in the main room, one in the breakout), B 2, C 1, E 1.
        "joins": 7,
        // A's 59 s gap merges; B's 61 s gap does not: main A 1, B 2, C 1, E 1; breakout A 1.
        "sessions": 6, "reconnects": 1,
        // 3600 + (1200 + 1139) + 8400 + 1800 + 600 = 16739 s = 278.98 min.
        "participant_minutes": 279.0,
        // Main: 21:00:00 → meeting end 23:30:00 = 9000 s; breakout 600 s; 9600 s.
        "conference_minutes": 160.0,
        // 21:45–21:55: A (main), C, E and A (breakout). At 21:40:00 B leaves as E joins: 3, not 4.
        "peak_concurrent": 4,
        // (9000 + 600) / 2 s = 80 min; nearest-rank p90 of two durations is the longer one.
        "median_conference_minutes": 80.0, "p90_conference_minutes": 150.0,
        // A's microphone, C's listen-only, C's failure.
        "audio_joins": 3, "audio_failures": 1, "audio_failure_share": 1.0 / 3.0,
        "webcam_starts": 0, "webcam_failures": 0, "screenshare_starts": 0,
        "chat_messages": 0, "polls": 0, "notes_edits": 0,
        // 22:00 local and later: all of it outside school hours.
        "minutes_outside_school_hours": 279.0, "outside_school_hours_share": 1.0,
        "suppressed": null, "protects": null,
    });
    assert_eq!(Value::Object(d.clone().into_iter().collect()), expect);

    // Local hours of the 24th's conference: 22 (21–22 UTC), 23, and 0 (after midnight).
    let rows = read_table(&stats, "usage_by_hour");
    let hours: BTreeMap<u64, &Row> = rows.iter().map(|r| (r["hour"].as_u64().unwrap(), r)).collect();
    assert_eq!(hours.keys().copied().collect::<Vec<_>>(), vec![0, 22, 23]);
    let h22 = hours[&22];
    // A 3600 + B 2339 + C 3000 + E 1200 + A (breakout) 600 = 10739 s = 178.98 min; every join.
    assert_eq!(
        (
            h22["participants"].clone(),
            h22["participant_minutes"].clone(),
            h22["joins"].clone(),
            h22["conferences"].clone()
        ),
        (json!(4), json!(179.0), json!(7), json!(2))
    );
    assert_eq!(h22["weekday"], json!(2));
    assert_eq!(h22["outside_school_hours"], json!(true));
    // 23: C and E (2 < k = 3); 0: C alone. Both suppressed; together they hold 3 ≥ k people,
    // so no released cell needs to be suppressed to protect them.
    for h in [23, 0] {
        assert_eq!(hours[&h]["suppressed"], json!("primary"), "hour {h}");
        assert!(hours[&h]["participants"].is_null() && hours[&h]["participant_minutes"].is_null());
    }
    assert!(h22["suppressed"].is_null());
}

#[test]
fn reports_in_every_format_hold_no_personal_value_and_name_the_schools() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    anonymize_and_aggregate(&small_dataset().join("logs"), &data, 5);
    // A one-word value that is also a word of the reports' own text ("Lange" in "dauerte zu
    // lange") is not a leak (DESIGN.md, audit matching); every other value is.
    let vocabulary = confstats_report::vocabulary();
    let values: Vec<String> = personal_values(small_dataset())
        .into_iter()
        .filter(|v| !(v.chars().all(char::is_alphabetic) && vocabulary.contains(&v.to_lowercase())))
        .collect();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(small_dataset().join("ground-truth.json")).unwrap()).unwrap();
    let schools: std::collections::BTreeSet<&str> =
        truth["school_days"].as_array().unwrap().iter().map(|d| d["school"].as_str().unwrap()).collect();
    for (format, lang) in [("html", "de"), ("html", "en"), ("csv", "de"), ("json", "en"), ("md", "de")] {
        let out = dir.path().join(format!("reports-{format}-{lang}"));
        let o = confstats(&[
            "report",
            "--data",
            data.to_str().unwrap(),
            "--format",
            format,
            "--lang",
            lang,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "report --format {format} failed: {}", stderr(&o));
        let ext = if format == "md" { "md" } else { format };
        for school in &schools {
            let file = out.join(format!("{school}.{lang}.{ext}"));
            let text = std::fs::read_to_string(&file).unwrap_or_else(|_| panic!("no report {}", file.display()));
            assert!(text.contains(school), "the report of {school} names its school");
            assert!(leaks(&text, &values).is_empty(), "a personal value in {}", file.display());
        }
        let overview = std::fs::read_to_string(out.join(format!("overview.{lang}.{ext}"))).unwrap();
        assert!(leaks(&overview, &values).is_empty(), "a personal value in the overview");
    }

    // One school to stdout; an unknown school is the user's mistake (exit 2) and names none of the data.
    let one = *schools.iter().next().unwrap();
    let o = confstats(&["report", "--data", data.to_str().unwrap(), "--school", one, "--format", "md", "--out", "-"]);
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains(one), "{}", stderr(&o));
    let o = confstats(&["report", "--data", data.to_str().unwrap(), "--school", "iserv-nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("iserv-nope"));
}

#[test]
fn aggregate_without_a_store_and_with_k_below_3_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let o = confstats(&["aggregate", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("confstats anonymize"), "says what to do: {}", stderr(&o));
    let o = confstats(&["aggregate", "--data", dir.path().to_str().unwrap(), "--k", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = confstats(&["report", "--data", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("confstats aggregate"), "says what to do: {}", stderr(&o));
}
