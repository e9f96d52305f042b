//! Crate tests: determinism, address ranges, layout, ground truth, personal values.
#![allow(clippy::unwrap_used)]

use super::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

fn opts(dir: &Path, schools: u32, days: u32, scale: f64) -> GenerateOptions {
    let start = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(); // a Monday
    let mut o = GenerateOptions::new(dir.to_path_buf(), start);
    o.schools = schools;
    o.days = days;
    o.scale = scale;
    o.servers = 3;
    o.seed = 7;
    o
}

/// Every file under `dir`, relative path → raw bytes.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The text of every log file (decompressed).
fn log_text(dir: &Path) -> String {
    let mut all = Vec::new();
    for (name, bytes) in read_tree(&dir.join("logs")) {
        if name.ends_with(".gz") {
            flate2::read::GzDecoder::new(bytes.as_slice()).read_to_end(&mut all).unwrap();
        } else {
            all.extend_from_slice(&bytes);
        }
        all.push(b'\n');
    }
    String::from_utf8(all).unwrap()
}

fn hexval(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Undoes nginx `\xHH` and `%HH` (and `+` as space if asked).
fn decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1] == b'x'
            && let (Some(h), Some(l)) = (hexval(b[i + 2]), hexval(b[i + 3]))
        {
            out.push(h * 16 + l);
            i += 4;
            continue;
        }
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hexval(b[i + 1]), hexval(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(if plus && b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn same_options_give_identical_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let sa = generate(&opts(a.path(), 2, 2, 0.5)).unwrap();
    let sb = generate(&opts(b.path(), 2, 2, 0.5)).unwrap();
    assert_eq!(sa.conferences, sb.conferences);
    let (ta, tb) = (read_tree(a.path()), read_tree(b.path()));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, v) in &ta {
        assert!(v == &tb[k], "{k} differs between runs");
    }
    assert!(ta.keys().any(|k| k.ends_with(".gz")));
    // A different seed gives different data.
    let c = tempfile::tempdir().unwrap();
    let mut o = opts(c.path(), 2, 2, 0.5);
    o.seed = 8;
    generate(&o).unwrap();
    assert_ne!(read_tree(c.path())["ground-truth.json"], ta["ground-truth.json"]);
}

#[test]
fn every_log_kind_exists_per_server_and_day() {
    let d = tempfile::tempdir().unwrap();
    let s = generate(&opts(d.path(), 2, 3, 0.3)).unwrap();
    for n in 1..=3 {
        let dir = d.path().join("logs").join(format!("bbb{n}"));
        for name in LOG_FILE_NAMES {
            let present = dir.join(name).exists();
            if name == "bbb-html5.log" && n % 2 == 0 {
                assert!(!present, "{name} on 3.x server bbb{n}");
                continue;
            }
            assert!(present, "bbb{n}/{name}");
            assert!(dir.join(format!("{name}.1.gz")).exists(), "bbb{n}/{name}.1.gz");
            assert!(dir.join(format!("{name}.2.gz")).exists(), "bbb{n}/{name}.2.gz");
            assert!(!dir.join(format!("{name}.3.gz")).exists());
        }
    }
    let logs = s.files.iter().filter(|f| f.path.starts_with(d.path().join("logs"))).count();
    assert_eq!(logs, 3 * (8 + 7 + 8));
    assert_eq!(s.bytes, s.files.iter().map(|f| f.bytes).sum::<u64>());
}

#[test]
fn invalid_options_are_refused_by_field() {
    let d = tempfile::tempdir().unwrap();
    for (field, f) in [
        ("schools", (|o: &mut GenerateOptions| o.schools = 0) as fn(&mut GenerateOptions)),
        ("days", |o| o.days = 0),
        ("scale", |o| o.scale = 0.0),
        ("scale", |o| o.scale = f64::NAN),
        ("servers", |o| o.servers = 0),
    ] {
        let mut o = opts(d.path(), 1, 1, 1.0);
        f(&mut o);
        match generate(&o) {
            Err(Error::InvalidOptions { field: got, .. }) => assert_eq!(got, field),
            other => panic!("expected InvalidOptions for {field}, got {other:?}"),
        }
    }
}

fn check_ipv4(text: &str) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit()
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.' || b[i - 1] == b'/' || b[i - 1] == b'_'))
        {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            let tok = text[i..j].trim_end_matches('.');
            let parts: Vec<&str> = tok.split('.').collect();
            if parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3) {
                let ok = tok == "0.0.0.0"
                    || tok == "127.0.0.1"
                    || tok.starts_with("192.0.2.")
                    || tok.starts_with("198.51.100.")
                    || tok.starts_with("203.0.113.");
                assert!(ok, "IPv4 outside documentation ranges: {tok}");
            }
            i = j;
        } else {
            i += 1;
        }
    }
}

#[test]
fn all_addresses_are_documentation_ranges() {
    let d = tempfile::tempdir().unwrap();
    generate(&opts(d.path(), 2, 2, 0.5)).unwrap();
    let text = decode(&log_text(d.path()), false);
    check_ipv4(&text);
    let mut v6 = 0;
    for (i, _) in text.match_indices("::") {
        let start = text[..i].rfind(|c: char| !(c.is_ascii_hexdigit() || c == ':')).map_or(0, |p| p + 1);
        let tok = &text[start..i];
        assert!(tok.starts_with("2001:db8:"), "IPv6 outside 2001:db8::/32: {tok}");
        v6 += 1;
    }
    assert!(v6 > 0, "some pupils should use IPv6");
    let pv = std::fs::read_to_string(d.path().join("personal-values.txt")).unwrap();
    check_ipv4(&pv);
}

#[test]
fn ground_truth_is_sane() {
    let d = tempfile::tempdir().unwrap();
    let s = generate(&opts(d.path(), 2, 2, 1.0)).unwrap();
    let gt: GroundTruth =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("ground-truth.json")).unwrap()).unwrap();
    assert_eq!(gt.generator.schools, 2);
    assert!(!gt.school_days.is_empty());
    let mut keys: Vec<(String, String)> = gt.school_days.iter().map(|x| (x.school.clone(), x.date.clone())).collect();
    let sorted = {
        let mut k = keys.clone();
        k.sort();
        k
    };
    assert_eq!(keys, sorted);
    keys.dedup();
    assert_eq!(keys.len(), gt.school_days.len());
    for day in &gt.school_days {
        assert!(day.school.starts_with("iserv-"));
        assert!(day.conferences >= 1);
        assert!(day.participants <= day.joins, "{day:?}");
        assert!(day.peak_concurrent <= day.participants, "{day:?}");
        assert!(day.peak_concurrent >= 1);
        assert!(day.conference_minutes > 0.0);
        assert!(day.participant_minutes > 0.0);
        assert!(day.breakout_rooms < day.conferences);
        let audio: u64 =
            day.error_codes.iter().filter(|(k, _)| ("1001".."1011").contains(&k.as_str())).map(|(_, v)| v).sum();
        assert_eq!(audio, day.audio_failures);
    }
    assert_eq!(s.conferences, gt.school_days.iter().map(|x| x.conferences).sum::<u64>());
    // The logs carry as many user_joined_message analytics lines as the truth has joins.
    let text = log_text(d.path());
    let joins = text.matches("\"logCode\":\"user_joined_message\"").count() as u64;
    assert_eq!(joins, gt.school_days.iter().map(|x| x.joins).sum::<u64>());
    let failures = text
        .lines()
        .filter(|l| !l.contains("bbb-html5-backend"))
        .map(|l| l.matches("audio_failure").count())
        .sum::<usize>() as u64;
    assert_eq!(failures, gt.school_days.iter().map(|x| x.audio_failures).sum::<u64>());
}

#[test]
fn conference_crossing_midnight_belongs_to_its_first_day() {
    let o = opts(Path::new("/nonexistent"), 2, 2, 0.3);
    let mut world = model::build(&o);
    let tz = world.tz;
    let crossing: Vec<usize> = (0..world.confs.len())
        .filter(|&i| {
            let c = &world.confs[i];
            c.first_join().is_some_and(|f| fmt::local(f, tz).date_naive() != fmt::local(c.end, tz).date_naive())
        })
        .collect();
    assert!(!crossing.is_empty(), "a conference crosses midnight");
    let keep = crossing[0];
    let c = world.confs.swap_remove(keep);
    let first = c.first_join().unwrap();
    let expected_minutes = ((c.end.div_euclid(1000) - first.div_euclid(1000)) as f64 / 6.0).round() / 10.0;
    let internal = c.internal_id.clone();
    world.confs = vec![c];
    let rows = truth::compute(&world);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].date, fmt::local(first, tz).date_naive().format("%Y-%m-%d").to_string());
    assert_eq!(rows[0].conference_minutes, expected_minutes);
    assert!(rows[0].conference_minutes > 30.0);

    // In the written logs it spans both days' files.
    let d = tempfile::tempdir().unwrap();
    generate(&opts(d.path(), 2, 2, 0.3)).unwrap();
    let tree = read_tree(&d.path().join("logs"));
    let mut older = Vec::new();
    let gz = tree.iter().find(|(k, _)| {
        k.ends_with("bbb-web.log.1.gz") && {
            older.clear();
            flate2::read::GzDecoder::new(tree[*k].as_slice()).read_to_end(&mut older).unwrap();
            String::from_utf8_lossy(&older).contains(&internal)
        }
    });
    let (name, _) = gz.expect("first day's file holds the conference");
    let current = name.trim_end_matches(".1.gz");
    assert!(String::from_utf8_lossy(&tree[current]).contains(&internal), "second day's file holds its end");
}

#[test]
fn personal_values_are_complete_and_written() {
    let d = tempfile::tempdir().unwrap();
    let s = generate(&opts(d.path(), 1, 2, 0.4)).unwrap();
    let pv_text = std::fs::read_to_string(d.path().join("personal-values.txt")).unwrap();
    let pv: Vec<&str> = pv_text.lines().collect();
    assert_eq!(pv.len() as u64, s.personal_values);
    let mut sorted = pv.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, pv, "sorted and deduplicated");
    let raw = log_text(d.path());
    let haystack = format!("{raw}\n{}\n{}", decode(&raw, true), decode(&raw, false));
    for v in &pv {
        assert!(haystack.contains(v), "personal value not in output: {v}");
    }
    // Chat texts, names with umlauts and device labels are listed.
    let world = model::build(&opts(d.path(), 1, 2, 0.4));
    let set: std::collections::BTreeSet<&str> = pv.iter().copied().collect();
    let mut chats = 0;
    for c in &world.confs {
        for chat in &c.chats {
            assert!(set.contains(chat.text.as_str()));
            chats += 1;
        }
        for sess in &c.sessions {
            assert!(set.contains(sess.name.as_str()));
            assert!(set.contains(sess.user_id.as_str()));
        }
        assert!(set.contains(c.external_id.as_str()));
        assert!(set.contains(c.name.as_str()));
    }
    assert!(chats > 0);
    assert!(pv.iter().any(|v| v.contains(['ä', 'ö', 'ü', 'ß', 'Ä', 'Ö', 'Ü'])));
}

#[test]
fn regenerating_with_fewer_days_leaves_no_stale_rotated_files() {
    let d = tempfile::tempdir().unwrap();
    generate(&opts(d.path(), 1, 3, 0.2)).unwrap();
    assert!(d.path().join("logs/bbb1/bbb-web.log.2.gz").is_file());
    let foreign = d.path().join("logs/bbb1/operator-notes.txt");
    std::fs::write(&foreign, "kept").unwrap();
    generate(&opts(d.path(), 1, 1, 0.2)).unwrap();
    assert!(!d.path().join("logs/bbb1/bbb-web.log.2.gz").exists());
    assert!(!d.path().join("logs/bbb1/bbb-web.log.1.gz").exists());
    assert!(d.path().join("logs/bbb1/bbb-web.log").is_file());
    assert!(foreign.is_file(), "files the generator did not write are left alone");
}
