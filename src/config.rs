//! The TOML configuration file and its merge with command-line flags (every key is also a flag;
//! a flag wins over the file, the file over the default). `examples/confstats.toml` documents
//! each key.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use confstats_ingest::{IngestOptions, LogFormat, SchoolRule, ServerRule};
use confstats_report::{AggregateOptions, K};
use serde::Deserialize;

/// The configuration file's contents. Not personal data (the opt-out *file* is only a path).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Log files or directories to read.
    pub input: Option<Vec<PathBuf>>,
    /// Default time zone of servers and of local dates (IANA name).
    pub time_zone: Option<String>,
    /// Regular expression deriving the school from the external meeting id.
    pub school_pattern: Option<String>,
    /// File of account ids whose holders withdrew consent.
    pub opt_out: Option<PathBuf>,
    /// Lines longer than this many bytes are quarantined.
    pub max_line_bytes: Option<usize>,
    /// Worker threads (0 = all cores).
    pub threads: Option<usize>,
    /// Per-server names and time zones.
    #[serde(default)]
    pub servers: Vec<FileServer>,
    /// The data directory (store, quarantine, statistics, reports, runs).
    pub data: Option<PathBuf>,
    /// The keys directory (default `DATA/keys`); production configs put it outside DATA.
    pub keys: Option<PathBuf>,
    /// Days per pseudonymisation key epoch (default 1).
    pub epoch_days: Option<u32>,
    /// Suppression threshold k of the statistics (default 5, at least 3).
    pub k: Option<u32>,
    /// School hours, local time, `HH:MM-HH:MM` (default `07:30-16:00`).
    pub school_hours: Option<String>,
    /// School days (default `["mon", "tue", "wed", "thu", "fri"]`).
    pub school_days: Option<Vec<String>>,
    /// Days without school: dates `YYYY-MM-DD` or ranges `YYYY-MM-DD..YYYY-MM-DD` (inclusive).
    pub holidays: Option<Vec<String>>,
    /// Days that store partitions, quarantine entries and keys are kept (default and maximum 7).
    pub retention_days: Option<u32>,
    /// Languages of the nightly reports (default `["de"]`).
    pub report_languages: Option<Vec<String>>,
    /// Formats of the nightly reports (default `["html", "csv"]`).
    pub report_formats: Option<Vec<String>>,
    /// Whether the nightly run deletes raw input logs older than the retention window (default
    /// false: log rotation usually does it).
    pub delete_raw_logs: Option<bool>,
    /// Local time of the day after D up to which D's logs are read (default `06:00`): D is
    /// processed by the first run after this time.
    pub cutoff: Option<String>,
}

/// One `[[servers]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileServer {
    /// Directory holding the server's logs.
    pub path: PathBuf,
    /// The server's name (default: the directory name).
    pub name: Option<String>,
    /// The server's time zone (default: the global `time_zone`).
    pub time_zone: Option<String>,
}

impl FileConfig {
    /// Reads a configuration file; errors name the file and the key, never a value.
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            // toml's message quotes the offending line, which could hold a value: keep only the
            // position and the kind of problem.
            let span = e.span().map(|s| line_of(&text, s.start)).map(|l| format!(" at line {l}")).unwrap_or_default();
            let what = e.message().lines().next().unwrap_or("invalid TOML").to_owned();
            anyhow::anyhow!("invalid config file {}{span}: {what}", path.display())
        })
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// The ingest flags shared by every command that reads logs.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct IngestArgs {
    /// Log files or directories (searched recursively; gzip is read transparently). A file's
    /// server is the name of the directory holding it unless `--server` maps it.
    #[arg(long, short, value_name = "PATH", num_args = 1..)]
    pub input: Vec<PathBuf>,
    /// Default time zone of the servers, for logs without a zone (FreeSWITCH) and local dates.
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Regular expression that derives the school (IServ instance) from the external meeting id;
    /// its first capture group is the school id.
    #[arg(long, value_name = "REGEX")]
    pub school_pattern: Option<String>,
    /// File of account ids (one per line, `#` comments) whose holders withdrew consent: their
    /// events are dropped right after parsing and counted nowhere.
    #[arg(long, value_name = "FILE")]
    pub opt_out: Option<PathBuf>,
    /// Name a server and optionally its time zone: `PATH=NAME` or `PATH=NAME@ZONE`.
    #[arg(long = "server", value_name = "PATH=NAME[@ZONE]")]
    pub servers: Vec<String>,
    /// Read every file as this format instead of detecting it from the first lines: html5-client,
    /// html5-journal, bbb-web, nginx-access, webhooks, freeswitch, sfu, akka-apps or canonical.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<LogFormat>,
    /// Lines longer than this many bytes are quarantined as `line_too_long`.
    #[arg(long, value_name = "BYTES")]
    pub max_line_bytes: Option<usize>,
    /// Worker threads (0 = all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

fn parse_format(s: &str) -> Result<LogFormat, String> {
    s.parse()
}

fn parse_tz(field: &str, s: &str) -> Result<Tz> {
    s.parse::<Tz>().map_err(|_| {
        anyhow::anyhow!("invalid setting `{field}`: unknown time zone (use an IANA name such as Europe/Berlin)")
    })
}

/// Settings for reading logs, merged from flags, config file and defaults.
pub struct IngestSettings {
    /// The inputs.
    pub inputs: Vec<PathBuf>,
    /// The library options. **Holds personal data** (the opt-out list).
    pub options: IngestOptions,
}

impl IngestArgs {
    /// Merges flags over the config file over the defaults.
    pub fn resolve(&self, file: &FileConfig) -> Result<IngestSettings> {
        let mut options = IngestOptions::default();
        if let Some(tz) = self.time_zone.as_deref().or(file.time_zone.as_deref()) {
            options.time_zone = parse_tz("time_zone", tz)?;
        }
        if let Some(p) = self.school_pattern.as_deref().or(file.school_pattern.as_deref()) {
            options.school_rule = SchoolRule::try_new(p)?;
        }
        if let Some(path) = self.opt_out.as_ref().or(file.opt_out.as_ref()) {
            options.opt_out = read_opt_out(path)?;
        }
        if let Some(n) = self.max_line_bytes.or(file.max_line_bytes) {
            if n < 1024 {
                bail!("invalid setting `max_line_bytes`: must be at least 1024");
            }
            options.max_line_bytes = n;
        }
        options.threads = self.threads.or(file.threads).unwrap_or(0);
        options.format = self.format;
        for s in &file.servers {
            let time_zone = s.time_zone.as_deref().map(|z| parse_tz("servers.time_zone", z)).transpose()?;
            options.servers.push(ServerRule { path: s.path.clone(), name: s.name.clone(), time_zone });
        }
        for spec in &self.servers {
            let (path, rest) =
                spec.split_once('=').context("invalid `--server`: expected PATH=NAME or PATH=NAME@ZONE")?;
            let (name, zone) = match rest.split_once('@') {
                Some((n, z)) => (n, Some(parse_tz("--server", z)?)),
                None => (rest, None),
            };
            if name.is_empty() {
                bail!("invalid `--server`: the server name after `=` is empty");
            }
            options.servers.push(ServerRule { path: path.into(), name: Some(name.to_owned()), time_zone: zone });
        }
        let inputs = if self.input.is_empty() { file.input.clone().unwrap_or_default() } else { self.input.clone() };
        if inputs.is_empty() {
            bail!("no input: give `--input PATH…` or `input = [...]` in the config file");
        }
        Ok(IngestSettings { inputs, options })
    }
}

/// Where the data and the keys live, and the key epoch: shared by `anonymize` and `keys`.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct DataArgs {
    /// The data directory: `DATA/store/date=…/*.parquet`, `DATA/quarantine/`, and by default
    /// `DATA/keys/`.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The keys directory (default `DATA/keys`). Keep it apart from published outputs; deleting a
    /// key makes every pseudonym of its epoch unlinkable.
    #[arg(long, value_name = "DIR")]
    pub keys: Option<PathBuf>,
    /// Days per pseudonymisation key epoch: pseudonyms link within an epoch, never across.
    #[arg(long, value_name = "DAYS")]
    pub epoch_days: Option<u32>,
}

/// Data settings merged from flags, config file and defaults. Not personal data.
pub struct DataSettings {
    /// The data directory.
    pub data: PathBuf,
    /// The keys directory.
    pub keys: PathBuf,
    /// Days per key epoch.
    pub epoch_days: u32,
}

impl DataArgs {
    /// Merges flags over the config file over the defaults.
    pub fn resolve(&self, file: &FileConfig) -> Result<DataSettings> {
        let data = self
            .data
            .clone()
            .or_else(|| file.data.clone())
            .context("no data directory: give `--data DIR` or `data = \"…\"` in the config file")?;
        let keys = self.keys.clone().or_else(|| file.keys.clone()).unwrap_or_else(|| data.join("keys"));
        let epoch_days = self.epoch_days.or(file.epoch_days).unwrap_or(1);
        if !(1..=7).contains(&epoch_days) {
            bail!("invalid setting `epoch_days`: must be 1 to 7 (a key must not outlive the 7-day retention)");
        }
        Ok(DataSettings { data, keys, epoch_days })
    }
}

/// The statistics flags: suppression threshold and school hours.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct StatsArgs {
    /// Suppression threshold: a cell with fewer than K distinct participants is suppressed
    /// whole, with secondary suppression so that totals cannot reveal it (default 5, never
    /// below 3).
    #[arg(long, value_name = "K")]
    pub k: Option<u32>,
    /// School hours, local time (default 07:30-16:00): the share of use outside them is reported.
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub school_hours: Option<String>,
    /// School days, comma-separated (default mon,tue,wed,thu,fri).
    #[arg(long, value_name = "DAYS", value_delimiter = ',')]
    pub school_days: Vec<String>,
    /// A day or an inclusive range of days without school (repeatable):
    /// `2026-12-24` or `2026-12-21..2027-01-02`.
    #[arg(long = "holiday", value_name = "DATE[..DATE]")]
    pub holidays: Vec<String>,
    /// Local time zone of dates, hours and weekdays: the command's `--time-zone` flag (each
    /// command that aggregates has one), else the config file's `time_zone`.
    #[arg(skip)]
    pub time_zone: Option<String>,
}

impl StatsArgs {
    /// Merges flags over the config file over the defaults.
    pub fn resolve(&self, file: &FileConfig) -> Result<AggregateOptions> {
        let mut opts = AggregateOptions::default();
        if let Some(k) = self.k.or(file.k) {
            opts.k = K::try_new(k)?;
        }
        if let Some(tz) = self.time_zone.as_deref().or(file.time_zone.as_deref()) {
            opts.time_zone = parse_tz("time_zone", tz)?;
        }
        if let Some(h) = self.school_hours.as_deref().or(file.school_hours.as_deref()) {
            let bad = || anyhow::anyhow!("invalid setting `school_hours`: expected HH:MM-HH:MM, e.g. 07:30-16:00");
            let (a, b) = h.split_once('-').ok_or_else(bad)?;
            let parse = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
            let (start, end) = (parse(a)?, parse(b)?);
            if end <= start {
                bail!("invalid setting `school_hours`: the end must be after the start");
            }
            opts.school_hours.start = start;
            opts.school_hours.end = end;
        }
        let days = if self.school_days.is_empty() { file.school_days.clone() } else { Some(self.school_days.clone()) };
        if let Some(days) = days {
            opts.school_hours.weekdays = days
                .iter()
                .map(|d| {
                    d.trim().parse::<Weekday>().map_err(|_| {
                        anyhow::anyhow!("invalid setting `school_days`: use mon, tue, wed, thu, fri, sat or sun")
                    })
                })
                .collect::<Result<_>>()?;
        }
        let holidays =
            if self.holidays.is_empty() { file.holidays.clone().unwrap_or_default() } else { self.holidays.clone() };
        for h in &holidays {
            let bad = || anyhow::anyhow!("invalid setting `holidays`: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD");
            let (a, b) = h.split_once("..").unwrap_or((h, h));
            let parse = |d: &str| d.trim().parse::<NaiveDate>().map_err(|_| bad());
            let (a, b) = (parse(a)?, parse(b)?);
            if b < a || (b - a).num_days() > 366 {
                bail!("invalid setting `holidays`: a range must run forwards and span at most a year");
            }
            opts.school_hours.holidays.extend(a.iter_days().take_while(|d| *d <= b));
        }
        Ok(opts)
    }
}

/// Reads an opt-out file: one account id per line, `#` starts a comment, blank lines ignored.
/// The ids are personal data: they are only compared, never printed.
pub fn read_opt_out(path: &Path) -> Result<HashSet<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read opt-out file {}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split_once('#').map_or(l, |(before, _)| before).trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_out_file_ignores_comments_and_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("opt-out.txt");
        std::fs::write(&p, "# withdrawn 2026-11\nj.beispiel\n\n  m.muster  # by letter\n").unwrap();
        let set = read_opt_out(&p).unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.contains("j.beispiel") && set.contains("m.muster"));
    }

    #[test]
    fn flags_win_over_the_file_and_typos_are_refused() {
        let file: FileConfig = toml::from_str("time_zone = 'Europe/Vienna'\ninput = ['a']\nthreads = 3").unwrap();
        let args = IngestArgs { threads: Some(1), ..Default::default() };
        let s = args.resolve(&file).unwrap();
        assert_eq!(s.options.threads, 1);
        assert_eq!(s.options.time_zone, chrono_tz::Europe::Vienna);
        assert_eq!(s.inputs, vec![PathBuf::from("a")]);
        assert!(toml::from_str::<FileConfig>("time_zon = 'x'").is_err());
    }

    #[test]
    fn config_errors_do_not_quote_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "input = ['x']\nopt_out = 'Jürgen Beispiel' 'oops'\n").unwrap();
        let msg = format!("{:#}", FileConfig::load(&p).unwrap_err());
        assert!(msg.contains("line 2"), "{msg}");
        assert!(!msg.contains("Jürgen"), "{msg}");
    }

    #[test]
    fn school_hours_days_and_holidays_are_read_from_flags_and_file() {
        let file: FileConfig = toml::from_str(
            "k = 7\nschool_hours = '08:00-13:15'\nschool_days = ['mon', 'sat']\nholidays = ['2026-12-23..2026-12-25', '2027-01-06']",
        )
        .unwrap();
        let opts = StatsArgs::default().resolve(&file).unwrap();
        assert_eq!(opts.k.get(), 7);
        assert_eq!(opts.school_hours.start, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        assert_eq!(opts.school_hours.end, NaiveTime::from_hms_opt(13, 15, 0).unwrap());
        assert_eq!(opts.school_hours.weekdays, vec![Weekday::Mon, Weekday::Sat]);
        assert_eq!(opts.school_hours.holidays.len(), 4);
        let flags = StatsArgs { k: Some(3), ..Default::default() };
        assert_eq!(flags.resolve(&file).unwrap().k.get(), 3);
        for bad in ["k = 2", "school_hours = '16:00-07:30'", "school_days = ['someday']", "holidays = ['2026-13-01']"] {
            let file: FileConfig = toml::from_str(bad).unwrap();
            assert!(StatsArgs::default().resolve(&file).is_err(), "{bad}");
        }
    }
}
