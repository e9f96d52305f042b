//! The statistics tables: their names, key columns, people columns and figure columns.
//!
//! This module is the code side of the data dictionary `schemas/stats.schema.json` (a test checks
//! that the two agree). Every table is written as
//! `DATA/stats/<table>/date=YYYY-MM-DD/part-0.parquet`; the `date` column lives in the path (hive
//! partitioning), every other column in the file. Each file's Parquet key-value metadata records
//! [`STATS_SCHEMA_VERSION`] under [`SCHEMA_VERSION_KEY`] and the `k` it was suppressed with under
//! [`K_KEY`].

/// Version of the statistics tables' layout; bumped whenever a column changes meaning or type.
pub const STATS_SCHEMA_VERSION: &str = "1";
/// Parquet key-value metadata key holding [`STATS_SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "confstats.stats_schema_version";
/// Parquet key-value metadata key holding the suppression threshold k the file was released with.
pub const K_KEY: &str = "confstats.k";

/// Column names of the statistics tables (one place, never repeated as literals).
pub mod col {
    /// Local date (hive partition).
    pub const DATE: &str = "date";
    /// School (IServ instance id) or `unknown`.
    pub const SCHOOL: &str = "school";
    /// Conference server (provider host name).
    pub const SERVER: &str = "server";
    /// Local hour of the day, 0–23.
    pub const HOUR: &str = "hour";
    /// ISO weekday of the date, 1 = Monday … 7 = Sunday.
    pub const WEEKDAY: &str = "weekday";
    /// Whether the hour lies outside school hours (weekends and holidays: always).
    pub const OUTSIDE_SCHOOL_HOURS: &str = "outside_school_hours";
    /// Breakdown dimension (`role`, `device`, `browser`, `os`, `access`; `size`, `duration`).
    pub const DIMENSION: &str = "dimension";
    /// Category within a dimension (`firefox`, `phone`, `2-5`, …).
    pub const VALUE: &str = "value";
    /// Medium (`microphone`, `listen_only`, `dial_in`, `webcam`, `screenshare`).
    pub const MEDIUM: &str = "medium";
    /// Error component (`audio`, `webcam`, `screenshare`, `media_server`, `connection`, `client`).
    pub const COMPONENT: &str = "component";
    /// Error code (`1007`, `2002`, `MEDIA_TIMEOUT`, …) or `none`.
    pub const CODE: &str = "code";

    /// Conferences (meetings with at least one join; breakout rooms counted separately).
    pub const CONFERENCES: &str = "conferences";
    /// Breakout rooms among the conferences.
    pub const BREAKOUT_ROOMS: &str = "breakout_rooms";
    /// Distinct rooms (external meeting ids).
    pub const ROOMS: &str = "rooms";
    /// Distinct participants (people count).
    pub const PARTICIPANTS: &str = "participants";
    /// Joins (BBB user ids; one per session attempt).
    pub const JOINS: &str = "joins";
    /// Participant sessions after reconnect merging.
    pub const SESSIONS: &str = "sessions";
    /// Leave-then-rejoin within 60 s merged into one session.
    pub const RECONNECTS: &str = "reconnects";
    /// Sum of participant sessions in minutes (one decimal).
    pub const PARTICIPANT_MINUTES: &str = "participant_minutes";
    /// Sum of first join → conference end in minutes (one decimal).
    pub const CONFERENCE_MINUTES: &str = "conference_minutes";
    /// Most participant sessions open at one moment.
    pub const PEAK_CONCURRENT: &str = "peak_concurrent";
    /// Median conference duration in minutes.
    pub const MEDIAN_CONFERENCE_MINUTES: &str = "median_conference_minutes";
    /// 90th percentile of conference duration in minutes.
    pub const P90_CONFERENCE_MINUTES: &str = "p90_conference_minutes";
    /// Audio join attempts (successful joins plus failures).
    pub const AUDIO_JOINS: &str = "audio_joins";
    /// `audio_failed` events.
    pub const AUDIO_FAILURES: &str = "audio_failures";
    /// audio_failures / audio_joins.
    pub const AUDIO_FAILURE_SHARE: &str = "audio_failure_share";
    /// Webcam broadcasts started.
    pub const WEBCAM_STARTS: &str = "webcam_starts";
    /// Webcam start failures.
    pub const WEBCAM_FAILURES: &str = "webcam_failures";
    /// Screen shares started.
    pub const SCREENSHARE_STARTS: &str = "screenshare_starts";
    /// Chat messages sent (counts only, never content).
    pub const CHAT_MESSAGES: &str = "chat_messages";
    /// Polls started.
    pub const POLLS: &str = "polls";
    /// Shared-notes edits.
    pub const NOTES_EDITS: &str = "notes_edits";
    /// Participant minutes outside school hours.
    pub const MINUTES_OUTSIDE_SCHOOL_HOURS: &str = "minutes_outside_school_hours";
    /// minutes_outside_school_hours / participant_minutes.
    pub const OUTSIDE_SCHOOL_HOURS_SHARE: &str = "outside_school_hours_share";
    /// Events (of an error code, of a feature).
    pub const EVENTS: &str = "events";
    /// Share of the school-day's (server-day's) conferences affected.
    pub const CONFERENCE_SHARE: &str = "conference_share";
    /// Meetings created.
    pub const MEETINGS_CREATED: &str = "meetings_created";
    /// Most conferences open at one moment.
    pub const PEAK_CONFERENCES: &str = "peak_conferences";
    /// Most webcams broadcasting at one moment.
    pub const PEAK_WEBCAMS: &str = "peak_webcams";
    /// Sessions that connected audio.
    pub const AUDIO_SESSIONS: &str = "audio_sessions";
    /// Sessions that started a webcam.
    pub const WEBCAM_SESSIONS: &str = "webcam_sessions";
    /// Error events of every component.
    pub const ERRORS: &str = "errors";

    /// Suppression flag: null (released), `primary` (fewer than k participants) or `secondary`.
    pub const SUPPRESSED: &str = "suppressed";
    /// For a `secondary` cell: the key columns outside the group of the primary cell it protects
    /// (`value=opera`, `hour=7`); else null.
    pub const PROTECTS: &str = "protects";
}

/// How a table is cut into cells and which of its columns count people.
///
/// Holds no personal data: names of columns only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    /// Directory name under `DATA/stats/`.
    pub name: &'static str,
    /// Columns that identify a cell, `date` first (it is the hive partition).
    pub keys: &'static [&'static str],
    /// Columns (a prefix of `keys`) whose cells add up to a total released elsewhere (secondary
    /// suppression works within these groups). Empty: cells are independent (every total built
    /// over them is made of released cells only).
    pub group: &'static [&'static str],
    /// The column with the distinct participants contributing to the cell; below k the cell is
    /// suppressed.
    pub people: &'static str,
    /// Every column that counts people (never released in 1..k-1).
    pub people_counts: &'static [&'static str],
    /// Figure columns (besides the keys), in file order.
    pub figures: &'static [&'static str],
}

use col::*;

/// One row per school and date.
pub const DAILY_USAGE: TableSpec = TableSpec {
    name: "daily_usage",
    keys: &[DATE, SCHOOL],
    group: &[],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[
        CONFERENCES,
        BREAKOUT_ROOMS,
        ROOMS,
        PARTICIPANTS,
        JOINS,
        SESSIONS,
        RECONNECTS,
        PARTICIPANT_MINUTES,
        CONFERENCE_MINUTES,
        PEAK_CONCURRENT,
        MEDIAN_CONFERENCE_MINUTES,
        P90_CONFERENCE_MINUTES,
        AUDIO_JOINS,
        AUDIO_FAILURES,
        AUDIO_FAILURE_SHARE,
        WEBCAM_STARTS,
        WEBCAM_FAILURES,
        SCREENSHARE_STARTS,
        CHAT_MESSAGES,
        POLLS,
        NOTES_EDITS,
        MINUTES_OUTSIDE_SCHOOL_HOURS,
        OUTSIDE_SCHOOL_HOURS_SHARE,
    ],
};

/// One row per school, date and local hour with activity.
pub const USAGE_BY_HOUR: TableSpec = TableSpec {
    name: "usage_by_hour",
    keys: &[DATE, SCHOOL, HOUR],
    group: &[DATE, SCHOOL],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[WEEKDAY, OUTSIDE_SCHOOL_HOURS, CONFERENCES, PARTICIPANTS, JOINS, PARTICIPANT_MINUTES],
};

/// One row per school, date, dimension (`role`, `device`, `browser`, `os`, `access`) and value.
pub const USAGE_BY_CLIENT: TableSpec = TableSpec {
    name: "usage_by_client",
    keys: &[DATE, SCHOOL, DIMENSION, VALUE],
    group: &[DATE, SCHOOL, DIMENSION],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[PARTICIPANTS, SESSIONS, PARTICIPANT_MINUTES],
};

/// One row per school, date and medium.
pub const MEDIA_USE: TableSpec = TableSpec {
    name: "media_use",
    keys: &[DATE, SCHOOL, MEDIUM],
    group: &[DATE, SCHOOL],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[PARTICIPANTS, SESSIONS, EVENTS, PARTICIPANT_MINUTES],
};

/// One row per school, date, dimension (`size`, `duration`) and bucket.
pub const CONFERENCE_BUCKETS: TableSpec = TableSpec {
    name: "conference_buckets",
    keys: &[DATE, SCHOOL, DIMENSION, VALUE],
    group: &[DATE, SCHOOL, DIMENSION],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[CONFERENCES, PARTICIPANTS, PARTICIPANT_MINUTES, CONFERENCE_MINUTES],
};

/// One row per school, date, component and error code.
pub const ERRORS_BY_CODE: TableSpec = TableSpec {
    name: "errors",
    keys: &[DATE, SCHOOL, COMPONENT, CODE],
    group: &[DATE, SCHOOL, COMPONENT],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[EVENTS, PARTICIPANTS, SESSIONS, CONFERENCES, CONFERENCE_SHARE],
};

/// The provider's fleet view: one row per server, date and local hour with activity.
pub const FLEET_HOURLY: TableSpec = TableSpec {
    name: "fleet_hourly",
    keys: &[DATE, SERVER, HOUR],
    group: &[],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[
        MEETINGS_CREATED,
        CONFERENCES,
        PEAK_CONFERENCES,
        PARTICIPANTS,
        PEAK_CONCURRENT,
        PEAK_WEBCAMS,
        JOINS,
        AUDIO_SESSIONS,
        WEBCAM_SESSIONS,
        AUDIO_FAILURES,
        ERRORS,
        RECONNECTS,
    ],
};

/// Fleet errors: one row per server, date, component and error code.
pub const FLEET_ERRORS: TableSpec = TableSpec {
    name: "fleet_errors",
    keys: &[DATE, SERVER, COMPONENT, CODE],
    group: &[DATE, SERVER],
    people: PARTICIPANTS,
    people_counts: &[PARTICIPANTS],
    figures: &[EVENTS, PARTICIPANTS, SESSIONS, CONFERENCES],
};

/// Every statistics table, in the order they are written and documented.
pub const ALL: [TableSpec; 8] = [
    DAILY_USAGE,
    USAGE_BY_HOUR,
    USAGE_BY_CLIENT,
    MEDIA_USE,
    CONFERENCE_BUCKETS,
    ERRORS_BY_CODE,
    FLEET_HOURLY,
    FLEET_ERRORS,
];

/// The type of a statistics column as the data dictionary names it: `date`, `utf8`, `uint32`,
/// `float64` or `boolean`.
pub fn column_type(name: &str) -> &'static str {
    match name {
        col::DATE => "date",
        col::SCHOOL
        | col::SERVER
        | col::DIMENSION
        | col::VALUE
        | col::MEDIUM
        | col::COMPONENT
        | col::CODE
        | col::SUPPRESSED
        | col::PROTECTS => "utf8",
        col::OUTSIDE_SCHOOL_HOURS => "boolean",
        col::PARTICIPANT_MINUTES
        | col::CONFERENCE_MINUTES
        | col::MEDIAN_CONFERENCE_MINUTES
        | col::P90_CONFERENCE_MINUTES
        | col::AUDIO_FAILURE_SHARE
        | col::MINUTES_OUTSIDE_SCHOOL_HOURS
        | col::OUTSIDE_SCHOOL_HOURS_SHARE
        | col::CONFERENCE_SHARE => "float64",
        _ => "uint32",
    }
}

/// The polars type of a statistics column ([`column_type`], the data dictionary).
pub(crate) fn polars_dtype(name: &str) -> polars::prelude::DataType {
    use polars::prelude::DataType;
    match column_type(name) {
        "date" => DataType::Date,
        "utf8" => DataType::String,
        "boolean" => DataType::Boolean,
        "float64" => DataType::Float64,
        _ => DataType::UInt32,
    }
}

impl TableSpec {
    /// Every column of the released table in file order: keys, figures, then the suppression
    /// flags (`date` included, although the files keep it in the path only).
    pub fn columns(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for c in self.keys.iter().chain(self.figures).chain([&col::SUPPRESSED, &col::PROTECTS]) {
            if !out.contains(c) {
                out.push(c);
            }
        }
        out
    }
}
