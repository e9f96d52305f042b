//! The wrapper that keeps personal values out of every output channel.

use std::fmt;

/// **Holds personal data.** A value that identifies or describes a person (a name, an IP address,
/// an account or meeting id, a token, free text from a log).
///
/// `Personal` implements neither `Display` nor `Serialize`, and its `Debug` prints `<redacted>`,
/// so it cannot reach a log line, an error message or an output file by accident. The one way to
/// read it is [`Personal::expose`], which the anonymiser calls to pseudonymise or scrub it.
///
/// ```
/// use confstats_ingest::Personal;
/// let name = Personal::new(String::from("Jürgen Beispiel"));
/// assert_eq!(format!("{name:?}"), "<redacted>");
/// assert_eq!(name.expose(), "Jürgen Beispiel");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Personal<T>(T);

impl<T> Personal<T> {
    /// Wraps a personal value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Reads the personal value. Every call site must turn it into something safe (a keyed
    /// pseudonym, a generalisation, a scrubbed template) before it leaves the process.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the personal value; the same duty as [`Personal::expose`] applies.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> From<T> for Personal<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let p = Personal::new("203.0.113.41".to_string());
        assert_eq!(format!("{p:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(p.clone())), "Some(<redacted>)");
        assert_eq!(format!("{p:#?}"), "<redacted>");
    }
}
