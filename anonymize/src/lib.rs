//! # confstats-anonymize
//!
//! The privacy boundary of confstats (DESIGN.md, rules 1–7, 9 and 11): it turns the
//! [`RawEvent`](confstats_ingest::RawEvent)s of the `ingest` crate into pseudonymised store
//! records that may be kept for seven days — no name, no IP address, no content — with
//! identifiers replaced by keyed BLAKE3 pseudonyms that become unlinkable once their epoch key is
//! deleted. It owns the keys, the pseudonyms, the free-text scrubber, the store schema and the
//! store writer, and the key-dependent diagnostics (look-up, subject export and erasure).
//!
//! Dependency edge: `anonymize → ingest`; it never re-exports an ingest type, so that `report`
//! cannot reach raw events through it.
//!
//! ## Principal types
//! - [`anonymize`] runs the whole step over ingest's input files: it learns the batch (meetings,
//!   names, identifiers, secrets) from the lifecycle logs, builds one [`Scrubber`] over them,
//!   takes each fact from its authoritative log ([`SourcePlan`]), turns every event into a
//!   [`StoreRecord`] and writes `DATA/store/date=YYYY-MM-DD/<server>-<part>.parquet`
//!   ([`StoreWriter`], staged and renamed by [`commit`]), quarantine entries to
//!   `DATA/quarantine/`. [`AnonymizeSummary`] counts what happened, never a value.
//! - [`KeyStore`] keeps one random [`EpochKey`] per epoch (file mode 0600); a [`Pseudonymizer`]
//!   derives one subkey per [`FieldClass`] and makes [`Pseudonym`]s (`p_`, `s_`, `m_`, `r_`,
//!   `n_` + 128 bits of keyed BLAKE3).
//! - [`UserAgentInfo`] and [`network_prefix`] generalise user agents and IP addresses.
//! - [`anonymize_audited`] also returns the batch's values compiled for the leak audit
//!   ([`BatchAudit`]); [`personal_values`] collects them from logs without writing anything.
//! - [`AuditSetBuilder`] collects a batch's personal strings into an [`AuditSet`] (keyed
//!   hashes of the search strings, the scrubber's matching rules); [`audit_paths`] and [`audit_bytes`] scan every file to be
//!   published for them and return an [`AuditReport`] whose [`AuditHit`]s name file, location and
//!   [`PersonalKind`], never a value (DESIGN.md rule 10).
//!
//! ```
//! use confstats_anonymize::{EpochKey, FieldClass, Pseudonymizer, ScrubberBuilder, UserAgentInfo};
//!
//! let key = EpochKey::generate()?;
//! let pz = Pseudonymizer::new(&key);
//! let p = pz.pseudonym(FieldClass::Session, "w_h2k8d0q1x9ab");
//! assert!(p.as_str().starts_with("s_") && !p.as_str().contains("h2k8d0"));
//!
//! let mut batch = ScrubberBuilder::new();
//! batch.name("Jürgen Beispiel").identifier("w_h2k8d0q1x9ab");
//! let scrubber = batch.build();
//! let text = scrubber.scrub("Audio error for J%C3%BCrgen (w_h2k8d0q1x9ab) from 203.0.113.41:45252");
//! assert!(!text.contains("rgen") && !text.contains("h2k8d0") && !text.contains("203.0.113"));
//!
//! let ua = UserAgentInfo::parse("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1");
//! assert_eq!((ua.browser.as_str(), ua.browser_major, ua.device.as_str()), ("safari", Some(17), "tablet"));
//! # Ok::<(), confstats_anonymize::Error>(())
//! ```

mod audit;
mod error;
mod keys;
mod network;
mod pipeline;
mod pseudonym;
mod record;
mod scrub;
mod sources;
mod store;
mod useragent;

pub use audit::{
    AuditHit, AuditReport, AuditSet, AuditSetBuilder, PersonalKind, audit_bytes, audit_paths, audit_paths_threads,
};
pub use error::{Error, Result};
pub use keys::{EpochKey, KeyInfo, KeyStore, ensure_not_inside};
pub use network::{IpVersion, network_prefix};
pub use pipeline::{
    AnonymizeOptions, AnonymizeStep, AnonymizeSummary, BatchAudit, anonymize, anonymize_audited, personal_values,
};
pub use pseudonym::{FieldClass, Pseudonym, Pseudonymizer};
pub use record::{STORE_SCHEMA_VERSION, StoreRecord, columns, store_schema};
pub use scrub::{Scrubber, ScrubberBuilder, decode};
pub use sources::{DropReason, SourcePlan};
pub use store::{StagedPart, StoreWriter, commit, remove_store_rows, server_of_file};
pub use useragent::{BrowserFamily, DeviceClass, OsFamily, UserAgentInfo};
