//! The typed event every parser produces.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{LogFormat, Personal};

/// What happened. Not personal data: a fixed vocabulary.
///
/// The names (see [`EventKind::as_str`]) are used in summaries, the store and the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A meeting was created (bbb-web `create_meeting`, webhook `meeting-created`, …).
    MeetingCreated,
    /// A meeting started (bbb-web `meeting_started`).
    MeetingStarted,
    /// A meeting ended (`meeting_ended`, `MeetingEndedEvtMsg`, webhook `meeting-ended`).
    MeetingEnded,
    /// The server destroyed a meeting after its end (`meeting_destroyed`).
    MeetingDestroyed,
    /// A breakout room was created; carries the parent meeting.
    BreakoutRoomCreated,
    /// A participant joined a meeting.
    ParticipantJoined,
    /// A participant left a meeting.
    ParticipantLeft,
    /// A participant became presenter.
    PresenterAssigned,
    /// A participant joined audio; [`RawEvent::audio_mode`] says how.
    AudioJoined,
    /// A participant left audio.
    AudioLeft,
    /// Joining or keeping audio failed; [`RawEvent::error_code`] says why.
    AudioFailed,
    /// A participant muted the microphone.
    AudioMuted,
    /// A participant unmuted the microphone.
    AudioUnmuted,
    /// A webcam stream started.
    WebcamStarted,
    /// A webcam stream stopped.
    WebcamStopped,
    /// Sharing a webcam failed.
    WebcamFailed,
    /// Screen sharing started.
    ScreenshareStarted,
    /// Screen sharing stopped.
    ScreenshareStopped,
    /// Screen sharing failed.
    ScreenshareFailed,
    /// A chat message was sent (counted only; the content is never extracted).
    ChatMessageSent,
    /// A poll was started (counted only).
    PollStarted,
    /// A poll was answered (counted only).
    PollAnswered,
    /// The shared notes were edited (counted only).
    NotesEdited,
    /// A participant changed a reaction emoji (counted only).
    ReactionChanged,
    /// A participant raised or lowered a hand (counted only).
    HandRaised,
    /// A presentation was uploaded and converted (the file name is personal and kept out).
    PresentationUploaded,
    /// An error reported by the browser client.
    ClientError,
    /// An error reported by a media server (bbb-webrtc-sfu, Kurento, FreeSWITCH).
    MediaServerError,
    /// Any other diagnostic record (client or server log line with a level and a message).
    OtherDiagnostic,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 29] = [
        Self::MeetingCreated,
        Self::MeetingStarted,
        Self::MeetingEnded,
        Self::MeetingDestroyed,
        Self::BreakoutRoomCreated,
        Self::ParticipantJoined,
        Self::ParticipantLeft,
        Self::PresenterAssigned,
        Self::AudioJoined,
        Self::AudioLeft,
        Self::AudioFailed,
        Self::AudioMuted,
        Self::AudioUnmuted,
        Self::WebcamStarted,
        Self::WebcamStopped,
        Self::WebcamFailed,
        Self::ScreenshareStarted,
        Self::ScreenshareStopped,
        Self::ScreenshareFailed,
        Self::ChatMessageSent,
        Self::PollStarted,
        Self::PollAnswered,
        Self::NotesEdited,
        Self::ReactionChanged,
        Self::HandRaised,
        Self::PresentationUploaded,
        Self::ClientError,
        Self::MediaServerError,
        Self::OtherDiagnostic,
    ];

    /// The stable snake_case name used in summaries, the canonical format and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MeetingCreated => "meeting_created",
            Self::MeetingStarted => "meeting_started",
            Self::MeetingEnded => "meeting_ended",
            Self::MeetingDestroyed => "meeting_destroyed",
            Self::BreakoutRoomCreated => "breakout_room_created",
            Self::ParticipantJoined => "participant_joined",
            Self::ParticipantLeft => "participant_left",
            Self::PresenterAssigned => "presenter_assigned",
            Self::AudioJoined => "audio_joined",
            Self::AudioLeft => "audio_left",
            Self::AudioFailed => "audio_failed",
            Self::AudioMuted => "audio_muted",
            Self::AudioUnmuted => "audio_unmuted",
            Self::WebcamStarted => "webcam_started",
            Self::WebcamStopped => "webcam_stopped",
            Self::WebcamFailed => "webcam_failed",
            Self::ScreenshareStarted => "screenshare_started",
            Self::ScreenshareStopped => "screenshare_stopped",
            Self::ScreenshareFailed => "screenshare_failed",
            Self::ChatMessageSent => "chat_message_sent",
            Self::PollStarted => "poll_started",
            Self::PollAnswered => "poll_answered",
            Self::NotesEdited => "notes_edited",
            Self::ReactionChanged => "reaction_changed",
            Self::HandRaised => "hand_raised",
            Self::PresentationUploaded => "presentation_uploaded",
            Self::ClientError => "client_error",
            Self::MediaServerError => "media_server_error",
            Self::OtherDiagnostic => "other_diagnostic",
        }
    }

    /// The kind with the given [`EventKind::as_str`] name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A participant's role in a meeting. Not personal data on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A moderator (in schools: a teacher).
    Moderator,
    /// A viewer (in schools: a pupil).
    Viewer,
}

impl Role {
    /// Reads BigBlueButton's spelling (`MODERATOR`, `VIEWER`, any case).
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("moderator") {
            Some(Self::Moderator)
        } else if s.eq_ignore_ascii_case("viewer") {
            Some(Self::Viewer)
        } else {
            None
        }
    }

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Moderator => "moderator",
            Self::Viewer => "viewer",
        }
    }
}

/// How a participant is connected. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientType {
    /// The HTML5 browser client.
    Html5,
    /// A telephone dial-in.
    DialIn,
    /// Anything else BigBlueButton reports.
    Other,
}

impl ClientType {
    /// Reads BigBlueButton's spelling (`HTML5`, `DIAL_IN`, …).
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "HTML5" => Self::Html5,
            "DIAL_IN" | "DIAL-IN" | "DIALIN" | "FLASH_VOICE" => Self::DialIn,
            _ => Self::Other,
        }
    }

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Html5 => "html5",
            Self::DialIn => "dial_in",
            Self::Other => "other",
        }
    }
}

/// How a participant joined audio. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioMode {
    /// With a microphone (two-way audio).
    Microphone,
    /// Listen-only.
    ListenOnly,
    /// By telephone.
    DialIn,
}

impl AudioMode {
    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Microphone => "microphone",
            Self::ListenOnly => "listen_only",
            Self::DialIn => "dial_in",
        }
    }
}

/// Severity of a log record. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Trace or finer.
    Trace,
    /// Debug.
    Debug,
    /// Informational.
    Info,
    /// Warning.
    Warn,
    /// Error.
    Error,
    /// Fatal or critical.
    Fatal,
}

impl Level {
    /// Reads a level word in any of the spellings the servers use (`INFO`, `warning`, `ERR`, `CRIT`, …).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "trace" | "verbose" | "silly" => Self::Trace,
            "debug" | "debug1" | "debug2" | "console" => Self::Debug,
            "info" | "notice" | "http" => Self::Info,
            "warn" | "warning" => Self::Warn,
            "error" | "err" => Self::Error,
            "fatal" | "crit" | "critical" | "alert" | "emerg" => Self::Fatal,
            _ => return None,
        })
    }

    /// Reads a bunyan/pino numeric level (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal).
    pub fn from_number(n: i64) -> Self {
        match n {
            i64::MIN..=14 => Self::Trace,
            15..=24 => Self::Debug,
            25..=34 => Self::Info,
            35..=44 => Self::Warn,
            45..=54 => Self::Error,
            _ => Self::Fatal,
        }
    }

    /// The stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Fatal => "fatal",
        }
    }
}

/// What kind of personal value [`RawEvent::personal`] carries. Not personal data itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PersonalKind {
    /// A person's name (full name, user name, caller name, presenter name).
    PersonName,
    /// A meeting or room name.
    MeetingName,
    /// The file name of an uploaded presentation.
    FileName,
    /// A user-chosen device label (e.g. "Headset von Jürgen").
    DeviceLabel,
    /// A secret (session token, password, checksum): dropped, never pseudonymised.
    Secret,
}

/// **Holds personal data.** One personal value of an event that is not one of its typed fields,
/// collected so that the anonymiser can scrub it from free text and the audit can look for it.
#[derive(Debug, Clone)]
pub struct PersonalValue {
    /// What the value is.
    pub kind: PersonalKind,
    /// The value itself.
    pub value: Personal<String>,
}

/// **Holds personal data** (in its [`Personal`] fields). One fact read from a log line: the typed,
/// allowlisted form that the anonymiser turns into a store record.
///
/// `RawEvent` is never serialised or printed: it has no `Serialize`, and its `Debug` shows the
/// personal fields as `<redacted>`.
#[derive(Debug, Clone)]
pub struct RawEvent {
    /// What happened.
    pub kind: EventKind,
    /// When, in UTC (the server's clock where the line has one).
    pub time: DateTime<Utc>,
    /// The conference server the log came from (the provider's host name; not personal).
    pub server: String,
    /// The log format the line was parsed from (the `source` of the fact).
    pub format: LogFormat,
    /// Line number in its file (1-based), for diagnostics.
    pub line: u64,
    /// The school (IServ instance id such as `iserv-4711`), when known; not personal.
    pub school: Option<String>,
    /// Internal meeting id (BBB `meetingId`).
    pub meeting: Option<Personal<String>>,
    /// Internal id of the parent meeting of a breakout room.
    pub parent_meeting: Option<Personal<String>>,
    /// External meeting id (the room, e.g. `iserv-4711/room-88`); may name a course.
    pub external_meeting: Option<Personal<String>>,
    /// The account (external user id, e.g. the IServ login).
    pub account: Option<Personal<String>>,
    /// The BBB user id of one join (`w_…`, `v_…`).
    pub user: Option<Personal<String>>,
    /// The participant's role.
    pub role: Option<Role>,
    /// The client type.
    pub client_type: Option<ClientType>,
    /// How audio was joined (audio events only).
    pub audio_mode: Option<AudioMode>,
    /// The participant's IP address.
    pub ip: Option<Personal<IpAddr>>,
    /// The full user agent string.
    pub user_agent: Option<Personal<String>>,
    /// An error code (`1007`, `2002`, `MEDIA_TIMEOUT`); validated to `[A-Za-z0-9_.-]`, ≤ 64 bytes.
    pub error_code: Option<String>,
    /// A log code (`audio_failure`, `user_joined_message`, `mod:video`); validated like error codes.
    pub log_code: Option<String>,
    /// Severity.
    pub level: Option<Level>,
    /// Free text from the log (a message): may hold names, IPs, ids; must be scrubbed.
    pub text: Option<Personal<String>>,
    /// The person's name, when the line carries it.
    pub person_name: Option<Personal<String>>,
    /// The meeting's name, when the line carries it.
    pub meeting_name: Option<Personal<String>>,
    /// Other personal values of the line (file names, device labels, secrets).
    pub personal: Vec<PersonalValue>,
    /// The first join of the event's meeting (from the batch's lifecycle logs), when known: the
    /// event belongs to the local day of this instant (DESIGN.md, "Batch and day"). Not personal.
    pub conference_start: Option<DateTime<Utc>>,
}

impl RawEvent {
    /// A new event with only the mandatory fields set.
    pub fn new(kind: EventKind, time: DateTime<Utc>, server: &str, format: LogFormat, line: u64) -> Self {
        Self {
            kind,
            time,
            server: server.to_owned(),
            format,
            line,
            school: None,
            meeting: None,
            parent_meeting: None,
            external_meeting: None,
            account: None,
            user: None,
            role: None,
            client_type: None,
            audio_mode: None,
            ip: None,
            user_agent: None,
            error_code: None,
            log_code: None,
            level: None,
            text: None,
            person_name: None,
            meeting_name: None,
            personal: Vec::new(),
            conference_start: None,
        }
    }

    /// Adds a personal value of the given kind (empty strings are ignored).
    pub fn add_personal(&mut self, kind: PersonalKind, value: &str) {
        if !value.is_empty() {
            self.personal.push(PersonalValue { kind, value: Personal::new(value.to_owned()) });
        }
    }
}

/// Keeps a code only if it looks like a code: `[A-Za-z0-9_.:-]`, 1–64 bytes, and no segment
/// (between `_ . : -`) of 8 or more characters that mixes letters and digits — that is the shape
/// of a token or an id (`k3x9q2mzp0a8b7c1`, `w_h2k8d0q1x9ab`), not of a code. Anything else could
/// be free text or an identifier (and so personal) and is dropped.
pub(crate) fn code(s: &str) -> Option<String> {
    let charset = !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b':'));
    let token_like = |seg: &str| {
        seg.len() >= 8 && seg.bytes().any(|b| b.is_ascii_digit()) && seg.bytes().any(|b| b.is_ascii_alphabetic())
    };
    let ok = charset && !s.split(['_', '.', ':', '-']).any(token_like);
    ok.then(|| s.to_owned())
}

/// Wraps a non-empty string as personal.
pub(crate) fn personal(s: &str) -> Option<Personal<String>> {
    (!s.is_empty()).then(|| Personal::new(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.as_str()), Some(k));
        }
    }

    #[test]
    fn codes_that_look_like_text_are_dropped() {
        assert_eq!(code("1007").as_deref(), Some("1007"));
        assert_eq!(code("audio_failure").as_deref(), Some("audio_failure"));
        assert_eq!(code("Jürgen Beispiel"), None);
        assert_eq!(code(""), None);
        assert_eq!(code(&"a".repeat(65)), None);
        assert_eq!(code("o.b.core2.AnalyticsActor").as_deref(), Some("o.b.core2.AnalyticsActor"));
        assert_eq!(code("MEDIA_TIMEOUT").as_deref(), Some("MEDIA_TIMEOUT"));
    }

    #[test]
    fn regression_tokens_and_ids_are_not_codes() {
        assert_eq!(code("k3x9q2mzp0a8b7c1"), None);
        assert_eq!(code("w_h2k8d0q1x9ab"), None);
        assert_eq!(code("0f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccdd"), None);
    }

    #[test]
    fn debug_of_an_event_redacts_personal_fields() {
        let mut e = RawEvent::new(EventKind::ParticipantJoined, DateTime::UNIX_EPOCH, "bbb1", LogFormat::BbbWeb, 1);
        e.person_name = personal("Jürgen Beispiel");
        e.ip = Some(Personal::new("203.0.113.41".parse().unwrap()));
        e.add_personal(PersonalKind::Secret, "k3x9q2mzp0a8b7c1");
        let dbg = format!("{e:?}");
        assert!(!dbg.contains("Jürgen"));
        assert!(!dbg.contains("203.0.113"));
        assert!(!dbg.contains("k3x9q2"));
    }
}
