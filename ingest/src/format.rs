//! The log formats and their detection from a file's first lines.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::text::strip_ansi;

/// A log format a BigBlueButton server writes (FORMATS.md), or the canonical JSONL event format.
/// Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LogFormat {
    /// nginx `postdata` log of the HTML5 client's log records (`html5-client.log`), FORMATS.md §1.
    Html5Client,
    /// The same client records in the bbb-html5 server journal (Meteor/winston prefix), §1.
    Html5Journal,
    /// bbb-web logback log with `--analytics-- data=` JSON, §2.
    BbbWeb,
    /// nginx combined access log (`bigbluebutton.access.log`), §3.
    NginxAccess,
    /// bbb-webhooks events (JSON objects, arrays or form-encoded callback bodies), §4.
    Webhooks,
    /// FreeSWITCH log, §5.
    FreeSwitch,
    /// bbb-webrtc-sfu (winston text, winston JSON, pino JSON) and Kurento media server logs, §6.
    Sfu,
    /// bbb-apps-akka analytics messages, §7.
    AkkaApps,
    /// confstats' canonical JSONL raw event format (`schemas/raw-event.schema.json`).
    Canonical,
}

impl LogFormat {
    /// Every format.
    pub const ALL: [LogFormat; 9] = [
        Self::Html5Client,
        Self::Html5Journal,
        Self::BbbWeb,
        Self::NginxAccess,
        Self::Webhooks,
        Self::FreeSwitch,
        Self::Sfu,
        Self::AkkaApps,
        Self::Canonical,
    ];

    /// The stable name used in summaries, `--format` and the store's `source` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Html5Client => "html5-client",
            Self::Html5Journal => "html5-journal",
            Self::BbbWeb => "bbb-web",
            Self::NginxAccess => "nginx-access",
            Self::Webhooks => "webhooks",
            Self::FreeSwitch => "freeswitch",
            Self::Sfu => "sfu",
            Self::AkkaApps => "akka-apps",
            Self::Canonical => "canonical",
        }
    }

    /// Whether this format carries the conference lifecycle (meetings, joins, leaves). The
    /// anonymiser reads these first to learn a batch's meetings, names and identifiers.
    pub fn is_lifecycle(self) -> bool {
        matches!(self, Self::BbbWeb | Self::Webhooks | Self::AkkaApps | Self::NginxAccess | Self::Canonical)
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|f| f.as_str()).collect();
            format!("unknown log format (expected one of: {})", names.join(", "))
        })
    }
}

static LOGBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? +(?:TRACE|DEBUG|INFO|WARN|ERROR)\b",
    )
    .expect("static regex")
});
static FREESWITCH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12} )?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} ")
        .expect("static regex")
});
static NGINX_ACCESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\S+ \S+ \S+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ""#).expect("static regex")
});
static POSTDATA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\S+ \[[^\]]{10,40}\] [\[{]").expect("static regex"));
static JOURNAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[IWEDF]\d{8}-\d\d:\d\d:\d\d\.\d{3}\(-?\d+\)\? \w+: ").expect("static regex"));
static WEBHOOK_TYPE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""type"\s*:\s*"event""#).expect("static regex"));
/// Kurento media server: `2026-11-24T08:02:11,123456 1234 0x00007f0a1b2c3d40 error Category file:1 fn() text`.
pub(crate) static KURENTO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d),(\d{1,9}) +\d+ +0x[0-9a-fA-F]+ +(\w+) +(\S+) +(.*)$")
        .expect("static regex")
});
static WINSTON_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) - \w+: ").expect("static regex")
});

/// How strongly one line points to a format.
const STRONG: u32 = 3;
const WEAK: u32 = 1;

/// Scores one line (after ANSI stripping) for every format it could belong to.
fn score_line(line: &str, scores: &mut [u32; LogFormat::ALL.len()]) {
    let line = line.trim_start_matches('\u{feff}').trim();
    if line.is_empty() {
        return;
    }
    let mut add = |f: LogFormat, s: u32| {
        let i = LogFormat::ALL.iter().position(|x| *x == f).unwrap_or(0);
        scores[i] += s;
    };
    if line.contains("\"confstats.raw-event") {
        add(LogFormat::Canonical, STRONG * 3);
        return;
    }
    if line.contains("-- analytics --") || line.starts_with("{\"envelope\"") {
        add(LogFormat::AkkaApps, STRONG);
        return;
    }
    if line.contains("--analytics-- data=") {
        add(LogFormat::BbbWeb, STRONG);
        return;
    }
    if (line.starts_with("{\"data\"") || line.starts_with("[{\"data\""))
        || (line.starts_with("domain=") && line.contains("event="))
        || (line.starts_with('{') || line.starts_with('[')) && WEBHOOK_TYPE.is_match(line)
    {
        add(LogFormat::Webhooks, STRONG);
        return;
    }
    if NGINX_ACCESS.is_match(line) {
        add(LogFormat::NginxAccess, STRONG);
        return;
    }
    if POSTDATA.is_match(line) {
        add(LogFormat::Html5Client, STRONG);
        return;
    }
    if JOURNAL.is_match(line) {
        add(LogFormat::Html5Journal, STRONG);
        return;
    }
    if FREESWITCH.is_match(line) {
        add(LogFormat::FreeSwitch, STRONG);
        return;
    }
    if WINSTON_TEXT.is_match(line) || KURENTO.is_match(line) {
        add(LogFormat::Sfu, STRONG);
        return;
    }
    if line.starts_with('{') && line.contains("\"level\"") && (line.contains("\"msg\"") || line.contains("\"message\""))
    {
        add(LogFormat::Sfu, STRONG);
        return;
    }
    if LOGBACK.is_match(line) {
        // A logback line without analytics: bbb-web or akka-apps; the logger name tells.
        if line.contains("o.b.core") || line.contains("org.bigbluebutton.core") || line.contains("akka") {
            add(LogFormat::AkkaApps, WEAK);
        } else {
            add(LogFormat::BbbWeb, WEAK);
        }
        return;
    }
    // FreeSWITCH continuation lines: a call uuid followed by text.
    if line.len() > 37 && line.as_bytes()[36] == b' ' && is_uuid(&line[..36]) {
        add(LogFormat::FreeSwitch, WEAK);
    }
}

/// Whether `s` is a canonical 8-4-4-4-12 hex uuid.
pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(
            |(i, b)| {
                if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() }
            },
        )
}

/// Detects the format of a file from its first lines (raw bytes; invalid UTF-8 is tolerated).
/// Returns `None` when no line looks like any known format.
pub fn detect_format<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Option<LogFormat> {
    let mut scores = [0u32; LogFormat::ALL.len()];
    for raw in lines {
        let text = String::from_utf8_lossy(raw);
        score_line(&strip_ansi(&text), &mut scores);
    }
    let (best, score) = scores.iter().enumerate().max_by_key(|(i, s)| (**s, std::cmp::Reverse(*i)))?;
    (*score > 0).then(|| LogFormat::ALL[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(lines: &[&str]) -> Option<LogFormat> {
        detect_format(lines.iter().map(|l| l.as_bytes()))
    }

    #[test]
    fn names_round_trip() {
        for f in LogFormat::ALL {
            assert_eq!(f.as_str().parse::<LogFormat>(), Ok(f));
        }
        assert!("nonsense".parse::<LogFormat>().is_err());
    }

    #[test]
    fn detects_each_format_from_a_typical_line() {
        let cases = [
            (LogFormat::Html5Client, r"203.0.113.41 [2026-11-24T08:02:11+01:00] [{\x22name\x22:\x22clientLogger\x22}]"),
            (LogFormat::Html5Client, r#"203.0.113.41 [24/Nov/2026:08:02:11 +0100] [{"name":"clientLogger"}]"#),
            (
                LogFormat::Html5Journal,
                r#"Nov 24 08:02:10 bbb1 node[1]: I20261124-07:02:10.877(0)? info: {"logCode":"x"}"#,
            ),
            (
                LogFormat::BbbWeb,
                r#"2026-11-24T08:00:03.112+01:00 INFO  o.bigbluebutton.api.MeetingService -  --analytics-- data={"logCode":"create_meeting"}"#,
            ),
            (
                LogFormat::NginxAccess,
                r#"198.51.100.23 - - [24/Nov/2026:08:01:12 +0100] "GET / HTTP/1.1" 200 0 "-" "-""#,
            ),
            (LogFormat::Webhooks, r#"{"data":{"type":"event","id":"user-joined"}}"#),
            (LogFormat::Webhooks, r#"[{"data":{"type":"event","id":"user-joined"}}]"#),
            (LogFormat::Webhooks, "domain=bbb3.example.org&event=%5B%5D&timestamp=1"),
            (
                LogFormat::FreeSwitch,
                "4f1c0d2e-1111-2222-3333-444455556666 2026-11-24 08:01:20.123456 97.23% [NOTICE] switch_channel.c:1142 New Channel x",
            ),
            (LogFormat::FreeSwitch, "2026-11-24 03:00:00.000123 99.00% [INFO] mod_logfile.c:1 Log rotated"),
            (LogFormat::Sfu, "2026-11-24T07:02:11.200Z - error: [video] failed"),
            (
                LogFormat::Sfu,
                "2026-11-24T08:02:11,123456 4242 0x00007f0a1b2c3d40   error KurentoWebRtcEndpointImpl x.cpp:1 f() ICE failed",
            ),
            (LogFormat::Webhooks, r#"{"data": {"type": "event", "id": "user-joined"}}"#),
            (LogFormat::Sfu, r#"{"level":50,"time":1,"mod":"video","msg":"x"}"#),
            (LogFormat::Sfu, r#"{"level":"info","message":"x","timestamp":"2026-11-24T07:02:11.200Z"}"#),
            (
                LogFormat::AkkaApps,
                r#"2026-11-24T08:01:12.905+01:00 INFO  o.b.core2.AnalyticsActor -  -- analytics -- {"envelope":{}}"#,
            ),
            (LogFormat::AkkaApps, r#"{"envelope":{"name":"UserJoinedMeetingEvtMsg"},"core":{}}"#),
            (LogFormat::Canonical, r#"{"schema":"confstats.raw-event.v1","kind":"participant_joined"}"#),
        ];
        for (expected, line) in cases {
            assert_eq!(detect(&[line]), Some(expected), "line of {expected}");
        }
    }

    #[test]
    fn majority_of_lines_decides_and_garbage_is_none() {
        assert_eq!(detect(&["hello world", "", "more text"]), None);
        assert_eq!(detect(&[]), None);
        let fs = "4f1c0d2e-1111-2222-3333-444455556666 2026-11-24 08:01:20.123456 97.23% [NOTICE] x.c:1 y";
        let cont = "4f1c0d2e-1111-2222-3333-444455556666 v=0";
        assert_eq!(detect(&[cont, cont, fs]), Some(LogFormat::FreeSwitch));
    }
}
