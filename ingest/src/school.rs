//! Which school (IServ instance) an event belongs to, and the batch's meeting map that carries it
//! to lines without an external meeting id.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use regex::Regex;

use crate::{Error, RawEvent, Result};

/// The rule that derives a school id from an external meeting id. Not personal data.
///
/// The default takes the part before the first `/` when it looks like `iserv-<id>`
/// (`iserv-4711/klasse-4b-mathe` → `iserv-4711`). A custom pattern is a regular expression whose
/// first capture group (or whole match) is the school id; the id must look like a code
/// (`[A-Za-z0-9_.:-]`, ≤ 64 bytes), so a room or course name can never become a "school".
#[derive(Debug, Clone)]
pub struct SchoolRule {
    pattern: Regex,
}

impl SchoolRule {
    /// The default pattern.
    pub const DEFAULT_PATTERN: &'static str = r"^(iserv-[A-Za-z0-9][A-Za-z0-9_-]*)(?:/|$)";

    /// A rule from a regular expression.
    pub fn try_new(pattern: &str) -> Result<Self> {
        let pattern =
            Regex::new(pattern).map_err(|e| Error::Config { field: "school_pattern", reason: e.to_string() })?;
        Ok(Self { pattern })
    }

    /// The school of an external meeting id, if the rule matches.
    pub fn school_of(&self, external_meeting_id: &str) -> Option<String> {
        let c = self.pattern.captures(external_meeting_id)?;
        let m = c.get(1).or_else(|| c.get(0))?;
        crate::event::code(m.as_str())
    }
}

impl Default for SchoolRule {
    fn default() -> Self {
        Self { pattern: Regex::new(Self::DEFAULT_PATTERN).expect("static regex") }
    }
}

/// **Holds personal data** (meeting and user ids as keys, names; in memory only). What a batch's
/// lifecycle logs tell about its meetings: the school of each internal meeting id (breakout rooms
/// inherit their parent's), the first join of each meeting, the meeting and account of each BBB
/// user id, and the batch's personal vocabulary (every name, identifier and secret seen), which
/// the anonymiser scrubs from free text.
#[derive(Default)]
pub struct MeetingMap {
    school: HashMap<String, String>,
    parent: HashMap<String, String>,
    first_join: HashMap<String, DateTime<Utc>>,
    user_meeting: HashMap<String, String>,
    user_account: HashMap<String, String>,
    names: HashSet<String>,
    identifiers: HashSet<String>,
    secrets: HashSet<String>,
}

/// A participant event whose meeting its own file did not name (see
/// [`MeetingMap::observe_or_defer`]). **Holds personal data** (ids), in memory only.
pub(crate) struct Deferred {
    user: String,
    account: Option<String>,
    school: Option<String>,
    parent: Option<String>,
    time: DateTime<Utc>,
    join: bool,
}

impl std::fmt::Debug for MeetingMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeetingMap")
            .field("meetings", &self.school.len())
            .field("users", &self.user_meeting.len())
            .field("names", &self.names.len())
            .field("identifiers", &self.identifiers.len())
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl MeetingMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns from one event (call it for lifecycle events in time order).
    pub fn observe(&mut self, e: &RawEvent) {
        self.learn_vocabulary(e);
        let Some(meeting) = e.meeting.as_ref().map(|m| m.expose()) else { return };
        if e.kind == crate::EventKind::ParticipantJoined {
            self.first_join.entry(meeting.clone()).and_modify(|t| *t = (*t).min(e.time)).or_insert(e.time);
        }
        if let Some(school) = &e.school {
            self.school.entry(meeting.clone()).or_insert_with(|| school.clone());
        }
        if let Some(parent) = &e.parent_meeting {
            self.parent.insert(meeting.clone(), parent.expose().clone());
        }
        if let Some(user) = &e.user {
            self.user_meeting.entry(user.expose().clone()).or_insert_with(|| meeting.clone());
            if let Some(account) = &e.account {
                self.user_account.entry(user.expose().clone()).or_insert_with(|| account.expose().clone());
            }
        }
    }

    /// Learns from one event of a file that is learnt on its own (in parallel with the others):
    /// an event whose meeting this file does not name — a participant event known only by its
    /// user — is kept in `deferred` and learnt by [`MeetingMap::apply_deferred`] once every
    /// file's map is merged, so that no file depends on another having been read first.
    pub(crate) fn observe_or_defer(&mut self, e: &RawEvent, deferred: &mut Vec<Deferred>) {
        if e.meeting.is_none()
            && let Some(user) = &e.user
        {
            deferred.push(Deferred {
                user: user.expose().clone(),
                account: e.account.as_ref().map(|a| a.expose().clone()),
                school: e.school.clone(),
                parent: e.parent_meeting.as_ref().map(|p| p.expose().clone()),
                time: e.time,
                join: e.kind == crate::EventKind::ParticipantJoined,
            });
        }
        self.observe(e);
    }

    /// Adds what `later` learnt from the files after this map's, as if its events had come after
    /// this map's: first values win, a breakout's parent is the last named, first joins are the
    /// earliest.
    pub(crate) fn merge(&mut self, later: MeetingMap) {
        for (m, s) in later.school {
            self.school.entry(m).or_insert(s);
        }
        self.parent.extend(later.parent);
        for (m, t) in later.first_join {
            self.first_join.entry(m).and_modify(|f| *f = (*f).min(t)).or_insert(t);
        }
        for (u, m) in later.user_meeting {
            self.user_meeting.entry(u).or_insert(m);
        }
        for (u, a) in later.user_account {
            self.user_account.entry(u).or_insert(a);
        }
        self.names.extend(later.names);
        self.identifiers.extend(later.identifiers);
        self.secrets.extend(later.secrets);
    }

    /// Learns the deferred events (in file order) against the merged map.
    pub(crate) fn apply_deferred(&mut self, deferred: Vec<Deferred>) {
        for d in deferred {
            let Some(meeting) = self.user_meeting.get(&d.user).cloned() else { continue };
            if d.join {
                self.first_join.entry(meeting.clone()).and_modify(|t| *t = (*t).min(d.time)).or_insert(d.time);
            }
            if let Some(school) = d.school {
                self.school.entry(meeting.clone()).or_insert(school);
            }
            if let Some(parent) = d.parent {
                self.parent.insert(meeting, parent);
            }
            if let Some(account) = d.account {
                self.user_account.entry(d.user).or_insert(account);
            }
        }
    }

    fn learn_vocabulary(&mut self, e: &RawEvent) {
        use crate::PersonalKind;
        let add = |set: &mut HashSet<String>, v: &Option<crate::Personal<String>>| {
            if let Some(v) = v
                && !set.contains(v.expose())
            {
                set.insert(v.expose().clone());
            }
        };
        add(&mut self.names, &e.person_name);
        add(&mut self.names, &e.meeting_name);
        for id in [&e.meeting, &e.parent_meeting, &e.external_meeting, &e.account, &e.user] {
            add(&mut self.identifiers, id);
        }
        for p in &e.personal {
            let set = match p.kind {
                PersonalKind::Secret => &mut self.secrets,
                _ => &mut self.names,
            };
            if !set.contains(p.value.expose()) {
                set.insert(p.value.expose().clone());
            }
        }
    }

    /// Every name of the batch: persons, meetings, files, device labels (personal).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Every identifier of the batch: meeting, room, account and BBB user ids (personal).
    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        self.identifiers.iter().map(String::as_str)
    }

    /// Every secret of the batch: session tokens, passwords, checksums (personal).
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.secrets.iter().map(String::as_str)
    }

    /// The first join of a meeting (internal id), if the lifecycle logs recorded one.
    pub fn first_join(&self, meeting: &str) -> Option<DateTime<Utc>> {
        self.first_join.get(meeting).copied()
    }

    /// The school of an internal meeting id, following breakout rooms to their parent.
    pub fn school_of_meeting(&self, meeting: &str) -> Option<&str> {
        let mut m = meeting;
        for _ in 0..8 {
            if let Some(s) = self.school.get(m) {
                return Some(s);
            }
            m = self.parent.get(m)?;
        }
        None
    }

    /// The account of a BBB user id, if a lifecycle event named both.
    pub fn account_of_user(&self, user: &str) -> Option<&str> {
        self.user_account.get(user).map(String::as_str)
    }

    /// Fills the event's school (from its external meeting id by `rule`, else from its meeting or
    /// its user's meeting) and its meeting (from its user) where the line did not carry them.
    pub fn resolve(&self, rule: &SchoolRule, e: &mut RawEvent) {
        if e.meeting.is_none()
            && let Some(m) = e.user.as_ref().and_then(|u| self.user_meeting.get(u.expose()))
        {
            e.meeting = Some(crate::Personal::new(m.clone()));
        }
        if e.school.is_none() {
            e.school = e.external_meeting.as_ref().and_then(|x| rule.school_of(x.expose()));
        }
        if e.conference_start.is_none() {
            e.conference_start = e.meeting.as_ref().and_then(|m| self.first_join(m.expose()));
        }
        if e.school.is_none() {
            let from_meeting = |m: &crate::Personal<String>| self.school_of_meeting(m.expose()).map(str::to_owned);
            e.school =
                e.meeting.as_ref().and_then(from_meeting).or_else(|| e.parent_meeting.as_ref().and_then(from_meeting));
        }
    }

    /// Whether the event belongs to an account on the opt-out list (directly or through its BBB
    /// user id).
    pub fn is_opted_out(&self, opt_out: &HashSet<String>, e: &RawEvent) -> bool {
        if opt_out.is_empty() {
            return false;
        }
        if let Some(a) = &e.account {
            return opt_out.contains(a.expose());
        }
        e.user.as_ref().and_then(|u| self.account_of_user(u.expose())).is_some_and(|a| opt_out.contains(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventKind, LogFormat, Personal};
    use chrono::DateTime;

    fn ev(kind: EventKind) -> RawEvent {
        RawEvent::new(kind, DateTime::UNIX_EPOCH, "bbb1", LogFormat::BbbWeb, 1)
    }

    #[test]
    fn default_rule_takes_iserv_prefix_only() {
        let r = SchoolRule::default();
        assert_eq!(r.school_of("iserv-4711/klasse-4b").as_deref(), Some("iserv-4711"));
        assert_eq!(r.school_of("iserv-4711").as_deref(), Some("iserv-4711"));
        assert_eq!(r.school_of("Klasse 4b Mathe"), None);
        assert_eq!(r.school_of("random-9019868"), None);
    }

    #[test]
    fn custom_rule_and_bad_pattern() {
        let r = SchoolRule::try_new(r"^school:(\w+)").unwrap();
        assert_eq!(r.school_of("school:abc/x").as_deref(), Some("abc"));
        assert!(SchoolRule::try_new("(").is_err());
    }

    #[test]
    fn school_reaches_lines_without_external_id_and_breakout_rooms() {
        let rule = SchoolRule::default();
        let mut map = MeetingMap::new();
        let mut created = ev(EventKind::MeetingCreated);
        created.meeting = Some(Personal::new("m1".into()));
        created.external_meeting = Some(Personal::new("iserv-4711/room".into()));
        map.resolve(&rule, &mut created);
        map.observe(&created);
        let mut joined = ev(EventKind::ParticipantJoined);
        joined.meeting = Some(Personal::new("m1".into()));
        joined.user = Some(Personal::new("w_1".into()));
        joined.account = Some(Personal::new("a.b".into()));
        map.resolve(&rule, &mut joined);
        map.observe(&joined);
        assert_eq!(joined.school.as_deref(), Some("iserv-4711"));
        let mut breakout = ev(EventKind::BreakoutRoomCreated);
        breakout.meeting = Some(Personal::new("m2".into()));
        breakout.parent_meeting = Some(Personal::new("m1".into()));
        map.resolve(&rule, &mut breakout);
        map.observe(&breakout);
        assert_eq!(breakout.school.as_deref(), Some("iserv-4711"));
        // a client record with only the user id
        let mut client = ev(EventKind::AudioFailed);
        client.user = Some(Personal::new("w_1".into()));
        map.resolve(&rule, &mut client);
        assert_eq!(client.school.as_deref(), Some("iserv-4711"));
        let opt_out: HashSet<String> = ["a.b".to_string()].into();
        assert!(map.is_opted_out(&opt_out, &client));
    }

    #[test]
    fn first_join_and_vocabulary_are_learnt() {
        let rule = SchoolRule::default();
        let mut map = MeetingMap::new();
        for (secs, user) in [(120, "w_2"), (60, "w_1")] {
            let mut j = ev(EventKind::ParticipantJoined);
            j.time = DateTime::from_timestamp(secs, 0).unwrap();
            j.meeting = Some(Personal::new("m1".into()));
            j.user = Some(Personal::new(user.into()));
            j.person_name = Some(Personal::new("Jörg Weiß".into()));
            j.add_personal(crate::PersonalKind::Secret, "tok3nABC123xyz");
            map.resolve(&rule, &mut j);
            map.observe(&j);
        }
        assert_eq!(map.first_join("m1"), DateTime::from_timestamp(60, 0));
        let mut later = ev(EventKind::AudioFailed);
        later.user = Some(Personal::new("w_2".into()));
        map.resolve(&rule, &mut later);
        assert_eq!(later.conference_start, DateTime::from_timestamp(60, 0));
        assert_eq!(map.names().collect::<Vec<_>>(), ["Jörg Weiß"]);
        assert_eq!(map.secrets().count(), 1);
        let mut ids: Vec<_> = map.identifiers().collect();
        ids.sort();
        assert_eq!(ids, ["m1", "w_1", "w_2"]);
        let dbg = format!("{map:?}");
        assert!(!dbg.contains("Jörg") && !dbg.contains("w_1"), "{dbg}");
    }
}
