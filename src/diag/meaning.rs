//! What an error code or log code means, in plain words: the table "Error codes diagnosticians
//! care about" of FORMATS.md (BigBlueButton's client and SFU codes). Not personal data.

/// Meanings of single codes and of inclusive code ranges, in FORMATS.md order. A range stands
/// for a group FORMATS.md names together.
const CODES: &[(u32, u32, &str)] = &[
    (1001, 1001, "audio: SIP WebSocket disconnected after connecting"),
    (1002, 1002, "audio: SIP WebSocket could not connect"),
    (1003, 1003, "audio: browser not supported"),
    (1004, 1004, "audio: call failed before ICE completed"),
    (1005, 1005, "audio: call ended unexpectedly after ICE completed"),
    (1006, 1006, "audio: call timed out"),
    (1007, 1007, "audio: ICE negotiation failed (firewall, NAT)"),
    (1008, 1008, "audio: transfer from echo test to conference timed out"),
    (1009, 1009, "audio: could not fetch STUN/TURN info"),
    (1010, 1010, "audio: ICE negotiation timed out (firewall, NAT)"),
    (1020, 1020, "webcam: media could not reach the server"),
    (1101, 1102, "screen sharing: signalling connection lost or failed"),
    (1104, 1105, "screen sharing: negotiation failed"),
    (1107, 1107, "screen sharing: ICE failed"),
    (1120, 1121, "screen sharing: media timeout"),
    (1130, 1138, "screen sharing: the browser could not capture the screen"),
    (1301, 1301, "SFU WebSocket disconnected"),
    (1302, 1302, "SFU WebSocket connection failed"),
    (1305, 1305, "SFU peer negotiation failed"),
    (1307, 1307, "SFU ICE failed"),
    (2000, 2022, "media server (SFU): connection or ICE"),
    (2200, 2211, "media server (SFU): SDP, codec or media"),
    (2300, 2303, "media server (SFU): authorisation or audio"),
];

/// Meanings of component log codes: (prefix, suffix, meaning); a code matches when it starts
/// with the prefix and ends with the suffix.
const LOG_CODES: &[(&str, &str, &str)] = &[
    ("video_provider_", "", "webcam component error"),
    ("screenshare_failed", "", "screen sharing failed"),
    ("audio_join_failure", "", "audio join failed"),
    ("sip_js_", "", "audio (SIP.js) component error"),
];

/// The meaning of an error code (`1007`) or, failing that, of a log code (`video_provider_…`,
/// `*_broker_*`); `None` when neither is in the table.
pub fn meaning(error_code: Option<&str>, log_code: Option<&str>) -> Option<&'static str> {
    if let Some(n) = error_code.and_then(|c| c.trim().parse::<u32>().ok())
        && let Some((_, _, m)) = CODES.iter().find(|(a, b, _)| (*a..=*b).contains(&n))
    {
        return Some(m);
    }
    let log = log_code?;
    if log.contains("_broker_") {
        return Some("media broker (SFU connection) error");
    }
    LOG_CODES.iter().find(|(p, s, _)| log.starts_with(p) && log.ends_with(s)).map(|(_, _, m)| *m)
}

/// Every error code of the table with its meaning (ranges expanded), for the `errors` view.
pub fn code_table() -> Vec<(String, &'static str)> {
    CODES.iter().flat_map(|(a, b, m)| (*a..=*b).map(move |n| (n.to_string(), *m))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_ranges_and_log_codes_have_their_meanings() {
        assert_eq!(meaning(Some("1007"), Some("audio_failure")), Some("audio: ICE negotiation failed (firewall, NAT)"));
        assert_eq!(meaning(Some("1134"), None), Some("screen sharing: the browser could not capture the screen"));
        assert_eq!(meaning(Some("2208"), None), Some("media server (SFU): SDP, codec or media"));
        assert_eq!(meaning(None, Some("video_provider_ice_failed")), Some("webcam component error"));
        assert_eq!(
            meaning(Some("MEDIA_TIMEOUT"), Some("sfu_media_broker_error")),
            Some("media broker (SFU connection) error")
        );
        assert_eq!(meaning(Some("4711"), Some("user_joined_message")), None);
        assert_eq!(code_table().iter().filter(|(c, _)| c.starts_with("113")).count(), 9);
    }
}
