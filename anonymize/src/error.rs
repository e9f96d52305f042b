//! The crate's error type.

use std::path::PathBuf;

/// An error of the anonymize crate. Not personal data: variants carry paths, dates and field
/// names, never a value read from a log or a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A setting is invalid (the user's mistake, not a bug).
    #[error("invalid setting `{field}`: {reason}")]
    Config {
        /// The setting's name.
        field: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// The operating system's random number generator failed, so no key could be made.
    #[error("the operating system's random number generator failed: {source}")]
    Rng {
        /// The generator's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A key file can be read by its group or by others (mode & 0o077 != 0); it is not used.
    #[error("refusing key file {path}: mode {mode:04o} lets group or others read it (chmod 600 it)")]
    KeyFilePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key file does not hold exactly 32 bytes; it is not used.
    #[error("refusing key file {path}: it holds {len} bytes, a key has 32")]
    KeyFileSize {
        /// The key file.
        path: PathBuf,
        /// Its length in bytes.
        len: u64,
    },
    /// The keys directory lies inside (or is) a published output directory.
    #[error("refusing keys directory {keys_dir}: it lies inside the published output {published}")]
    KeysDirPublished {
        /// The keys directory.
        keys_dir: PathBuf,
        /// The published output directory that contains it.
        published: PathBuf,
    },
    /// The leak audit met an entry it cannot vouch for (a symbolic link out of the audited
    /// directories or to nowhere, a device, a socket): the run must not publish it.
    #[error("cannot audit {path}: {what}")]
    AuditUnsupported {
        /// The entry.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
