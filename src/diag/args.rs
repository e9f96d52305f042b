//! The flags of the diagnostic commands (clap), with help texts that teach by example.

use clap::{Args, Subcommand};

use super::TicketId;
use crate::config::DataArgs;

/// Options of `query`. Not personal data (a query over pseudonyms).
#[derive(Debug, Args)]
#[command(after_long_help = QUERY_EXAMPLES)]
pub struct QueryArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The SQL query (one SELECT statement; polars SQL, close to PostgreSQL's).
    #[arg(value_name = "SQL")]
    pub sql: String,
    /// Output format: table (for a terminal), csv or json (an array of objects).
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
    /// Rows a table shows at most (first and last halves); 0 shows all. csv and json write all.
    #[arg(long, default_value_t = 40, value_name = "N")]
    pub max_rows: usize,
    /// Time zone of `local_time` (IANA name; default: the config's `time_zone`, else
    /// Europe/Berlin).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
}

const QUERY_EXAMPLES: &str = "\
Tables (pseudonymised; the days whose key is alive):
  events    every store record: time (UTC), local_time, date, server, source, kind, school,
            participant (p_), session (s_), meeting (m_), parent_meeting, room (r_), role,
            client_type, audio_mode, browser, browser_major, os, device, ip_version,
            network (n_), error_code, log_code, level, text (a scrubbed template)
  sessions  one row per participant session (a BBB user id): date, session, participant, meeting,
            room, school, server, role, client_type, audio_mode, browser, browser_major, os,
            device, ip_version, network, join_time, leave_time (null: no leave logged), joins,
            leaves, events, errors, end_time (the leave, else the conference's end), duration_s
  errors    the error events (audio, webcam, screen sharing, media server, client) with `meaning`

Examples:
  # what happened, per day and kind
  confstats query --data /srv/confstats \"SELECT date, kind, count(*) AS n FROM events GROUP BY date, kind ORDER BY date, n DESC\"
  # audio failures by code and browser
  confstats query --data /srv/confstats \"SELECT error_code, meaning, browser, count(*) AS n FROM errors WHERE kind = 'audio_failed' GROUP BY 1, 2, 3 ORDER BY n DESC\"
  # the longest sessions of one school yesterday, as CSV
  confstats query --data /srv/confstats --format csv \"SELECT * FROM sessions WHERE school = 'iserv-4711' ORDER BY duration_s DESC NULLS LAST LIMIT 20\"
  # conferences of one room (r_ from `confstats lookup --room`)
  confstats query --data /srv/confstats \"SELECT DISTINCT date, meeting FROM events WHERE room = 'r_…'\"

A bad query exits with 2 and polars' message. Only these tables can be read (no file functions).";

/// Options of `trace`. Not personal data (pseudonyms; a value that is not one is refused
/// without being echoed).
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true), after_long_help = TRACE_EXAMPLES)]
pub struct TraceArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// One conference: its meeting pseudonym (m_…).
    #[arg(long, value_name = "m_…", group = "what")]
    pub meeting: Option<String>,
    /// Every conference of a room: its room pseudonym (r_…).
    #[arg(long, value_name = "r_…", group = "what")]
    pub room: Option<String>,
    /// One participant and its sessions: its participant pseudonym (p_…).
    #[arg(long, value_name = "p_…", group = "what")]
    pub participant: Option<String>,
    /// One session (one join): its session pseudonym (s_…).
    #[arg(long, value_name = "s_…", group = "what")]
    pub session: Option<String>,
    /// Read only this store day (faster; pseudonyms are per day anyway).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
    /// Output format: text or json.
    #[arg(long, default_value = "text", value_name = "FORMAT")]
    pub format: String,
    /// Also list routine client-log events (below warning level).
    #[arg(long)]
    pub all: bool,
    /// Time zone of the times (IANA name; default: the config's `time_zone`, else
    /// Europe/Berlin).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
}

const TRACE_EXAMPLES: &str = "\
The timeline lists joins and leaves (a rejoin within 60 s is a reconnect), audio, webcam and
screen sharing, errors with the meaning of their code, and stretches of 5 minutes or more without
events. The participants table shows each one's role, client, device, browser, OS and network
pseudonym (a /24 or /48 network: the same n_ for two pupils means the same school network).

Examples:
  # a ticket names an account: find its pseudonym of the day, then its timeline
  confstats lookup --data /srv/confstats --account j.beispiel --date 2026-11-24
  confstats trace --data /srv/confstats --participant p_3f9a… --date 2026-11-24
  # every conference of a room that day, as JSON
  confstats trace --data /srv/confstats --room r_81c2… --date 2026-11-24 --format json
  # one conference found with `confstats query`
  confstats trace --data /srv/confstats --meeting m_07d1…";

/// Options of `lookup`. **Holds personal data** (the id looked up), as a
/// [`TicketId`] from parsing on: redacted in `Debug`, never printed.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("id").required(true), after_long_help = LOOKUP_EXAMPLES)]
pub struct LookupArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The account id (IServ user, e.g. from a support ticket): gives its participant
    /// pseudonym (p_…) of each day.
    #[arg(long, value_name = "ID", group = "id", value_parser = TicketId::parse)]
    pub account: Option<TicketId>,
    /// The room id (the external meeting id, e.g. iserv-4711/klasse-4b): gives its room
    /// pseudonym (r_…) of each day.
    #[arg(long, value_name = "EXTERNAL_MEETING_ID", group = "id", value_parser = TicketId::parse)]
    pub room: Option<TicketId>,
    /// Only this store day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<chrono::NaiveDate>,
    /// Output format: text or json.
    #[arg(long, default_value = "text", value_name = "FORMAT")]
    pub format: String,
}

const LOOKUP_EXAMPLES: &str = "\
The pseudonyms are computed with each day's key on the spot: no table from ids to pseudonyms is
stored. A day whose key was deleted (after at most 7 days) can no longer be looked up. Every
look-up is appended to DATA/access.log (who, when, which epochs, how many records — never the
id), and the id is never printed.

Examples:
  confstats lookup --data /srv/confstats --account j.beispiel
  confstats lookup --data /srv/confstats --room iserv-4711/klasse-4b --date 2026-11-24";

/// `subject export` and `subject erase`.
#[derive(Debug, Subcommand)]
pub enum SubjectCommand {
    /// Every stored record of an account within retention, as JSON (rights of access and
    /// portability).
    ///
    /// The records of each day whose key is alive: those of the account's participant pseudonym
    /// and of its sessions. The id itself is not in the output. Logged in DATA/access.log.
    ///
    /// Example: confstats subject export --data /srv/confstats --account j.beispiel > export.json
    Export(SubjectArgs),
    /// Remove every stored record of an account (right to erasure) and keep it out for good.
    ///
    /// Takes the nightly run's lock, adds the account to the opt-out file (`--opt-out` or the
    /// config's `opt_out`, which the nightly run reads, so that reprocessing the raw logs leaves
    /// it out), writes a new generation without its records and publishes it with the run's
    /// atomic switch; the replaced generation is deleted. Prints how many records were removed.
    /// Statistics and reports are anonymous and are kept. Logged in DATA/access.log.
    ///
    /// Example: confstats --config /etc/confstats/confstats.toml subject erase --account j.beispiel
    Erase(SubjectEraseArgs),
}

/// Options of `subject export`. **Holds personal data** (the account id; see `LookupArgs`).
#[derive(Debug, Args)]
pub struct SubjectArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The account id (IServ user).
    #[arg(long, value_name = "ID", value_parser = TicketId::parse)]
    pub account: TicketId,
}

/// Options of `subject erase`. **Holds personal data** (the account id; see `LookupArgs`).
#[derive(Debug, Args)]
pub struct SubjectEraseArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The account id (IServ user).
    #[arg(long, value_name = "ID", value_parser = TicketId::parse)]
    pub account: TicketId,
    /// The opt-out file the nightly run reads (default: the config's `opt_out`). Created mode
    /// 0600 if missing; it must not lie in a published directory.
    #[arg(long, value_name = "FILE")]
    pub opt_out: Option<std::path::PathBuf>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}
