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
//! This crate is being built by the anonymisation issue.

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

pub use error::{Error, Result};
pub use keys::{EpochKey, KeyInfo, KeyStore, ensure_not_inside};
pub use network::{IpVersion, network_prefix};
pub use pipeline::{AnonymizeOptions, AnonymizeSummary, anonymize};
pub use pseudonym::{FieldClass, Pseudonym, Pseudonymizer};
pub use record::{STORE_SCHEMA_VERSION, StoreRecord, columns, store_schema};
pub use scrub::{Scrubber, ScrubberBuilder, decode};
pub use sources::{DropReason, SourcePlan};
pub use store::{StagedPart, StoreWriter, commit};
pub use useragent::{BrowserFamily, DeviceClass, OsFamily, UserAgentInfo};
