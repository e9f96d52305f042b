//! The real webhook and akka-apps events published by the BigBlueButton project
//! (`shared/samples/bbb-webhooks/`): every line parses into the event kind it really is.

use confstats_ingest::{AudioMode, EventKind, IngestOptions, LogFormat, Role};

use crate::common::{Run, exposed, joined, run_files, samples_dir};

use EventKind::*;

/// `mapped-events.json`, line by line.
const MAPPED_KINDS: [EventKind; 24] = [
    MeetingCreated,     // meeting-created
    ParticipantJoined,  // user-joined
    PresenterAssigned,  // user-presenter-assigned
    PresenterAssigned,  // user-presenter-assigned
    PresenterAssigned,  // user-presenter-assigned
    ParticipantJoined,  // user-joined
    AudioJoined,        // user-audio-voice-enabled
    AudioMuted,         // user-audio-muted
    AudioUnmuted,       // user-audio-unmuted
    AudioLeft,          // user-audio-voice-disabled
    WebcamStarted,      // user-cam-broadcast-start
    WebcamStopped,      // user-cam-broadcast-end
    ScreenshareStarted, // meeting-screenshare-started
    ScreenshareStopped, // meeting-screenshare-stopped
    ChatMessageSent,    // chat-group-message-sent
    ReactionChanged,    // user-emoji-changed
    ReactionChanged,    // user-emoji-changed
    HandRaised,         // user-raise-hand-changed
    HandRaised,         // user-raise-hand-changed
    PollStarted,        // poll-started
    PollAnswered,       // poll-responded
    ParticipantLeft,    // user-left
    ParticipantLeft,    // user-left
    MeetingEnded,       // meeting-ended
];

/// `raw-events.json`, line by line.
const RAW_KINDS: [EventKind; 24] = [
    MeetingCreated,     // MeetingCreatedEvtMsg
    ParticipantJoined,  // UserJoinedMeetingEvtMsg
    PresenterAssigned,  // PresenterAssignedEvtMsg
    PresenterAssigned,  // PresenterAssignedEvtMsg
    PresenterAssigned,  // PresenterAssignedEvtMsg
    ParticipantJoined,  // UserJoinedMeetingEvtMsg
    AudioJoined,        // UserJoinedVoiceConfToClientEvtMsg
    AudioMuted,         // UserMutedVoiceEvtMsg (muted: true)
    AudioUnmuted,       // UserMutedVoiceEvtMsg (muted: false)
    AudioLeft,          // UserLeftVoiceConfToClientEvtMsg
    WebcamStarted,      // UserBroadcastCamStartedEvtMsg
    WebcamStopped,      // UserBroadcastCamStoppedEvtMsg
    ScreenshareStarted, // ScreenshareRtmpBroadcastStartedEvtMsg
    ScreenshareStopped, // ScreenshareRtmpBroadcastStoppedEvtMsg
    ChatMessageSent,    // GroupChatMessageBroadcastEvtMsg
    ReactionChanged,    // UserReactionEmojiChangedEvtMsg
    ReactionChanged,    // UserReactionEmojiChangedEvtMsg
    HandRaised,         // UserRaiseHandChangedEvtMsg
    HandRaised,         // UserRaiseHandChangedEvtMsg
    PollStarted,        // PollStartedEvtMsg
    PollAnswered,       // UserRespondedToPollRespMsg
    ParticipantLeft,    // UserLeftMeetingEvtMsg
    ParticipantLeft,    // UserLeftMeetingEvtMsg
    MeetingDestroyed,   // MeetingDestroyedEvtMsg
];

const MEETING: &str = "8043c8452ae9830aac14c517adff3839dbd9228f-1698771157700";

fn sample_lines(name: &str) -> Vec<String> {
    let path = samples_dir().join("bbb-webhooks").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(str::to_owned).collect()
}

fn run_sample(file: &str, lines: &[String]) -> Run {
    run_files(&[(&format!("bbb1/{file}"), joined(lines))], &IngestOptions::default())
}

/// Each line parsed to exactly one event of the expected kind, in order, nothing quarantined.
fn assert_kinds(run: &Run, format: LogFormat, kinds: &[EventKind; 24]) {
    assert_eq!(run.files[0].format, Some(format));
    run.assert_balanced(24);
    assert_eq!(run.summary.quarantined, 0, "{:?}", run.summary);
    assert_eq!((run.summary.parsed, run.summary.events), (24, 24));
    for (i, (e, want)) in run.events.iter().zip(kinds).enumerate() {
        assert_eq!(e.line, i as u64 + 1);
        assert_eq!(e.kind, *want, "line {}", i + 1);
        assert_eq!(exposed(&e.meeting), Some(MEETING), "meeting of line {}", i + 1);
    }
}

#[test]
fn every_mapped_webhook_event_parses_into_its_kind() {
    let lines = sample_lines("mapped-events.json");
    assert_eq!(lines.len(), 24);
    let run = run_sample("mapped-events.json", &lines);
    assert_kinds(&run, LogFormat::Webhooks, &MAPPED_KINDS);
    for (line, e) in lines.iter().zip(&run.events) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let ts = v["data"]["event"]["ts"].as_i64().unwrap();
        assert_eq!(e.time.timestamp_millis(), ts, "time of line {}", e.line);
        assert_eq!(e.log_code.as_deref(), v["data"]["id"].as_str());
        assert_eq!(exposed(&e.external_meeting), Some("random-9019868"));
        // `random-9019868` is no IServ room: no school.
        assert_eq!(e.school, None);
    }
}

#[test]
fn mapped_webhook_fields() {
    let run = run_sample("mapped-events.json", &sample_lines("mapped-events.json"));
    let created = &run.events[0];
    assert_eq!(exposed(&created.meeting_name), Some("random-9019868"));
    assert_eq!(exposed(&created.parent_meeting), None, "`bbb-none` is no parent");
    let joined = &run.events[1];
    assert_eq!(exposed(&joined.user), Some("w_xfsb9gxtlfom"));
    assert_eq!(exposed(&joined.account), Some("w_xfsb9gxtlfom"));
    assert_eq!(exposed(&joined.person_name), Some("John Doe"));
    assert_eq!(joined.role, Some(Role::Moderator));
    let second = &run.events[5];
    assert_eq!((exposed(&second.person_name), second.role), (Some("Mary Sue"), Some(Role::Viewer)));
    assert_eq!(run.events[6].audio_mode, Some(AudioMode::Microphone));
    let chat = &run.events[14];
    assert_eq!((exposed(&chat.user), exposed(&chat.person_name)), (Some("w_xfsb9gxtlfom"), Some("John Doe")));
    assert_eq!(exposed(&chat.text), None, "chat content is never extracted");
    assert_eq!(exposed(&run.events[21].user), Some("w_uxw0dzhtvk0l"));
}

#[test]
fn every_raw_akka_event_parses_into_its_kind() {
    let lines = sample_lines("raw-events.json");
    assert_eq!(lines.len(), 24);
    let run = run_sample("raw-events.json", &lines);
    assert_kinds(&run, LogFormat::AkkaApps, &RAW_KINDS);
    for (line, e) in lines.iter().zip(&run.events) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(e.time.timestamp_millis(), v["envelope"]["timestamp"].as_i64().unwrap());
        assert_eq!(e.log_code.as_deref(), v["envelope"]["name"].as_str());
    }
}

#[test]
fn raw_akka_fields() {
    let run = run_sample("raw-events.json", &sample_lines("raw-events.json"));
    let created = &run.events[0];
    assert_eq!(exposed(&created.external_meeting), Some("random-9019868"));
    assert_eq!(exposed(&created.meeting_name), Some("random-9019868"));
    assert_eq!(exposed(&created.parent_meeting), None, "`bbb-none` is no parent");
    let joined = &run.events[1];
    assert_eq!(exposed(&joined.user), Some("w_xfsb9gxtlfom"));
    assert_eq!(exposed(&joined.account), Some("w_xfsb9gxtlfom"));
    assert_eq!(exposed(&joined.person_name), Some("John Doe"));
    assert_eq!(joined.role, Some(Role::Moderator));
    assert_eq!(exposed(&run.events[5].person_name), Some("Mary Sue"));
    assert_eq!(run.events[6].audio_mode, Some(AudioMode::Microphone));
    let chat = &run.events[14];
    assert_eq!((exposed(&chat.user), exposed(&chat.person_name)), (Some("w_xfsb9gxtlfom"), Some("John Doe")));
    assert_eq!(exposed(&chat.text), None, "chat content is never extracted");
    for e in &run.events {
        assert!(e.personal.iter().all(|p| p.value.expose() != "Public chat test"));
    }
}

#[test]
fn webhook_events_in_the_stored_array_form_parse() {
    let lines: Vec<String> = sample_lines("mapped-events.json").iter().map(|l| format!("[ {l} ]")).collect();
    let run = run_sample("stored-events.json", &lines);
    assert_kinds(&run, LogFormat::Webhooks, &MAPPED_KINDS);
}

#[test]
fn webhook_events_as_form_encoded_callback_bodies_parse() {
    let lines: Vec<String> = sample_lines("mapped-events.json")
        .iter()
        .map(|l| {
            let event: String = form_urlencoded::byte_serialize(format!("[{l}]").as_bytes()).collect();
            format!("domain=bbb3.example.org&event={event}&timestamp=1708381146705")
        })
        .collect();
    let run = run_sample("callbacks.log", &lines);
    assert_kinds(&run, LogFormat::Webhooks, &MAPPED_KINDS);
    // The event's own `ts` wins over the callback's timestamp.
    for (line, e) in sample_lines("mapped-events.json").iter().zip(&run.events) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(e.time.timestamp_millis(), v["data"]["event"]["ts"].as_i64().unwrap());
    }
}

#[test]
fn a_callback_body_without_event_ts_takes_the_body_timestamp() {
    let json = r#"[{"data":{"type":"event","id":"meeting-ended","attributes":{"meeting":{"internal-meeting-id":"m-1","external-meeting-id":"iserv-4711/raum-1"}}}}]"#;
    let event: String = form_urlencoded::byte_serialize(json.as_bytes()).collect();
    let line = format!("domain=bbb3.example.org&event={event}&timestamp=1795503731200");
    let run = run_sample("callbacks.log", &[line]);
    let e = run.only();
    assert_eq!(e.kind, MeetingEnded);
    assert_eq!(e.time.timestamp_millis(), 1795503731200);
    assert_eq!(e.school.as_deref(), Some("iserv-4711"));
}
