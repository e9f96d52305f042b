//! Command-line syntax (clap). Flags are turned into library options in `config` and `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{DataArgs, IngestArgs, StatsArgs};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal error (a bug; please report it)
  2  bad usage or configuration
  3  an input could not be read (the rest was processed; `run` publishes the days marked partial)
  4  the leak audit found a personal value in an output: nothing was published
  5  another run holds the lock of the data directory

Privacy: confstats never prints a personal value (name, IP, id, token, log text). Messages name
the file, the line number and the field instead.";

/// confstats — anonymous usage statistics and pseudonymised diagnostics from BigBlueButton logs.
///
/// Start with `confstats demo`: it generates a week of realistic synthetic server logs and runs
/// the nightly job over them. `confstats ingest --input DIR` reads real logs and summarises what
/// it found; `confstats run --config FILE` is the nightly job itself.
#[derive(Debug, Parser)]
#[command(name = "confstats", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// Configuration file (TOML); every key is also a flag, and flags win. See
    /// examples/confstats.toml.
    #[arg(long, global = true, value_name = "FILE", env = "CONFSTATS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail about each step.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the nightly pipeline on built-in sample data, one night after the other.
    ///
    /// Generates a week of synthetic server logs (a few schools, the week ending yesterday) into
    /// `--out` (default `confstats-demo/`), then runs `confstats run` over them as the nightly
    /// timer would, once per day with the clock set to the next morning, into `OUT/data/`, and
    /// prints where the HTML reports are. Nothing in it belongs to a real person.
    Demo(DemoArgs),
    /// The nightly batch: ingest → anonymise → store → aggregate → reports → audit → publish →
    /// purge.
    ///
    /// Processes every complete local day (after the next day's cut-off, default 06:00) within the
    /// retention window that is not yet published, oldest first — so it catches up after an
    /// outage — or exactly `--date D`. Everything is written to a new generation directory and
    /// published by one atomic switch of `DATA/current` only after the leak audit found no
    /// personal value of the input in any output; a crash leaves the published state as it was.
    /// Then it deletes store days, quarantine and keys older than the retention window. Writes
    /// a manifest to `DATA/runs/`. Meant for a systemd timer or cron (see the README).
    Run(Box<RunArgs>),
    /// Delete what is older than the retention window: store days, quarantine, keys.
    ///
    /// The nightly `run` does this every time; `purge` does it on demand (it takes the same
    /// lock and publishes the reduced state the same atomic way).
    Purge(PurgeArgs),
    /// Scan outputs for the personal values of input logs (the nightly run's leak audit).
    ///
    /// Reads `--input` like `anonymize` (nothing is written) to learn every name, IP address,
    /// e-mail address, identifier and secret in it, then scans every file below the data
    /// directory's `store/`, `stats/`, `reports/` and `runs/` — decoding Parquet string columns,
    /// percent-, `\xHH`- and HTML-encodings — and names each file and kind of value found (never
    /// the value). Exit code 4 when anything is found.
    Audit(AuditArgs),
    /// Write realistic synthetic BigBlueButton server logs with ground truth.
    ///
    /// Per conference server, `OUT/logs/<server>/` gets the files a real server writes (bbb-web,
    /// nginx access and client logs, webhooks, FreeSWITCH, SFU, akka-apps; older days rotated as
    /// `*.log.N.gz`). `OUT/ground-truth.json` holds the figures per school and day computed from
    /// the generator's own model; `OUT/personal-values.txt` every personal string it wrote, for
    /// leak audits. Same seed and start give byte-identical output.
    Generate(GenerateArgs),
    /// Parse logs without writing anything and summarise: lines, events, formats, quarantine.
    ///
    /// Every line is accounted for: `lines = parsed + quarantined + skipped`. Lines that cannot
    /// be parsed are reported by file, line number and reason, never by content.
    Ingest(IngestCmdArgs),
    /// Pseudonymise logs into the 7-day diagnostic store.
    ///
    /// Reads the logs like `ingest`, drops names, IP addresses, content and duplicate facts,
    /// replaces identifiers by keyed pseudonyms (`p_` participant, `s_` session, `m_` meeting,
    /// `r_` room, `n_` network) and writes `DATA/store/date=YYYY-MM-DD/<server>-<part>.parquet`.
    /// Re-running the same input replaces its files. Unparsable lines go to
    /// `DATA/quarantine/date=…/` as file, line number and reason.
    Anonymize(AnonymizeArgs),
    /// Compute anonymous statistics from the store into `DATA/stats/`.
    ///
    /// Reads `DATA/store/date=…/` (every date, or `--date`), computes the tables of
    /// `schemas/stats.schema.json` (daily usage per school, usage by hour, clients, media, sizes
    /// and durations, errors, the provider's fleet view per server and hour) and suppresses every
    /// cell with fewer than k participants, with secondary suppression. Writes
    /// `DATA/stats/<table>/date=YYYY-MM-DD/part-0.parquet`; re-running a date replaces it.
    Aggregate(AggregateArgs),
    /// Render the school leaders' reports and the provider overview from `DATA/stats/`.
    ///
    /// One report per school (German by default, `--lang en` for English) plus
    /// `overview.<lang>.<ext>` across schools, for the period `--from`..`--to` (default: the
    /// four weeks up to the latest statistics) with trends against the period before. HTML is one
    /// self-contained file (no script, nothing loaded from the network); CSV and JSON carry the
    /// same figures; Markdown suits e-mail. Written to `--out` (default `DATA/reports/`).
    Report(ReportArgs),
    /// List or delete the pseudonymisation keys (one per epoch).
    ///
    /// Deleting a key makes every pseudonym made with it unlinkable, for good.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// SQL over the pseudonymised store: tables `events`, `sessions`, `errors`.
    ///
    /// Reads the published store (the days whose key is alive) with polars SQL and prints a
    /// table, CSV or JSON. Every value is a pseudonym (p_, s_, m_, r_, n_), a generalised value
    /// or a scrubbed template. `confstats query --help` lists the columns and examples.
    Query(crate::diag::args::QueryArgs),
    /// The timeline of one conference, room, participant or session.
    ///
    /// Joins and leaves, reconnects and gaps, audio, webcam and screen sharing, errors with
    /// their meaning, device and browser class, network pseudonym; text for a terminal or JSON.
    Trace(crate::diag::args::TraceArgs),
    /// From an account id or room id of a support ticket to its pseudonym of each day.
    ///
    /// Computed with each day's key (nothing is stored); the id is never printed, and every
    /// look-up is written to DATA/access.log (who, when, which epochs).
    Lookup(crate::diag::args::LookupArgs),
    /// A data subject's records: `export` (access, portability) or `erase` (erasure).
    #[command(subcommand)]
    Subject(crate::diag::args::SubjectCommand),
}

/// Options of `anonymize`.
#[derive(Debug, Args)]
pub struct AnonymizeArgs {
    #[command(flatten)]
    pub ingest: IngestArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Options of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub ingest: IngestArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub stats: StatsArgs,
    #[command(flatten)]
    pub nightly: NightlyArgs,
    /// (Re)process exactly this local day (it must be complete and inside the retention window).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
    /// Validate the configuration and the inputs and say what a run would do; write nothing.
    #[arg(long)]
    pub check: bool,
}

/// Settings of the nightly run that `run`, `purge` and `demo` share.
#[derive(Debug, Clone, Default, Args)]
pub struct NightlyArgs {
    /// Days that store partitions, quarantine and keys are kept (default and maximum 7).
    #[arg(long, value_name = "DAYS")]
    pub retention_days: Option<u32>,
    /// Languages of the reports, comma-separated (default de).
    #[arg(long = "report-lang", value_name = "LANGS", value_delimiter = ',')]
    pub report_languages: Vec<String>,
    /// Formats of the reports, comma-separated: html, csv, json, md (default html,csv).
    #[arg(long = "report-format", value_name = "FORMATS", value_delimiter = ',')]
    pub report_formats: Vec<String>,
    /// Also delete input log files last modified before the retention window.
    #[arg(long)]
    pub delete_raw_logs: bool,
    /// Local time on the next day after which a day counts as complete (default 06:00).
    #[arg(long, value_name = "HH:MM")]
    pub cutoff: Option<String>,
    /// Use this time as the clock instead of the system's (RFC 3339, e.g.
    /// 2026-11-26T06:30:00+01:00): for replaying past nights and for tests.
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// Options of `purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub nightly: NightlyArgs,
    /// Local time zone of dates (IANA name, default Europe/Berlin).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
}

/// Options of `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub ingest: IngestArgs,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Options of `aggregate`.
#[derive(Debug, Args)]
pub struct AggregateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub stats: StatsArgs,
    /// Local time zone of dates, hours and weekdays (IANA name, default Europe/Berlin).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Aggregate only this date of the store (repeatable); default: every date in the store.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Vec<chrono::NaiveDate>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Options of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only this school's report (its IServ instance id, e.g. iserv-4711); no overview.
    #[arg(long, value_name = "ID")]
    pub school: Option<String>,
    /// First day of the period (default: four weeks before `--to`).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day of the period (default: the latest day with statistics).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<chrono::NaiveDate>,
    /// Language of the reports: de or en.
    #[arg(long, default_value = "de", value_name = "LANG")]
    pub lang: String,
    /// Output format: html, csv, json or md.
    #[arg(long, default_value = "html", value_name = "FORMAT")]
    pub format: String,
    /// Output directory (created if missing), or a file when one report is written
    /// (`--school`). `-` writes a single report to stdout. Default: DATA/reports/.
    #[arg(long, short, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// `keys list` and `keys purge`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the keys by epoch (never their content).
    List {
        #[command(flatten)]
        data: DataArgs,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Delete keys: every key whose epoch ended before `--before`, or one `--epoch`, or `--all`.
    #[command(group = clap::ArgGroup::new("which").required(true))]
    Purge {
        #[command(flatten)]
        data: DataArgs,
        /// Delete every key whose whole epoch lies before this date.
        #[arg(long, value_name = "YYYY-MM-DD", group = "which")]
        before: Option<chrono::NaiveDate>,
        /// Delete the key of the epoch that starts on this date.
        #[arg(long, value_name = "YYYY-MM-DD", group = "which")]
        epoch: Option<chrono::NaiveDate>,
        /// Delete every key.
        #[arg(long, group = "which")]
        all: bool,
    },
}

/// Options of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Output directory (created if missing; files in it are replaced).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub shape: ShapeArgs,
}

/// The shape of a generated data set.
#[derive(Debug, Args)]
pub struct ShapeArgs {
    /// Number of schools (IServ instances).
    #[arg(long, default_value_t = 6, value_name = "N")]
    pub schools: u32,
    /// Number of days.
    #[arg(long, default_value_t = 7, value_name = "N")]
    pub days: u32,
    /// First day (YYYY-MM-DD); default: the days ending yesterday, local time.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub start: Option<chrono::NaiveDate>,
    /// Seed of the random generator.
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Multiplies the number of conferences and the client-log chatter (for benchmarks).
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    pub scale: f64,
    /// Number of conference servers.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub servers: u32,
    /// Time zone of the schools and servers.
    #[arg(long = "generate-time-zone", default_value = "Europe/Berlin", value_name = "ZONE")]
    pub time_zone: String,
}

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the demo data set.
    #[arg(long, short, default_value = "confstats-demo", value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub shape: ShapeArgs,
}

/// Options of `ingest`.
#[derive(Debug, Args)]
pub struct IngestCmdArgs {
    #[command(flatten)]
    pub ingest: IngestArgs,
    /// Print the summary as one JSON object (keys `lines`, `parsed`, `events`, `quarantined`,
    /// `skipped`, `by_format`, `by_kind`, `by_reason`, …) instead of text.
    #[arg(long)]
    pub json: bool,
}
