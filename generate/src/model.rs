//! The model: schools, people, servers and conferences with every session and media event.
//! Log lines (render.rs) and the ground truth (truth.rs) are both derived from it.

use crate::GenerateOptions;
use crate::fmt::{Rand, alnum, chance, count, hex, instant, local_ms, password, pick, uuid, weighted};
use crate::vocab::{
    AUDIO_ERRORS, CHATS, COURSES, FIRST_NAMES, LAST_NAMES, LESSONS, NOTES, POLLS, PRESENTATIONS, SCHOOL_WORDS,
    SCREENSHARE_ERRORS, SFU_ERRORS, SUBJECTS, USER_AGENTS, ascii_fold,
};
use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};

const MIN: i64 = 60_000;
const SEC: i64 = 1_000;

/// A person with an IServ account.
pub(crate) struct Person {
    pub first: String,
    pub last: String,
    pub account: String,
    pub teacher: bool,
    pub home_ip: String,
    pub ua: usize,
}

impl Person {
    pub(crate) fn full(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

/// A class of pupils.
pub(crate) struct Class {
    pub label: String,
    pub pupils: Vec<usize>,
}

/// An IServ instance.
pub(crate) struct School {
    pub id: String,
    pub index: usize,
    pub host: String,
    pub nat_ip: String,
    pub servers: Vec<usize>,
    pub people: Vec<Person>,
    pub teachers: Vec<usize>,
    pub classes: Vec<Class>,
}

/// A conference server.
pub(crate) struct Server {
    pub number: u32,
    pub name: String,
    pub host: String,
    pub ip: String,
}

impl Server {
    /// Odd servers run BigBlueButton 2.x, even ones 3.x.
    pub(crate) fn v2(&self) -> bool {
        self.number % 2 == 1
    }
}

/// How a session came in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A browser join with an account.
    Account,
    /// A browser join without account.
    Guest,
    /// A phone dial-in.
    DialIn,
}

/// One attempt to join audio.
pub(crate) struct AudioAttempt {
    pub at: i64,
    pub listen_only: bool,
    /// Error code when the attempt failed.
    pub failure: Option<u16>,
    /// Hangup time (failures: shortly after `at`).
    pub end: i64,
    pub uuid: String,
}

/// A webcam (or failed webcam) episode.
pub(crate) struct Cam {
    pub start: i64,
    pub end: i64,
    pub stream: String,
    /// (client code 1020, SFU code) when the camera failed.
    pub error: Option<u16>,
}

/// A screen sharing episode.
pub(crate) struct Screen {
    pub start: i64,
    pub end: i64,
    pub stream: String,
    pub failure: Option<u16>,
}

/// One join (one BBB user id).
pub(crate) struct Session {
    pub kind: Kind,
    /// Person index within the school (accounts only).
    pub person: Option<usize>,
    pub first: String,
    pub name: String,
    pub account: Option<String>,
    pub user_id: String,
    pub moderator: bool,
    pub join: i64,
    pub leave: Option<i64>,
    pub ip: String,
    pub ua: usize,
    pub token: String,
    pub audio: Vec<AudioAttempt>,
    pub mutes: Vec<(i64, bool)>,
    pub cams: Vec<Cam>,
    pub screens: Vec<Screen>,
    pub sfu_errors: Vec<(i64, u16, &'static str)>,
    pub ws_errors: Vec<i64>,
    pub lost_at: Option<i64>,
    pub presenter_at: Option<i64>,
    pub device_label: String,
}

impl Session {
    /// The participant identity: account, else BBB user id.
    pub(crate) fn identity(&self) -> &str {
        self.account.as_deref().unwrap_or(&self.user_id)
    }
    /// Leave or conference end.
    pub(crate) fn end(&self, conf_end: i64) -> i64 {
        self.leave.unwrap_or(conf_end)
    }
}

/// A chat message.
pub(crate) struct Chat {
    pub at: i64,
    pub session: usize,
    pub text: String,
    pub id: String,
}

/// A poll with its responses.
pub(crate) struct Poll {
    pub at: i64,
    pub session: usize,
    pub id: String,
    pub question: String,
    pub answers: Vec<String>,
    pub responses: Vec<(i64, usize, usize)>,
}

/// A meeting (a conference when it has joins).
pub(crate) struct Conference {
    pub seed: u64,
    pub school: usize,
    pub server: usize,
    pub internal_id: String,
    pub external_id: String,
    pub name: String,
    pub voice_conf: String,
    pub moderator_pw: String,
    pub attendee_pw: String,
    pub create: i64,
    /// Conference end (meeting-end event when `end_logged`, else the last leave).
    pub end: i64,
    pub end_logged: bool,
    pub parent: Option<usize>,
    pub breakout_seq: u32,
    pub sessions: Vec<Session>,
    pub chats: Vec<Chat>,
    pub polls: Vec<Poll>,
    pub notes: Vec<(i64, usize, String)>,
    pub presentations: Vec<(i64, String)>,
}

impl Conference {
    /// Last instant any log line of this meeting is written.
    pub(crate) fn last_activity(&self) -> i64 {
        self.end + 5 * MIN
    }
    /// First join instant, if any.
    pub(crate) fn first_join(&self) -> Option<i64> {
        self.sessions.iter().map(|s| s.join).min()
    }
}

/// The whole synthetic world.
pub(crate) struct World {
    pub tz: Tz,
    pub schools: Vec<School>,
    pub servers: Vec<Server>,
    pub confs: Vec<Conference>,
    pub dates: Vec<NaiveDate>,
    /// Local midnights: `day_starts[i]..day_starts[i+1]` is day i.
    pub day_starts: Vec<i64>,
}

fn ipv4(rng: &mut Rand) -> String {
    let nets = ["192.0.2", "198.51.100", "203.0.113"];
    format!("{}.{}", pick(rng, &nets), rng.random_range(1..255))
}

fn ua_index(rng: &mut Rand) -> usize {
    weighted(rng, USER_AGENTS.iter().map(|u| u.1))
}

/// Builds schools, servers and all conferences.
pub(crate) fn build(opts: &GenerateOptions) -> World {
    let mut rng = Rand::seed_from_u64(opts.seed);
    let tz = opts.time_zone;
    let servers: Vec<Server> = (1..=opts.servers)
        .map(|n| Server {
            number: n,
            name: format!("bbb{n}"),
            host: format!("bbb{n}.example.org"),
            ip: format!("198.51.100.{}", 200 + (n % 50)),
        })
        .collect();

    let mut used_ids = BTreeSet::new();
    let mut used_nat = BTreeSet::new();
    let mut schools = Vec::new();
    for i in 0..opts.schools as usize {
        let num = loop {
            let n: u32 =
                if chance(&mut rng, 0.7) { rng.random_range(1000..10000) } else { rng.random_range(10000..100000) };
            if used_ids.insert(n) {
                break n;
            }
        };
        let word = SCHOOL_WORDS[i % SCHOOL_WORDS.len()];
        let host = if i < SCHOOL_WORDS.len() {
            format!("schule-{word}.example.de")
        } else {
            format!("schule-{word}-{}.example.de", i / SCHOOL_WORDS.len() + 1)
        };
        let nat_ip = loop {
            let ip = ipv4(&mut rng);
            if used_nat.insert(ip.clone()) || used_nat.len() > 700 {
                break ip;
            }
        };
        let n_servers = opts.servers as usize;
        let first = i % n_servers;
        let mut srv = vec![first];
        if n_servers > 1 && i % 3 == 2 {
            srv.push((first + 1) % n_servers);
        }
        let mut school = School {
            id: format!("iserv-{num}"),
            index: i,
            host,
            nat_ip,
            servers: srv,
            people: Vec::new(),
            teachers: Vec::new(),
            classes: Vec::new(),
        };
        populate(&mut rng, &mut school, opts.scale.ceil().clamp(1.0, 20.0) as usize);
        schools.push(school);
    }

    let dates: Vec<NaiveDate> = (0..opts.days).map(|d| opts.start + chrono::Duration::days(i64::from(d))).collect();
    let mut day_starts: Vec<i64> = dates.iter().map(|d| local_ms(tz, *d, 0, 0, 0)).collect();
    if let Some(last) = dates.last() {
        day_starts.push(local_ms(tz, *last + chrono::Duration::days(1), 0, 0, 0));
    }

    let mut world = World { tz, schools, servers, confs: Vec::new(), dates, day_starts };

    // Conferences crossing midnight: one, or two for longer data sets; never on the last day.
    let mut crossings = BTreeSet::new();
    if opts.days >= 2 {
        let n = if opts.days >= 4 { 2 } else { 1 };
        while crossings.len() < n {
            let d = rng.random_range(0..opts.days as usize - 1);
            let s = rng.random_range(0..opts.schools as usize);
            crossings.insert((d, s));
            if crossings.len() >= (opts.days as usize - 1) * opts.schools as usize {
                break;
            }
        }
    }

    let mut busy = Busy::new();
    for d in 0..world.dates.len() {
        let date = world.dates[d];
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        for s in 0..world.schools.len() {
            let mut plans = Vec::new();
            if weekend {
                for _ in 0..count(&mut rng, 0.6 * opts.scale) {
                    let h = rng.random_range(10..18);
                    plans.push(Plan::Lesson(local_ms(tz, date, h, rng.random_range(0..60), 0)));
                }
            } else {
                let per_day = f64::from(rng.random_range(3u32..=5));
                let lessons = count(&mut rng, per_day * opts.scale);
                for _ in 0..lessons {
                    let (h, m) = *pick(&mut rng, LESSONS);
                    let jitter = rng.random_range(-5i64..=3) * MIN;
                    plans.push(Plan::Lesson(local_ms(tz, date, h, m, 0) + jitter));
                }
                for _ in 0..count(&mut rng, 0.4 * opts.scale) {
                    plans.push(Plan::Homework(local_ms(tz, date, 15, rng.random_range(0..30), 0)));
                }
                for _ in 0..count(&mut rng, 0.15 * opts.scale) {
                    plans.push(Plan::Parents(local_ms(tz, date, 19, rng.random_range(0..20), 0)));
                }
                for _ in 0..count(&mut rng, 0.15 * opts.scale) {
                    plans.push(Plan::Staff(local_ms(tz, date, 14, rng.random_range(0..50), 0)));
                }
            }
            if crossings.contains(&(d, s)) {
                plans.push(Plan::Night(local_ms(tz, date, 23, rng.random_range(5..35), 0)));
            }
            for plan in plans {
                make_plan(&mut rng, &mut world, &mut busy, s, plan);
            }
        }
    }
    world
}

fn populate(rng: &mut Rand, school: &mut School, factor: usize) {
    let mut accounts = BTreeSet::new();
    let mut add = |rng: &mut Rand, school: &mut School, teacher: bool| -> usize {
        let first = (*pick(rng, FIRST_NAMES)).to_string();
        let last = (*pick(rng, LAST_NAMES)).to_string();
        let base = if teacher {
            let initial: String = ascii_fold(&first).chars().take(1).collect();
            format!("{initial}.{}", ascii_fold(&last))
        } else {
            format!("{}.{}", ascii_fold(&first), ascii_fold(&last))
        };
        let mut account = base.clone();
        let mut k = 2;
        while !accounts.insert(account.clone()) {
            account = format!("{base}{k}");
            k += 1;
        }
        let home_ip = if chance(rng, 0.3) {
            format!(
                "2001:db8:{:x}:{:x}::{:x}",
                school.index + 1,
                rng.random_range(1..0xfff),
                rng.random_range(2..0xffff)
            )
        } else {
            ipv4(rng)
        };
        school.people.push(Person { first, last, account, teacher, home_ip, ua: ua_index(rng) });
        school.people.len() - 1
    };
    let n_teachers = rng.random_range(4..9) * factor;
    for _ in 0..n_teachers {
        let t = add(rng, school, true);
        school.teachers.push(t);
    }
    let primary = chance(rng, 0.4);
    let n_classes = rng.random_range(4..8) * factor;
    let mut labels = BTreeSet::new();
    let mut attempts = 0;
    while labels.len() < n_classes && attempts < 10_000 {
        attempts += 1;
        let grade = if primary { rng.random_range(1..5) } else { rng.random_range(5..11) };
        let letters = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p'];
        let letter = if factor == 1 { *pick(rng, &letters[..4]) } else { *pick(rng, &letters) };
        labels.insert(format!("{grade}{letter}"));
    }
    for label in labels {
        let size = rng.random_range(12..26);
        let pupils = (0..size).map(|_| add(rng, school, false)).collect();
        school.classes.push(Class { label, pupils });
    }
}

enum Plan {
    Lesson(i64),
    Homework(i64),
    Parents(i64),
    Staff(i64),
    Night(i64),
}

struct Attendee {
    kind: Kind,
    person: Option<usize>,
    name: Option<String>,
    moderator: bool,
}

/// Busy intervals per (school, person), so nobody attends two conferences at once.
type Busy = BTreeMap<(usize, usize), Vec<(i64, i64)>>;

fn is_free(busy: &Busy, s: usize, p: usize, from: i64, to: i64) -> bool {
    busy.get(&(s, p)).is_none_or(|v| v.iter().all(|&(a, b)| b <= from || a >= to))
}

fn make_plan(rng: &mut Rand, world: &mut World, busy: &mut Busy, s: usize, plan: Plan) {
    let (start, minutes) = match plan {
        Plan::Lesson(t) => (t, if chance(rng, 0.1) { rng.random_range(80..95) } else { rng.random_range(35..50) }),
        Plan::Homework(t) => (t, rng.random_range(40..70)),
        Plan::Parents(t) => (t, rng.random_range(60..100)),
        Plan::Staff(t) => (t, rng.random_range(30..75)),
        Plan::Night(t) => (t, rng.random_range(55..90)),
    };
    let end = start + i64::from(minutes) * MIN + rng.random_range(0..60) * SEC;
    let (from, to) = (start - MIN, end + 2 * MIN);
    let school = &world.schools[s];
    let free: Vec<usize> = school.teachers.iter().copied().filter(|&t| is_free(busy, s, t, from, to)).collect();
    if free.is_empty() {
        return;
    }
    let teacher = *pick(rng, &free);
    let class_i = rng.random_range(0..school.classes.len());
    let class = &school.classes[class_i];
    let acct = |p: usize, moderator: bool| Attendee { kind: Kind::Account, person: Some(p), name: None, moderator };
    let mut attendees = vec![acct(teacher, true)];
    let (slug, name, share) = match plan {
        Plan::Lesson(_) => {
            let (slug, name) = if chance(rng, 0.8) || class.label.starts_with(['1', '2', '3', '4']) {
                let (subj, subj_name) = *pick(rng, SUBJECTS);
                (format!("klasse-{}-{subj}", class.label), format!("Klasse {} {subj_name}", class.label))
            } else {
                let (c, n) = *pick(rng, COURSES);
                (c.to_string(), n.to_string())
            };
            (slug, name, rng.random_range(0.6..0.95))
        }
        Plan::Homework(_) => {
            ("hausaufgabenhilfe".to_string(), "Hausaufgabenhilfe".to_string(), rng.random_range(0.15..0.4))
        }
        Plan::Parents(_) => {
            for _ in 0..rng.random_range(4..12) {
                let first = *pick(rng, FIRST_NAMES);
                let last = *pick(rng, LAST_NAMES);
                let name = match rng.random_range(0..3) {
                    0 => format!("{first} {last}"),
                    1 => format!("Familie {last}"),
                    _ => format!("{first} {last} (Mutter)"),
                };
                attendees.push(Attendee { kind: Kind::Guest, person: None, name: Some(name), moderator: false });
            }
            (format!("elternabend-{}", class.label), format!("Elternabend {}", class.label), 0.0)
        }
        Plan::Staff(_) => {
            for &t in &school.teachers {
                if t != teacher && is_free(busy, s, t, from, to) && chance(rng, 0.8) {
                    attendees.push(acct(t, chance(rng, 0.5)));
                }
            }
            ("lehrerzimmer".to_string(), "Lehrerzimmer".to_string(), 0.0)
        }
        Plan::Night(_) => ("astronomie-ag".to_string(), "Astronomie-AG Sternbeobachtung".to_string(), 0.3),
    };
    for &p in &class.pupils {
        if chance(rng, share) && is_free(busy, s, p, from, to) {
            attendees.push(acct(p, false));
        }
    }
    if matches!(plan, Plan::Lesson(_)) {
        if chance(rng, 0.04) {
            let name = format!("{} {} (Schulbegleitung)", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
            attendees.push(Attendee { kind: Kind::Guest, person: None, name: Some(name), moderator: false });
        }
        if chance(rng, 0.05) {
            let name = if chance(rng, 0.5) {
                format!("0{} {}", rng.random_range(150..180), rng.random_range(1_000_000..9_999_999))
            } else {
                format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES))
            };
            attendees.push(Attendee { kind: Kind::DialIn, person: None, name: Some(name), moderator: false });
        }
    }
    for a in &attendees {
        if let Some(p) = a.person {
            busy.entry((s, p)).or_default().push((from, to));
        }
    }
    let server = *pick(rng, &world.schools[s].servers);
    let external_id = format!("{}/{}", world.schools[s].id, slug);
    let breakouts = matches!(plan, Plan::Lesson(_)) && attendees.len() >= 8 && minutes >= 35 && chance(rng, 0.12);
    let away = breakouts.then(|| {
        let b_start = start + (end - start) / 3;
        (b_start, b_start + rng.random_range(10..16) * MIN)
    });
    let (parent, split) = make_conf(rng, world, s, server, external_id, name, start, end, &attendees, None, 0, away);
    if let Some((b_start, b_end)) = away {
        let n = rng.random_range(2..5usize);
        for k in 0..n {
            let group: Vec<Attendee> =
                split.iter().enumerate().filter(|(i, _)| i % n == k).map(|(_, &p)| acct(p, false)).collect();
            if group.is_empty() {
                continue;
            }
            let ext = format!("{}-breakout-{}", world.confs[parent].external_id, k + 1);
            let name = format!("{} (Raum {})", world.confs[parent].name, k + 1);
            make_conf(rng, world, s, server, ext, name, b_start, b_end, &group, Some(parent), k as u32 + 1, None);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn make_conf(
    rng: &mut Rand,
    world: &mut World,
    s: usize,
    server: usize,
    external_id: String,
    name: String,
    start: i64,
    end_plan: i64,
    attendees: &[Attendee],
    parent: Option<usize>,
    breakout_seq: u32,
    away: Option<(i64, i64)>,
) -> (usize, Vec<usize>) {
    let mut split = Vec::new();
    let create = instant(start, rng);
    let internal_id = format!("{}-{}", hex(rng, 40), create);
    let end_logged = parent.is_some() || chance(rng, 0.92);
    let duration = end_plan - start;
    let mut sessions: Vec<Session> = Vec::new();
    let school = &world.schools[s];
    for a in attendees {
        let join = if a.moderator {
            instant(start + rng.random_range(3..40) * SEC, rng)
        } else if chance(rng, 0.85) {
            instant(start + rng.random_range(20..360) * SEC, rng)
        } else {
            instant(start + rng.random_range(360..900.min(duration / SEC - 120).max(361)) * SEC, rng)
        };
        let early = chance(rng, 0.1) && !a.moderator;
        let mut leave = if early {
            Some(instant(join + rng.random_range(60..(end_plan - join).max(61 * SEC) / SEC) * SEC, rng))
        } else if end_logged && chance(rng, if a.moderator { 0.5 } else { 0.2 }) {
            None
        } else {
            Some(instant(end_plan - rng.random_range(1..90) * SEC, rng))
        };
        if let Some(l) = leave
            && l <= join + 30 * SEC
        {
            leave = Some(instant(join + 31 * SEC, rng));
        }
        let (person, first, full, account, ip, ua) = match (a.kind, a.person) {
            (Kind::Account, Some(p)) => {
                let person = &school.people[p];
                let at_school = chance(rng, if person.teacher { 0.5 } else { 0.35 });
                let ip = if at_school { school.nat_ip.clone() } else { person.home_ip.clone() };
                (
                    Some(p),
                    person.first.clone(),
                    person.full(),
                    Some(person.account.clone()),
                    ip,
                    if at_school { ua_index(rng) } else { person.ua },
                )
            }
            _ => {
                let full = a.name.clone().unwrap_or_else(|| "Gast".to_string());
                let first = full.split(' ').next().unwrap_or("Gast").to_string();
                (None, first, full, None, ipv4(rng), ua_index(rng))
            }
        };
        let dial = a.kind == Kind::DialIn;
        let user_id = if dial { format!("v_{}", alnum(rng, 12)) } else { format!("w_{}", alnum(rng, 12)) };
        let behind_nat = ip == school.nat_ip;
        let reconnect = !dial && a.kind == Kind::Account && chance(rng, 0.1);
        let mut sess =
            new_session(rng, a.kind, person, first, full, account, user_id, a.moderator, join, leave, ip, ua);
        if let (Some((b_start, b_end)), Some(p), false) = (away, person, a.moderator)
            && join < b_start - 30 * SEC
            && leave.unwrap_or(end_plan) > b_end + 2 * MIN
        {
            // Off to a breakout room: leave the parent, rejoin it afterwards with a new id.
            let back = instant(b_end + rng.random_range(5..30) * SEC, rng);
            let cut = instant(b_start - rng.random_range(1..20) * SEC, rng);
            let second_id = format!("w_{}", alnum(rng, 12));
            let mut second = new_session(
                rng,
                a.kind,
                person,
                sess.first.clone(),
                sess.name.clone(),
                sess.account.clone(),
                second_id,
                false,
                back,
                leave,
                sess.ip.clone(),
                sess.ua,
            );
            sess.leave = Some(cut);
            fill_media(rng, &mut sess, behind_nat, cut);
            fill_media(rng, &mut second, behind_nat, leave.unwrap_or(end_plan));
            sessions.push(sess);
            sessions.push(second);
            split.push(p);
            continue;
        }
        if reconnect {
            let end_t = leave.unwrap_or(end_plan);
            if end_t - join > 8 * MIN {
                let cut = instant(join + rng.random_range(2 * MIN..end_t - join - 4 * MIN), rng);
                let gap = if chance(rng, 0.15) { rng.random_range(90..300) } else { rng.random_range(10..51) } * SEC;
                let rejoin = instant(cut + gap, rng);
                let second_id = format!("w_{}", alnum(rng, 12));
                let mut second = new_session(
                    rng,
                    a.kind,
                    person,
                    sess.first.clone(),
                    sess.name.clone(),
                    sess.account.clone(),
                    second_id,
                    a.moderator,
                    rejoin,
                    leave,
                    sess.ip.clone(),
                    sess.ua,
                );
                sess.leave = Some(cut);
                sess.lost_at = Some(cut - rng.random_range(2..8) * SEC);
                fill_media(rng, &mut sess, behind_nat, cut);
                fill_media(rng, &mut second, behind_nat, leave.unwrap_or(end_plan));
                sessions.push(sess);
                sessions.push(second);
                continue;
            }
        }
        fill_media(rng, &mut sess, behind_nat, leave.unwrap_or(end_plan));
        sessions.push(sess);
    }
    sessions.sort_by_key(|x| x.join);
    let last_leave = sessions.iter().map(|x| x.end(end_plan)).max().unwrap_or(end_plan);
    let end =
        if end_logged { instant(end_plan.max(last_leave) + rng.random_range(0..3) * SEC, rng) } else { last_leave };
    // Sessions without leave must end at the conference end.
    if !end_logged {
        for x in &mut sessions {
            if x.leave.is_none() {
                x.leave = Some(end);
            }
        }
    }
    // Presenter: the first moderator.
    if let Some(m) = sessions.iter_mut().find(|x| x.moderator) {
        m.presenter_at = Some(m.join + 150);
    }
    let mut conf = Conference {
        seed: rng.random(),
        school: s,
        server,
        internal_id,
        external_id,
        name,
        voice_conf: format!("{}", rng.random_range(10000..100000)),
        moderator_pw: password(rng, 8),
        attendee_pw: password(rng, 8),
        create,
        end,
        end_logged,
        parent,
        breakout_seq,
        sessions,
        chats: Vec::new(),
        polls: Vec::new(),
        notes: Vec::new(),
        presentations: Vec::new(),
    };
    content(rng, &mut conf, &world.schools[s]);
    world.confs.push(conf);
    (world.confs.len() - 1, split)
}

#[allow(clippy::too_many_arguments)]
fn new_session(
    rng: &mut Rand,
    kind: Kind,
    person: Option<usize>,
    first: String,
    name: String,
    account: Option<String>,
    user_id: String,
    moderator: bool,
    join: i64,
    leave: Option<i64>,
    ip: String,
    ua: usize,
) -> Session {
    let device_label = match rng.random_range(0..4) {
        0 => format!("Mikrofon (Headset von {first})"),
        1 => format!("Mikrofonarray ({first}s Laptop)"),
        2 => format!("iPad von {first}"),
        _ => format!("Standard - Mikrofon ({first} USB Audio)"),
    };
    Session {
        kind,
        person,
        first,
        name,
        account,
        user_id,
        moderator,
        join,
        leave,
        ip,
        ua,
        token: alnum(rng, 16),
        audio: Vec::new(),
        mutes: Vec::new(),
        cams: Vec::new(),
        screens: Vec::new(),
        sfu_errors: Vec::new(),
        ws_errors: Vec::new(),
        lost_at: None,
        presenter_at: None,
        device_label,
    }
}

fn fill_media(rng: &mut Rand, s: &mut Session, nat: bool, end: i64) {
    let span = end - s.join;
    if span < 40 * SEC {
        return;
    }
    let mut t = s.join + rng.random_range(3..15) * SEC;
    if s.kind == Kind::DialIn {
        s.audio.push(AudioAttempt { at: t, listen_only: false, failure: None, end, uuid: uuid(rng) });
        return;
    }
    let mode =
        if s.moderator { if chance(rng, 0.95) { 0 } else { 2 } } else { weighted(rng, [55u32, 30, 15].into_iter()) };
    if mode < 2 {
        let listen_only = mode == 1;
        let p_fail = if nat { 0.14 } else { 0.05 };
        let mut failures = 0;
        while failures < 3 && chance(rng, p_fail * if failures > 0 { 3.0 } else { 1.0 }) {
            let i = weighted(
                rng,
                AUDIO_ERRORS.iter().map(|e| if nat && (e.0 == 1007 || e.0 == 1010) { e.1 * 2 } else { e.1 }),
            );
            let fail_end = t + rng.random_range(2..12) * SEC;
            s.audio.push(AudioAttempt {
                at: t,
                listen_only,
                failure: Some(AUDIO_ERRORS[i].0),
                end: fail_end,
                uuid: uuid(rng),
            });
            t = fail_end + rng.random_range(5..20) * SEC;
            failures += 1;
        }
        if failures < 3 && t < end - 20 * SEC {
            let a_end = end - rng.random_range(0..1000);
            s.audio.push(AudioAttempt { at: t, listen_only, failure: None, end: a_end, uuid: uuid(rng) });
            if !listen_only {
                let mut m = t + rng.random_range(10..120) * SEC;
                let mut muted = true;
                for _ in 0..rng.random_range(0..6) {
                    if m >= a_end - 5 * SEC {
                        break;
                    }
                    s.mutes.push((m, muted));
                    muted = !muted;
                    m += rng.random_range(20..600) * SEC;
                }
            }
        }
    }
    if chance(rng, if s.moderator { 0.5 } else { 0.2 }) && span > 3 * MIN {
        let start = s.join + rng.random_range(20..span / SEC / 2) * SEC;
        let stream = format!("{}_{}", s.user_id, hex(rng, 64));
        if chance(rng, if nat { 0.12 } else { 0.05 }) {
            let sfu = *pick(rng, &[2001u16, 2002, 2020, 2021, 2022, 2200, 2208]);
            s.cams.push(Cam { start, end: start + rng.random_range(3..12) * SEC, stream, error: Some(sfu) });
        } else {
            let stop = (start + rng.random_range(60..span / SEC) * SEC).min(end - SEC);
            s.cams.push(Cam { start, end: stop, stream, error: None });
        }
    }
    if s.moderator && chance(rng, 0.35) && span > 5 * MIN {
        let start = s.join + rng.random_range(60..span / SEC / 2) * SEC;
        let failure = if chance(rng, 0.1) { Some(pick(rng, SCREENSHARE_ERRORS).0) } else { None };
        let stop = if failure.is_some() {
            start + rng.random_range(2..20) * SEC
        } else {
            (start + rng.random_range(120..span / SEC) * SEC).min(end - SEC)
        };
        s.screens.push(Screen { start, end: stop, stream: uuid(rng), failure });
    }
    if chance(rng, 0.015) {
        let (code, _) = *pick(rng, SFU_ERRORS);
        let module = *pick(rng, &["video", "screenshare", "audio"]);
        s.sfu_errors.push((s.join + rng.random_range(10..span / SEC) * SEC, code, module));
    }
    if chance(rng, 0.01) {
        s.ws_errors.push(s.join + rng.random_range(10..span / SEC) * SEC);
    }
}

fn content(rng: &mut Rand, conf: &mut Conference, school: &School) {
    let n = conf.sessions.len();
    if n == 0 {
        return;
    }
    let first_names: Vec<String> = conf.sessions.iter().map(|s| s.first.clone()).collect();
    let end = conf.end;
    let alive = |s: &Session, t: i64| s.join < t && s.end(end) > t && s.kind != Kind::DialIn;
    let span = (end - conf.create).max(MIN);
    for _ in 0..rng.random_range(0..9) {
        let t = conf.create + rng.random_range(MIN..span);
        let Some(i) = (0..n).find(|&i| alive(&conf.sessions[(i + t as usize) % n], t)).map(|i| (i + t as usize) % n)
        else {
            continue;
        };
        let other = pick(rng, &first_names).clone();
        let lastname = conf
            .sessions
            .iter()
            .find_map(|s| s.person.filter(|_| s.moderator))
            .map(|p| school.people[p].last.clone())
            .unwrap_or_default();
        let text = pick(rng, CHATS).replace("{n}", &other).replace("{l}", &lastname);
        let id = format!("{}-{}", t, alnum(rng, 8));
        conf.chats.push(Chat { at: instant(t, rng), session: i, text, id });
    }
    conf.chats.sort_by_key(|c| c.at);
    let moderator = conf.sessions.iter().position(|s| s.moderator);
    if let Some(m) = moderator {
        let mjoin = conf.sessions[m].join;
        let mend = conf.sessions[m].end(end);
        if chance(rng, 0.2) && mend - mjoin > 6 * MIN {
            let at = instant(mjoin + rng.random_range(2 * MIN..mend - mjoin - 3 * MIN), rng);
            let (q, answers) = *pick(rng, POLLS);
            let id = format!("{}/1/{}", conf.internal_id, at);
            let mut responses = Vec::new();
            for (i, s) in conf.sessions.iter().enumerate() {
                if !s.moderator && alive(s, at + MIN) && chance(rng, 0.8) {
                    responses.push((at + rng.random_range(3..50) * SEC, i, rng.random_range(0..answers.len())));
                }
            }
            responses.sort();
            conf.polls.push(Poll {
                at,
                session: m,
                id,
                question: q.to_string(),
                answers: answers.iter().map(|a| (*a).to_string()).collect(),
                responses,
            });
        }
        if chance(rng, 0.4) {
            let last = conf.sessions[m].person.map(|p| school.people[p].last.clone()).unwrap_or_default();
            let file = pick(rng, PRESENTATIONS).replace("{l}", &last);
            conf.presentations.push((mjoin + rng.random_range(20..90) * SEC, file));
        }
    }
    if chance(rng, 0.15) {
        for _ in 0..rng.random_range(1..5) {
            let t = conf.create + rng.random_range(MIN..span);
            let Some(i) = (0..n).find(|&i| alive(&conf.sessions[i], t)) else { continue };
            let text = pick(rng, NOTES)
                .replace("{n}", pick(rng, &first_names).as_str())
                .replace("{m}", pick(rng, &first_names).as_str());
            conf.notes.push((t, i, text));
        }
        conf.notes.sort_by_key(|x| x.0);
    }
}
