//! `generate` + `ingest` end to end on the real binary.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::util::{confstats, leaks, personal_values, small_dataset, stderr, stdout};

/// Lines in every log file below `dir` (gzip decompressed).
fn count_lines(dir: &Path) -> u64 {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            n += count_lines(&p);
            continue;
        }
        let f = std::fs::File::open(&p).unwrap();
        let r: Box<dyn BufRead> = if p.extension().is_some_and(|e| e == "gz") {
            Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(f)))
        } else {
            Box::new(BufReader::new(f))
        };
        n += r.split(b'\n').count() as u64;
    }
    n
}

fn ingest_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["ingest", "--json"];
    all.extend_from_slice(args);
    let o = confstats(&all);
    assert!(o.status.success(), "ingest failed: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

#[test]
fn generated_logs_parse_completely_in_every_format() {
    let data = small_dataset();
    let logs = data.join("logs");
    let s = ingest_json(&["--input", logs.to_str().unwrap()]);
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("key {k}"));
    assert_eq!(n("quarantined"), 0, "{s:#}");
    assert_eq!(n("lines"), n("parsed") + n("quarantined") + n("skipped"));
    assert_eq!(n("lines"), count_lines(&logs), "every line of every file is accounted for");
    assert!(n("events") >= n("parsed"));
    let formats: BTreeSet<&str> = s["by_format"].as_object().unwrap().keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> =
        ["akka-apps", "bbb-web", "freeswitch", "html5-client", "html5-journal", "nginx-access", "sfu", "webhooks"]
            .into();
    assert_eq!(formats, expected);
    for kind in [
        "meeting_created",
        "participant_joined",
        "participant_left",
        "audio_joined",
        "audio_failed",
        "breakout_room_created",
    ] {
        assert!(s["by_kind"][kind].as_u64().unwrap_or(0) > 0, "no {kind} events: {s:#}");
    }
    assert!(s["by_reason"].as_object().unwrap().is_empty());
    assert!(s.get("skipped_by_reason").is_some() && s.get("elapsed_seconds").is_some());
}

#[test]
fn no_personal_value_in_any_summary_even_with_broken_lines() {
    let data = small_dataset();
    let values = personal_values(data);
    assert!(values.len() > 100);
    // Corrupt copies: lines that are truncated, garbled and full of personal values.
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("bbb9");
    std::fs::create_dir(&server).unwrap();
    let web = std::fs::read_to_string(data.join("logs/bbb1/bbb-web.log")).unwrap();
    let mut broken = String::new();
    for (i, line) in web.lines().enumerate() {
        match i % 3 {
            0 => broken.push_str(&line[..line.len() / 2]),
            1 => broken.push_str(&line.replace("\"logCode\"", "\"logCod")),
            _ => broken.push_str(line),
        }
        broken.push('\n');
    }
    broken.push_str(&values.join(" "));
    std::fs::write(server.join("bbb-web.log"), broken).unwrap();
    let opt_out = dir.path().join("opt-out.txt");
    std::fs::write(&opt_out, "# test\nnobody.here\n").unwrap();
    for json in [false, true] {
        let mut args = vec!["ingest", "--input", data.to_str().unwrap(), dir.path().to_str().unwrap()];
        args.extend(["--opt-out", opt_out.to_str().unwrap()]);
        if json {
            args.push("--json");
        }
        let o = confstats(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let out = format!("{}{}", stdout(&o), stderr(&o));
        assert!(out.contains("quarantine") || out.contains("by_reason"));
        let found = leaks(&out, &values);
        assert!(found.is_empty(), "personal values in the output: {} of them", found.len());
    }
}

#[test]
fn opted_out_accounts_are_dropped_and_counted() {
    let data = small_dataset();
    let logs = data.join("logs");
    let before = ingest_json(&["--input", logs.to_str().unwrap()]);
    // An account of the data set: the `userID=` of a join URL in the nginx log.
    let access = std::fs::read_to_string(logs.join("bbb1/bigbluebutton.access.log")).unwrap();
    let account = access
        .lines()
        .find_map(|l| l.split("userID=").nth(1).map(|r| r.split('&').next().unwrap().to_owned()))
        .expect("a join with an account");
    let dir = tempfile::tempdir().unwrap();
    let opt_out = dir.path().join("opt-out.txt");
    std::fs::write(&opt_out, format!("{account}\n")).unwrap();
    let after = ingest_json(&["--input", logs.to_str().unwrap(), "--opt-out", opt_out.to_str().unwrap()]);
    let dropped = after["opted_out"].as_u64().unwrap();
    assert!(dropped > 0);
    assert_eq!(after["events"].as_u64().unwrap() + dropped, before["events"].as_u64().unwrap());
    assert_eq!(after["lines"], before["lines"]);
}

#[test]
fn demo_by_default_ends_yesterday_and_runs_each_following_morning() {
    // Without --start the demo generates the days ending yesterday (three days hold at least one
    // school day, whatever weekday the test runs on); the last night run is this morning.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let o = confstats(&["demo", "--out", out.to_str().unwrap(), "--schools", "1", "--days", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let nights: Vec<&str> = err.lines().filter(|l| l.starts_with("night run at")).collect();
    assert_eq!(nights.len(), 3, "{err}");
    let today = chrono::Local::now().date_naive().to_string();
    assert!(nights[2].starts_with(&format!("night run at {today} 07:00")), "{err}");
    assert!(nights.iter().any(|l| l.contains(": published 20")), "{err}");
    assert!(stdout(&o).contains("generated"), "{}", stdout(&o));
    assert!(out.join("ground-truth.json").is_file());
    assert!(out.join("data/store").is_dir() && out.join("data/keys").is_dir());
}

#[test]
fn same_seed_and_start_give_identical_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let o = confstats(&[
            "generate",
            "-q",
            "--out",
            d.path().to_str().unwrap(),
            "--schools",
            "2",
            "--days",
            "2",
            "--start",
            "2026-03-28",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let list = |d: &Path| {
        let mut v = Vec::new();
        let mut stack = vec![d.to_owned()];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() { stack.push(p) } else { v.push(p.strip_prefix(d).unwrap().to_owned()) }
            }
        }
        v.sort();
        v
    };
    let files = list(a.path());
    assert_eq!(files, list(b.path()));
    assert!(files.len() > 10);
    for f in files {
        assert!(
            std::fs::read(a.path().join(&f)).unwrap() == std::fs::read(b.path().join(&f)).unwrap(),
            "{} differs",
            f.display()
        );
    }
}
