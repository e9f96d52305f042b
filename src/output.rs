//! Everything the binary prints goes through here: summaries on stdout, errors and progress on
//! stderr. No function here takes a personal value: summaries are counts, errors name files,
//! line numbers and fields.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use confstats_generate::GenerateSummary;
use confstats_ingest::{IngestSummary, QuarantineEntry};
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
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
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

/// The human summary of an ingest.
pub fn ingest_text(s: &IngestSummary, elapsed: Duration, quarantine: &[QuarantineEntry]) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let mut t = String::new();
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
    if !s.failed_files.is_empty() {
        let _ = writeln!(t, "unreadable input ({} files):", s.failed_files.len());
        for f in &s.failed_files {
            let _ = writeln!(t, "  {} after {} lines: {}", f.file.display(), f.lines_read, f.error);
        }
    }
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
