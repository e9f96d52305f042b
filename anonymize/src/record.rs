//! The store record: one pseudonymised fact, and its Arrow schema.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};

use crate::Pseudonym;

/// Column names of the store, in schema order (the one place they are spelled).
pub mod columns {
    /// When the fact happened (UTC, microseconds).
    pub const TIME: &str = "time";
    /// The conference server (the provider's host name).
    pub const SERVER: &str = "server";
    /// The log format the fact was taken from (its authoritative source).
    pub const SOURCE: &str = "source";
    /// The event kind.
    pub const KIND: &str = "kind";
    /// The school (IServ instance id) or `unknown`.
    pub const SCHOOL: &str = "school";
    /// `p_` pseudonym of the participant (account, else BBB user id).
    pub const PARTICIPANT: &str = "participant";
    /// `s_` pseudonym of the BBB user id (one join).
    pub const SESSION: &str = "session";
    /// `m_` pseudonym of the internal meeting id.
    pub const MEETING: &str = "meeting";
    /// `m_` pseudonym of the parent meeting of a breakout room.
    pub const PARENT_MEETING: &str = "parent_meeting";
    /// `r_` pseudonym of the external meeting id (the room).
    pub const ROOM: &str = "room";
    /// `moderator` or `viewer`.
    pub const ROLE: &str = "role";
    /// `html5`, `dial_in` or `other`.
    pub const CLIENT_TYPE: &str = "client_type";
    /// `microphone`, `listen_only` or `dial_in`.
    pub const AUDIO_MODE: &str = "audio_mode";
    /// Browser family.
    pub const BROWSER: &str = "browser";
    /// Browser major version.
    pub const BROWSER_MAJOR: &str = "browser_major";
    /// Operating system family.
    pub const OS: &str = "os";
    /// `desktop`, `tablet`, `phone` or `other`.
    pub const DEVICE: &str = "device";
    /// `v4` or `v6`.
    pub const IP_VERSION: &str = "ip_version";
    /// `n_` pseudonym of the /24 (IPv4) or /48 (IPv6) network.
    pub const NETWORK: &str = "network";
    /// Error code (`1007`, `2002`, `MEDIA_TIMEOUT`).
    pub const ERROR_CODE: &str = "error_code";
    /// Log code (`audio_failure`, `user_joined_message`).
    pub const LOG_CODE: &str = "log_code";
    /// Severity.
    pub const LEVEL: &str = "level";
    /// The scrubbed message template.
    pub const TEXT: &str = "text";
}

/// The store's schema version, written into each file's metadata.
pub const STORE_SCHEMA_VERSION: &str = "1";

/// The Arrow schema of the store (see `schemas/store.schema.json`).
pub fn store_schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        use columns::*;
        let utf8 = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
        let fields = vec![
            Field::new(TIME, DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
            utf8(SERVER, false),
            utf8(SOURCE, false),
            utf8(KIND, false),
            utf8(SCHOOL, false),
            utf8(PARTICIPANT, true),
            utf8(SESSION, true),
            utf8(MEETING, true),
            utf8(PARENT_MEETING, true),
            utf8(ROOM, true),
            utf8(ROLE, true),
            utf8(CLIENT_TYPE, true),
            utf8(AUDIO_MODE, true),
            utf8(BROWSER, true),
            Field::new(BROWSER_MAJOR, DataType::UInt32, true),
            utf8(OS, true),
            utf8(DEVICE, true),
            utf8(IP_VERSION, true),
            utf8(NETWORK, true),
            utf8(ERROR_CODE, true),
            utf8(LOG_CODE, true),
            utf8(LEVEL, true),
            utf8(TEXT, true),
        ];
        let metadata: std::collections::HashMap<String, String> =
            [("confstats.store.schema_version".to_owned(), STORE_SCHEMA_VERSION.to_owned())].into();
        Arc::new(Schema::new_with_metadata(fields, metadata))
    });
    SCHEMA.clone()
}

/// One pseudonymised fact as stored for diagnostics. **Holds no personal data**: identifiers are
/// keyed pseudonyms (unlinkable once their epoch key is deleted), the user agent and IP address
/// are generalised, and the text is a scrubbed template. It is the only type the store writer
/// accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreRecord {
    /// When the fact happened.
    pub time: DateTime<Utc>,
    /// The conference server.
    pub server: Arc<str>,
    /// The authoritative source (log format name).
    pub source: &'static str,
    /// The event kind name.
    pub kind: &'static str,
    /// The school id or `unknown`.
    pub school: Arc<str>,
    /// Participant pseudonym.
    pub participant: Option<Pseudonym>,
    /// Session (BBB user id) pseudonym.
    pub session: Option<Pseudonym>,
    /// Meeting pseudonym.
    pub meeting: Option<Pseudonym>,
    /// Parent meeting pseudonym (breakout rooms).
    pub parent_meeting: Option<Pseudonym>,
    /// Room pseudonym.
    pub room: Option<Pseudonym>,
    /// Role name.
    pub role: Option<&'static str>,
    /// Client type name.
    pub client_type: Option<&'static str>,
    /// Audio mode name.
    pub audio_mode: Option<&'static str>,
    /// Browser family.
    pub browser: Option<&'static str>,
    /// Browser major version.
    pub browser_major: Option<u32>,
    /// OS family.
    pub os: Option<&'static str>,
    /// Device class.
    pub device: Option<&'static str>,
    /// IP version.
    pub ip_version: Option<&'static str>,
    /// Network pseudonym.
    pub network: Option<Pseudonym>,
    /// Error code.
    pub error_code: Option<String>,
    /// Log code.
    pub log_code: Option<String>,
    /// Level name.
    pub level: Option<&'static str>,
    /// Scrubbed message template.
    pub text: Option<Arc<str>>,
}
