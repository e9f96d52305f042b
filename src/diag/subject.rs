//! `confstats subject export|erase`: the data subject's rights of access and portability, and of
//! erasure (DESIGN.md "The legal frame").
//!
//! A subject is an account (the IServ user id). Its records on a store day are those of its
//! participant pseudonym with that day's key, and those of the sessions (BBB user ids) it joined
//! with — audio and media-server lines name only the BBB user id. Days whose key is gone are
//! unlinkable and are neither exported nor searched (retention deletes them).
//!
//! Erasure writes a new generation of the published state without those records and publishes
//! it with the nightly run's atomic switch of `DATA/current`, under the run's lock; the replaced
//! generation is deleted. Before that, the account is added to the opt-out file that the nightly
//! run reads, so that reprocessing the raw logs does not bring the records back. Statistics and
//! reports are anonymous (cells of at least k participants) and are kept as they are.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use serde::Serialize;

use super::layout::{Layout, LockError, PUBLISHED_DIRS, RunLock, link_tree};
use super::{Store, SubjectDay, TicketId, query};
use crate::commands::Blame;

/// The account's records of one day, for the export. Not personal data: pseudonymised records.
#[derive(Debug, Serialize)]
pub struct ExportDay {
    /// The store day.
    pub date: NaiveDate,
    /// The first day of its key epoch.
    pub epoch: NaiveDate,
    /// The account's participant pseudonym on that day.
    pub participant: String,
    /// Its sessions (`s_`) on that day.
    pub sessions: Vec<String>,
    /// Every record, as stored (columns of `schemas/store.schema.json`).
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// The export of one account. Not personal data: the id itself is not in it.
#[derive(Debug, Serialize)]
pub struct Export {
    /// What this is.
    pub description: &'static str,
    /// When it was made (UTC).
    pub exported_utc: String,
    /// Records in all days.
    pub records: u64,
    /// The days with a live key, oldest first.
    pub days: Vec<ExportDay>,
}

/// Every stored record of `account` within retention.
pub fn export(store: &Store, account: &TicketId) -> Result<Export> {
    let mut days = Vec::new();
    let mut total = 0;
    for day in &store.days {
        let subject = SubjectDay::find(store, day, account)?;
        let df = subject.rows()?;
        let cols = df.columns();
        let mut records = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            let mut row = serde_json::Map::new();
            for col in cols {
                let v = col.get(i).map(|v| query::json_value(&v)).unwrap_or(serde_json::Value::Null);
                row.insert(col.name().to_string(), v);
            }
            records.push(row);
        }
        total += records.len() as u64;
        days.push(ExportDay {
            date: day.date,
            epoch: day.epoch,
            participant: subject.participant,
            sessions: subject.sessions.into_iter().collect(),
            records,
        });
    }
    Ok(Export {
        description: "every record confstats stores of one account (pseudonymised diagnostic events, kept at most 7 days)",
        exported_utc: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        records: total,
        days,
    })
}

/// What an erasure did. Not personal data.
#[derive(Debug, Serialize)]
pub struct Erased {
    /// Records removed, by day.
    pub by_day: Vec<(NaiveDate, u64)>,
    /// Records removed in all.
    pub records: u64,
    /// The generation published (none when nothing was found).
    pub generation: Option<String>,
    /// Whether the account was added to the opt-out file (false: it was on it already).
    pub opted_out: bool,
    /// The opt-out file.
    pub opt_out_file: PathBuf,
    /// The epochs whose keys were used.
    pub epochs: Vec<NaiveDate>,
    /// Store days whose key is gone (not searched).
    pub without_key: Vec<NaiveDate>,
}

/// Refuses an opt-out file inside a published directory or a generation (it holds ids).
fn ensure_private(opt_out: &Path, data: &Path) -> Result<()> {
    let absolute = |p: &Path| -> PathBuf {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        // Resolve the existing part (symlinks such as DATA/store -> current/store).
        let mut existing = p.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut out = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
        out.extend(rest.iter().rev());
        out
    };
    let file = absolute(opt_out);
    let mut private = PUBLISHED_DIRS.iter().map(|d| data.join(d)).collect::<Vec<_>>();
    private.extend(["generations", "current", "runs"].iter().map(|d| data.join(d)));
    for dir in private {
        if file.starts_with(absolute(&dir)) {
            return Err(anyhow!(
                "refusing opt-out file {}: it lies inside {}, which is published or audited; keep it apart (it holds account ids)",
                opt_out.display(),
                dir.display()
            )
            .context(Blame::Usage));
        }
    }
    Ok(())
}

/// Adds `account` to the opt-out file (created mode 0600) unless it is listed already; returns
/// whether it was added. The file is synced before the store is touched.
fn add_opt_out(path: &Path, account: &TicketId) -> Result<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    let listed = match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|l| l.split_once('#').map_or(l, |(before, _)| before).trim())
            .any(|l| l == account.expose().trim()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read opt-out file {}", path.display()))),
    };
    if listed {
        return Ok(false);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write opt-out file {}", path.display()))?;
    // A file that does not end with a newline gets one first.
    let needs_newline = std::fs::read(path).is_ok_and(|b| b.last().is_some_and(|l| *l != b'\n'));
    let mut line = String::new();
    if needs_newline {
        line.push('\n');
    }
    line.push_str(account.expose().trim());
    line.push('\n');
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write opt-out file {}", path.display()))?;
    Ok(true)
}

/// Erases every stored record of `account` (see the module documentation).
pub fn erase(data: &crate::config::DataSettings, opt_out: &Path, account: &TicketId) -> Result<Erased> {
    ensure_private(opt_out, &data.data)?;
    let layout = Layout::new(&data.data);
    let _lock = match RunLock::acquire(layout.data()) {
        Ok((lock, _stale)) => lock,
        Err(LockError::Held(pid)) => return Err(crate::run::Locked { pid }.into()),
        Err(LockError::Io(e)) => {
            return Err(anyhow::Error::new(e).context(format!("cannot take the lock in {}", layout.data().display())));
        }
    };
    // The store as published now that no run can change it.
    let store = Store::open(data, None)?;
    let opted_out = add_opt_out(opt_out, account)?;

    let mut by_day = Vec::new();
    let mut touched: Vec<(PathBuf, SubjectDay)> = Vec::new();
    for day in &store.days {
        let subject = SubjectDay::find(&store, day, account)?;
        let mut removed = 0;
        for file in &day.files {
            let n = count_rows(file, &subject)?;
            if n > 0 {
                removed += n;
                touched.push((file.clone(), subject.clone()));
            }
        }
        if removed > 0 {
            by_day.push((day.date, removed));
        }
    }
    let records = by_day.iter().map(|(_, n)| n).sum();
    let epochs = store.days.iter().map(|d| d.epoch).collect::<BTreeSet<_>>().into_iter().collect();
    let mut erased = Erased {
        by_day,
        records,
        generation: None,
        opted_out,
        opt_out_file: opt_out.to_path_buf(),
        epochs,
        without_key: store.without_key.clone(),
    };
    if touched.is_empty() {
        return Ok(erased);
    }

    // The new generation: everything published, linked, but the touched files, rewritten.
    let root = store.root().to_path_buf();
    let id = format!("{}-{}-erase", chrono::Utc::now().format("%Y%m%dT%H%M%S"), std::process::id());
    let gen_dir = layout.new_generation(&id).context("cannot create a new generation")?;
    // Not linked: the touched store files, and the sessions tables of their days (they summarise
    // the erased sessions too; they are computed anew below).
    let mut skip: BTreeSet<PathBuf> =
        touched.iter().filter_map(|(f, _)| f.strip_prefix(&root).ok().map(Path::to_path_buf)).collect();
    skip.extend(erased.by_day.iter().map(|(d, _)| Path::new(super::sessions::DIR).join(format!("date={d}"))));
    for dir in PUBLISHED_DIRS {
        link_tree(&root.join(dir), &gen_dir.join(dir), &|rel| {
            let rel = Path::new(dir).join(rel);
            skip.iter().any(|s| rel.starts_with(s))
        })
        .with_context(|| format!("cannot prepare the new generation from {}", root.join(dir).display()))?;
    }
    for (file, subject) in &touched {
        let rel = file.strip_prefix(&root).context("a store file outside the published generation")?;
        let target = gen_dir.join(rel);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let (kept, _) = confstats_anonymize::remove_store_rows(
            file,
            &target,
            &BTreeSet::from([subject.participant.clone()]),
            &subject.sessions,
        )?;
        if kept == 0 {
            std::fs::remove_file(&target).with_context(|| format!("cannot remove {}", target.display()))?;
        }
    }
    super::sessions::write_missing(&gen_dir).context("cannot write the sessions tables")?;
    write_published(&root, &gen_dir, &erased.by_day)?;
    layout.switch(&gen_dir, |_| {}).context("cannot publish the new generation")?;
    // The replaced generation still holds the erased records: delete it now.
    layout.remove_leftovers().context("cannot delete the replaced generation")?;
    erased.generation = Some(id);
    Ok(erased)
}

/// Rows of `file` that belong to the subject.
fn count_rows(file: &Path, subject: &SubjectDay) -> Result<u64> {
    super::count(super::scan_files(&[file.to_path_buf()], subject.day.date)?.filter(subject.filter()))
}

/// Copies `published.json` (the run's record of the published days) into the new generation,
/// with the records removed subtracted from each day's count.
fn write_published(root: &Path, gen_dir: &Path, removed: &[(NaiveDate, u64)]) -> Result<()> {
    let src = root.join("published.json");
    let Ok(text) = std::fs::read(&src) else { return Ok(()) };
    let mut v: serde_json::Value =
        serde_json::from_slice(&text).with_context(|| format!("cannot read {}", src.display()))?;
    for (date, n) in removed {
        if let Some(records) = v.pointer_mut(&format!("/days/{date}/records"))
            && let Some(r) = records.as_u64()
        {
            *records = serde_json::Value::from(r.saturating_sub(*n));
        }
    }
    let bytes = serde_json::to_vec_pretty(&v)?;
    crate::output::write_atomic(&gen_dir.join("published.json"), &bytes)
        .with_context(|| format!("cannot write {}", gen_dir.join("published.json").display()))
}

/// The text summary of an erasure.
pub fn erased_text(e: &Erased) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    if e.records == 0 {
        let _ = writeln!(
            t,
            "no stored record of the account found in {} key epoch(s); the store is unchanged",
            e.epochs.len()
        );
    } else {
        let days: Vec<String> = e.by_day.iter().map(|(d, n)| format!("{d}: {n}")).collect();
        let _ = writeln!(t, "erased {} record(s) of the account ({})", e.records, days.join(", "));
        if let Some(g) = &e.generation {
            let _ = writeln!(t, "published generation {g}; the replaced generation is deleted");
        }
    }
    let _ = writeln!(
        t,
        "opt-out: {} {} — reprocessing the raw logs leaves the account out",
        if e.opted_out { "added to" } else { "already on" },
        e.opt_out_file.display()
    );
    if !e.without_key.is_empty() {
        let days: Vec<String> = e.without_key.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            t,
            "not searched (key gone, pseudonyms unlinkable; `confstats purge` deletes them): {}",
            days.join(", ")
        );
    }
    let _ = writeln!(t, "statistics and reports are anonymous (k-suppressed) and were kept");
    t
}
