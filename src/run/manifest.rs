//! The run manifest `DATA/runs/<date>-<time>.json` and the published generation's
//! `published.json`: counts, names, durations and versions — never a personal value. The
//! manifest is audited like every other output before it is written.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use confstats_anonymize::AuditReport;
use confstats_ingest::{IngestSummary, InputFile};
use confstats_report::TableSummary;
use serde::{Deserialize, Serialize};

/// Version of the manifest's shape.
pub const MANIFEST_VERSION: u32 = 1;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Everything read, audited and published.
    Published,
    /// Published, but some inputs could not be read: the days are marked partial.
    PublishedPartial,
    /// The audit found a personal value: nothing was published.
    AuditFailed,
}

/// One run's record. Not personal data: counts, dates, file paths, durations, versions.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub confstats_version: &'static str,
    pub store_schema_version: &'static str,
    pub stats_schema_version: &'static str,
    pub run_id: String,
    pub status: RunStatus,
    /// The run's clock (local time of the configured zone).
    pub now: String,
    pub started_utc: DateTime<Utc>,
    pub finished_utc: DateTime<Utc>,
    pub settings: ManifestSettings,
    /// Days processed by this run (local dates) and whether they are partial.
    pub days: Vec<DayRecord>,
    pub inputs: Vec<InputRecord>,
    /// Ingest's line accounting: lines = parsed + quarantined + skipped; events by kind,
    /// quarantined by reason, opt-outs, unreadable files.
    pub lines: Option<IngestSummary>,
    pub records: RecordCounts,
    pub statistics: Vec<TableSummary>,
    pub reports: Vec<String>,
    pub audit: Option<AuditReport>,
    pub purged: Purged,
    pub retention: RetentionState,
    /// Wall-clock seconds per step.
    pub steps: BTreeMap<&'static str, f64>,
}

/// The settings that shaped the outputs. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestSettings {
    pub time_zone: String,
    pub k: u32,
    pub retention_days: u32,
    pub epoch_days: u32,
    pub threads: usize,
    pub cutoff: String,
    pub report_languages: Vec<String>,
    pub report_formats: Vec<String>,
    pub opt_out_entries: usize,
}

/// A processed day. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub struct DayRecord {
    pub date: NaiveDate,
    pub records: u64,
    pub partial: bool,
}

/// An input file: path, server, format, size and BLAKE3 checksum. Not personal data (a path
/// names a server and a log file; the checksum cannot be reversed).
#[derive(Debug, Clone, Serialize)]
pub struct InputRecord {
    pub path: PathBuf,
    pub server: String,
    pub format: Option<&'static str>,
    pub bytes: u64,
    pub blake3: Option<String>,
}

/// Store records written and events dropped before the store. Not personal data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordCounts {
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
    pub by_date: BTreeMap<NaiveDate, u64>,
    pub dropped: BTreeMap<String, u64>,
    pub quarantine_entries: u64,
}

/// What retention deleted. Not personal data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Purged {
    pub store_days: Vec<NaiveDate>,
    pub quarantine_days: Vec<NaiveDate>,
    pub key_epochs: Vec<NaiveDate>,
    pub raw_logs: Vec<PathBuf>,
    /// Unpublished or superseded generations and staging directories removed.
    pub leftovers: u64,
}

/// The oldest data still kept after the run. Not personal data.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RetentionState {
    pub retention_days: u32,
    /// The first day kept: every older day was deleted.
    pub keep_from: Option<NaiveDate>,
    pub oldest_store_day: Option<NaiveDate>,
    pub oldest_quarantine_day: Option<NaiveDate>,
    pub oldest_key_epoch: Option<NaiveDate>,
    /// Days from the start of the oldest stored day to the run's clock (must be ≤ retention).
    pub oldest_record_age_days: Option<f64>,
    /// Whether nothing older than the window is kept.
    pub within_retention: bool,
}

/// The published generation's record of which days it holds. Not personal data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Published {
    pub run_id: String,
    pub days: BTreeMap<NaiveDate, PublishedDay>,
}

/// A published day. Not personal data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PublishedDay {
    /// `false` when some inputs were unreadable: the next run processes the day again.
    pub complete: bool,
    pub run_id: String,
    pub records: u64,
}

impl Published {
    pub const FILE: &'static str = "published.json";

    /// Reads `root/published.json`; an empty record when there is none.
    pub fn load(root: &Path) -> io::Result<Published> {
        match std::fs::read(root.join(Self::FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Published::default()),
            Err(e) => Err(e),
        }
    }
}

/// The BLAKE3 checksum of an input file, for the manifest. This is the one unkeyed hash the
/// project allows (clippy.toml): it is taken over a whole log file, whose contents cannot be
/// guessed, never over a single personal value.
#[allow(clippy::disallowed_methods)]
pub fn checksum(path: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Checksums of `files`, computed by `threads` workers; `None` for a file that cannot be read
/// (ingest reports it).
pub fn input_records(files: &[InputFile], threads: usize) -> Vec<InputRecord> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let sums: Vec<std::sync::Mutex<Option<String>>> = files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(f) = files.get(i) else { break };
                    let sum = checksum(&f.path).ok();
                    *sums[i].lock().unwrap_or_else(|p| p.into_inner()) = sum;
                }
            });
        }
    });
    files
        .iter()
        .zip(sums)
        .map(|(f, sum)| InputRecord {
            path: f.path.clone(),
            server: f.server.clone(),
            format: f.format.map(|x| x.as_str()),
            bytes: f.size,
            blake3: sum.into_inner().unwrap_or_else(|p| p.into_inner()),
        })
        .collect()
}
