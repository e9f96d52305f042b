//! The subcommands: turn parsed flags into library options, run, print.

use std::fmt;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Duration, Local};
use confstats_anonymize::{AnonymizeOptions, KeyStore, anonymize};
use confstats_generate::{GenerateOptions, generate};
use confstats_ingest::{IngestSummary, QuarantineEntry, RawEvent, Sink, discover, ingest};
use indicatif::ProgressBar;

use crate::cli::{AggregateArgs, AuditArgs, Cli, Command, DemoArgs, KeysCommand, NightlyArgs, ReportArgs, ShapeArgs};
use crate::config::{DataArgs, DataSettings, FileConfig, IngestArgs, IngestSettings, StatsArgs};
use crate::{exit, output};

/// Marks an error as the user's mistake (exit code 2) or as unreadable input (exit code 3).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Blame {
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
    if err.downcast_ref::<crate::run::AuditFailed>().is_some() {
        return exit::AUDIT;
    }
    if err.downcast_ref::<crate::run::Locked>().is_some() {
        return exit::LOCKED;
    }
    match err.downcast_ref::<Blame>() {
        Some(Blame::Usage) => exit::USAGE,
        Some(Blame::Input) => exit::INPUT,
        None => exit::INTERNAL,
    }
}

/// Runs one command; returns its exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let ui = crate::run::Ui { quiet: cli.quiet, verbose: cli.verbose };
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
        Command::Demo(args) => run_demo(&args, &file, ui),
        Command::Run(args) => {
            let settings = nightly_settings(
                Some(&args.ingest),
                &args.data,
                &args.stats,
                &args.nightly,
                args.ingest.time_zone.as_deref(),
                args.date,
                &file,
            )?;
            if args.check {
                let check = crate::run::check(&settings, ui)?;
                if !cli.quiet || check.unreadable > 0 {
                    output::stdout(&check.text)?;
                }
                return Ok(if check.unreadable > 0 { exit::INPUT } else { exit::OK });
            }
            crate::limit_threads(settings.threads);
            let finished = crate::run::run(&settings, ui)?;
            if !cli.quiet {
                output::stdout(&output::run_text(&finished))?;
            }
            Ok(if finished.partial { exit::INPUT } else { exit::OK })
        }
        Command::Purge(args) => {
            let settings = nightly_settings(
                None,
                &args.data,
                &StatsArgs::default(),
                &args.nightly,
                args.time_zone.as_deref(),
                None,
                &file,
            )?;
            let finished = crate::run::run(&settings, ui)?;
            if !cli.quiet {
                output::stdout(&output::run_text(&finished))?;
            }
            Ok(exit::OK)
        }
        Command::Audit(args) => run_audit(&args, &file, cli.quiet),
        Command::Query(args) => crate::diag::cmd::query(&args, &file, cli.quiet),
        Command::Trace(args) => crate::diag::cmd::trace(&args, &file, cli.quiet),
        Command::Lookup(args) => crate::diag::cmd::lookup(&args, &file, cli.quiet),
        Command::Subject(cmd) => crate::diag::cmd::subject(&cmd, &file, cli.quiet),
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
    let stats = StatsArgs { time_zone: args.time_zone.clone(), ..args.stats.clone() };
    let mut opts = stats.resolve(file).context(Blame::Usage)?;
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

/// Resolves the nightly run's settings from flags and the config file (flags win).
#[allow(clippy::too_many_arguments)]
fn nightly_settings(
    ingest: Option<&IngestArgs>,
    data: &DataArgs,
    stats: &StatsArgs,
    nightly: &NightlyArgs,
    time_zone: Option<&str>,
    date: Option<chrono::NaiveDate>,
    file: &FileConfig,
) -> Result<crate::run::RunSettings> {
    let usage = |e: anyhow::Error| e.context(Blame::Usage);
    let ingest = ingest.map(|a| a.resolve(file)).transpose().map_err(usage)?;
    let data = data.resolve(file).map_err(usage)?;
    let stats = StatsArgs { time_zone: time_zone.map(str::to_owned), ..stats.clone() };
    let stats = stats.resolve(file).map_err(usage)?;
    let retention_days = nightly.retention_days.or(file.retention_days).unwrap_or(crate::run::MAX_RETENTION_DAYS);
    if !(2..=crate::run::MAX_RETENTION_DAYS).contains(&retention_days) {
        return Err(usage(anyhow::anyhow!(
            "invalid setting `retention_days`: must be 2 to {} (the consent promises deletion after at most seven days)",
            crate::run::MAX_RETENTION_DAYS
        )));
    }
    let languages = if nightly.report_languages.is_empty() {
        file.report_languages.clone().unwrap_or_else(|| vec!["de".into()])
    } else {
        nightly.report_languages.clone()
    };
    let languages = languages
        .iter()
        .map(|l| l.parse().map_err(|_| anyhow::anyhow!("invalid setting `report_languages`: use de and/or en")))
        .collect::<Result<Vec<confstats_report::Lang>>>()
        .map_err(usage)?;
    let formats = if nightly.report_formats.is_empty() {
        file.report_formats.clone().unwrap_or_else(|| vec!["html".into(), "csv".into()])
    } else {
        nightly.report_formats.clone()
    };
    let formats = formats
        .iter()
        .map(|f| {
            f.parse().map_err(|_| anyhow::anyhow!("invalid setting `report_formats`: use html, csv, json and/or md"))
        })
        .collect::<Result<Vec<confstats_report::ReportFormat>>>()
        .map_err(usage)?;
    let cutoff = match nightly.cutoff.as_deref().or(file.cutoff.as_deref()) {
        Some(c) => chrono::NaiveTime::parse_from_str(c.trim(), "%H:%M")
            .map_err(|_| usage(anyhow::anyhow!("invalid setting `cutoff`: expected HH:MM, e.g. 06:00")))?,
        None => chrono::NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default(),
    };
    let tz = stats.time_zone;
    let now = match nightly.now {
        Some(t) => t.with_timezone(&tz),
        None => chrono::Utc::now().with_timezone(&tz),
    };
    let threads = ingest.as_ref().map_or(file.threads.unwrap_or(0), |i| i.options.threads);
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    Ok(crate::run::RunSettings {
        ingest,
        data,
        stats,
        retention_days,
        languages,
        formats,
        delete_raw_logs: nightly.delete_raw_logs || file.delete_raw_logs.unwrap_or(false),
        cutoff,
        now,
        date,
        threads,
    })
}

/// `demo`: generates a week of logs and runs the nightly pipeline over it night by night.
fn run_demo(args: &DemoArgs, file: &FileConfig, ui: crate::run::Ui) -> Result<u8> {
    let opts = generate_options(args.out.clone(), &args.shape)?;
    run_generate(&opts, ui.quiet)?;
    let ingest = IngestArgs {
        input: vec![args.out.join("logs")],
        time_zone: Some(args.shape.time_zone.clone()),
        ..IngestArgs::default()
    };
    let data = DataArgs { data: Some(args.out.join("data")), ..DataArgs::default() };
    let tz: chrono_tz::Tz = opts.time_zone;
    let mut code = exit::OK;
    let mut last = None;
    for day in opts.start.iter_days().take(opts.days as usize) {
        // The timer fires at 07:00 on the morning after each day.
        let morning = day.succ_opt().and_then(|d| d.and_hms_opt(7, 0, 0)).and_then(|t| {
            use chrono::TimeZone;
            tz.from_local_datetime(&t).earliest()
        });
        let Some(morning) = morning else { continue };
        let nightly = NightlyArgs { now: Some(morning.fixed_offset()), ..NightlyArgs::default() };
        let settings = nightly_settings(
            Some(&ingest),
            &data,
            &StatsArgs::default(),
            &nightly,
            Some(&args.shape.time_zone),
            None,
            file,
        )?;
        let night = crate::run::Ui { quiet: ui.quiet || !ui.verbose, verbose: ui.verbose };
        let finished = crate::run::run(&settings, night)?;
        if finished.partial {
            code = exit::INPUT;
        }
        output::note(ui.quiet, &output::night_text(&morning, &finished));
        last = Some(finished);
    }
    if !ui.quiet {
        let reports = args.out.join("data").join("reports");
        output::stdout(&output::demo_text(&reports, last.as_ref()))?;
    }
    Ok(code)
}

/// `audit`: the personal values of `--input` against every published file of the data dir.
fn run_audit(args: &AuditArgs, file: &FileConfig, quiet: bool) -> Result<u8> {
    let settings = args.ingest.resolve(file).context(Blame::Usage)?;
    let data = args.data.resolve(file).context(Blame::Usage)?;
    let files = discover(&settings.inputs, &settings.options).context(Blame::Input)?;
    let progress = output::spinner(quiet || args.json, "reading input");
    let values = confstats_anonymize::personal_values(&files, &settings.options);
    progress.finish_and_clear();
    let vocabulary = crate::run::audit_vocabulary();
    let set = values.build(&vocabulary);
    let targets: Vec<std::path::PathBuf> = ["store", "sessions", "stats", "reports", "runs"]
        .iter()
        .map(|d| data.data.join(d))
        .filter(|p| p.exists())
        .collect();
    let progress = output::spinner(quiet || args.json, "scanning outputs");
    let report = confstats_anonymize::audit_paths(&targets, &set).context(Blame::Input)?;
    progress.finish_and_clear();
    if args.json {
        output::stdout(&serde_json::to_string_pretty(&report)?)?;
        output::stdout("\n")?;
    } else if !quiet || !report.passed() {
        output::stdout(&output::audit_text(&report))?;
    }
    Ok(if report.passed() { exit::OK } else { exit::AUDIT })
}
