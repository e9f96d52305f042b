//! Which log is the authoritative source of each fact (DESIGN.md, "Sources").
//!
//! The same fact is written to several logs (a join to bbb-web, webhooks, akka-apps and the nginx
//! join URL). Rather than matching facts across logs, each server's events of one kind are taken
//! from the best source that the server's input has for that kind; the same kind from other
//! sources is a duplicate and dropped. Audio from FreeSWITCH is kept only for dial-in callers
//! when the client logs are there (the browser reports web participants' audio itself).

use std::collections::{BTreeMap, BTreeSet};

use confstats_ingest::{AudioMode, EventKind, InputFile, LogFormat, RawEvent};

use LogFormat::{AkkaApps, BbbWeb, Canonical, FreeSwitch, Html5Client, Html5Journal, NginxAccess, Sfu, Webhooks};

/// The sources that report a kind, best first. Kinds whose sources each report different facts
/// (diagnostics) are not listed: every source keeps its own.
pub(crate) fn preference(kind: EventKind) -> Option<&'static [LogFormat]> {
    use EventKind::*;
    Some(match kind {
        MeetingCreated | ParticipantJoined => &[Canonical, BbbWeb, Webhooks, AkkaApps, NginxAccess],
        MeetingStarted | MeetingEnded | MeetingDestroyed | BreakoutRoomCreated | ParticipantLeft => {
            &[Canonical, BbbWeb, Webhooks, AkkaApps]
        }
        PresenterAssigned | AudioMuted | AudioUnmuted | ChatMessageSent | PollStarted | PollAnswered | NotesEdited
        | ReactionChanged | HandRaised => &[Canonical, Webhooks, AkkaApps],
        AudioJoined | AudioLeft | AudioFailed => {
            &[Canonical, Html5Client, Html5Journal, FreeSwitch, Webhooks, AkkaApps]
        }
        WebcamStarted | WebcamStopped | ScreenshareStarted | ScreenshareStopped => {
            &[Canonical, Html5Client, Html5Journal, Sfu, Webhooks, AkkaApps]
        }
        WebcamFailed | ScreenshareFailed | ClientError => &[Canonical, Html5Client, Html5Journal],
        PresentationUploaded => &[Canonical, BbbWeb],
        MediaServerError | OtherDiagnostic => return None,
        _ => return None,
    })
}

/// Why an event was dropped before the store. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropReason {
    /// The same fact is taken from a better log of the same server.
    DuplicateSource,
}

impl DropReason {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DuplicateSource => "duplicate_source",
        }
    }
}

/// The formats each server's input has, and from them the chosen source per kind.
#[derive(Debug, Default)]
pub struct SourcePlan {
    formats: BTreeMap<String, BTreeSet<LogFormat>>,
}

impl SourcePlan {
    /// The plan for a set of input files.
    pub fn new(files: &[InputFile]) -> Self {
        let mut formats: BTreeMap<String, BTreeSet<LogFormat>> = BTreeMap::new();
        for f in files {
            if let Some(format) = f.format {
                formats.entry(f.server.clone()).or_default().insert(format);
            }
        }
        Self { formats }
    }

    /// Whether the event comes from its kind's authoritative source for its server.
    pub fn check(&self, e: &RawEvent) -> Result<(), DropReason> {
        let Some(present) = self.formats.get(&e.server) else { return Ok(()) };
        // The html5 journal repeats every record of the nginx client log when both are there.
        if e.format == Html5Journal && present.contains(&Html5Client) {
            return Err(DropReason::DuplicateSource);
        }
        let Some(order) = preference(e.kind) else { return Ok(()) };
        let client_logs = present.contains(&Html5Client) || present.contains(&Html5Journal);
        if e.format == FreeSwitch
            && matches!(e.kind, EventKind::AudioJoined | EventKind::AudioLeft | EventKind::AudioFailed)
            && client_logs
        {
            // The browser reports web participants' audio; FreeSWITCH alone sees dial-in callers.
            return if e.audio_mode == Some(AudioMode::DialIn) || is_dial_in_user(e) {
                Ok(())
            } else {
                Err(DropReason::DuplicateSource)
            };
        }
        match order.iter().find(|f| present.contains(f)) {
            Some(best) if *best != e.format => Err(DropReason::DuplicateSource),
            _ => Ok(()),
        }
    }
}

fn is_dial_in_user(e: &RawEvent) -> bool {
    e.user.as_ref().is_some_and(|u| u.expose().starts_with("v_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use confstats_ingest::Personal;

    fn file(server: &str, format: LogFormat) -> InputFile {
        InputFile {
            path: format!("/logs/{server}/{format}.log").into(),
            server: server.into(),
            time_zone: chrono_tz::Europe::Berlin,
            format: Some(format),
            size: 1,
        }
    }

    fn ev(kind: EventKind, format: LogFormat) -> RawEvent {
        RawEvent::new(kind, DateTime::UNIX_EPOCH, "bbb1", format, 1)
    }

    #[test]
    fn joins_come_from_bbb_web_when_it_is_there() {
        let all = [BbbWeb, Webhooks, AkkaApps, NginxAccess].map(|f| file("bbb1", f));
        let plan = SourcePlan::new(&all);
        assert_eq!(plan.check(&ev(EventKind::ParticipantJoined, BbbWeb)), Ok(()));
        for dup in [Webhooks, AkkaApps, NginxAccess] {
            assert_eq!(plan.check(&ev(EventKind::ParticipantJoined, dup)), Err(DropReason::DuplicateSource));
        }
        // bbb-web does not log presenters: webhooks are the source.
        assert_eq!(plan.check(&ev(EventKind::PresenterAssigned, Webhooks)), Ok(()));
        assert_eq!(plan.check(&ev(EventKind::PresenterAssigned, AkkaApps)), Err(DropReason::DuplicateSource));
    }

    #[test]
    fn fallback_when_the_best_log_is_missing() {
        let plan = SourcePlan::new(&[file("bbb1", AkkaApps), file("bbb1", NginxAccess)]);
        assert_eq!(plan.check(&ev(EventKind::ParticipantJoined, AkkaApps)), Ok(()));
        assert_eq!(plan.check(&ev(EventKind::ParticipantJoined, NginxAccess)), Err(DropReason::DuplicateSource));
        // Another server's plan is its own.
        let mut other = ev(EventKind::ParticipantJoined, NginxAccess);
        other.server = "bbb2".into();
        assert_eq!(plan.check(&other), Ok(()));
    }

    #[test]
    fn freeswitch_keeps_dial_in_beside_client_audio() {
        let plan = SourcePlan::new(&[file("bbb1", Html5Client), file("bbb1", FreeSwitch), file("bbb1", Webhooks)]);
        assert_eq!(plan.check(&ev(EventKind::AudioJoined, Html5Client)), Ok(()));
        let mut web = ev(EventKind::AudioJoined, FreeSwitch);
        web.audio_mode = Some(AudioMode::Microphone);
        web.user = Some(Personal::new("w_abc".into()));
        assert_eq!(plan.check(&web), Err(DropReason::DuplicateSource));
        let mut dial = ev(EventKind::AudioJoined, FreeSwitch);
        dial.audio_mode = Some(AudioMode::DialIn);
        assert_eq!(plan.check(&dial), Ok(()));
        assert_eq!(plan.check(&ev(EventKind::AudioJoined, Webhooks)), Err(DropReason::DuplicateSource));
        // Diagnostics are never duplicates.
        assert_eq!(plan.check(&ev(EventKind::OtherDiagnostic, FreeSwitch)), Ok(()));
    }

    #[test]
    fn journal_duplicates_the_nginx_client_log() {
        let plan = SourcePlan::new(&[file("bbb1", Html5Client), file("bbb1", Html5Journal)]);
        assert_eq!(plan.check(&ev(EventKind::ClientError, Html5Journal)), Err(DropReason::DuplicateSource));
        assert_eq!(plan.check(&ev(EventKind::ClientError, Html5Client)), Ok(()));
        assert_eq!(plan.check(&ev(EventKind::OtherDiagnostic, Html5Journal)), Err(DropReason::DuplicateSource));
        let only_journal = SourcePlan::new(&[file("bbb1", Html5Journal)]);
        assert_eq!(only_journal.check(&ev(EventKind::OtherDiagnostic, Html5Journal)), Ok(()));
    }
}
