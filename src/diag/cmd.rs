//! The diagnostic subcommands: flags → options → run → print (through [`crate::output`]).

use std::io::IsTerminal as _;

use anyhow::{Context, Result, anyhow};

use super::args::{LookupArgs, QueryArgs, SubjectCommand, TraceArgs};
use super::{Store, log_access, lookup, query, subject, time_zone, trace};
use crate::commands::Blame;
use crate::config::FileConfig;
use crate::{exit, output};

/// The terminal's width when stdout is a terminal (tables wrap to it), else none.
fn width() -> Option<u16> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    console::Term::stdout().size_checked().map(|(_, w)| w)
}

fn note(quiet: bool, store: &Store) {
    if let Some(n) = store.note() {
        output::note(quiet, &n);
    }
}

/// `confstats query`.
pub fn query(args: &QueryArgs, file: &FileConfig, quiet: bool) -> Result<u8> {
    let data = args.data.resolve(file).context(Blame::Usage)?;
    let format: query::Format =
        args.format.parse().map_err(|e| anyhow!("invalid `--format`: {e}")).context(Blame::Usage)?;
    let tz = time_zone(args.time_zone.as_deref(), file)?;
    let store = Store::open(&data, None)?;
    note(quiet, &store);
    let mut df = query::run(&store, &args.sql, tz)?;
    match format {
        query::Format::Table => output::stdout(&query::table(&df, args.max_rows, width())?)?,
        query::Format::Csv => output::stdout_bytes(&query::csv(&mut df)?)?,
        query::Format::Json => output::stdout(&query::json_rows(&df)?)?,
    }
    Ok(exit::OK)
}

/// `confstats trace`.
pub fn trace(args: &TraceArgs, file: &FileConfig, quiet: bool) -> Result<u8> {
    let data = args.data.resolve(file).context(Blame::Usage)?;
    let json = match args.format.as_str() {
        "text" => false,
        "json" => true,
        _ => return Err(anyhow!("invalid `--format`: use text or json").context(Blame::Usage)),
    };
    let tz = time_zone(args.time_zone.as_deref(), file)?;
    let selector = match (&args.meeting, &args.room, &args.participant, &args.session) {
        (Some(v), ..) => trace::Selector::try_new("meeting", v.clone())?,
        (_, Some(v), ..) => trace::Selector::try_new("room", v.clone())?,
        (_, _, Some(v), _) => trace::Selector::try_new("participant", v.clone())?,
        (_, _, _, Some(v)) => trace::Selector::try_new("session", v.clone())?,
        _ => {
            return Err(
                anyhow!("give one of `--meeting`, `--room`, `--participant`, `--session`").context(Blame::Usage)
            );
        }
    };
    let store = Store::open(&data, args.date)?;
    note(quiet, &store);
    let t = trace::trace(&store, &selector, args.date, tz, args.all)?;
    if json {
        let mut text = serde_json::to_string_pretty(&t)?;
        text.push('\n');
        output::stdout(&text)?;
    } else {
        output::stdout(&trace::text(&t, width()))?;
    }
    Ok(exit::OK)
}

/// `confstats lookup`.
pub fn lookup(args: &LookupArgs, file: &FileConfig, quiet: bool) -> Result<u8> {
    let data = args.data.resolve(file).context(Blame::Usage)?;
    let json = match args.format.as_str() {
        "text" => false,
        "json" => true,
        _ => return Err(anyhow!("invalid `--format`: use text or json").context(Blame::Usage)),
    };
    let target = match (&args.account, &args.room) {
        (Some(a), _) => lookup::Target::Account(a.clone()),
        (_, Some(r)) => lookup::Target::Room(r.clone()),
        _ => return Err(anyhow!("give `--account ID` or `--room ID`").context(Blame::Usage)),
    };
    let store = Store::open(&data, args.date)?;
    note(quiet, &store);
    let found = lookup::lookup(&store, &target)?;
    let epochs = found.days.iter().map(|d| d.epoch).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    log_access(&data.data, "lookup", target.field(), epochs, found.days.iter().map(|d| d.events).sum())?;
    if json {
        let mut text = serde_json::to_string_pretty(&found)?;
        text.push('\n');
        output::stdout(&text)?;
    } else {
        output::stdout(&lookup::text(&found, &data.data))?;
    }
    Ok(exit::OK)
}

/// `confstats subject export|erase`.
pub fn subject(cmd: &SubjectCommand, file: &FileConfig, quiet: bool) -> Result<u8> {
    match cmd {
        SubjectCommand::Export(args) => {
            let data = args.data.resolve(file).context(Blame::Usage)?;
            let account = &args.account;
            let store = Store::open(&data, None)?;
            note(quiet, &store);
            let export = subject::export(&store, account)?;
            let epochs = export.days.iter().map(|d| d.epoch).collect::<std::collections::BTreeSet<_>>();
            log_access(&data.data, "subject export", "account", epochs.into_iter().collect(), export.records)?;
            let mut text = serde_json::to_string_pretty(&export)?;
            text.push('\n');
            output::stdout(&text)?;
            Ok(exit::OK)
        }
        SubjectCommand::Erase(args) => {
            let data = args.data.resolve(file).context(Blame::Usage)?;
            let account = &args.account;
            let opt_out = args.opt_out.clone().or_else(|| file.opt_out.clone()).ok_or_else(|| {
                anyhow!(
                    "no opt-out file: give `--opt-out FILE` or `opt_out = \"…\"` in the config file — the file the \
                     nightly run reads, so that reprocessing the raw logs does not bring the records back"
                )
                .context(Blame::Usage)
            })?;
            let erased = subject::erase(&data, &opt_out, account)?;
            log_access(&data.data, "subject erase", "account", erased.epochs.clone(), erased.records)?;
            if args.json {
                let mut text = serde_json::to_string_pretty(&erased)?;
                text.push('\n');
                output::stdout(&text)?;
            } else if !quiet {
                output::stdout(&subject::erased_text(&erased))?;
            }
            Ok(exit::OK)
        }
    }
}
