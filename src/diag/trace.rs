//! `confstats trace`: the timeline of one conference (`--meeting m_…`), of every conference of a
//! room (`--room r_…`), of one participant (`--participant p_…`) or of one session
//! (`--session s_…`): joins and leaves, reconnects and gaps, audio, webcam and screen sharing,
//! errors with their meaning (FORMATS.md), device and browser class, network pseudonym.
//!
//! A participant's timeline also holds the lines of its sessions that name only the BBB user id
//! (audio and media-server logs). Routine client-log chatter (`other_diagnostic` below warning
//! level) is counted, and listed with `--all`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Result, anyhow};
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use confstats_anonymize::columns as c;
use polars::prelude::*;
use serde::Serialize;

use super::{DATE, Store, meaning, polars_err, query::ERROR_KINDS, subject_filter};
use crate::commands::Blame;

/// A leave followed by a join of the same participant in the same conference within this many
/// seconds is a reconnect (DESIGN.md "Definitions").
pub const RECONNECT_SECONDS: i64 = 60;
/// A stretch of at least this many seconds without any event is shown as a gap.
pub const GAP_SECONDS: i64 = 300;

/// What to trace: a pseudonym of the store. Not personal data.
#[derive(Debug, Clone)]
pub enum Selector {
    /// A meeting (`m_…`): one conference.
    Meeting(String),
    /// A room (`r_…`): every conference held in it.
    Room(String),
    /// A participant (`p_…`) and its sessions.
    Participant(String),
    /// One session (`s_…`, one join).
    Session(String),
}

impl Selector {
    /// The selector of a flag; the value must be a pseudonym of the flag's class (`m_`, `r_`,
    /// `p_`, `s_` and 32 hex digits). The error names the flag, never the value (it could be an
    /// id pasted by mistake).
    pub fn try_new(flag: &'static str, value: String) -> Result<Selector> {
        let prefix = match flag {
            "meeting" => "m_",
            "room" => "r_",
            "participant" => "p_",
            _ => "s_",
        };
        let ok = value.len() == 34
            && value.starts_with(prefix)
            && value[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            let hint = match flag {
                "participant" => "; from an account id, `confstats lookup --account ID` finds it",
                "room" => "; from a room id (external meeting id), `confstats lookup --room ID` finds it",
                _ => "; `confstats query` finds them",
            };
            return Err(anyhow!("`--{flag}` takes a {prefix}… pseudonym ({prefix} and 32 hex digits){hint}")
                .context(Blame::Usage));
        }
        Ok(match flag {
            "meeting" => Selector::Meeting(value),
            "room" => Selector::Room(value),
            "participant" => Selector::Participant(value),
            _ => Selector::Session(value),
        })
    }

    fn describe(&self) -> (&'static str, &str) {
        match self {
            Selector::Meeting(v) => ("meeting", v),
            Selector::Room(v) => ("room", v),
            Selector::Participant(v) => ("participant", v),
            Selector::Session(v) => ("session", v),
        }
    }
}

/// One event of the timeline. Not personal data: pseudonyms, generalised values and a scrubbed
/// template.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Local time (RFC 3339 with offset).
    pub time: String,
    #[serde(skip)]
    t_us: i64,
    /// The event kind.
    pub kind: String,
    /// The label of the participant in this trace (`P1`, …), if any.
    pub who: Option<String>,
    /// Participant pseudonym: the one the session joined with (a line that names only the BBB
    /// user id carries a pseudonym of the user id in the store).
    pub participant: Option<String>,
    /// Session pseudonym.
    pub session: Option<String>,
    /// Meeting pseudonym.
    pub meeting: Option<String>,
    /// Conference server.
    pub server: Option<String>,
    /// The log the fact was taken from.
    pub source: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// Client type.
    pub client_type: Option<String>,
    /// Audio mode.
    pub audio_mode: Option<String>,
    /// Device class.
    pub device: Option<String>,
    /// Browser family and major version.
    pub browser: Option<String>,
    /// OS family.
    pub os: Option<String>,
    /// Network pseudonym.
    pub network: Option<String>,
    /// Error code.
    pub error_code: Option<String>,
    /// Log code.
    pub log_code: Option<String>,
    /// What the code means (FORMATS.md).
    pub meaning: Option<&'static str>,
    /// Severity.
    pub level: Option<String>,
    /// The scrubbed message template.
    pub text: Option<String>,
    /// A note of the trace: a reconnect or a rejoin after a gap, the length of a session.
    pub note: Option<String>,
}

/// One participant of the trace. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    /// The label in this trace (`P1`, … by first appearance).
    pub label: String,
    /// The participant pseudonym (`p_`), or the session's when none was logged.
    pub participant: String,
    /// Its sessions (`s_`).
    pub sessions: Vec<String>,
    /// Role.
    pub role: Option<String>,
    /// Client type.
    pub client_type: Option<String>,
    /// Audio mode.
    pub audio_mode: Option<String>,
    /// Device class.
    pub device: Option<String>,
    /// Browser family and major version.
    pub browser: Option<String>,
    /// OS family.
    pub os: Option<String>,
    /// Network pseudonyms.
    pub networks: Vec<String>,
    /// First join (local).
    pub first_join: Option<String>,
    /// Last leave (local).
    pub last_leave: Option<String>,
    /// Seconds in the conference (sum of join → leave; reconnect gaps included).
    pub seconds: Option<i64>,
    /// Joins.
    pub joins: u32,
    /// Rejoins within 60 s of a leave.
    pub reconnects: u32,
    /// Error events.
    pub errors: u32,
}

/// One conference of the trace. Not personal data.
#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    /// The meeting pseudonym.
    pub meeting: String,
    /// Its room.
    pub room: Option<String>,
    /// Its parent meeting, if it is a breakout room.
    pub parent_meeting: Option<String>,
    /// The school (IServ instance).
    pub school: Option<String>,
    /// Servers.
    pub servers: Vec<String>,
    /// First event (local).
    pub start: Option<String>,
    /// Meeting end, else last event (local).
    pub end: Option<String>,
    /// Seconds from start to end.
    pub seconds: Option<i64>,
    /// Distinct participants.
    pub participants: usize,
    /// Breakout rooms seen (`m_`).
    pub breakouts: Vec<String>,
}

/// A trace. Not personal data.
#[derive(Debug, Serialize)]
pub struct Trace {
    /// `meeting`, `room`, `participant` or `session`.
    pub selector: &'static str,
    /// The pseudonym traced.
    pub pseudonym: String,
    /// The time zone of the times.
    pub time_zone: String,
    /// Store days read.
    pub days: Vec<NaiveDate>,
    /// The conferences.
    pub meetings: Vec<Meeting>,
    /// The participants.
    pub participants: Vec<Participant>,
    /// The events shown, in time order.
    pub events: Vec<Event>,
    /// Routine client-log events not listed (`--all` lists them).
    pub hidden: u64,
    /// Stretches without events of at least [`GAP_SECONDS`]: (from, to, seconds).
    pub gaps: Vec<(String, String, i64)>,
}

/// The columns a trace reads.
const COLUMNS: [&str; 23] = [
    c::SERVER,
    c::SOURCE,
    c::KIND,
    c::SCHOOL,
    c::PARTICIPANT,
    c::SESSION,
    c::MEETING,
    c::PARENT_MEETING,
    c::ROOM,
    c::ROLE,
    c::CLIENT_TYPE,
    c::AUDIO_MODE,
    c::BROWSER,
    c::BROWSER_MAJOR,
    c::OS,
    c::DEVICE,
    c::IP_VERSION,
    c::NETWORK,
    c::ERROR_CODE,
    c::LOG_CODE,
    c::LEVEL,
    c::TEXT,
    DATE,
];

fn strings(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let col = df.column(name).and_then(|col| col.cast(&DataType::String)).map_err(polars_err("read the store"))?;
    Ok(col.str().map_err(polars_err("read the store"))?.iter().map(|v| v.map(str::to_owned)).collect())
}

fn distinct(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let set: BTreeSet<String> = strings(df, name)?.into_iter().flatten().collect();
    Ok(set.into_iter().collect())
}

fn is_in(name: &str, values: &[String]) -> Expr {
    let list: Vec<&str> = values.iter().map(String::as_str).collect();
    col(name).is_in(lit(Series::new("values".into(), list)).implode(false), false)
}

/// Reads the selected rows of the store days `days` (all when `None`).
fn rows(store: &Store, selector: &Selector, days: Option<&[NaiveDate]>, tz: Tz) -> Result<DataFrame> {
    let events = store.events(days, tz)?;
    let filter = match selector {
        Selector::Meeting(m) => col(c::MEETING).eq(lit(m.as_str())).or(col(c::PARENT_MEETING).eq(lit(m.as_str()))),
        Selector::Session(s) => col(c::SESSION).eq(lit(s.as_str())),
        Selector::Room(r) => {
            let found = events
                .clone()
                .filter(col(c::ROOM).eq(lit(r.as_str())).and(col(c::MEETING).is_not_null()))
                .select([col(c::MEETING)])
                .unique(None, UniqueKeepStrategy::Any)
                .collect()
                .map_err(polars_err("read the store"))?;
            is_in(c::MEETING, &distinct(&found, c::MEETING)?)
        }
        Selector::Participant(p) => {
            let found = events
                .clone()
                .filter(col(c::PARTICIPANT).eq(lit(p.as_str())).and(col(c::SESSION).is_not_null()))
                .select([col(c::SESSION)])
                .unique(None, UniqueKeepStrategy::Any)
                .collect()
                .map_err(polars_err("read the store"))?;
            subject_filter(p, &distinct(&found, c::SESSION)?.into_iter().collect())
        }
    };
    let mut select: Vec<Expr> = vec![col(c::TIME).cast(DataType::Int64).alias("t_us")];
    select.extend(COLUMNS.iter().map(|n| col(*n)));
    events
        .filter(filter)
        .select(select)
        .sort(["t_us"], SortMultipleOptions::default().with_maintain_order(true))
        .collect()
        .map_err(polars_err("read the store"))
}

fn local(t_us: i64, tz: Tz) -> DateTime<Tz> {
    let utc = DateTime::<Utc>::from_timestamp_micros(t_us).unwrap_or_default();
    tz.from_utc_datetime(&utc.naive_utc())
}

fn rfc3339(t_us: i64, tz: Tz) -> String {
    local(t_us, tz).to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// Seconds as `42 s`, `12 min 5 s`, `1 h 3 min`.
pub fn human(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Builds the trace of `selector`.
pub fn trace(store: &Store, selector: &Selector, date: Option<NaiveDate>, tz: Tz, all: bool) -> Result<Trace> {
    let only = date.map(|d| vec![d]);
    let df = rows(store, selector, only.as_deref(), tz)?;
    let (what, pseudonym) = selector.describe();
    if df.height() == 0 {
        return Err(anyhow!(
            "no event of this {what} in the store ({}); pseudonyms change every day: `confstats lookup` or `confstats query` finds the day's",
            store.days.iter().map(|d| d.date.to_string()).collect::<Vec<_>>().join(", ")
        )
        .context(Blame::Usage));
    }
    let t_us: Vec<i64> = df
        .column("t_us")
        .and_then(|col| col.i64().cloned())
        .map_err(polars_err("read the store"))?
        .iter()
        .map(|v| v.unwrap_or_default())
        .collect();
    let mut col_of: BTreeMap<&str, Vec<Option<String>>> = BTreeMap::new();
    for name in COLUMNS {
        col_of.insert(name, strings(&df, name)?);
    }
    let get = |name: &str, i: usize| -> Option<String> { col_of.get(name).and_then(|v| v[i].clone()) };

    // Whose session is it: the participant of its join (bbb-web names the account), else the
    // first participant seen with it. Lines that name only the BBB user id (FreeSWITCH, SFU)
    // carry a participant pseudonym of the user id; they are counted under the session's owner.
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for pass_joins in [true, false] {
        for i in 0..t_us.len() {
            if pass_joins && get(c::KIND, i).as_deref() != Some("participant_joined") {
                continue;
            }
            if let (Some(s), Some(p)) = (get(c::SESSION, i), get(c::PARTICIPANT, i)) {
                owner.entry(s).or_insert(p);
            }
        }
    }
    // Participants by first appearance; a row without participant counts under its session.
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    let mut people: Vec<Participant> = Vec::new();
    let mut meetings: BTreeMap<String, Meeting> = BTreeMap::new();
    let mut meeting_order: Vec<String> = Vec::new();
    let mut events = Vec::new();
    let mut hidden = 0;
    // (person, meeting) → open join time, last leave time.
    let mut open: BTreeMap<(usize, String), i64> = BTreeMap::new();
    let mut last_leave: BTreeMap<(usize, String), i64> = BTreeMap::new();
    let mut seconds: BTreeMap<usize, i64> = BTreeMap::new();
    let mut days = BTreeSet::new();
    for (i, &t) in t_us.iter().enumerate() {
        let kind = get(c::KIND, i).unwrap_or_default();
        if let Some(d) = get(DATE, i).and_then(|d| d.parse().ok()) {
            days.insert(d);
        }
        let meeting = get(c::MEETING, i);
        if let Some(m) = &meeting {
            if !meetings.contains_key(m) {
                meeting_order.push(m.clone());
                meetings.insert(
                    m.clone(),
                    Meeting {
                        meeting: m.clone(),
                        room: None,
                        parent_meeting: None,
                        school: None,
                        servers: Vec::new(),
                        start: None,
                        end: None,
                        seconds: None,
                        participants: 0,
                        breakouts: Vec::new(),
                    },
                );
            }
            if let Some(entry) = meetings.get_mut(m) {
                entry.room = entry.room.take().or_else(|| get(c::ROOM, i));
                entry.parent_meeting = entry.parent_meeting.take().or_else(|| get(c::PARENT_MEETING, i));
                entry.school = entry.school.take().or_else(|| get(c::SCHOOL, i));
                if let Some(s) = get(c::SERVER, i)
                    && !entry.servers.contains(&s)
                {
                    entry.servers.push(s);
                }
            }
        }
        let person_key = get(c::SESSION, i)
            .and_then(|s| owner.get(&s).cloned())
            .or_else(|| get(c::PARTICIPANT, i))
            .or_else(|| get(c::SESSION, i));
        let who = person_key.map(|key| {
            let n = labels.len();
            let idx = *labels.entry(key.clone()).or_insert(n);
            if idx == people.len() {
                people.push(Participant {
                    label: format!("P{}", idx + 1),
                    participant: key,
                    sessions: Vec::new(),
                    role: None,
                    client_type: None,
                    audio_mode: None,
                    device: None,
                    browser: None,
                    os: None,
                    networks: Vec::new(),
                    first_join: None,
                    last_leave: None,
                    seconds: None,
                    joins: 0,
                    reconnects: 0,
                    errors: 0,
                });
            }
            idx
        });
        let browser = get(c::BROWSER, i).map(|b| match get(c::BROWSER_MAJOR, i) {
            Some(v) => format!("{b} {v}"),
            None => b,
        });
        let mut note = None;
        if let Some(p) = who.and_then(|w| people.get_mut(w)) {
            let idx = who.unwrap_or_default();
            if let Some(s) = get(c::SESSION, i)
                && !p.sessions.contains(&s)
            {
                p.sessions.push(s);
            }
            p.role = p.role.take().or_else(|| get(c::ROLE, i));
            p.client_type = p.client_type.take().or_else(|| get(c::CLIENT_TYPE, i));
            p.audio_mode = p.audio_mode.take().or_else(|| get(c::AUDIO_MODE, i));
            p.device = p.device.take().or_else(|| get(c::DEVICE, i));
            p.browser = p.browser.take().or_else(|| browser.clone());
            p.os = p.os.take().or_else(|| get(c::OS, i));
            if let Some(n) = get(c::NETWORK, i)
                && !p.networks.contains(&n)
            {
                p.networks.push(n);
            }
            if ERROR_KINDS.contains(&kind.as_str()) {
                p.errors += 1;
            }
            let m = meeting.clone().unwrap_or_default();
            match kind.as_str() {
                "participant_joined" => {
                    p.joins += 1;
                    if p.first_join.is_none() {
                        p.first_join = Some(rfc3339(t, tz));
                    }
                    if let Some(left) = last_leave.get(&(idx, m.clone())) {
                        let gap = (t - left) / 1_000_000;
                        if gap <= RECONNECT_SECONDS {
                            p.reconnects += 1;
                            note = Some(format!("reconnect after {}", human(gap)));
                        } else {
                            note = Some(format!("rejoined after {}", human(gap)));
                        }
                    }
                    open.entry((idx, m)).or_insert(t);
                }
                "participant_left" => {
                    p.last_leave = Some(rfc3339(t, tz));
                    if let Some(start) = open.remove(&(idx, m.clone())) {
                        let s = (t - start) / 1_000_000;
                        *seconds.entry(idx).or_default() += s;
                        note = Some(format!("after {}", human(s)));
                    }
                    last_leave.insert((idx, m), t);
                }
                _ => {}
            }
        }
        let level = get(c::LEVEL, i);
        let routine =
            kind == "other_diagnostic" && !matches!(level.as_deref(), Some("warn" | "warning" | "error" | "fatal"));
        if routine && !all {
            hidden += 1;
            continue;
        }
        let error_code = get(c::ERROR_CODE, i);
        let log_code = get(c::LOG_CODE, i);
        events.push(Event {
            time: rfc3339(t, tz),
            t_us: t,
            meaning: (ERROR_KINDS.contains(&kind.as_str()) || error_code.is_some())
                .then(|| meaning::meaning(error_code.as_deref(), log_code.as_deref()))
                .flatten(),
            kind,
            who: who.map(|w| format!("P{}", w + 1)),
            participant: who.and_then(|w| people.get(w)).map(|p| p.participant.clone()),
            session: get(c::SESSION, i),
            meeting,
            server: get(c::SERVER, i),
            source: get(c::SOURCE, i),
            role: get(c::ROLE, i),
            client_type: get(c::CLIENT_TYPE, i),
            audio_mode: get(c::AUDIO_MODE, i),
            device: get(c::DEVICE, i),
            browser,
            os: get(c::OS, i),
            network: get(c::NETWORK, i),
            error_code,
            log_code,
            level,
            text: get(c::TEXT, i),
            note,
        });
    }
    for (idx, s) in seconds {
        if let Some(p) = people.get_mut(idx) {
            p.seconds = Some(s);
        }
    }
    // Conference start, end and size.
    for m in meetings.values_mut() {
        let mine: Vec<usize> = (0..t_us.len()).filter(|&i| get(c::MEETING, i).as_deref() == Some(&m.meeting)).collect();
        let first = mine.first().map(|&i| t_us[i]);
        let ended = mine.iter().find(|&&i| get(c::KIND, i).as_deref() == Some("meeting_ended")).map(|&i| t_us[i]);
        let last = ended.or_else(|| mine.last().map(|&i| t_us[i]));
        m.start = first.map(|t| rfc3339(t, tz));
        m.end = last.map(|t| rfc3339(t, tz));
        m.seconds = first.zip(last).map(|(a, b)| (b - a) / 1_000_000);
        let who: BTreeSet<String> = mine
            .iter()
            .filter_map(|&i| {
                get(c::SESSION, i)
                    .and_then(|s| owner.get(&s).cloned())
                    .or_else(|| get(c::PARTICIPANT, i))
                    .or_else(|| get(c::SESSION, i))
            })
            .collect();
        m.participants = who.len();
    }
    let parents: Vec<(String, String)> =
        meetings.values().filter_map(|m| m.parent_meeting.clone().map(|p| (p, m.meeting.clone()))).collect();
    for (parent, child) in parents {
        if let Some(p) = meetings.get_mut(&parent) {
            p.breakouts.push(child);
        }
    }
    let gaps = t_us
        .windows(2)
        .filter(|w| (w[1] - w[0]) / 1_000_000 >= GAP_SECONDS)
        .map(|w| (rfc3339(w[0], tz), rfc3339(w[1], tz), (w[1] - w[0]) / 1_000_000))
        .collect();
    Ok(Trace {
        selector: what,
        pseudonym: pseudonym.to_owned(),
        time_zone: tz.name().to_owned(),
        days: days.into_iter().collect(),
        meetings: meeting_order.into_iter().filter_map(|m| meetings.remove(&m)).collect(),
        participants: people,
        events,
        hidden,
        gaps,
    })
}

/// What happened, in words.
fn describe(e: &Event) -> String {
    let mut s = match e.kind.as_str() {
        "participant_joined" => {
            let how: Vec<&str> = [e.role.as_deref(), e.client_type.as_deref()].into_iter().flatten().collect();
            if how.is_empty() { "joined".to_owned() } else { format!("joined ({})", how.join(", ")) }
        }
        "participant_left" => "left".to_owned(),
        "audio_joined" => match e.audio_mode.as_deref() {
            Some(m) => format!("audio joined ({})", m.replace('_', " ")),
            None => "audio joined".to_owned(),
        },
        "audio_failed" => "AUDIO FAILED".to_owned(),
        "webcam_failed" => "WEBCAM FAILED".to_owned(),
        "screenshare_failed" => "SCREEN SHARING FAILED".to_owned(),
        "media_server_error" => "MEDIA SERVER ERROR".to_owned(),
        "client_error" => "CLIENT ERROR".to_owned(),
        "chat_message_sent" => "chat message (content not kept)".to_owned(),
        "other_diagnostic" => "client log".to_owned(),
        k => k.replace('_', " "),
    };
    if let Some(code) = &e.error_code {
        let _ = write!(s, " {code}");
    }
    if let Some(m) = e.meaning {
        let _ = write!(s, ": {m}");
    }
    if let Some(l) = &e.log_code
        && (e.meaning.is_none() || e.error_code.is_none())
        && ERROR_KINDS.contains(&e.kind.as_str())
    {
        let _ = write!(s, " [{l}]");
    }
    if let Some(n) = &e.note {
        let _ = write!(s, " — {n}");
    }
    let shows_text = ERROR_KINDS.contains(&e.kind.as_str()) || e.kind == "other_diagnostic";
    if shows_text && let Some(t) = &e.text {
        let short: String = t.chars().take(90).collect();
        let more = if t.chars().count() > 90 { "…" } else { "" };
        let _ = write!(s, " “{short}{more}”");
    }
    s
}

fn or_dash(v: Option<&str>) -> String {
    v.unwrap_or("—").to_owned()
}

fn clock(rfc: &str) -> &str {
    rfc.get(11..19).unwrap_or(rfc)
}

/// The trace as text for a terminal (`width`: wrap the participants table to it).
pub fn text(t: &Trace, width: Option<u16>) -> String {
    let mut out = String::new();
    let days: Vec<String> = t.days.iter().map(ToString::to_string).collect();
    let _ = writeln!(
        out,
        "trace of {} {} — store day {} — times {}",
        t.selector,
        t.pseudonym,
        days.join(", "),
        t.time_zone
    );
    for m in &t.meetings {
        let _ = writeln!(out);
        let kind = if m.parent_meeting.is_some() { "breakout room" } else { "meeting" };
        let _ = writeln!(
            out,
            "{kind} {}  room {}  school {}  server {}",
            m.meeting,
            or_dash(m.room.as_deref()),
            or_dash(m.school.as_deref()),
            if m.servers.is_empty() { "—".to_owned() } else { m.servers.join(", ") }
        );
        let _ = writeln!(
            out,
            "  {} → {} ({}), {} participant(s)",
            m.start.as_deref().map_or("—", clock),
            m.end.as_deref().map_or("—", clock),
            m.seconds.map_or("—".to_owned(), human),
            m.participants
        );
        if let Some(p) = &m.parent_meeting {
            let _ = writeln!(out, "  breakout room of {p}");
        }
        if !m.breakouts.is_empty() {
            let _ = writeln!(out, "  breakout rooms: {}", m.breakouts.join(", "));
        }
    }
    if !t.participants.is_empty() {
        let _ = writeln!(out, "\nparticipants");
        let mut table = Table::new();
        table.load_style(presets::UTF8_FULL_CONDENSED.with_rounded_corners());
        match width {
            Some(w) => {
                table.set_width(w);
                table.set_content_arrangement(ContentArrangement::Dynamic);
            }
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        table.set_header([
            "",
            "participant",
            "sessions",
            "role",
            "client",
            "device",
            "browser",
            "os",
            "network",
            "joined",
            "left",
            "time",
            "reconn.",
            "errors",
        ]);
        for p in &t.participants {
            table.add_row([
                Cell::new(&p.label),
                Cell::new(&p.participant),
                Cell::new(p.sessions.len()).set_alignment(CellAlignment::Right),
                Cell::new(or_dash(p.role.as_deref())),
                Cell::new(or_dash(p.client_type.as_deref())),
                Cell::new(or_dash(p.device.as_deref())),
                Cell::new(or_dash(p.browser.as_deref())),
                Cell::new(or_dash(p.os.as_deref())),
                Cell::new(if p.networks.is_empty() { "—".to_owned() } else { p.networks.join(" ") }),
                Cell::new(p.first_join.as_deref().map_or("—", clock)),
                Cell::new(p.last_leave.as_deref().map_or("—", clock)),
                Cell::new(p.seconds.map_or("—".to_owned(), human)).set_alignment(CellAlignment::Right),
                Cell::new(p.reconnects).set_alignment(CellAlignment::Right),
                Cell::new(p.errors).set_alignment(CellAlignment::Right),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    let _ = writeln!(out, "\ntimeline");
    let many_meetings = t.meetings.len() > 1;
    let meeting_label: BTreeMap<&str, String> =
        t.meetings.iter().enumerate().map(|(i, m)| (m.meeting.as_str(), format!("M{}", i + 1))).collect();
    if many_meetings {
        let list: Vec<String> =
            t.meetings.iter().enumerate().map(|(i, m)| format!("M{} = {}", i + 1, m.meeting)).collect();
        let _ = writeln!(out, "  ({})", list.join(", "));
    }
    let mut previous: Option<i64> = None;
    for e in &t.events {
        if let Some(p) = previous
            && (e.t_us - p) / 1_000_000 >= GAP_SECONDS
        {
            let _ = writeln!(out, "  {:>8}  ┄ {} without events ┄", "", human((e.t_us - p) / 1_000_000));
        }
        previous = Some(e.t_us);
        let m = if many_meetings {
            format!("{:<4}", e.meeting.as_deref().and_then(|m| meeting_label.get(m)).map_or("—", String::as_str))
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}  {m}{:<4}  {}", clock(&e.time), e.who.as_deref().unwrap_or("—"), describe(e));
    }
    if t.hidden > 0 {
        let _ = writeln!(out, "  ({} routine client-log event(s) not listed; `--all` lists them)", t.hidden);
    }
    out
}
