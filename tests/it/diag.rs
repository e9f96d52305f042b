//! The diagnostics — `query`, `trace`, `lookup`, `subject export|erase` — on a generated data set
//! published by `run`. Counts are checked against an independent reading of the store's Parquet
//! files with arrow-rs (not polars); every output is checked for the generator's personal values
//! with the leak audit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::TimestampMicrosecondType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use crate::util::{confstats, leaks, personal_values, small_dataset, stderr, stdout};

/// The morning after the small data set's two days (2026-11-23 and 24), Berlin time.
const NOW: &str = "2026-11-25T07:00:00+01:00";

/// Runs `confstats` with `args` and the data directory, without a config from the environment.
fn cs(data: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confstats"));
    cmd.args(args).arg("--data").arg(data).env_remove("CONFSTATS_CONFIG").env("USER", "support-test");
    cmd.output().unwrap()
}

/// A fresh data directory with the small data set published by the nightly run.
fn published_data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let logs = small_dataset().join("logs");
    let o = confstats(&[
        "run",
        "--input",
        logs.to_str().unwrap(),
        "--data",
        dir.path().join("data").to_str().unwrap(),
        "--now",
        NOW,
        "-q",
    ]);
    assert!(o.status.success(), "run: {}", stderr(&o));
    dir
}

/// One published data directory shared by the tests that only read.
fn shared_data() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(published_data).path().join("data")
}

/// One store row, read with arrow-rs: column name → value as text (None for null).
type Row = BTreeMap<String, Option<String>>;

/// Every row of the published store, with its day, read with arrow-rs.
fn store_rows(data: &Path) -> Vec<(String, Row)> {
    partition_rows(&data.join("store"))
}

/// Every row of the Parquet files in the `date=…` directories of `dir`, with its day, read with
/// arrow-rs.
fn partition_rows(dir: &Path) -> Vec<(String, Row)> {
    let mut rows = Vec::new();
    let mut days: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    days.sort();
    for day in days {
        let date = day.file_name().unwrap().to_str().unwrap().strip_prefix("date=").unwrap().to_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&day).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&f).unwrap()).unwrap().build().unwrap();
            for batch in reader {
                let batch: RecordBatch = batch.unwrap();
                for i in 0..batch.num_rows() {
                    let mut row = Row::new();
                    for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
                        let v = if col.is_null(i) {
                            None
                        } else if let Some(s) = col.as_string_opt::<i32>() {
                            Some(s.value(i).to_owned())
                        } else if let Some(t) = col.as_primitive_opt::<TimestampMicrosecondType>() {
                            Some(t.value(i).to_string())
                        } else {
                            Some(arrow::util::display::array_value_to_string(col, i).unwrap())
                        };
                        row.insert(field.name().clone(), v);
                    }
                    rows.push((date.clone(), row));
                }
            }
        }
    }
    rows
}

fn get<'a>(row: &'a Row, col: &str) -> Option<&'a str> {
    row.get(col).and_then(|v| v.as_deref())
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status.code(), stderr(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

/// An account of the data set that joined on 2026-11-23: the first `externalUserId` of a join in
/// the first server's bbb-web log of that day.
fn an_account() -> String {
    let logs = small_dataset().join("logs");
    let mut servers: Vec<PathBuf> = std::fs::read_dir(&logs).unwrap().map(|e| e.unwrap().path()).collect();
    servers.sort();
    for server in servers {
        let mut text = String::new();
        for name in ["bbb-web.log.1.gz", "bbb-web.log"] {
            let p = server.join(name);
            if let Ok(bytes) = std::fs::read(&p) {
                if name.ends_with(".gz") {
                    use std::io::Read;
                    flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
                } else {
                    text.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
        }
        for line in text.lines().filter(|l| l.starts_with("2026-11-23") && l.contains("user_joined_message")) {
            if let Some(rest) = line.split("\"externalUserId\":\"").nth(1) {
                return rest.split('"').next().unwrap().to_owned();
            }
        }
    }
    panic!("no account joined on 2026-11-23")
}

#[test]
fn query_counts_agree_with_an_independent_count_over_the_parquet_files() {
    let data = shared_data();
    let rows = store_rows(&data);
    assert!(rows.len() > 1000, "the data set is too small to test anything: {}", rows.len());

    // Events per day and kind.
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (date, row) in &rows {
        *expected.entry((date.clone(), get(row, "kind").unwrap().to_owned())).or_default() += 1;
    }
    let o =
        cs(&data, &["query", "--format", "json", "SELECT date, kind, count(*) AS n FROM events GROUP BY date, kind"]);
    let got: BTreeMap<(String, String), u64> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            ((r["date"].as_str().unwrap().to_owned(), r["kind"].as_str().unwrap().to_owned()), r["n"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(got, expected);

    // Sessions: one row per (day, session pseudonym); joins as counted.
    let mut sessions: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (date, row) in &rows {
        if let Some(s) = get(row, "session") {
            let joins = sessions.entry((date.clone(), s.to_owned())).or_default();
            *joins += u64::from(get(row, "kind") == Some("participant_joined"));
        }
    }
    let o = cs(&data, &["query", "--format", "json", "SELECT date, session, joins FROM sessions"]);
    let got: BTreeMap<(String, String), u64> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (r["date"].as_str().unwrap().to_owned(), r["session"].as_str().unwrap().to_owned()),
                r["joins"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, sessions);
    // A session with a logged join and leave lasts from the first join to the last leave.
    let mut spans: BTreeMap<(String, String), (Option<i64>, Option<i64>)> = BTreeMap::new();
    for (date, row) in &rows {
        let (Some(s), Some(kind)) = (get(row, "session"), get(row, "kind")) else { continue };
        let t: i64 = get(row, "time").unwrap().parse().unwrap();
        let span = spans.entry((date.clone(), s.to_owned())).or_default();
        match kind {
            "participant_joined" => span.0 = Some(span.0.map_or(t, |j| j.min(t))),
            "participant_left" => span.1 = Some(span.1.map_or(t, |l| l.max(t))),
            _ => {}
        }
    }
    let expected: BTreeMap<(String, String), i64> =
        spans.into_iter().filter_map(|(k, (j, l))| Some((k, (l? - j?) / 1_000_000))).collect();
    assert!(expected.len() > 100);
    let o = cs(
        &data,
        &[
            "query",
            "--format",
            "json",
            "SELECT date, session, duration_s FROM sessions WHERE leave_time IS NOT NULL AND join_time IS NOT NULL",
        ],
    );
    let got: BTreeMap<(String, String), i64> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let key = (r["date"].as_str().unwrap().to_owned(), r["session"].as_str().unwrap().to_owned());
            (key, r["duration_s"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(got, expected);

    // Errors: the error kinds, each with a meaning where the code is in FORMATS.md's table.
    let error_kinds = ["audio_failed", "webcam_failed", "screenshare_failed", "media_server_error", "client_error"];
    let errors = rows.iter().filter(|(_, r)| error_kinds.contains(&get(r, "kind").unwrap())).count() as u64;
    assert!(errors > 0);
    let o = cs(&data, &["query", "--format", "csv", "SELECT count(*) AS n, count(meaning) AS explained FROM errors"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    let line: Vec<u64> = csv.lines().nth(1).unwrap().split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(line[0], errors, "{csv}");
    let with_1007 = rows.iter().filter(|(_, r)| get(r, "error_code") == Some("1007")).count();
    assert!(with_1007 > 0 && line[1] >= with_1007 as u64, "{csv}");
    let o = cs(&data, &["query", "SELECT DISTINCT meaning FROM errors WHERE error_code = '1007'"]);
    assert!(stdout(&o).contains("ICE negotiation failed"), "{}", stdout(&o));

    // The terminal table names the result's size and cuts long results.
    let o = cs(&data, &["query", "--max-rows", "4", "SELECT * FROM events"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains(&format!("{} rows × 25 columns (4 shown", rows.len())), "{text}");
    assert!(text.contains('…'), "{text}");
}

#[test]
fn a_bad_query_exits_2_with_a_readable_message() {
    let data = shared_data();
    for (sql, says) in [
        ("SELEC kind FROM events", "bad query"),
        ("SELECT no_such_column FROM events", "no_such_column"),
        ("SELECT * FROM no_such_table", "no_such_table"),
        ("SELECT * FROM read_csv('/etc/passwd')", "not available"),
    ] {
        let o = cs(&data, &["query", sql]);
        assert_eq!(o.status.code(), Some(2), "{sql}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{sql}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{sql}: {}", stdout(&o));
        assert!(!stderr(&o).contains("internal error"), "{sql}: {}", stderr(&o));
    }
}

#[test]
fn a_trace_of_a_known_conference_lists_its_joins_and_leaves_in_order() {
    let data = shared_data();
    let rows = store_rows(&data);
    // The meeting of 2026-11-23 with the most joins and leaves (not one with breakout rooms,
    // whose events its trace shows too).
    let parents: BTreeSet<&str> = rows.iter().filter_map(|(_, r)| get(r, "parent_meeting")).collect();
    // (time in µs, kind, participant) of each join and leave, by meeting.
    type Lifecycle<'a> = Vec<(i64, &'a str, Option<&'a str>)>;
    let mut per_meeting: BTreeMap<&str, Lifecycle> = BTreeMap::new();
    for (date, row) in &rows {
        let kind = get(row, "kind").unwrap();
        if date == "2026-11-23"
            && (kind == "participant_joined" || kind == "participant_left")
            && let Some(m) = get(row, "meeting").filter(|m| !parents.contains(m))
        {
            let t: i64 = get(row, "time").unwrap().parse().unwrap();
            per_meeting.entry(m).or_default().push((t, kind, get(row, "participant")));
        }
    }
    let (meeting, mut expected) = per_meeting.into_iter().max_by_key(|(_, v)| v.len()).unwrap();
    assert!(expected.len() >= 6, "{expected:?}");
    expected.sort_by_key(|(t, ..)| *t);

    let o = cs(&data, &["trace", "--meeting", meeting, "--date", "2026-11-23", "--format", "json"]);
    let trace = json(&o);
    let got: Vec<(i64, String, Option<String>)> = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "participant_joined" || e["kind"] == "participant_left")
        .map(|e| {
            let t = chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).unwrap();
            (
                t.timestamp_micros() / 1000,
                e["kind"].as_str().unwrap().to_owned(),
                e["participant"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let want: Vec<(i64, String, Option<String>)> =
        expected.iter().map(|(t, k, p)| (t / 1000, (*k).to_owned(), p.map(str::to_owned))).collect();
    assert_eq!(got, want);
    // Every event of the trace belongs to the meeting (or a breakout room of it), in time order.
    let events = trace["events"].as_array().unwrap();
    let times: Vec<&str> = events.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
    let participants: BTreeSet<&str> = expected.iter().filter_map(|(_, _, p)| *p).collect();
    let listed: BTreeSet<&str> =
        trace["participants"].as_array().unwrap().iter().map(|p| p["participant"].as_str().unwrap()).collect();
    assert!(participants.is_subset(&listed), "{participants:?} ⊄ {listed:?}");
    assert_eq!(trace["meetings"][0]["meeting"], meeting);

    // The text timeline has one line per join and per leave, in the same order.
    let o = cs(&data, &["trace", "--meeting", meeting, "--date", "2026-11-23"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let timeline = text.split("\ntimeline\n").nth(1).unwrap();
    let lines: Vec<&str> = timeline.lines().filter(|l| l.contains("  joined") || l.contains("  left")).collect();
    assert_eq!(lines.len(), want.len(), "{text}");
    assert!(text.contains("participants") && text.contains("timeline"), "{text}");
}

#[test]
fn trace_refuses_a_value_that_is_not_a_pseudonym_without_echoing_it() {
    let data = shared_data();
    let account = an_account();
    let o = cs(&data, &["trace", "--participant", &account]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("lookup --account"), "{}", stderr(&o));
    assert!(!stderr(&o).contains(&account) && !stdout(&o).contains(&account));
}

#[test]
fn lookup_of_an_account_finds_its_events_and_logs_the_access_without_the_id() {
    let dir = published_data();
    let data = dir.path().join("data");
    let account = an_account();
    let o = cs(&data, &["lookup", "--account", &account, "--format", "json"]);
    let found = json(&o);
    assert!(!stdout(&o).contains(&account));
    let days = found["days"].as_array().unwrap();
    assert_eq!(days.len(), 2, "one pseudonym per day with a live key");
    let rows = store_rows(&data);
    let mut hits = 0;
    for day in days {
        let p = day["pseudonym"].as_str().unwrap();
        assert!(p.starts_with("p_") && p.len() == 34, "{p}");
        let date = day["date"].as_str().unwrap();
        let n = rows.iter().filter(|(d, r)| d == date && get(r, "participant") == Some(p)).count() as u64;
        assert_eq!(day["events"].as_u64().unwrap(), n, "{date}");
        hits += n;
    }
    assert!(hits > 0, "the account's events were not found");
    // The two days' pseudonyms differ: keys do not link days.
    assert_ne!(days[0]["pseudonym"], days[1]["pseudonym"]);

    // The pseudonym leads to the account's timeline.
    let p = days[0]["pseudonym"].as_str().unwrap();
    let o = cs(&data, &["trace", "--participant", p, "--date", days[0]["date"].as_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(p) && stdout(&o).contains("joined"), "{}", stdout(&o));

    // A room id too.
    let o = cs(&data, &["lookup", "--room", "iserv-2317/astronomie-ag"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("r_"), "{}", stdout(&o));
    assert!(!stdout(&o).contains("astronomie"), "{}", stdout(&o));

    // The access log: who, when, what, which epochs — not the id.
    let log = std::fs::read_to_string(data.join("access.log")).unwrap();
    let entries: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(entries[0]["command"], "lookup");
    assert_eq!(entries[0]["field"], "account");
    assert_eq!(entries[0]["user"], "support-test");
    assert_eq!(entries[0]["epochs"], serde_json::json!(["2026-11-23", "2026-11-24"]));
    assert_eq!(entries[1]["field"], "room");
    assert!(!log.contains(&account) && !log.contains("astronomie"), "{log}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(data.join("access.log")).unwrap().permissions().mode() & 0o777, 0o600);
}

/// The rows of a store as sorted lines, for comparing states.
fn row_lines(rows: &[(String, Row)]) -> Vec<String> {
    let mut lines: Vec<String> = rows.iter().map(|(d, r)| format!("{d}|{r:?}")).collect();
    lines.sort();
    lines
}

#[test]
fn subject_erase_removes_exactly_the_accounts_records_and_a_rerun_does_not_bring_them_back() {
    let dir = published_data();
    let data = dir.path().join("data");
    let account = an_account();
    let before = store_rows(&data);

    // The export: every record of the account's participant pseudonym and of its sessions.
    let export = json(&cs(&data, &["subject", "export", "--account", &account]));
    let n = export["records"].as_u64().unwrap();
    assert!(n > 0);
    let mut expected_removed = Vec::new();
    let mut subject = Vec::new();
    for day in export["days"].as_array().unwrap() {
        let p = day["participant"].as_str().unwrap();
        let sessions: BTreeSet<&str> =
            day["sessions"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        let date = day["date"].as_str().unwrap();
        let mine: Vec<&(String, Row)> = before
            .iter()
            .filter(|(d, r)| {
                d == date
                    && (get(r, "participant") == Some(p) || get(r, "session").is_some_and(|s| sessions.contains(s)))
            })
            .collect();
        assert_eq!(mine.len(), day["records"].as_array().unwrap().len(), "{date}");
        expected_removed.extend(mine.into_iter().cloned());
        subject.push((date.to_owned(), p.to_owned(), sessions.into_iter().map(str::to_owned).collect::<BTreeSet<_>>()));
    }
    assert_eq!(expected_removed.len() as u64, n);

    // Erase: exactly those rows go, the rest stays as it was.
    let opt_out = dir.path().join("opt-out.txt");
    std::fs::write(&opt_out, "# withdrawn\nsomeone.else").unwrap();
    let o = cs(&data, &["subject", "erase", "--account", &account, "--opt-out", opt_out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("erased {n} record(s)")), "{}", stdout(&o));
    let after = store_rows(&data);
    let removed_lines = row_lines(&expected_removed);
    let mut kept = row_lines(&before);
    for line in &removed_lines {
        let i = kept.iter().position(|k| k == line).unwrap();
        kept.remove(i);
    }
    assert_eq!(row_lines(&after), kept);
    // The sessions tables of the erased days were computed anew, without the account's sessions.
    assert_sessions_tables_match_the_store(&data);
    for (d, r) in partition_rows(&data.join("sessions")) {
        for (date, p, sessions) in &subject {
            if d == *date {
                assert_ne!(get(&r, "participant"), Some(p.as_str()));
                assert!(!sessions.contains(get(&r, "session").unwrap()));
            }
        }
    }
    // Published through the switch: one generation, `current` points at it.
    let generations: Vec<_> = std::fs::read_dir(data.join("generations")).unwrap().collect();
    assert_eq!(generations.len(), 1, "the replaced generation is deleted");
    assert!(std::fs::read_link(data.join("current")).unwrap().to_string_lossy().ends_with("-erase"));
    let published: Value =
        serde_json::from_slice(&std::fs::read(data.join("current/published.json")).unwrap()).unwrap();
    let total: u64 = published["days"].as_object().unwrap().values().map(|d| d["records"].as_u64().unwrap()).sum();
    assert_eq!(total, after.len() as u64);
    // The opt-out file now lists the account.
    let listed = std::fs::read_to_string(&opt_out).unwrap();
    assert!(listed.lines().any(|l| l.trim() == account), "{listed}");
    assert!(listed.contains("someone.else\n"), "{listed}");

    // The export is now empty; a second erasure finds nothing and does not list it twice.
    let export = json(&cs(&data, &["subject", "export", "--account", &account]));
    assert_eq!(export["records"], 0);
    let o = cs(&data, &["subject", "erase", "--account", &account, "--opt-out", opt_out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("no stored record"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&opt_out).unwrap(), listed);

    // Reprocessing a day with the opt-out file does not bring the records back.
    let logs = small_dataset().join("logs");
    let o = confstats(&[
        "run",
        "--input",
        logs.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--now",
        NOW,
        "--date",
        "2026-11-23",
        "--opt-out",
        opt_out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let export = json(&cs(&data, &["subject", "export", "--account", &account]));
    assert_eq!(export["records"], 0, "the rerun brought records back");
    let log = std::fs::read_to_string(data.join("access.log")).unwrap();
    assert!(log.contains("\"subject erase\"") && !log.contains(&account), "{log}");
}

/// Checks the nightly `sessions` tables against the store, read with arrow-rs: one table per
/// store day, one row per (day, session) of the store, with the session's count of events.
fn assert_sessions_tables_match_the_store(data: &Path) {
    let store = store_rows(data);
    let tables = partition_rows(&data.join("sessions"));
    let days = |rows: &[(String, Row)]| rows.iter().map(|(d, _)| d.clone()).collect::<BTreeSet<_>>();
    assert_eq!(days(&tables), days(&store));
    for day in days(&store) {
        let files = std::fs::read_dir(data.join("sessions").join(format!("date={day}"))).unwrap().count();
        assert_eq!(files, 1, "{day}: one sessions table");
    }
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (d, r) in &store {
        if let Some(s) = get(r, "session") {
            *expected.entry((d.clone(), s.to_owned())).or_default() += 1;
        }
    }
    let got: BTreeMap<(String, String), u64> = tables
        .iter()
        .map(|(d, r)| ((d.clone(), get(r, "session").unwrap().to_owned()), get(r, "events").unwrap().parse().unwrap()))
        .collect();
    assert_eq!(got.len(), tables.len(), "one row per session and day");
    assert_eq!(got, expected);
}

#[test]
fn the_nightly_sessions_tables_answer_the_sessions_view_and_a_changed_store_day_is_recomputed() {
    let dir = published_data();
    let data = dir.path().join("data");
    assert_sessions_tables_match_the_store(&data);

    // `query` answers the same from the tables as from the view over the events.
    let sql = "SELECT * FROM sessions ORDER BY date, session";
    let from_tables = cs(&data, &["query", "--format", "csv", sql]);
    assert!(from_tables.status.success(), "{}", stderr(&from_tables));
    let generation = std::fs::canonicalize(data.join("current")).unwrap();
    let moved = dir.path().join("sessions-aside");
    std::fs::rename(generation.join("sessions"), &moved).unwrap();
    let from_events = cs(&data, &["query", "--format", "csv", sql]);
    assert!(from_events.status.success(), "{}", stderr(&from_events));
    assert!(stdout(&from_tables).lines().count() > 100, "{}", stdout(&from_tables));
    assert_eq!(stdout(&from_tables), stdout(&from_events));
    std::fs::rename(&moved, generation.join("sessions")).unwrap();

    // The tables are what `query` reads: an emptied table gives no session of its day …
    let day = "2026-11-23";
    let count = |data: &Path| {
        let sql = format!("SELECT count(*) AS n FROM sessions WHERE date = '{day}'");
        let o = cs(data, &["query", "--format", "csv", &sql]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o).lines().nth(1).unwrap().parse::<u64>().unwrap()
    };
    let n = count(&data);
    assert!(n > 10, "{n}");
    let table_dir = generation.join("sessions").join(format!("date={day}"));
    let table = std::fs::read_dir(&table_dir).unwrap().next().unwrap().unwrap().path();
    let schema =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&table).unwrap()).unwrap().schema().clone();
    let empty = std::fs::File::create(dir.path().join("empty.parquet")).unwrap();
    parquet::arrow::ArrowWriter::try_new(empty, schema, None).unwrap().close().unwrap();
    std::fs::rename(dir.path().join("empty.parquet"), &table).unwrap();
    assert_eq!(count(&data), 0);
    // … but once the store day changed (a file less), the old table no longer matches it and the
    // view is computed from the events.
    let store_day = generation.join("store").join(format!("date={day}"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&store_day).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    std::fs::remove_file(&files[0]).unwrap();
    let rows = store_rows(&data);
    let left: BTreeSet<&str> = rows.iter().filter(|(d, _)| d == day).filter_map(|(_, r)| get(r, "session")).collect();
    assert!(!left.is_empty());
    assert_eq!(count(&data), left.len() as u64);
}

#[test]
fn subject_erase_needs_an_opt_out_file_outside_the_published_directories() {
    let dir = published_data();
    let data = dir.path().join("data");
    let account = an_account();
    let before = store_rows(&data).len();
    let o = cs(&data, &["subject", "erase", "--account", &account]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("opt-out"), "{}", stderr(&o));
    let inside = data.join("store/opt-out.txt");
    let o = cs(&data, &["subject", "erase", "--account", &account, "--opt-out", inside.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!inside.exists());
    assert_eq!(store_rows(&data).len(), before, "nothing was erased");
    assert!(!stderr(&o).contains(&account));
}

#[test]
fn the_commands_fail_cleanly_once_the_epoch_key_is_gone() {
    let dir = published_data();
    let data = dir.path().join("data");
    let account = an_account();
    let meeting = store_rows(&data).iter().find_map(|(_, r)| get(r, "meeting").map(str::to_owned)).unwrap();
    // With one day's key gone, that day is no longer read.
    let o = cs(&data, &["keys", "purge", "--epoch", "2026-11-23"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cs(&data, &["query", "--format", "csv", "SELECT DISTINCT date FROM events"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().skip(1).collect::<Vec<_>>(), ["2026-11-24"]);
    assert!(stderr(&o).contains("key is gone"), "{}", stderr(&o));
    let o = cs(&data, &["lookup", "--account", &account, "--date", "2026-11-23"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // With every key gone, nothing works, and each says why.
    let o = cs(&data, &["keys", "purge", "--all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let opt_out = dir.path().join("opt-out.txt");
    let commands: Vec<Vec<&str>> = vec![
        vec!["query", "SELECT count(*) FROM events"],
        vec!["trace", "--meeting", &meeting],
        vec!["lookup", "--account", &account],
        vec!["lookup", "--room", "iserv-2317/astronomie-ag"],
        vec!["subject", "export", "--account", &account],
        vec!["subject", "erase", "--account", &account, "--opt-out", opt_out.to_str().unwrap()],
    ];
    for args in commands {
        let o = cs(&data, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("key of") && stderr(&o).contains("is gone"), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
        assert!(!stderr(&o).contains(&account), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn no_output_of_the_diagnostics_holds_a_personal_value() {
    let dir = published_data();
    let data = dir.path().join("data");
    let account = an_account();
    let rows = store_rows(&data);
    let meeting =
        rows.iter().find_map(|(d, r)| (d == "2026-11-23").then(|| get(r, "meeting")).flatten()).unwrap().to_owned();
    let lookup = json(&cs(&data, &["lookup", "--account", &account, "--format", "json"]));
    let p = lookup["days"][0]["pseudonym"].as_str().unwrap().to_owned();
    let opt_out = dir.path().join("opt-out.txt");
    let runs: Vec<Vec<&str>> = vec![
        vec!["query", "--max-rows", "0", "SELECT * FROM events"],
        vec!["query", "--format", "json", "SELECT * FROM sessions"],
        vec!["query", "--format", "csv", "SELECT * FROM errors"],
        vec!["query", "SELECT * FROM events WHERE participant = 'x' AND no_such = 1"],
        vec!["trace", "--meeting", &meeting, "--all"],
        vec!["trace", "--meeting", &meeting, "--format", "json", "--all"],
        vec!["trace", "--participant", &p],
        vec!["lookup", "--account", &account],
        vec!["lookup", "--room", "iserv-2317/astronomie-ag", "--format", "json"],
        vec!["subject", "export", "--account", &account],
        vec!["subject", "erase", "--account", &account],
        vec!["subject", "erase", "--account", &account, "--opt-out", opt_out.to_str().unwrap(), "--json"],
        vec!["subject", "erase", "--account", &account, "--opt-out", opt_out.to_str().unwrap()],
        vec!["lookup", "--account", "", "--date", "2026-11-23"],
    ];
    // The outputs go where the leak audit looks (a fake data directory's reports/), then the
    // audit scans them for every personal value of the logs — names, their parts, ids, IPs.
    let fake = dir.path().join("fake");
    std::fs::create_dir_all(fake.join("reports")).unwrap();
    let values = personal_values(small_dataset());
    for (i, args) in runs.iter().enumerate() {
        let o = cs(&data, args);
        let text = format!("{}\n{}", stdout(&o), stderr(&o));
        assert!(text.len() > 40, "{args:?} printed (almost) nothing: {text}");
        assert_eq!(leaks(&text, &values), Vec::<String>::new(), "{args:?}");
        std::fs::write(fake.join("reports").join(format!("out-{i}.txt")), text).unwrap();
    }
    std::fs::write(fake.join("reports/access.log"), std::fs::read(data.join("access.log")).unwrap()).unwrap();
    let logs = small_dataset().join("logs");
    let o = confstats(&["audit", "--input", logs.to_str().unwrap(), "--data", fake.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "the audit found personal values: {}", stdout(&o));
    // The audit does find the id where it is planted (the check can fail).
    std::fs::write(fake.join("reports/planted.txt"), format!("ticket for {account}")).unwrap();
    let o = confstats(&["audit", "--input", logs.to_str().unwrap(), "--data", fake.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", stdout(&o));
}

#[test]
fn the_diagnostics_help_teaches_tables_flags_and_examples() {
    for (name, args) in [
        ("query_help", &["query", "--help"][..]),
        ("trace_help", &["trace", "--help"][..]),
        ("lookup_help", &["lookup", "--help"][..]),
        ("subject_erase_help", &["subject", "erase", "--help"][..]),
    ] {
        let o = confstats(args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        insta::assert_snapshot!(name, stdout(&o));
    }
}

#[test]
fn count_star_over_several_store_days_counts_every_event() {
    // Regression: with one polars scan per day joined by a union, `SELECT count(*)` failed
    // ("casting from UInt32 to UInt128 not supported").
    let data = shared_data();
    let rows = store_rows(&data);
    let o = cs(&data, &["query", "--format", "csv", "SELECT count(*) AS n FROM events"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("n\n{}\n", rows.len()));
}

#[test]
fn a_data_directory_below_a_key_value_folder_is_read() {
    // Regression: polars reads `key=value` components of the whole path as hive columns, and a
    // fixed hive schema refused the unknown `site`.
    let data = shared_data();
    let rows = store_rows(&data);
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site=berlin");
    std::fs::create_dir(&site).unwrap();
    std::os::unix::fs::symlink(&data, site.join("data")).unwrap();
    let o = cs(
        &site.join("data"),
        &["query", "--format", "csv", "SELECT date, count(*) AS n FROM events GROUP BY date ORDER BY date"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut expected = String::from("date,n\n");
    let mut by_day: BTreeMap<&str, u64> = BTreeMap::new();
    for (d, _) in &rows {
        *by_day.entry(d.as_str()).or_default() += 1;
    }
    for (d, n) in by_day {
        expected.push_str(&format!("{d},{n}\n"));
    }
    assert_eq!(stdout(&o), expected);
}
