//! The crate's error type.

use std::path::PathBuf;

/// An error of the ingest crate. Not personal data: variants carry paths, line numbers and field
/// names, never a value read from a log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input path could not be read (missing, permission, broken gzip stream).
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error (its message names no log content).
        #[source]
        source: std::io::Error,
    },
    /// An input path given on the command line does not exist.
    #[error("input {path} does not exist")]
    Missing {
        /// The path as given.
        path: PathBuf,
    },
    /// A setting is invalid (the user's mistake, not a bug).
    #[error("invalid setting `{field}`: {reason}")]
    Config {
        /// The setting's name.
        field: &'static str,
        /// Why it is invalid.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
