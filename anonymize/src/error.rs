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
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
