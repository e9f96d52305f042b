//! The subcommands: turn parsed flags into library options, run, print.

use std::fmt;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Duration, Local};
use confstats_anonymize::{AnonymizeOptions, KeyStore, anonymize};
use confstats_generate::{GenerateOptions, generate};
use confstats_ingest::{IngestSummary, QuarantineEntry, RawEvent, Sink, discover, ingest};
use indicatif::ProgressBar;

use crate::cli::{AggregateArgs, Cli, Command, KeysCommand, ReportArgs, ShapeArgs};
use crate::config::{DataArgs, DataSettings, FileConfig, IngestArgs, IngestSettings, StatsArgs};
use crate::{exit, output};

/// Marks an error as the user's mistake (exit code 2) or as unreadable input (exit code 3).
#[derive(Debug, Clone, Copy)]
enum Blame {
    Usage,
    Input,
}

impl fmt::Display for Blame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Blame::Usage => "bad usage or configuration",
            Blame::Input => "cannot read input",
        })
    }
}

/// The exit code for an error returned by [`run`].
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<Blame>() {
        Some(Blame::Usage) => exit::USAGE,
        Some(Blame::Input) => exit::INPUT,
        None => exit::INTERNAL,
    }
}

/// Runs one command; returns its exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let file = match &cli.config {
        Some(path) => FileConfig::load(path).context(Blame::Usage)?,
        None => FileConfig::default(),
    };
    match cli.command {
        Command::Generate(args) => {
            let opts = generate_options(args.out.clone(), &args.shape)?;
            run_generate(&opts, cli.quiet)?;
            Ok(exit::OK)
        }
        Command::Demo(args) => {
            let opts = generate_options(args.out.clone(), &args.shape)?;
            run_generate(&opts, cli.quiet)?;
            let ingest_args = IngestArgs {
                input: vec![args.out.join("logs")],
                time_zone: Some(args.shape.time_zone.clone()),
                ..IngestArgs::default()
            };
            let settings = ingest_args.resolve(&file).context(Blame::Usage)?;
            let data_args = DataArgs { data: Some(args.out.join("data")), ..DataArgs::default() };
            let data = data_args.resolve(&file).context(Blame::Usage)?;
            let code = run_anonymize(&settings, &data, false, cli.quiet)?;
            let stats = StatsArgs { time_zone: Some(args.shape.time_zone.clone()), ..StatsArgs::default() };
            let agg = AggregateArgs { data: data_args.clone(), stats, date: vec![], json: false };
            run_aggregate(&agg, &file, cli.quiet)?;
            let report = ReportArgs {
                data: data_args,
                school: None,
                from: None,
                to: None,
                lang: "de".into(),
                format: "html".into(),
                out: None,
            };
            run_report(&report, &file, cli.quiet)?;
            Ok(code)
        }
        Command::Aggregate(args) => run_aggregate(&args, &file, cli.quiet),
        Command::Report(args) => run_report(&args, &file, cli.quiet),
        Command::Anonymize(args) => {
            let settings = args.ingest.resolve(&file).context(Blame::Usage)?;
            let data = args.data.resolve(&file).context(Blame::Usage)?;
            run_anonymize(&settings, &data, args.json, cli.quiet)
        }
        Command::Keys(KeysCommand::List { data, json }) => {
            let data = data.resolve(&file).context(Blame::Usage)?;
            let store = KeyStore::open(&data.keys, data.epoch_days).context(Blame::Input)?;
            let keys = store.list().context(Blame::Input)?;
            output::stdout(&output::keys_list(&keys, &data.keys, json)?)?;
            Ok(exit::OK)
        }
        Command::Keys(KeysCommand::Purge { data, before, epoch, all }) => {
            let data = data.resolve(&file).context(Blame::Usage)?;
            let store = KeyStore::open(&data.keys, data.epoch_days).context(Blame::Input)?;
            let purged = match (before, epoch) {
                (Some(d), _) => store.purge_before(d)?,
                (None, Some(e)) => {
                    if store.purge(e)? {
                        vec![e]
                    } else {
                        Vec::new()
                    }
                }
                (None, None) if all => {
                    let mut purged = Vec::new();
                    for k in store.list()? {
                        if store.purge(k.epoch_start)? {
                            purged.push(k.epoch_start);
                        }
                    }
                    purged
                }
                (None, None) => anyhow::bail!("nothing to purge"),
            };
            if !cli.quiet {
                output::stdout(&output::keys_purged(&purged))?;
            }
            Ok(exit::OK)
        }
        Command::Ingest(args) => {
            let settings = args.ingest.resolve(&file).context(Blame::Usage)?;
            run_ingest(&settings, args.json, cli.quiet)
        }
    }
}

fn generate_options(out: std::path::PathBuf, shape: &ShapeArgs) -> Result<GenerateOptions> {
    let time_zone = shape
        .time_zone
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid `--generate-time-zone`: unknown time zone"))
        .context(Blame::Usage)?;
    let start = shape.start.unwrap_or_else(|| Local::now().date_naive() - Duration::days(i64::from(shape.days)));
    let mut opts = GenerateOptions::new(out, start);
    opts.schools = shape.schools;
    opts.days = shape.days;
    opts.seed = shape.seed;
    opts.scale = shape.scale;
    opts.servers = shape.servers;
    opts.time_zone = time_zone;
    Ok(opts)
}

fn run_generate(opts: &GenerateOptions, quiet: bool) -> Result<()> {
    let started = Instant::now();
    let pb = output::spinner(quiet, "generating");
    let result = generate(opts);
    pb.finish_and_clear();
    let summary = result.map_err(|e| {
        let blame = match e {
            confstats_generate::Error::InvalidOptions { .. } => Blame::Usage,
            _ => Blame::Input,
        };
        anyhow::Error::new(e).context(blame)
    })?;
    if !quiet {
        output::stdout(&output::generate_text(&summary, &opts.out, started.elapsed()))?;
    }
    Ok(())
}

/// Keeps the first quarantine entries for the summary and ticks the progress counter.
struct CliSink {
    progress: ProgressBar,
    pending: u64,
    quarantine: Vec<QuarantineEntry>,
}

const SHOW_QUARANTINE: usize = 10;

impl Sink for CliSink {
    fn event(&mut self, _event: RawEvent) {
        self.pending += 1;
        if self.pending == 10_000 {
            self.progress.inc(self.pending);
            self.pending = 0;
        }
    }

    fn quarantine(&mut self, entry: QuarantineEntry) {
        if self.quarantine.len() < SHOW_QUARANTINE {
            self.quarantine.push(entry);
        }
    }
}

fn run_ingest(settings: &IngestSettings, json: bool, quiet: bool) -> Result<u8> {
    let started = Instant::now();
    let files = discover(&settings.inputs, &settings.options).context(Blame::Input)?;
    let unknown = files.iter().filter(|f| f.format.is_none()).count();
    if unknown > 0 {
        output::note(
            quiet,
            &format!(
                "note: {unknown} file(s) match no known log format; their lines are skipped (use --format to force one)"
            ),
        );
    }
    let progress = output::spinner(quiet || json, "events");
    let (summary, sinks) = ingest(&files, &settings.options, || CliSink {
        progress: progress.clone(),
        pending: 0,
        quarantine: Vec::new(),
    });
    progress.finish_and_clear();
    let mut quarantine: Vec<QuarantineEntry> = sinks.into_iter().flat_map(|s| s.quarantine).collect();
    quarantine.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    quarantine.truncate(SHOW_QUARANTINE);
    let elapsed = started.elapsed();
    if json {
        output::stdout(&output::ingest_json(&summary, elapsed)?)?;
    } else if !quiet {
        output::stdout(&output::ingest_text(&summary, elapsed, &quarantine))?;
    }
    Ok(exit_for(&summary))
}

fn run_anonymize(settings: &IngestSettings, data: &DataSettings, json: bool, quiet: bool) -> Result<u8> {
    let files = discover(&settings.inputs, &settings.options).context(Blame::Input)?;
    let mut opts = AnonymizeOptions::new(data.data.clone());
    opts.keys_dir = Some(data.keys.clone());
    opts.epoch_days = data.epoch_days;
    opts.time_zone = settings.options.time_zone;
    let progress = output::spinner(quiet || json, "anonymising");
    let result = anonymize(&files, &settings.options, &opts);
    progress.finish_and_clear();
    let summary = result.map_err(|e| {
        use confstats_anonymize::Error as E;
        let blame = match e {
            E::Config { .. } | E::KeysDirPublished { .. } | E::KeyFilePermissions { .. } | E::KeyFileSize { .. } => {
                Some(Blame::Usage)
            }
            _ => None,
        };
        let e = anyhow::Error::new(e);
        match blame {
            Some(b) => e.context(b),
            None => e,
        }
    })?;
    if json {
        output::stdout(&output::anonymize_json(&summary)?)?;
    } else if !quiet {
        output::stdout(&output::anonymize_text(&summary, &data.data))?;
    }
    Ok(exit_for(&summary.ingest))
}

/// Maps a report-crate error to an exit code: missing statistics and bad settings are the
/// user's to fix (2), files that cannot be read or written (or a store file polars cannot read)
/// are input errors (3), the rest are bugs (1).
fn blame_report(e: confstats_report::Error) -> anyhow::Error {
    use confstats_report::Error as E;
    let blame = match &e {
        E::Config { .. } | E::NoData(_) | E::SchemaVersion { .. } => Some(Blame::Usage),
        E::Io { .. } | E::Polars { .. } => Some(Blame::Input),
        _ => None,
    };
    let e = anyhow::Error::new(e);
    match blame {
        Some(b) => e.context(b),
        None => e,
    }
}

fn run_aggregate(args: &AggregateArgs, file: &FileConfig, quiet: bool) -> Result<u8> {
    let data = args.data.resolve(file).context(Blame::Usage)?;
    let mut opts = args.stats.resolve(file).context(Blame::Usage)?;
    opts.dates.clone_from(&args.date);
    let started = Instant::now();
    let progress = output::counter(quiet || args.json, "aggregating", "days");
    let summary = confstats_report::aggregate(&data.data, &opts, |_, total| {
        progress.set_length(total as u64);
        progress.inc(1);
    });
    progress.finish_and_clear();
    let summary = summary.map_err(blame_report)?;
    if args.json {
        output::stdout(&output::aggregate_json(&summary)?)?;
    } else if !quiet {
        output::stdout(&output::aggregate_text(&summary, &data.data, opts.k.get(), started.elapsed()))?;
    }
    Ok(exit::OK)
}

fn run_report(args: &ReportArgs, file: &FileConfig, quiet: bool) -> Result<u8> {
    use confstats_report::{Lang, ReportFormat, ReportOptions};
    let data = args.data.resolve(file).context(Blame::Usage)?;
    let lang: Lang =
        args.lang.parse().map_err(|_| anyhow::anyhow!("invalid `--lang`: use de or en")).context(Blame::Usage)?;
    let format: ReportFormat = args
        .format
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid `--format`: use html, csv, json or md"))
        .context(Blame::Usage)?;
    let opts = ReportOptions { school: args.school.clone(), from: args.from, to: args.to, lang, format };
    let files = confstats_report::render_reports(&data.data, &opts).map_err(blame_report)?;
    let out = args.out.clone().unwrap_or_else(|| data.data.join("reports"));
    if out.as_os_str() == "-" {
        let [only] = files.as_slice() else {
            return Err(anyhow::anyhow!("`--out -` writes one report: add `--school ID`").context(Blame::Usage));
        };
        output::stdout_bytes(&only.contents)?;
        return Ok(exit::OK);
    }
    let single_file = files.len() == 1 && out.extension().is_some() && !out.is_dir();
    let mut written = Vec::with_capacity(files.len());
    for f in &files {
        let path = if single_file { out.clone() } else { out.join(&f.name) };
        output::write_atomic(&path, &f.contents).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    if !quiet {
        output::stdout(&output::report_text(&written))?;
    }
    Ok(exit::OK)
}

fn exit_for(summary: &IngestSummary) -> u8 {
    if summary.failed_files.is_empty() { exit::OK } else { exit::INPUT }
}
