//! Epoch keys: one random 32-byte key per epoch, kept in a keys directory apart from the data
//! (DESIGN.md rule 5).
//!
//! An epoch is `epoch_days` local days long (default one) and named by its first day; epochs are
//! aligned to whole multiples of `epoch_days` days since 1970-01-01, so every run finds the same
//! epoch for the same date. Each key lives in `DIR/epoch-YYYY-MM-DD.key` (32 raw bytes, mode
//! 0600) and is deleted with the last store partition it protects: once it is gone, every
//! pseudonym made with it is unlinkable.
//!
//! Unix only: the protection rests on file modes.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Days, NaiveDate};
use rand::TryRngCore;
use rand::rngs::OsRng;

use crate::error::{Error, Result};

/// Length of an epoch key in bytes.
const KEY_LEN: usize = 32;
/// Name of a key file: `epoch-YYYY-MM-DD.key`.
const KEY_PREFIX: &str = "epoch-";
const KEY_SUFFIX: &str = ".key";
/// Temporary files are `.epoch-YYYY-MM-DD.key.tmp-…`; they hold a key too, so purging removes them.
const TMP_PREFIX: &str = ".epoch-";
const TMP_INFIX: &str = ".key.tmp-";
/// Key files must not be readable, writable or executable by group or others.
const GROUP_OTHER_BITS: u32 = 0o077;
/// Numbers the temporary files of this process.
static TMP_SERIAL: AtomicU64 = AtomicU64::new(0);

/// A secret epoch key (personal data in effect: it links pseudonyms to their inputs). 32 random
/// bytes from the operating system's RNG; `Debug` prints `EpochKey(<redacted>)`, and it can be
/// neither displayed nor serialised.
pub struct EpochKey([u8; KEY_LEN]);

impl EpochKey {
    /// Draws a new key from the operating system's random number generator.
    pub fn generate() -> Result<EpochKey> {
        let mut bytes = [0u8; KEY_LEN];
        OsRng.try_fill_bytes(&mut bytes).map_err(|e| Error::Rng { source: Box::new(e) })?;
        Ok(EpochKey(bytes))
    }

    /// A key with the given bytes, for tests and tools that need fixed pseudonyms. Production
    /// keys come from [`EpochKey::generate`] through a [`KeyStore`].
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> EpochKey {
        EpochKey(bytes)
    }

    /// The key's bytes: only the pseudonymizer reads them.
    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for EpochKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EpochKey(<redacted>)")
    }
}

/// A key file in the keys directory. Not personal data: an epoch's first day and a path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyInfo {
    /// The first local date of the key's epoch.
    pub epoch_start: NaiveDate,
    /// The key file.
    pub path: PathBuf,
}

/// The keys directory. Not personal data itself (a path and the epoch length); it hands out the
/// [`EpochKey`]s stored there.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
    epoch_days: u32,
}

impl KeyStore {
    /// Opens the keys directory `dir`, creating it (mode 0700) if it is missing. `epoch_days`
    /// (at least 1) is the length of an epoch: one key protects that many local days.
    pub fn open(dir: impl Into<PathBuf>, epoch_days: u32) -> Result<KeyStore> {
        let dir = dir.into();
        if epoch_days == 0 {
            return Err(Error::Config { field: "epoch_days", reason: "must be at least 1".to_owned() });
        }
        DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(|source| io_err(&dir, source))?;
        let meta = fs::metadata(&dir).map_err(|source| io_err(&dir, source))?;
        if !meta.is_dir() {
            return Err(io_err(&dir, io::Error::new(io::ErrorKind::NotADirectory, "not a directory")));
        }
        Ok(KeyStore { dir, epoch_days })
    }

    /// The keys directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The length of an epoch in days.
    pub fn epoch_days(&self) -> u32 {
        self.epoch_days
    }

    /// The first day of the epoch that contains `date`: `date − (days since 1970-01-01 mod
    /// epoch_days)`.
    pub fn epoch_start(&self, date: NaiveDate) -> NaiveDate {
        let offset = i64::from(date.to_epoch_days()).rem_euclid(i64::from(self.epoch_days));
        // offset < epoch_days ≤ u32::MAX and ≥ 0; a date that far back does not occur in logs.
        date.checked_sub_days(Days::new(offset.unsigned_abs())).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the epoch that starts on `epoch_start`.
    fn epoch_last_day(&self, epoch_start: NaiveDate) -> NaiveDate {
        epoch_start.checked_add_days(Days::new(u64::from(self.epoch_days) - 1)).unwrap_or(NaiveDate::MAX)
    }

    /// The key file of the epoch that contains `date` (it need not exist).
    pub fn key_path(&self, date: NaiveDate) -> PathBuf {
        self.dir.join(key_file_name(self.epoch_start(date)))
    }

    /// The key of the epoch that contains `date`, if it exists. Refuses a key file that group or
    /// others can read ([`Error::KeyFilePermissions`]) or that is not 32 bytes long
    /// ([`Error::KeyFileSize`]).
    pub fn get(&self, date: NaiveDate) -> Result<Option<EpochKey>> {
        read_key(&self.key_path(date))
    }

    /// The key of the epoch that contains `date`, created from the OS RNG if it does not exist
    /// yet. The new key is written to a temporary file (mode 0600), synced, and then linked to
    /// its name, which never replaces a key that another process created meanwhile.
    pub fn get_or_create(&self, date: NaiveDate) -> Result<EpochKey> {
        if let Some(key) = self.get(date)? {
            return Ok(key);
        }
        let start = self.epoch_start(date);
        let path = self.dir.join(key_file_name(start));
        let key = EpochKey::generate()?;
        // Unique per process and call, so that threads creating the same key do not share it.
        let serial = TMP_SERIAL.fetch_add(1, Ordering::Relaxed);
        let tmp = self.dir.join(format!("{TMP_PREFIX}{start}{TMP_INFIX}{}-{serial}", std::process::id()));
        let written = write_new_key(&tmp, &key).and_then(|()| publish_key(&tmp, &path));
        // The temporary name holds a key too: never leave it behind.
        match fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) if written.is_ok() => return Err(io_err(&tmp, source)),
            Err(_) => {}
        }
        match written {
            Ok(true) => {
                sync_dir(&self.dir)?;
                Ok(key)
            }
            // Another process created the key first: use theirs, so that the epoch has one key.
            Ok(false) => read_key(&path)?.ok_or_else(|| io_err(&path, io::ErrorKind::NotFound.into())),
            Err(e) => Err(e),
        }
    }

    /// Every key file in the directory, sorted by epoch start. Temporary files are not listed.
    pub fn list(&self) -> Result<Vec<KeyInfo>> {
        let mut keys: Vec<KeyInfo> = self
            .entries()?
            .into_iter()
            .filter(|(_, _, temporary)| !temporary)
            .map(|(epoch_start, path, _)| KeyInfo { epoch_start, path })
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Deletes every key whose whole epoch ends before `date` (its last day < `date`), with any
    /// temporary file left of it by a crash, and returns their epoch starts, sorted. Keys of
    /// epochs that contain `date` or later days are kept.
    pub fn purge_before(&self, date: NaiveDate) -> Result<Vec<NaiveDate>> {
        let mut purged = Vec::new();
        let mut removed_any = false;
        for (start, path, temporary) in self.entries()? {
            if self.epoch_last_day(start) >= date {
                continue;
            }
            if remove_if_exists(&path)? {
                removed_any = true;
                if !temporary {
                    purged.push(start);
                }
            }
        }
        if removed_any {
            sync_dir(&self.dir)?;
        }
        purged.sort();
        purged.dedup();
        Ok(purged)
    }

    /// Deletes the key of the epoch that starts on `epoch_start` (and any temporary file left of
    /// it). Returns whether a key file existed.
    pub fn purge(&self, epoch_start: NaiveDate) -> Result<bool> {
        let mut existed = false;
        for (start, path, temporary) in self.entries()? {
            if start == epoch_start && remove_if_exists(&path)? && !temporary {
                existed = true;
            }
        }
        sync_dir(&self.dir)?;
        Ok(existed)
    }

    /// Key and temporary files of the directory: (epoch start, path, is temporary).
    fn entries(&self) -> Result<Vec<(NaiveDate, PathBuf, bool)>> {
        let mut found = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(|source| io_err(&self.dir, source))? {
            let entry = entry.map_err(|source| io_err(&self.dir, source))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(start) = parse_key_file_name(name) {
                found.push((start, entry.path(), false));
            } else if let Some(start) = parse_tmp_file_name(name) {
                found.push((start, entry.path(), true));
            }
        }
        Ok(found)
    }
}

/// Refuses a keys directory that is, or lies inside, one of the `published` output directories
/// (their contents are released to readers). Paths are compared after canonicalising the part of
/// each path that exists, so symlinks and `..` cannot hide the nesting.
pub fn ensure_not_inside(keys_dir: &Path, published: &[PathBuf]) -> Result<()> {
    let keys = canonical(keys_dir)?;
    for dir in published {
        if keys.starts_with(canonical(dir)?) {
            return Err(Error::KeysDirPublished { keys_dir: keys_dir.to_path_buf(), published: dir.clone() });
        }
    }
    Ok(())
}

/// `path` made absolute, with its longest existing ancestor canonicalised (symlinks resolved)
/// and the rest appended. A `..` in the part that does not exist is resolved lexically.
fn canonical(path: &Path) -> Result<PathBuf> {
    let absolute = std::path::absolute(path).map_err(|source| io_err(path, source))?;
    if let Some(canonical) = canonical_existing_prefix(&absolute) {
        return Ok(canonical);
    }
    let mut lexical = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other.as_os_str()),
        }
    }
    Ok(canonical_existing_prefix(&lexical).unwrap_or(lexical))
}

/// The canonical form of the longest existing ancestor of `path` joined with the rest; `None` if
/// the part that does not exist contains `..`.
fn canonical_existing_prefix(path: &Path) -> Option<PathBuf> {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(base) = existing.canonicalize() {
            return Some(rest.iter().rev().fold(base, |acc: PathBuf, name| acc.join(name)));
        }
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
}

fn key_file_name(epoch_start: NaiveDate) -> String {
    format!("{KEY_PREFIX}{}{KEY_SUFFIX}", epoch_start.format("%Y-%m-%d"))
}

fn parse_key_file_name(name: &str) -> Option<NaiveDate> {
    let date = name.strip_prefix(KEY_PREFIX)?.strip_suffix(KEY_SUFFIX)?;
    parse_date(date)
}

fn parse_tmp_file_name(name: &str) -> Option<NaiveDate> {
    let (date, _) = name.strip_prefix(TMP_PREFIX)?.split_once(TMP_INFIX)?;
    parse_date(date)
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    // Exactly YYYY-MM-DD, so that a file name maps to one date and back.
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Reads a key file; `None` if it does not exist. Permissions and size are checked on the open
/// handle, so the file checked is the file read.
fn read_key(path: &Path) -> Result<Option<EpochKey>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_err(path, source)),
    };
    let meta = file.metadata().map_err(|source| io_err(path, source))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & GROUP_OTHER_BITS != 0 {
        return Err(Error::KeyFilePermissions { path: path.to_path_buf(), mode });
    }
    if meta.len() != KEY_LEN as u64 {
        return Err(Error::KeyFileSize { path: path.to_path_buf(), len: meta.len() });
    }
    let mut bytes = [0u8; KEY_LEN];
    file.read_exact(&mut bytes).map_err(|source| io_err(path, source))?;
    // The file may have grown since the metadata was read.
    let mut probe = [0u8; 1];
    if file.read(&mut probe).map_err(|source| io_err(path, source))? != 0 {
        let len = file.metadata().map_or(KEY_LEN as u64 + 1, |m| m.len());
        return Err(Error::KeyFileSize { path: path.to_path_buf(), len });
    }
    Ok(Some(EpochKey(bytes)))
}

/// Writes `key` to a new file `tmp` with mode 0600 and syncs it.
fn write_new_key(tmp: &Path, key: &EpochKey) -> Result<()> {
    // A stale temporary file of the same name (left by a crashed process of the same id) goes.
    remove_if_exists(tmp)?;
    let mut file =
        OpenOptions::new().write(true).create_new(true).mode(0o600).open(tmp).map_err(|source| io_err(tmp, source))?;
    // The umask can only clear bits; set 0600 exactly so that the owner can read it back.
    file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(|source| io_err(tmp, source))?;
    file.write_all(key.as_bytes()).map_err(|source| io_err(tmp, source))?;
    file.sync_all().map_err(|source| io_err(tmp, source))
}

/// Gives the synced temporary file its final name without replacing an existing key. Returns
/// false if a key file already exists (another process was quicker).
fn publish_key(tmp: &Path, path: &Path) -> Result<bool> {
    match fs::hard_link(tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        // A file system without hard links: rename, which is atomic but could replace a key
        // created in the instant since the check, so check right before.
        Err(_) => {
            if path.exists() {
                return Ok(false);
            }
            fs::rename(tmp, path).map_err(|source| io_err(path, source))?;
            Ok(true)
        }
    }
}

fn remove_if_exists(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(io_err(path, source)),
    }
}

/// Makes a creation, rename or deletion in `dir` durable.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|source| io_err(dir, source))
}

fn io_err(path: &Path, source: io::Error) -> Error {
    Error::Io { path: path.to_path_buf(), source }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn create_writes_32_bytes_mode_0600_and_get_returns_the_same_key() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path().join("keys"), 1).unwrap();
        assert_eq!(mode_of(store.dir()), 0o700);
        let day = date(2026, 11, 3);
        assert!(store.get(day).unwrap().is_none());

        let key = store.get_or_create(day).unwrap();
        let path = store.dir().join("epoch-2026-11-03.key");
        assert_eq!(store.key_path(day), path);
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(fs::read(&path).unwrap(), key.as_bytes());

        let again = store.get(day).unwrap().unwrap();
        assert_eq!(again.as_bytes(), key.as_bytes());
        let again = store.get_or_create(day).unwrap();
        assert_eq!(again.as_bytes(), key.as_bytes());
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(store.dir()).unwrap().count(), 1);
    }

    #[test]
    fn concurrent_creation_gives_one_key_per_epoch() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        let day = date(2026, 11, 3);
        let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| *store.get_or_create(day).unwrap().as_bytes())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|k| k == &keys[0]));
        assert_eq!(&keys[0], store.get(day).unwrap().unwrap().as_bytes());
        assert_eq!(fs::read_dir(store.dir()).unwrap().count(), 1, "temporary files left behind");
    }

    #[test]
    fn new_keys_are_random() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        let a = store.get_or_create(date(2026, 11, 3)).unwrap();
        let b = store.get_or_create(date(2026, 11, 4)).unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_ne!(a.as_bytes(), &[0u8; 32]);
    }

    #[test]
    fn debug_redacts_the_key() {
        let key = EpochKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{key:?}"), "EpochKey(<redacted>)");
    }

    #[test]
    fn epoch_days_zero_is_a_config_error() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(matches!(KeyStore::open(tmp.path(), 0), Err(Error::Config { field: "epoch_days", .. })));
    }

    #[test]
    fn epochs_are_aligned_to_days_since_1970() {
        let tmp = tempfile::tempdir().unwrap();
        let daily = KeyStore::open(tmp.path(), 1).unwrap();
        assert_eq!(daily.epoch_start(date(2026, 11, 3)), date(2026, 11, 3));
        let weekly = KeyStore::open(tmp.path(), 7).unwrap();
        // 1970-01-01 starts an epoch; 7 days later the next one.
        assert_eq!(weekly.epoch_start(date(1970, 1, 1)), date(1970, 1, 1));
        assert_eq!(weekly.epoch_start(date(1970, 1, 7)), date(1970, 1, 1));
        assert_eq!(weekly.epoch_start(date(1970, 1, 8)), date(1970, 1, 8));
        // Before 1970 the alignment continues (rem_euclid, not %).
        assert_eq!(weekly.epoch_start(date(1969, 12, 31)), date(1969, 12, 25));
        let start = weekly.epoch_start(date(2026, 11, 3));
        assert_eq!(start.to_epoch_days() % 7, 0);
        assert!(start <= date(2026, 11, 3) && date(2026, 11, 3) < start + Days::new(7));
    }

    #[test]
    fn dates_of_one_epoch_share_the_key() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 7).unwrap();
        let start = store.epoch_start(date(2026, 11, 3));
        let first = store.get_or_create(start).unwrap();
        for offset in 1..7 {
            let key = store.get_or_create(start + Days::new(offset)).unwrap();
            assert_eq!(key.as_bytes(), first.as_bytes(), "day {offset} of the epoch");
        }
        let next = store.get_or_create(start + Days::new(7)).unwrap();
        assert_ne!(next.as_bytes(), first.as_bytes());
        assert_eq!(store.list().unwrap().len(), 2);
    }

    #[test]
    fn key_file_readable_by_others_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        let day = date(2026, 11, 3);
        store.get_or_create(day).unwrap();
        let path = store.key_path(day);
        for mode in [0o644, 0o640, 0o604, 0o660] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            match store.get(day) {
                Err(Error::KeyFilePermissions { path: p, mode: m }) => {
                    assert_eq!(p, path);
                    assert_eq!(m, mode);
                }
                other => panic!("mode {mode:o}: expected a permission error, got {other:?}"),
            }
            // get_or_create must not silently replace it either.
            assert!(matches!(store.get_or_create(day), Err(Error::KeyFilePermissions { .. })));
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        assert!(store.get(day).unwrap().is_some());
    }

    #[test]
    fn key_file_of_wrong_size_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        let day = date(2026, 11, 3);
        let path = store.key_path(day);
        for len in [0usize, 16, 31, 33, 64] {
            fs::write(&path, vec![7u8; len]).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            match store.get(day) {
                Err(Error::KeyFileSize { len: l, .. }) => assert_eq!(l, len as u64),
                other => panic!("{len} bytes: expected a size error, got {other:?}"),
            }
            assert!(matches!(store.get_or_create(day), Err(Error::KeyFileSize { .. })));
        }
    }

    #[test]
    fn errors_do_not_show_key_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        let day = date(2026, 11, 3);
        fs::write(store.key_path(day), b"secret-secret-secret-secret-secret").unwrap();
        fs::set_permissions(store.key_path(day), fs::Permissions::from_mode(0o644)).unwrap();
        let err = store.get(day).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("epoch-2026-11-03.key"), "{text}");
    }

    #[test]
    fn list_and_purge() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        for d in [5, 3, 4] {
            store.get_or_create(date(2026, 11, d)).unwrap();
        }
        // Other files are not keys.
        fs::write(tmp.path().join("README"), "not a key").unwrap();
        fs::write(tmp.path().join("epoch-2026-13-01.key"), [0u8; 32]).unwrap();
        let listed = store.list().unwrap();
        let starts: Vec<_> = listed.iter().map(|k| k.epoch_start).collect();
        assert_eq!(starts, [date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)]);
        assert_eq!(listed[0].path, tmp.path().join("epoch-2026-11-03.key"));

        assert!(store.purge(date(2026, 11, 4)).unwrap());
        assert!(!store.purge(date(2026, 11, 4)).unwrap());
        assert!(!tmp.path().join("epoch-2026-11-04.key").exists());
        let starts: Vec<_> = store.list().unwrap().iter().map(|k| k.epoch_start).collect();
        assert_eq!(starts, [date(2026, 11, 3), date(2026, 11, 5)]);
        assert!(tmp.path().join("README").exists());
    }

    #[test]
    fn purge_before_keeps_current_epochs() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        for d in 1..=7 {
            store.get_or_create(date(2026, 11, d)).unwrap();
        }
        let purged = store.purge_before(date(2026, 11, 3)).unwrap();
        assert_eq!(purged, [date(2026, 11, 1), date(2026, 11, 2)]);
        let starts: Vec<_> = store.list().unwrap().iter().map(|k| k.epoch_start).collect();
        assert_eq!(starts, (3..=7).map(|d| date(2026, 11, d)).collect::<Vec<_>>());
        assert!(store.purge_before(date(2026, 11, 3)).unwrap().is_empty());
    }

    #[test]
    fn purge_before_keeps_an_epoch_that_is_not_over() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 7).unwrap();
        let start = store.epoch_start(date(2026, 11, 3));
        let previous = start - Days::new(7);
        store.get_or_create(previous).unwrap();
        store.get_or_create(start).unwrap();
        // The current epoch's last day is start+6: purging before start+6 keeps it.
        assert_eq!(store.purge_before(start + Days::new(6)).unwrap(), [previous]);
        assert_eq!(store.list().unwrap().len(), 1);
        assert!(store.purge_before(start + Days::new(6)).unwrap().is_empty());
        assert_eq!(store.purge_before(start + Days::new(7)).unwrap(), [start]);
        assert!(store.list().unwrap().is_empty());
    }

    #[test]
    fn purge_removes_temporary_files_left_by_a_crash() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        let stale = tmp.path().join(".epoch-2026-11-01.key.tmp-4242");
        fs::write(&stale, [1u8; 32]).unwrap();
        assert!(store.list().unwrap().is_empty());
        assert!(store.purge_before(date(2026, 11, 2)).unwrap().is_empty());
        assert!(!stale.exists());
    }

    #[test]
    fn keys_dir_inside_published_output_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let stats = data.join("stats");
        let reports = data.join("reports");
        fs::create_dir_all(&stats).unwrap();
        let published = [stats.clone(), reports.clone()];

        // Apart from the outputs: fine, whether or not it exists yet.
        ensure_not_inside(&data.join("keys"), &published).unwrap();
        ensure_not_inside(&tmp.path().join("elsewhere/keys"), &published).unwrap();
        // A sibling whose name starts like an output is not inside it.
        ensure_not_inside(&data.join("stats-keys"), &published).unwrap();

        for inside in [stats.join("keys"), stats.clone(), reports.join("k"), data.join("keys/../stats/x")] {
            match ensure_not_inside(&inside, &published) {
                Err(Error::KeysDirPublished { keys_dir, .. }) => assert_eq!(keys_dir, inside),
                other => panic!("{}: expected refusal, got {other:?}", inside.display()),
            }
        }

        // A symlink into a published output does not hide it.
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&stats, &link).unwrap();
        assert!(matches!(ensure_not_inside(&link.join("keys"), &published), Err(Error::KeysDirPublished { .. })));
    }
}
