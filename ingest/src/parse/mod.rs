//! One parser per log format. Each turns one line into zero or more [`RawEvent`]s, or says why
//! the line was skipped or quarantined. Parsers extract only the fields they name (allowlist);
//! everything else in a line is ignored.

mod akka;
mod bbb_web;
mod canonical;
mod client;
mod freeswitch;
mod nginx;
mod sfu;
mod webhooks;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::{EventKind, LogFormat, QuarantineReason, RawEvent, SkipReason};

/// Where a line comes from; everything a parser needs besides the line.
pub(crate) struct Ctx<'a> {
    pub server: &'a str,
    pub tz: Tz,
    pub format: LogFormat,
    pub line: u64,
}

impl Ctx<'_> {
    pub fn event(&self, kind: EventKind, time: DateTime<Utc>) -> RawEvent {
        RawEvent::new(kind, time, self.server, self.format, self.line)
    }
}

/// Why a line yields no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reject {
    Skip(SkipReason),
    Quarantine(QuarantineReason, Option<&'static str>),
}

impl From<QuarantineReason> for Reject {
    fn from(r: QuarantineReason) -> Self {
        Reject::Quarantine(r, None)
    }
}

pub(crate) fn missing(field: &'static str) -> Reject {
    Reject::Quarantine(QuarantineReason::MissingField, Some(field))
}

pub(crate) fn bad_time(field: &'static str) -> Reject {
    Reject::Quarantine(QuarantineReason::BadTimestamp, Some(field))
}

pub(crate) type Outcome = Result<(), Reject>;

/// A parser of one format; it may keep state across the lines of one file.
pub(crate) enum Parser {
    Client,
    Journal,
    BbbWeb,
    Nginx,
    Webhooks,
    FreeSwitch(freeswitch::State),
    Sfu,
    Akka,
    Canonical,
}

impl Parser {
    pub fn new(format: LogFormat) -> Self {
        match format {
            LogFormat::Html5Client => Self::Client,
            LogFormat::Html5Journal => Self::Journal,
            LogFormat::BbbWeb => Self::BbbWeb,
            LogFormat::NginxAccess => Self::Nginx,
            LogFormat::Webhooks => Self::Webhooks,
            LogFormat::FreeSwitch => Self::FreeSwitch(freeswitch::State::default()),
            LogFormat::Sfu => Self::Sfu,
            LogFormat::AkkaApps => Self::Akka,
            LogFormat::Canonical => Self::Canonical,
        }
    }

    /// Parses one line (already decoded as UTF-8, without line ending), pushing events to `out`.
    pub fn parse(&mut self, line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
        // Coloured output (winston, Meteor, logback's %highlight) wraps words in ANSI codes.
        let line = crate::text::strip_ansi(line);
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty() {
            return Err(Reject::Skip(SkipReason::Blank));
        }
        match self {
            Self::Client => client::parse_postdata(line, ctx, out),
            Self::Journal => client::parse_journal(line, ctx, out),
            Self::BbbWeb => bbb_web::parse(line, ctx, out),
            Self::Nginx => nginx::parse(line, ctx, out),
            Self::Webhooks => webhooks::parse(line, ctx, out),
            Self::FreeSwitch(state) => freeswitch::parse(state, line, ctx, out),
            Self::Sfu => sfu::parse(line, ctx, out),
            Self::Akka => akka::parse(line, ctx, out),
            Self::Canonical => canonical::parse(line, ctx, out),
        }
    }
}

/// Parses one line of the given format in a fresh parser (for tests and one-off use).
#[cfg(test)]
pub(crate) fn parse_one(format: LogFormat, line: &str, tz: Tz) -> Result<Vec<RawEvent>, Reject> {
    let mut out = Vec::new();
    let ctx = Ctx { server: "bbb1", tz, format, line: 1 };
    Parser::new(format).parse(line, &ctx, &mut out)?;
    Ok(out)
}

/// Shared handling of logback lines (bbb-web, akka-apps) that carry no analytics JSON:
/// warnings and errors become diagnostics, the rest is skipped; stack-trace lines are
/// continuations.
pub(crate) fn logback_other(line: &str, ctx: &Ctx<'_>, out: &mut Vec<RawEvent>) -> Outcome {
    use crate::text::parse_iso;
    use crate::{Level, event};
    let Some(c) = LOGBACK_LINE.captures(line) else {
        let t = line.trim_start();
        if line.starts_with([' ', '\t']) || t.starts_with("at ") || t.starts_with("Caused by") || t.starts_with("...") {
            return Err(Reject::Skip(SkipReason::Continuation));
        }
        return Err(QuarantineReason::UnrecognisedLine.into());
    };
    let level = Level::parse(&c[2]);
    if level < Some(Level::Warn) {
        return Err(Reject::Skip(SkipReason::NotAnEvent));
    }
    let time = parse_iso(&c[1], ctx.tz).ok_or(bad_time("time"))?;
    let mut e = ctx.event(EventKind::OtherDiagnostic, time);
    e.level = level;
    e.log_code = event::code(&c[3]);
    e.text = event::personal(c[4].trim());
    out.push(e);
    Ok(())
}

pub(crate) static LOGBACK_LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) +(TRACE|DEBUG|INFO|WARN|ERROR) +(?:\[[^\]]*\] +)?(\S+) +-(.*)$")
        .expect("static regex")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_bom_only_lines_are_blank_in_every_format() {
        for format in LogFormat::ALL {
            for line in ["", "   ", "\u{feff}", "\u{1b}[0m", "\t\r"] {
                let got = parse_one(format, line, chrono_tz::UTC);
                assert_eq!(got.err(), Some(Reject::Skip(SkipReason::Blank)), "{format}: {line:?}");
            }
        }
    }
}
