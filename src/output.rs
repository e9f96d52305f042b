//! Everything the binary prints goes through here: summaries on stdout, errors and progress on
//! stderr. No function here takes a personal value: summaries are counts, errors name files,
//! line numbers and fields.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use confstats_anonymize::{AnonymizeSummary, KeyInfo};
use confstats_generate::GenerateSummary;
use confstats_ingest::{IngestSummary, QuarantineEntry};
use confstats_report::AggregateSummary;
use indicatif::{ProgressBar, ProgressStyle};

/// Whether an error is a broken pipe on stdout (`confstats … | head`): not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

/// Replaces the default panic message, which can quote the data being processed (a slice of a
/// log line, say), by the code location only.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let _ = writeln!(
            io::stderr().lock(),
            "internal error{at}: a bug in confstats (the panic message is withheld because it may quote log content)"
        );
    }));
}

/// Prints an error with its causes on stderr.
pub fn error(err: &anyhow::Error) {
    let _ = writeln!(io::stderr().lock(), "error: {err:#}");
}

/// Prints a note on stderr unless quiet.
pub fn note(quiet: bool, msg: &str) {
    if !quiet {
        let _ = writeln!(io::stderr().lock(), "{msg}");
    }
}

/// Writes text to stdout.
pub fn stdout(text: &str) -> io::Result<()> {
    stdout_bytes(text.as_bytes())
}

/// Writes bytes to stdout (a report with `--out -`).
pub fn stdout_bytes(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// A progress bar counting `unit`s on stderr, shown only on a terminal and when not quiet.
pub fn counter(quiet: bool, what: &'static str, unit: &'static str) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(0);
    let template = format!("{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} [{{elapsed}}, eta {{eta}}]");
    let style = ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style.progress_chars("=> "));
    pb.set_prefix(what);
    pb
}

/// Writes a file through a temporary sibling and a rename, so readers never see half a file.
pub fn write_atomic(path: &std::path::Path, contents: &[u8]) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

/// The summary of `aggregate`: dates, rows and suppressed cells per table.
pub fn aggregate_text(s: &AggregateSummary, data: &std::path::Path, k: u32, elapsed: Duration) -> String {
    let mut out = String::new();
    let (first, last) = (s.dates.first(), s.dates.last());
    let range = match (first, last) {
        (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
        (Some(a), _) => a.to_string(),
        _ => "no dates".to_owned(),
    };
    let _ = writeln!(
        out,
        "aggregated {} store events of {} day(s) ({range}) in {:.1} s, k = {k}",
        s.events,
        s.dates.len(),
        elapsed.as_secs_f64()
    );
    let _ = writeln!(out, "  {:<20} {:>8} {:>10} {:>10}", "table", "rows", "primary", "secondary");
    for t in &s.tables {
        let _ = writeln!(out, "  {:<20} {:>8} {:>10} {:>10}", t.table, t.rows, t.primary, t.secondary);
    }
    let _ = writeln!(out, "statistics: {}", data.join("stats").display());
    out
}

/// The summary of `aggregate` as JSON.
pub fn aggregate_json(s: &AggregateSummary) -> serde_json::Result<String> {
    serde_json::to_string_pretty(s).map(|j| j + "\n")
}

/// The files `report` wrote.
pub fn report_text(paths: &[std::path::PathBuf]) -> String {
    let mut out = format!("wrote {} report(s):\n", paths.len());
    for p in paths {
        let _ = writeln!(out, "  {}", p.display());
    }
    out
}

/// A spinner with a counter on stderr, shown only on a terminal and when not quiet.
pub fn spinner(quiet: bool, what: &'static str) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template("{spinner} {prefix} {human_pos} {msg} [{elapsed}, {per_sec}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    pb.set_style(style);
    pb.set_prefix(what);
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Throughput and the line accounting (`lines = parsed + quarantined + skipped`).
fn accounting(t: &mut String, s: &IngestSummary, elapsed: Duration) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let _ = writeln!(
        t,
        "read {} files, {:.1} MB in {:.2} s ({:.1} MB/s, {:.0} lines/s)",
        s.files,
        mb(s.bytes),
        secs,
        mb(s.bytes) / secs,
        s.lines as f64 / secs
    );
    let _ = writeln!(
        t,
        "lines {:>12}  = parsed {} + quarantined {} + skipped {}",
        s.lines, s.parsed, s.quarantined, s.skipped
    );
}

/// Input files that could not be read to their end.
fn failures(t: &mut String, s: &IngestSummary) {
    if !s.failed_files.is_empty() {
        let _ = writeln!(t, "unreadable input ({} files):", s.failed_files.len());
        for f in &s.failed_files {
            let _ = writeln!(t, "  {} after {} lines: {}", f.file.display(), f.lines_read, f.error);
        }
    }
}

/// The human summary of an ingest.
pub fn ingest_text(s: &IngestSummary, elapsed: Duration, quarantine: &[QuarantineEntry]) -> String {
    let mut t = String::new();
    accounting(&mut t, s, elapsed);
    let _ = writeln!(t, "events {:>11}", s.events);
    if s.opted_out > 0 {
        let _ = writeln!(t, "opted out {:>8}  events dropped (consent withdrawn), counted nowhere else", s.opted_out);
    }
    table(&mut t, "lines by format", &s.by_format);
    table(&mut t, "events by kind", &s.by_kind);
    table(&mut t, "quarantined by reason", &s.by_reason);
    table(&mut t, "skipped by reason", &s.skipped_by_reason);
    if !quarantine.is_empty() {
        let _ = writeln!(t, "first quarantined lines (file:line reason [field]):");
        for q in quarantine {
            let field = q.field.map(|f| format!(" [{f}]")).unwrap_or_default();
            let _ = writeln!(t, "  {}:{} {}{field}", q.file.display(), q.line, q.reason);
        }
        if s.quarantined > quarantine.len() as u64 {
            let _ = writeln!(t, "  … and {} more", s.quarantined - quarantine.len() as u64);
        }
    }
    failures(&mut t, s);
    t
}

fn table(t: &mut String, title: &str, map: &std::collections::BTreeMap<String, u64>) {
    let _ = writeln!(t, "{title}:");
    if map.is_empty() {
        let _ = writeln!(t, "  (none)");
    }
    let width = map.keys().map(String::len).max().unwrap_or(0);
    for (k, v) in map {
        let _ = writeln!(t, "  {k:<width$}  {v:>10}");
    }
}

/// The ingest summary as one JSON object, with the elapsed time.
pub fn ingest_json(s: &IngestSummary, elapsed: Duration) -> serde_json::Result<String> {
    let mut v = serde_json::to_value(s)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("elapsed_seconds".into(), serde_json::json!((elapsed.as_secs_f64() * 1000.0).round() / 1000.0));
    }
    let mut text = serde_json::to_string_pretty(&v)?;
    text.push('\n');
    Ok(text)
}

/// The human summary of `generate`.
pub fn generate_text(s: &GenerateSummary, out: &std::path::Path, elapsed: Duration) -> String {
    let logs = s.files.iter().filter(|f| f.path.starts_with(out.join("logs"))).count();
    format!(
        "generated {} log files, {} lines, {:.1} MB in {:.2} s\n\
         {} conferences, {} participant-days, {} personal values (for leak audits)\n\
         logs:         {}\n\
         ground truth: {}\n\
         personal:     {}\n",
        logs,
        s.lines,
        mb(s.bytes),
        elapsed.as_secs_f64(),
        s.conferences,
        s.participants,
        s.personal_values,
        out.join("logs").display(),
        out.join("ground-truth.json").display(),
        out.join("personal-values.txt").display(),
    )
}

/// The human summary of `anonymize`.
pub fn anonymize_text(s: &AnonymizeSummary, data: &std::path::Path) -> String {
    let i = &s.ingest;
    let mut t = String::new();
    accounting(&mut t, i, s.elapsed);
    let _ = writeln!(t, "events in {:>8}  (opted out and dropped before: {})", i.events, i.opted_out);
    let dropped: u64 = s.dropped.values().sum();
    let _ = writeln!(t, "records out {:>6}  (dropped {dropped}: {})", s.records, reasons(&s.dropped));
    let _ = writeln!(t, "store: {}", data.join("store").display());
    for (date, rows) in &s.rows_by_date {
        let _ = writeln!(t, "  date={date}  {rows:>10} rows");
    }
    if s.quarantine_entries > 0 {
        let _ = writeln!(t, "quarantine: {} entries in {}", s.quarantine_entries, data.join("quarantine").display());
    }
    table(&mut t, "events in by kind", &i.by_kind);
    table(&mut t, "records out by kind", &s.records_by_kind);
    table(&mut t, "quarantined by reason", &i.by_reason);
    failures(&mut t, i);
    t
}

fn reasons(map: &std::collections::BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
}

/// The anonymize summary as one JSON object.
pub fn anonymize_json(s: &AnonymizeSummary) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(s)?;
    text.push('\n');
    Ok(text)
}

/// The key list: epochs and files, never key material.
pub fn keys_list(keys: &[KeyInfo], dir: &std::path::Path, json: bool) -> serde_json::Result<String> {
    if json {
        let list: Vec<_> = keys
            .iter()
            .map(
                |k| serde_json::json!({"epoch_start": k.epoch_start.to_string(), "path": k.path.display().to_string()}),
            )
            .collect();
        let mut text =
            serde_json::to_string_pretty(&serde_json::json!({"keys_dir": dir.display().to_string(), "keys": list}))?;
        text.push('\n');
        return Ok(text);
    }
    let mut t = format!("{} key(s) in {}\n", keys.len(), dir.display());
    for k in keys {
        let _ = writeln!(t, "  epoch {}  {}", k.epoch_start, k.path.display());
    }
    Ok(t)
}

/// What `keys purge` deleted.
pub fn keys_purged(epochs: &[chrono::NaiveDate]) -> String {
    if epochs.is_empty() {
        return "no key deleted\n".into();
    }
    let list: Vec<String> = epochs.iter().map(ToString::to_string).collect();
    format!("deleted {} key(s): epochs {}; their pseudonyms are now unlinkable\n", epochs.len(), list.join(", "))
}

/// The summary of `run` and `purge`.
pub fn run_text(f: &crate::run::Finished) -> String {
    let mut t = String::new();
    if f.days.is_empty() {
        let _ = writeln!(t, "no new complete day in the input; published state kept");
    } else {
        let days: Vec<String> = f.days.iter().map(|(d, n)| format!("{d} ({n} records)")).collect();
        let partial = if f.partial { " — PARTIAL: some inputs were unreadable, the next run retries" } else { "" };
        let _ = writeln!(t, "published {}{partial}", days.join(", "));
    }
    let (store, quarantine, keys) = f.purged;
    let _ = writeln!(t, "deleted by retention: {store} store day(s), {quarantine} quarantine day(s), {keys} key(s)");
    let _ = writeln!(t, "manifest: {}", f.manifest.display());
    t
}

/// One line per night of `demo`.
pub fn night_text(morning: &chrono::DateTime<chrono_tz::Tz>, f: &crate::run::Finished) -> String {
    let days: Vec<String> = f.days.iter().map(|(d, n)| format!("{d} ({n} records)")).collect();
    format!(
        "night run at {}: published {}; {} report(s)",
        morning.format("%Y-%m-%d %H:%M"),
        if days.is_empty() { "nothing new".to_owned() } else { days.join(", ") },
        f.reports.len()
    )
}

/// The end of `demo`: where the reports are.
pub fn demo_text(reports: &std::path::Path, last: Option<&crate::run::Finished>) -> String {
    let mut t = String::new();
    let html: Vec<&String> =
        last.map(|f| f.reports.iter().filter(|r| r.ends_with(".html")).collect()).unwrap_or_default();
    if html.is_empty() {
        let _ = writeln!(t, "no reports were written (no statistics)");
        return t;
    }
    let _ = writeln!(t, "\nthe school reports (open in a browser):");
    for r in html {
        let _ = writeln!(t, "  {}", reports.join(r).display());
    }
    if let Some(f) = last {
        let _ = writeln!(t, "last run's manifest: {}", f.manifest.display());
    }
    t
}

/// The result of `audit`: files scanned, and each hit by file, kind and place (never the value).
pub fn audit_text(r: &confstats_anonymize::AuditReport) -> String {
    let mut t = format!("audit: {} file(s), {:.1} MB, {} strings checked: ", r.files, mb(r.bytes), r.strings);
    if r.passed() {
        t.push_str("no personal value of the input found\n");
    } else {
        let _ = writeln!(t, "{} personal value(s) found", r.hits.len());
        for h in &r.hits {
            let _ = writeln!(t, "  {}: a {} ({})", h.file.display(), h.kind.as_str(), h.location);
        }
    }
    t
}
