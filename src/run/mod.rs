//! `confstats run` and `confstats purge`: the nightly batch (DESIGN.md rules 10 and 12).
//!
//! ingest → anonymise → store → aggregate → reports → audit → publish → purge, all into a new
//! generation directory beside the published one ([`layout`]), published by one atomic switch
//! only after the leak audit passed. A crash at any point leaves the published state as it was;
//! the next run removes the leftovers (and takes over the lock of a dead process). Rerunning a
//! date replaces its outputs with the same result.
//!
//! Which days: a day D is complete once the clock has passed D+1 at the cut-off (default 06:00
//! local, so that conferences crossing midnight are whole). Retention keeps the days
//! T − retention + 2 … T − 1 of a run on local date T (DESIGN.md: with 7, T−5 … T−1); a run
//! processes every complete day of that window that is not yet published complete, oldest first
//! in one pass over the input, or exactly `--date D`.

pub(crate) mod layout;
mod manifest;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use confstats_anonymize::{
    AnonymizeOptions, AuditReport, BatchAudit, KeyStore, STORE_SCHEMA_VERSION, anonymize_audited, audit_bytes,
    audit_paths_threads,
};
use confstats_ingest::discover;
use confstats_report::{AggregateOptions, Lang, ReportFormat, ReportOptions, STATS_SCHEMA_VERSION};

use crate::config::{DataSettings, IngestSettings};
use crate::output;
use layout::{Layout, LockError, RunLock};
use manifest::{
    DayRecord, Manifest, ManifestSettings, Published, PublishedDay, Purged, RecordCounts, RetentionState, RunStatus,
};

/// The maximum (and default) retention in days (DESIGN.md).
pub const MAX_RETENTION_DAYS: u32 = 7;

/// Everything a nightly run needs, resolved from flags and the config file. Not personal data
/// (paths, settings; the opt-out list inside the ingest options holds account ids but is never
/// printed).
pub struct RunSettings {
    /// Inputs and ingest options; `None` for `purge`.
    pub ingest: Option<IngestSettings>,
    pub data: DataSettings,
    pub stats: AggregateOptions,
    pub retention_days: u32,
    pub languages: Vec<Lang>,
    pub formats: Vec<ReportFormat>,
    pub delete_raw_logs: bool,
    pub cutoff: NaiveTime,
    /// The run's clock.
    pub now: DateTime<Tz>,
    /// `--date`: (re)process exactly this day.
    pub date: Option<NaiveDate>,
    pub threads: usize,
}

/// What a published run did. Not personal data.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Some inputs were unreadable: the days are published marked partial (exit code 3).
    pub partial: bool,
    /// The days processed, with their store records.
    pub days: Vec<(NaiveDate, u64)>,
    /// The report files written.
    pub reports: Vec<String>,
    /// Store days, quarantine days and keys deleted by retention.
    pub purged: (usize, usize, usize),
    /// The run manifest.
    pub manifest: PathBuf,
}

/// A run that did not publish because of the audit (exit code 4).
#[derive(Debug)]
pub struct AuditFailed {
    pub hits: usize,
}

impl std::fmt::Display for AuditFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "leak audit failed: {} personal value(s) found in the outputs; nothing was published", self.hits)
    }
}

impl std::error::Error for AuditFailed {}

/// Another run holds the lock (exit code 5).
#[derive(Debug)]
pub struct Locked {
    pub pid: Option<u32>,
}

impl std::fmt::Display for Locked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "another confstats run (pid {pid}) is working on this data directory"),
            None => f.write_str("another confstats run is working on this data directory"),
        }
    }
}

impl std::error::Error for Locked {}

/// How the run talks: step lines on stderr (quiet: none; verbose: more).
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub quiet: bool,
    pub verbose: bool,
}

impl Ui {
    fn step(&self, msg: &str) {
        output::note(self.quiet, &format!("run: {msg}"));
    }

    fn detail(&self, msg: &str) {
        output::note(self.quiet || !self.verbose, &format!("run:   {msg}"));
    }
}

/// Aborts the process at a named step when `CONFSTATS_FAULT` names it — in debug builds only,
/// for the crash tests (`std::process::abort` runs no destructor and no cleanup).
fn fault(point: &'static str) {
    #[cfg(debug_assertions)]
    if std::env::var("CONFSTATS_FAULT").is_ok_and(|p| p == point) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

/// The first day retention keeps on local date `today`: `today − retention + 2` (DESIGN.md).
pub fn keep_from(today: NaiveDate, retention_days: u32) -> NaiveDate {
    today + Days::new(2) - Days::new(u64::from(retention_days))
}

/// The latest day that is complete at `now`: yesterday once the cut-off has passed, else the
/// day before.
fn last_complete(now: &DateTime<Tz>, cutoff: NaiveTime) -> NaiveDate {
    let back = if now.time() >= cutoff { 1 } else { 2 };
    now.date_naive() - Days::new(back)
}

/// The days this run processes.
fn days_to_process(s: &RunSettings, published: &Published) -> Result<BTreeSet<NaiveDate>> {
    let first = keep_from(s.now.date_naive(), s.retention_days);
    let last = last_complete(&s.now, s.cutoff);
    if let Some(d) = s.date {
        if d > last {
            bail!(
                "`--date {d}` is not complete yet: it is processed after {} local time on the next day",
                s.cutoff.format("%H:%M")
            );
        }
        if d < first {
            bail!(
                "`--date {d}` is outside the {}-day retention window (the oldest day kept is {first})",
                s.retention_days
            );
        }
        return Ok(BTreeSet::from([d]));
    }
    Ok(first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| !published.days.get(d).is_some_and(|p| p.complete))
        .collect())
}

/// The words the audit must not take for name parts: those of the reports' own text.
pub fn audit_vocabulary() -> HashSet<String> {
    confstats_report::vocabulary().into_iter().collect()
}

/// Runs the nightly batch (or, with `settings.ingest == None`, only the retention purge).
pub fn run(s: &RunSettings, ui: Ui) -> Result<Finished> {
    let started_utc = Utc::now();
    let started = Instant::now();
    let layout = Layout::new(&s.data.data);
    let (_lock, stale) = match RunLock::acquire(layout.data()) {
        Ok(l) => l,
        Err(LockError::Held(pid)) => return Err(Locked { pid }.into()),
        Err(LockError::Io(e)) => {
            return Err(anyhow::Error::new(e).context(format!("cannot take the lock in {}", layout.data().display())));
        }
    };
    if let Some(pid) = stale {
        ui.step(&format!("took over the lock of run {pid}, which ended without releasing it"));
    }
    let mut purged = Purged {
        leftovers: layout.remove_leftovers().context("cannot remove the leftovers of an earlier run")?,
        ..Purged::default()
    };
    if purged.leftovers > 0 {
        ui.detail(&format!("removed {} leftover(s) of interrupted runs", purged.leftovers));
    }
    let run_id = format!("{}-{}", s.now.format("%Y%m%dT%H%M%S"), std::process::id());
    let today = s.now.date_naive();
    let first_kept = keep_from(today, s.retention_days);
    let prev_root = layout.published_root()?;
    let prev = Published::load(&prev_root).context("cannot read the published state")?;
    let days = match &s.ingest {
        Some(_) => days_to_process(s, &prev).map_err(|e| e.context(crate::commands::Blame::Usage))?,
        None => BTreeSet::new(),
    };
    let mut steps: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut timer = Instant::now();
    let mut lap = |steps: &mut BTreeMap<&'static str, f64>, name: &'static str| {
        steps.insert(name, (timer.elapsed().as_secs_f64() * 1000.0).round() / 1000.0);
        timer = Instant::now();
    };

    // The new generation: everything kept of the published one, linked.
    let gen_dir = layout.new_generation(&run_id)?;
    let processing = !days.is_empty();
    let carried = carry_over(&prev_root, &gen_dir, &days, first_kept, processing.then_some(today), &mut purged)
        .context("cannot prepare the new generation")?;
    ui.detail(&format!("carried over {carried} published file(s)"));
    fault("carry");

    // ingest → anonymise → store.
    let mut manifest_days = Vec::new();
    let mut inputs = Vec::new();
    let mut lines = None;
    let mut records = RecordCounts::default();
    let vocabulary = audit_vocabulary();
    let mut batch_audit = None;
    let mut partial = false;
    let mut found: BTreeSet<NaiveDate> = BTreeSet::new();
    if let (Some(ingest), true) = (&s.ingest, processing) {
        let files = discover(&ingest.inputs, &ingest.options)
            .map_err(|e| anyhow::Error::new(e).context(crate::commands::Blame::Input))?;
        ui.step(&format!(
            "reading {} file(s) for {} day(s): {}",
            files.len(),
            days.len(),
            days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ));
        inputs = manifest::input_records(&files, s.threads.max(1));
        lap(&mut steps, "checksums");
        let mut opts = AnonymizeOptions::new(gen_dir.clone());
        opts.keys_dir = Some(s.data.keys.clone());
        opts.epoch_days = s.data.epoch_days;
        opts.time_zone = s.stats.time_zone;
        opts.days = Some(days.clone());
        opts.today = Some(today);
        opts.checkpoint = Some(anonymize_checkpoint);
        let progress = output::spinner(ui.quiet, "anonymising");
        let result = anonymize_audited(&files, &ingest.options, &opts, &vocabulary);
        progress.finish_and_clear();
        let (summary, values) = result.context("anonymisation failed")?;
        batch_audit = Some(values);
        partial = !summary.ingest.failed_files.is_empty();
        manifest_days = (summary.rows_by_date.iter())
            .filter(|(d, _)| days.contains(d))
            .map(|(d, n)| DayRecord { date: *d, records: *n, partial })
            .collect();
        found = manifest_days.iter().map(|d| d.date).collect();
        let secs = summary.elapsed.as_secs_f64().max(1e-9);
        ui.step(&format!(
            "ingest + anonymise: {} lines ({} parsed, {} quarantined, {} skipped) → {} records in {:.1} s ({:.0} lines/s)",
            summary.ingest.lines,
            summary.ingest.parsed,
            summary.ingest.quarantined,
            summary.ingest.skipped,
            summary.records,
            secs,
            summary.ingest.lines as f64 / secs
        ));
        for f in &summary.ingest.failed_files {
            ui.step(&format!("unreadable input: {} after {} lines: {}", f.file.display(), f.lines_read, f.error));
        }
        records = RecordCounts {
            total: summary.records,
            by_kind: summary.records_by_kind.clone(),
            by_date: summary.rows_by_date.clone(),
            dropped: summary.dropped.clone(),
            quarantine_entries: summary.quarantine_entries,
        };
        lines = Some(summary.ingest);
        lap(&mut steps, "ingest_anonymize_store");
    }

    // aggregate → reports.
    let mut statistics = Vec::new();
    let mut reports = Vec::new();
    if !found.is_empty() {
        let mut opts = s.stats.clone();
        opts.dates = found.iter().copied().collect();
        let progress = output::counter(ui.quiet, "aggregating", "days");
        let summary = confstats_report::aggregate(&gen_dir, &opts, |_, total| {
            progress.set_length(total as u64);
            progress.inc(1);
            fault("aggregate");
        });
        progress.finish_and_clear();
        let summary = summary.context("aggregation failed")?;
        ui.step(&format!(
            "aggregate: {} store rows of {} day(s) → {} statistics rows",
            summary.events,
            summary.dates.len(),
            summary.tables.iter().map(|t| t.rows).sum::<u64>()
        ));
        statistics = summary.tables;
        lap(&mut steps, "aggregate");
    }
    // The diagnostics' `sessions` table of each new day (and of any day published without one).
    let (session_days, sessions) =
        crate::diag::sessions::write_missing(&gen_dir).context("cannot write the sessions tables")?;
    if !session_days.is_empty() {
        ui.step(&format!("sessions: {sessions} session(s) of {} day(s)", session_days.len()));
        lap(&mut steps, "sessions");
    }
    let render = !found.is_empty() || !gen_dir.join("reports").exists();
    if render && gen_dir.join("stats").exists() {
        reports = render_reports(s, &gen_dir)?;
        ui.step(&format!("reports: {} file(s)", reports.len()));
        lap(&mut steps, "reports");
    }

    // The published record and the manifest (the manifest is audited before it is written).
    let mut published = Published { run_id: run_id.clone(), days: BTreeMap::new() };
    for (d, p) in &prev.days {
        if *d >= first_kept && !days.contains(d) {
            published.days.insert(*d, p.clone());
        }
    }
    for d in &manifest_days {
        published
            .days
            .insert(d.date, PublishedDay { complete: !d.partial, run_id: run_id.clone(), records: d.records });
    }
    let published_json = serde_json::to_vec_pretty(&published)?;
    output::write_atomic(&gen_dir.join(Published::FILE), &published_json)?;

    // audit.
    // Nothing read (a purge, or no new day): nothing of an input to look for.
    let batch_audit = batch_audit.unwrap_or_else(|| BatchAudit::none(&vocabulary));
    #[cfg(debug_assertions)]
    plant_for_tests(&gen_dir)?;
    let mut targets: Vec<PathBuf> = found.iter().map(|d| gen_dir.join("store").join(format!("date={d}"))).collect();
    targets.extend(session_days.iter().map(|d| gen_dir.join(crate::diag::sessions::DIR).join(format!("date={d}"))));
    targets.extend(["stats", "reports", "quarantine"].map(|d| gen_dir.join(d)).into_iter().filter(|p| p.exists()));
    targets.push(gen_dir.join(Published::FILE));
    let mut audit: AuditReport = audit_paths_threads(&targets, batch_audit.set(), s.threads)
        .context("the leak audit could not read an output")?;
    fault("audit");
    let settings = manifest_settings(s);
    let mut manifest = Manifest {
        manifest_version: manifest::MANIFEST_VERSION,
        confstats_version: env!("CARGO_PKG_VERSION"),
        store_schema_version: STORE_SCHEMA_VERSION,
        stats_schema_version: STATS_SCHEMA_VERSION,
        run_id: run_id.clone(),
        status: RunStatus::Published,
        now: s.now.to_rfc3339(),
        started_utc,
        finished_utc: started_utc,
        settings,
        days: manifest_days,
        inputs,
        lines,
        records,
        statistics,
        reports,
        audit: None,
        purged,
        retention: RetentionState::default(),
        steps: BTreeMap::new(),
    };
    let draft = serde_json::to_vec_pretty(&manifest)?;
    let mut one = AuditReport::default();
    audit_bytes(Path::new("manifest"), &draft, batch_audit.set(), &mut one);
    audit.hits.extend(one.hits);
    audit.files += 1;
    audit.bytes += draft.len() as u64;
    let (patterns, set_bytes) = (batch_audit.set().len(), batch_audit.set().memory_bytes());
    drop(batch_audit);
    lap(&mut steps, "audit");
    ui.step(&format!(
        "audit: {} file(s), {:.1} MB, {} strings checked for {} search strings ({:.1} MB in memory): {}",
        audit.files,
        audit.bytes as f64 / 1e6,
        audit.strings,
        patterns,
        set_bytes as f64 / 1e6,
        if audit.passed() { "clean".to_owned() } else { format!("{} hit(s)", audit.hits.len()) }
    ));
    if !audit.passed() {
        for hit in &audit.hits {
            ui.step(&format!("audit hit: a {} in {} ({})", hit.kind.as_str(), hit.file.display(), hit.location));
        }
        let hits = audit.hits.len();
        manifest.status = RunStatus::AuditFailed;
        manifest.audit = Some(audit);
        layout::remove_any(&gen_dir)?;
        manifest.steps = steps;
        manifest.finished_utc = Utc::now();
        write_manifest(&layout, s, &manifest)?;
        return Err(AuditFailed { hits }.into());
    }
    manifest.audit = Some(audit);

    // publish.
    layout.switch(&gen_dir, fault).context("cannot publish the new generation")?;
    lap(&mut steps, "publish");
    ui.step(&format!("published {}", layout.data().join("current").display()));
    fault("purge");

    // purge: old generations (with the days retention dropped), keys, raw logs.
    manifest.purged.leftovers += layout.remove_leftovers()?;
    let keys = KeyStore::open(&s.data.keys, s.data.epoch_days).context("cannot open the keys directory")?;
    manifest.purged.key_epochs = keys.purge_before(first_kept).context("cannot delete expired keys")?;
    if s.delete_raw_logs
        && let Some(ingest) = &s.ingest
    {
        manifest.purged.raw_logs = delete_raw_logs(ingest, &s.now, s.retention_days)?;
    }
    manifest.retention = retention_state(&layout, &keys, s, first_kept)?;
    lap(&mut steps, "purge");
    let p = &manifest.purged;
    ui.step(&format!(
        "purge: {} store day(s), {} quarantine day(s), {} key(s), {} raw log(s) older than {first_kept}",
        p.store_days.len(),
        p.quarantine_days.len(),
        p.key_epochs.len(),
        p.raw_logs.len()
    ));
    steps.insert("total", (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0);
    manifest.steps = steps;
    manifest.finished_utc = Utc::now();
    if partial {
        manifest.status = RunStatus::PublishedPartial;
    }
    let path = write_manifest(&layout, s, &manifest)?;
    ui.detail(&format!("manifest {}", path.display()));
    Ok(Finished {
        partial,
        days: manifest.days.iter().map(|d| (d.date, d.records)).collect(),
        reports: manifest.reports.clone(),
        purged: (
            manifest.purged.store_days.len(),
            manifest.purged.quarantine_days.len(),
            manifest.purged.key_epochs.len(),
        ),
        manifest: path,
    })
}

/// The anonymiser's checkpoints are the crash tests' fault points `ingest`, `anonymize` and
/// `store`.
fn anonymize_checkpoint(step: confstats_anonymize::AnonymizeStep) {
    use confstats_anonymize::AnonymizeStep as S;
    fault(match step {
        S::Learned => "ingest",
        S::Staged => "anonymize",
        S::Committed => "store",
        _ => return,
    });
}

/// Links the published files that stay into the new generation and records what retention
/// drops: store days (with their sessions tables) and quarantine days before `first_kept`, and
/// the days being (re)processed (their store partitions, sessions tables and statistics are
/// written anew; the quarantine of `today` too when the run reads input).
fn carry_over(
    prev: &Path,
    gen_dir: &Path,
    days: &BTreeSet<NaiveDate>,
    first_kept: NaiveDate,
    requarantine: Option<NaiveDate>,
    purged: &mut Purged,
) -> std::io::Result<u64> {
    let date_of = |rel: &Path| -> Option<NaiveDate> {
        rel.components().find_map(|c| layout::partition_date(&c.as_os_str().to_string_lossy()))
    };
    let mut store_purged = BTreeSet::new();
    let mut quarantine_purged = BTreeSet::new();
    let mut n = layout::link_tree(&prev.join("store"), &gen_dir.join("store"), &|rel| {
        date_of(rel).is_some_and(|d| d < first_kept || days.contains(&d))
    })?;
    for entry in layout::read_dir_if_exists(&prev.join("store"))? {
        if let Some(d) = layout::partition_date(&entry?.file_name().to_string_lossy()).filter(|d| *d < first_kept) {
            store_purged.insert(d);
        }
    }
    // The sessions tables go with their store days.
    let sessions = crate::diag::sessions::DIR;
    n += layout::link_tree(&prev.join(sessions), &gen_dir.join(sessions), &|rel| {
        date_of(rel).is_none_or(|d| d < first_kept || days.contains(&d))
    })?;
    n += layout::link_tree(&prev.join("quarantine"), &gen_dir.join("quarantine"), &|rel| {
        date_of(rel).is_some_and(|d| d < first_kept || Some(d) == requarantine)
    })?;
    for entry in layout::read_dir_if_exists(&prev.join("quarantine"))? {
        if let Some(d) = layout::partition_date(&entry?.file_name().to_string_lossy()).filter(|d| *d < first_kept) {
            quarantine_purged.insert(d);
        }
    }
    // Statistics are anonymous and kept; a reprocessed day's are replaced.
    n += layout::link_tree(&prev.join("stats"), &gen_dir.join("stats"), &|rel| {
        date_of(rel).is_some_and(|d| days.contains(&d))
    })?;
    if days.is_empty() {
        n += layout::link_tree(&prev.join("reports"), &gen_dir.join("reports"), &|_| false)?;
    }
    purged.store_days = store_purged.into_iter().collect();
    purged.quarantine_days = quarantine_purged.into_iter().collect();
    Ok(n)
}

/// Renders every configured language and format into `gen/reports/`.
fn render_reports(s: &RunSettings, gen_dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for lang in &s.languages {
        for format in &s.formats {
            let opts = ReportOptions { school: None, from: None, to: None, lang: *lang, format: *format };
            let files = match confstats_report::render_reports(gen_dir, &opts) {
                Ok(f) => f,
                Err(confstats_report::Error::NoData(_)) => return Ok(names),
                Err(e) => return Err(anyhow::Error::new(e).context("cannot render the reports")),
            };
            for f in files {
                let path = gen_dir.join("reports").join(&f.name);
                output::write_atomic(&path, &f.contents).with_context(|| format!("cannot write {}", path.display()))?;
                fault("reports");
                names.push(f.name);
            }
        }
    }
    names.sort();
    Ok(names)
}

fn manifest_settings(s: &RunSettings) -> ManifestSettings {
    ManifestSettings {
        time_zone: s.stats.time_zone.name().to_owned(),
        k: s.stats.k.get(),
        retention_days: s.retention_days,
        epoch_days: s.data.epoch_days,
        threads: s.threads,
        cutoff: s.cutoff.format("%H:%M").to_string(),
        report_languages: s.languages.iter().map(|l| l.as_str().to_owned()).collect(),
        report_formats: s.formats.iter().map(|f| f.extension().to_owned()).collect(),
        opt_out_entries: s.ingest.as_ref().map_or(0, |i| i.options.opt_out.len()),
    }
}

/// Writes the manifest to `DATA/runs/<date>-<time>.json` (a suffix when two runs share a second).
fn write_manifest(layout: &Layout, s: &RunSettings, manifest: &Manifest) -> Result<PathBuf> {
    let dir = layout.runs();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stem = s.now.format("%Y-%m-%d-%H%M%S").to_string();
    let mut path = dir.join(format!("{stem}.json"));
    let mut i = 1;
    while path.exists() {
        i += 1;
        path = dir.join(format!("{stem}-{i}.json"));
    }
    let bytes = serde_json::to_vec_pretty(manifest)?;
    output::write_atomic(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Deletes input files last modified before the retention window (only when configured).
fn delete_raw_logs(ingest: &IngestSettings, now: &DateTime<Tz>, retention_days: u32) -> Result<Vec<PathBuf>> {
    let limit = std::time::SystemTime::from(now.with_timezone(&Utc))
        - std::time::Duration::from_secs(u64::from(retention_days) * 86_400);
    let files = discover(&ingest.inputs, &ingest.options).context("cannot list the raw logs")?;
    let mut deleted = Vec::new();
    for f in files {
        let old = std::fs::metadata(&f.path).and_then(|m| m.modified()).is_ok_and(|t| t < limit);
        if old {
            std::fs::remove_file(&f.path).with_context(|| format!("cannot delete raw log {}", f.path.display()))?;
            deleted.push(f.path);
        }
    }
    Ok(deleted)
}

/// What is kept after the purge, and whether all of it is inside the window.
fn retention_state(layout: &Layout, keys: &KeyStore, s: &RunSettings, first_kept: NaiveDate) -> Result<RetentionState> {
    let root = layout.published_root()?;
    let oldest = |dir: &Path| -> Result<Option<NaiveDate>> {
        let mut min = None;
        for e in layout::read_dir_if_exists(dir)? {
            if let Some(d) = layout::partition_date(&e?.file_name().to_string_lossy()) {
                min = Some(min.map_or(d, |m: NaiveDate| m.min(d)));
            }
        }
        Ok(min)
    };
    let oldest_store_day = oldest(&root.join("store"))?;
    let oldest_quarantine_day = oldest(&root.join("quarantine"))?;
    let oldest_sessions_day = oldest(&root.join(crate::diag::sessions::DIR))?;
    let oldest_key_epoch = keys.list()?.into_iter().map(|k| k.epoch_start).min();
    let age = oldest_store_day.and_then(|d| {
        let start = s.stats.time_zone.from_local_datetime(&d.and_time(NaiveTime::MIN)).earliest()?;
        Some(((s.now - start).num_seconds() as f64 / 86_400.0 * 100.0).round() / 100.0)
    });
    let within =
        [oldest_store_day, oldest_quarantine_day, oldest_sessions_day].into_iter().flatten().all(|d| d >= first_kept)
            && oldest_key_epoch.is_none_or(|e| keys.epoch_start(first_kept) <= e);
    Ok(RetentionState {
        retention_days: s.retention_days,
        keep_from: Some(first_kept),
        oldest_store_day,
        oldest_quarantine_day,
        oldest_key_epoch,
        oldest_record_age_days: age,
        within_retention: within && age.is_none_or(|a| a <= f64::from(s.retention_days)),
    })
}

/// Test-only hook (debug builds): copies the files below `$CONFSTATS_TEST_PLANT` into the new
/// generation before the audit; a file named `X.append` is appended to the output `X`. The leak
/// tests plant personal values into the outputs this way and expect the audit to stop the run.
#[cfg(debug_assertions)]
fn plant_for_tests(gen_dir: &Path) -> Result<()> {
    let Some(dir) = std::env::var_os("CONFSTATS_TEST_PLANT") else { return Ok(()) };
    let dir = PathBuf::from(dir);
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&dir)?;
            let bytes = std::fs::read(&path)?;
            match rel.to_string_lossy().strip_suffix(".append") {
                Some(target) => {
                    // Carried-over outputs are hard links to published files: write a new file
                    // rather than appending in place.
                    let target = gen_dir.join(target);
                    let mut contents = std::fs::read(&target)?;
                    contents.extend_from_slice(&bytes);
                    std::fs::remove_file(&target)?;
                    std::fs::write(&target, contents)?;
                }
                None => {
                    let target = gen_dir.join(rel);
                    if let Some(p) = target.parent() {
                        std::fs::create_dir_all(p)?;
                    }
                    std::fs::write(target, bytes)?;
                }
            }
        }
    }
    Ok(())
}

/// What `run --check` found. Not personal data.
#[derive(Debug)]
pub struct Check {
    /// The findings, for stdout.
    pub text: String,
    /// Input files that cannot be read (exit code 3).
    pub unreadable: usize,
}

/// `run --check`: validates the settings and the inputs and says what a run would do; writes
/// nothing.
pub fn check(s: &RunSettings, ui: Ui) -> Result<Check> {
    use std::fmt::Write as _;
    use std::io::BufRead as _;
    let mut out = String::new();
    let layout = Layout::new(&s.data.data);
    let ingest = s.ingest.as_ref().ok_or_else(|| anyhow!("no input"))?;
    let files = discover(&ingest.inputs, &ingest.options)
        .map_err(|e| anyhow::Error::new(e).context(crate::commands::Blame::Input))?;
    let mut unreadable = 0;
    let mut bytes = 0;
    for f in &files {
        bytes += f.size;
        let ok = confstats_ingest::open(&f.path).and_then(|mut r| r.fill_buf().map(|_| ())).is_ok();
        if !ok {
            unreadable += 1;
            let _ = writeln!(out, "unreadable input: {}", f.path.display());
        }
    }
    let unknown = files.iter().filter(|f| f.format.is_none()).count();
    let _ = writeln!(
        out,
        "inputs: {} file(s), {:.1} MB, {} in no known format, {} unreadable",
        files.len(),
        bytes as f64 / 1e6,
        unknown,
        unreadable
    );
    confstats_anonymize::ensure_not_inside(
        &s.data.keys,
        &["store", "stats", "reports", "generations"].map(|d| s.data.data.join(d)),
    )
    .map_err(|e| anyhow::Error::new(e).context(crate::commands::Blame::Usage))?;
    let root = layout.published_root()?;
    let published = Published::load(&root).context("cannot read the published state")?;
    let days = days_to_process(s, &published).map_err(|e| e.context(crate::commands::Blame::Usage))?;
    let _ = writeln!(
        out,
        "data: {} ({} published day(s)); keys: {}",
        s.data.data.display(),
        published.days.len(),
        s.data.keys.display()
    );
    let _ = writeln!(
        out,
        "days to process: {} (complete, inside the retention window, not yet published; days without input are skipped)",
        if days.is_empty() {
            "none".to_owned()
        } else {
            days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        }
    );
    let _ = writeln!(
        out,
        "retention: {} days (keeps {} and later)",
        s.retention_days,
        keep_from(s.now.date_naive(), s.retention_days)
    );
    if RunLock::is_held(layout.data()) {
        let _ = writeln!(out, "note: another run holds the lock right now");
    }
    ui.detail("check wrote nothing");
    Ok(Check { text: out, unreadable })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_keeps_t_minus_5_to_t_minus_1_with_7_days() {
        let t = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(keep_from(t, 7), NaiveDate::from_ymd_opt(2026, 11, 21).unwrap());
        assert_eq!(keep_from(t, 2), t);
    }

    #[test]
    fn a_day_is_complete_after_the_cutoff_of_the_next_day() {
        let tz = chrono_tz::Europe::Berlin;
        let six = NaiveTime::from_hms_opt(6, 0, 0).unwrap();
        let before = tz.with_ymd_and_hms(2026, 11, 26, 5, 59, 0).unwrap();
        let after = tz.with_ymd_and_hms(2026, 11, 26, 6, 0, 0).unwrap();
        assert_eq!(last_complete(&before, six), NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        assert_eq!(last_complete(&after, six), NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    }
}
