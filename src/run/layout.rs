//! The data directory of the nightly run: generations, the atomic switch, the lock.
//!
//! ```text
//! DATA/run.lock                     held (flock) by the running `run`/`purge`; holds its pid
//! DATA/generations/<run id>/        one complete published state: store/ sessions/ stats/
//!                                   reports/ quarantine/ published.json
//! DATA/current -> generations/<id>  the published generation (swapped by one rename)
//! DATA/store -> current/store       what readers use (also sessions, stats, reports, quarantine)
//! DATA/runs/<date>-<time>.json      one manifest per run
//! ```
//!
//! A run builds its generation beside the published one (unchanged files are hard links, so a
//! generation costs no copy), and publishes it by renaming a new `current` symlink over the old
//! one: readers see the old or the new state, never a mix. Everything else in `generations/` is
//! a leftover of a crashed or superseded run and is deleted.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// The directories readers use, each a symlink into the published generation.
pub const PUBLISHED_DIRS: [&str; 5] = ["store", "sessions", "stats", "reports", "quarantine"];

/// The data directory's layout. Not personal data (paths).
#[derive(Debug, Clone)]
pub struct Layout {
    data: PathBuf,
}

impl Layout {
    pub fn new(data: &Path) -> Self {
        Self { data: data.to_path_buf() }
    }

    pub fn data(&self) -> &Path {
        &self.data
    }

    pub fn generations(&self) -> PathBuf {
        self.data.join("generations")
    }

    pub fn runs(&self) -> PathBuf {
        self.data.join("runs")
    }

    fn current_link(&self) -> PathBuf {
        self.data.join("current")
    }

    /// The name of the published generation, if a run has published one.
    pub fn current_generation(&self) -> io::Result<Option<String>> {
        match fs::read_link(self.current_link()) {
            Ok(target) => Ok(target.file_name().map(|n| n.to_string_lossy().into_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The directory holding the published `store/`, `stats/`, … : the current generation, or
    /// the data directory itself when no run has published yet (the plain layout that
    /// `anonymize` and `aggregate` write when used on their own).
    pub fn published_root(&self) -> io::Result<PathBuf> {
        Ok(match self.current_generation()? {
            Some(name) => self.generations().join(name),
            None => self.data.clone(),
        })
    }

    /// Deletes every generation but the published one — those crashed runs left, and the one a
    /// switch superseded — and staging directories. Returns how many were removed.
    pub fn remove_leftovers(&self) -> io::Result<u64> {
        let current = self.current_generation()?;
        let mut removed = 0;
        for entry in read_dir_if_exists(&self.generations())? {
            let entry = entry?;
            if Some(entry.file_name().to_string_lossy().as_ref()) != current.as_deref() {
                remove_any(&entry.path())?;
                removed += 1;
            }
        }
        let mut stale = vec![self.data.join(".staging"), self.data.join(".current.tmp")];
        stale.extend(PUBLISHED_DIRS.map(|d| self.data.join(format!(".plain-{d}.old"))));
        for stale in stale {
            if fs::symlink_metadata(&stale).is_ok() {
                remove_any(&stale)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Creates the (empty) directory of a new generation.
    pub fn new_generation(&self, id: &str) -> io::Result<PathBuf> {
        let dir = self.generations().join(id);
        if fs::symlink_metadata(&dir).is_ok() {
            remove_any(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Publishes `generation` (a directory in `generations/`): one rename of the `current`
    /// symlink. Then makes sure that `DATA/store`, `stats`, `reports` and `quarantine` are
    /// symlinks into `current` (once, when a plain layout is taken over: its directories are
    /// moved aside and deleted after the switch).
    pub fn switch(&self, generation: &Path, fault: impl Fn(&'static str)) -> io::Result<()> {
        let name = generation.file_name().ok_or_else(|| io::Error::other("generation without a name"))?;
        let tmp = self.data.join(".current.tmp");
        if fs::symlink_metadata(&tmp).is_ok() {
            remove_any(&tmp)?;
        }
        symlink(Path::new("generations").join(name), &tmp)?;
        fault("publish");
        fs::rename(&tmp, self.current_link())?;
        sync_dir(&self.data)?;
        for dir in PUBLISHED_DIRS {
            let path = self.data.join(dir);
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => {}
                Ok(_) => {
                    let aside = self.data.join(format!(".plain-{dir}.old"));
                    fs::rename(&path, &aside)?;
                    symlink(Path::new("current").join(dir), &path)?;
                    remove_any(&aside)?;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => symlink(Path::new("current").join(dir), &path)?,
                Err(e) => return Err(e),
            }
        }
        sync_dir(&self.data)
    }
}

/// Entries of a directory; none when it does not exist.
pub fn read_dir_if_exists(dir: &Path) -> io::Result<Vec<io::Result<fs::DirEntry>>> {
    match fs::read_dir(dir) {
        Ok(rd) => Ok(rd.collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Removes a file, a symlink or a whole directory tree.
pub fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The date of a hive partition directory name `date=YYYY-MM-DD`.
pub fn partition_date(name: &str) -> Option<NaiveDate> {
    name.strip_prefix("date=")?.parse().ok()
}

/// Hard-links every file below `src` into the same place below `dst` (directories are
/// created), except those whose path relative to `src` `skip` returns true for. Returns the
/// number of files linked. Files in the store, statistics and reports are never changed in place
/// (they are replaced by rename), so a link shares a file safely between generations.
pub fn link_tree(src: &Path, dst: &Path, skip: &dyn Fn(&Path) -> bool) -> io::Result<u64> {
    fn walk(root: &Path, rel: &Path, dst: &Path, skip: &dyn Fn(&Path) -> bool, n: &mut u64) -> io::Result<()> {
        for entry in read_dir_if_exists(&root.join(rel))? {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            if skip(&rel) {
                continue;
            }
            let ty = entry.file_type()?;
            if ty.is_dir() {
                walk(root, &rel, dst, skip, n)?;
            } else if ty.is_file() {
                let target = dst.join(&rel);
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                if fs::hard_link(entry.path(), &target).is_err() {
                    fs::copy(entry.path(), &target)?;
                }
                *n += 1;
            }
        }
        Ok(())
    }
    let mut n = 0;
    walk(src, Path::new(""), dst, skip, &mut n)?;
    Ok(n)
}

/// The run lock: an exclusive `flock` on `DATA/run.lock`, released by the kernel when the
/// process ends however it ends — so the lock of a killed run is never in the way; the pid
/// written into the file tells that a previous run died without cleaning up.
#[derive(Debug)]
pub struct RunLock {
    file: File,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another live process holds it (its pid, if it wrote one).
    Held(Option<u32>),
    /// The lock file could not be opened or read.
    Io(io::Error),
}

impl RunLock {
    /// Takes the lock of `data` (created if missing). Returns it and the pid of a previous
    /// holder that died without releasing it (a stale lock, now taken over).
    pub fn acquire(data: &Path) -> Result<(RunLock, Option<u32>), LockError> {
        fs::create_dir_all(data).map_err(LockError::Io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(data.join("run.lock"))
            .map_err(LockError::Io)?;
        let mut text = String::new();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held(text.trim().lines().next().and_then(|l| l.parse().ok())));
            }
            Err(TryLockError::Error(e)) => return Err(LockError::Io(e)),
        }
        file.read_to_string(&mut text).map_err(LockError::Io)?;
        let stale = text.trim().lines().next().and_then(|l| l.parse().ok());
        file.set_len(0).map_err(LockError::Io)?;
        file.rewind().map_err(LockError::Io)?;
        writeln!(file, "{}", std::process::id()).and_then(|()| file.sync_all()).map_err(LockError::Io)?;
        Ok((RunLock { file }, stale))
    }

    /// Whether another live process holds the lock of `data` (for `run --check`; takes nothing).
    pub fn is_held(data: &Path) -> bool {
        let Ok(file) = File::open(data.join("run.lock")) else { return false };
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                false
            }
            Err(_) => true,
        }
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // An empty lock file marks a clean exit; the kernel drops the flock with the file.
        let _ = self.file.set_len(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_data_dir_is_refused_and_a_stale_pid_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (lock, stale) = RunLock::acquire(dir.path()).unwrap();
        assert_eq!(stale, None);
        assert!(RunLock::is_held(dir.path()));
        match RunLock::acquire(dir.path()) {
            Err(LockError::Held(pid)) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(lock);
        assert!(!RunLock::is_held(dir.path()));
        // A dead holder leaves its pid behind: the next run takes the lock over and says so.
        fs::write(dir.path().join("run.lock"), "4242\n").unwrap();
        let (_lock, stale) = RunLock::acquire(dir.path()).unwrap();
        assert_eq!(stale, Some(4242));
    }

    #[test]
    fn switch_publishes_a_generation_and_takes_over_a_plain_layout() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        fs::create_dir_all(dir.path().join("store/date=2026-11-20")).unwrap();
        fs::write(dir.path().join("store/date=2026-11-20/a.parquet"), b"old").unwrap();
        assert_eq!(layout.published_root().unwrap(), dir.path());
        let g = layout.new_generation("g1").unwrap();
        let n = link_tree(&dir.path().join("store"), &g.join("store"), &|_| false).unwrap();
        assert_eq!(n, 1);
        layout.switch(&g, |_| {}).unwrap();
        assert_eq!(layout.current_generation().unwrap().as_deref(), Some("g1"));
        assert_eq!(fs::read(dir.path().join("store/date=2026-11-20/a.parquet")).unwrap(), b"old");
        assert!(fs::symlink_metadata(dir.path().join("store")).unwrap().file_type().is_symlink());
        // A leftover generation is removed; the published one stays.
        layout.new_generation("g0-crashed").unwrap();
        assert_eq!(layout.remove_leftovers().unwrap(), 1);
        assert!(g.exists());
    }

    #[test]
    fn partition_dates_are_parsed_from_hive_names() {
        assert_eq!(partition_date("date=2026-11-20"), NaiveDate::from_ymd_opt(2026, 11, 20));
        assert_eq!(partition_date("date=garbage"), None);
        assert_eq!(partition_date("2026-11-20"), None);
    }
}
