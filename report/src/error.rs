//! The crate's error type.

use std::path::PathBuf;

/// An error of the report crate. Not personal data: variants carry paths, table and column names,
/// never a value of a record.
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
    /// polars failed while reading or computing over `what` (a path or a table name).
    ///
    /// The store and the statistics hold no names or IP addresses, so polars' message (which can
    /// quote a pseudonym or a column name) is kept.
    #[error("{what}: {source}")]
    Polars {
        /// The file, directory or table being processed.
        what: String,
        /// polars' error.
        #[source]
        source: polars::error::PolarsError,
    },
    /// A setting is invalid (the user's mistake, not a bug).
    #[error("invalid setting `{field}`: {reason}")]
    Config {
        /// The setting's name.
        field: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// There is nothing to work on (an empty store, no statistics for the requested period).
    #[error("{0}")]
    NoData(String),
    /// A bug in confstats (an invariant broke); the message names what, never a value.
    #[error("internal error: {0}")]
    Internal(String),
    /// A statistics file was written by a different layout version of confstats.
    #[error("{path}: statistics schema version {found}, this confstats reads version {expected}")]
    SchemaVersion {
        /// The file.
        path: PathBuf,
        /// The version recorded in the file (`none` when missing).
        found: String,
        /// The version this build reads.
        expected: &'static str,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches what was being processed to a polars error.
pub(crate) trait PolarsContext<T> {
    /// Maps a polars error to [`Error::Polars`] naming `what`.
    fn ctx(self, what: impl std::fmt::Display) -> Result<T>;
}

impl<T> PolarsContext<T> for polars::error::PolarsResult<T> {
    fn ctx(self, what: impl std::fmt::Display) -> Result<T> {
        self.map_err(|source| Error::Polars { what: what.to_string(), source })
    }
}
