//! Command-line syntax (clap). Flags are turned into library options in `config` and `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{DataArgs, IngestArgs, StatsArgs};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal error (a bug; please report it)
  2  bad usage or configuration
  3  an input could not be read (the rest was processed; see the summary)

Privacy: confstats never prints a personal value (name, IP, id, token, log text). Messages name
the file, the line number and the field instead.";

/// confstats — anonymous usage statistics and pseudonymised diagnostics from BigBlueButton logs.
///
/// Start with `confstats demo`: it generates a week of realistic synthetic server logs and reads
/// them. `confstats ingest --input DIR` reads real logs and summarises what it found.
#[derive(Debug, Parser)]
#[command(name = "confstats", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// Configuration file (TOML); every key is also a flag, and flags win. See
    /// examples/confstats.toml.
    #[arg(long, global = true, value_name = "FILE", env = "CONFSTATS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the pipeline on built-in sample data: generate logs, pseudonymise, aggregate, report.
    ///
    /// Writes synthetic logs to `--out` (default `confstats-demo/`), anonymises them into
    /// `OUT/data/` (store, quarantine, keys), computes the statistics into `OUT/data/stats/` and
    /// renders the German HTML reports into `OUT/data/reports/`, printing each step's summary
    /// and the reports' paths. Nothing in it belongs to a real person.
    Demo(DemoArgs),
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

/// Options of `aggregate`.
#[derive(Debug, Args)]
pub struct AggregateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub stats: StatsArgs,
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
