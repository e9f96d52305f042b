//! Rendering the model into log lines, each in the file and shape a real server writes it.

use crate::fmt::{
    Obj, Rand, alnum, chance, freeswitch_time, hex, iso_local, iso_local_ms, iso_utc_ms, js, meteor_time, nginx_escape,
    nginx_time, pct, pick, query_name, syslog_time,
};
use crate::model::{Conference, Kind, School, Server, Session, World};
use crate::vocab::{AUDIO_ERRORS, SCREENSHARE_ERRORS, SFU_ERRORS, USER_AGENTS};
use chrono_tz::Tz;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;

/// The log files of one server; index into [`LOG_NAMES`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Log {
    Web = 0,
    Client = 1,
    Access = 2,
    Webhooks = 3,
    Freeswitch = 4,
    Sfu = 5,
    Akka = 6,
    Journal = 7,
}

/// File names, indexed by [`Log`].
pub(crate) const LOG_NAMES: [&str; 8] = [
    "bbb-web.log",
    "html5-client.log",
    "bigbluebutton.access.log",
    "bbb-webhooks.log",
    "freeswitch.log",
    "bbb-webrtc-sfu.log",
    "bbb-apps-akka.log",
    "bbb-html5.log",
];

/// One rendered line (without newline) at server time `ts` (epoch ms).
pub(crate) struct Line {
    pub ts: i64,
    pub log: Log,
    pub text: String,
}

/// A client log record before batching.
struct Rec {
    ts: i64,
    level: u8,
    code: &'static str,
    msg: String,
    extra: Option<String>,
}

struct R<'a> {
    tz: Tz,
    conf: &'a Conference,
    server: &'a Server,
    school: &'a School,
    rng: Rand,
    lines: Vec<Line>,
    pv: &'a mut BTreeSet<String>,
}

/// Renders every line of conference `ci`, recording each personal value written into `pv`.
pub(crate) fn conference(world: &World, ci: usize, pv: &mut BTreeSet<String>) -> Vec<Line> {
    let conf = &world.confs[ci];
    let mut r = R {
        tz: world.tz,
        conf,
        server: &world.servers[conf.server],
        school: &world.schools[conf.school],
        rng: Rand::seed_from_u64(conf.seed),
        lines: Vec::with_capacity(64 * conf.sessions.len() + 32),
        pv,
    };
    r.all(world);
    r.lines
}

fn level_word(level: u8) -> &'static str {
    match level {
        20 => "debug",
        30 => "info",
        40 => "warn",
        _ => "error",
    }
}

impl R<'_> {
    fn pv(&mut self, v: &str) {
        if !v.is_empty() && !self.pv.contains(v) {
            self.pv.insert(v.to_string());
        }
    }

    fn push(&mut self, ts: i64, log: Log, text: String) {
        self.lines.push(Line { ts, log, text });
    }

    fn jitter(&mut self) -> i64 {
        self.rng.random_range(0..400)
    }

    // ---- per-format writers -------------------------------------------------------------

    fn web(&mut self, ts: i64, level: &str, logger: &str, msg: &str) {
        let t = iso_local_ms(ts, self.tz);
        self.push(ts, Log::Web, format!("{t} {level:<5} {logger} - {msg}"));
    }

    fn analytics(&mut self, ts: i64, obj: Obj) {
        let obj = obj.vary(&mut self.rng);
        let msg = format!(" --analytics-- data={obj}");
        self.web(ts, "INFO", "o.bigbluebutton.api.MeetingService", &msg);
    }

    fn hook(&mut self, ts: i64, id: &str, attrs: Obj) {
        let event = format!(
            "{{\"data\":{{\"type\":\"event\",\"id\":{},\"attributes\":{attrs},\"event\":{{\"ts\":{ts}}}}}}}",
            js(id)
        );
        let text = match self.server.number {
            1 => event,
            2 => format!("[{event}]"),
            _ => format!("domain={}&event={}&timestamp={ts}", self.server.host, pct(&format!("[{event}]"), false)),
        };
        self.push(ts, Log::Webhooks, text);
    }

    fn hook_meeting(&self) -> Obj {
        Obj::new().s("internal-meeting-id", &self.conf.internal_id).s("external-meeting-id", &self.conf.external_id)
    }

    fn hook_user(&self, s: &Session) -> Obj {
        Obj::new().s("internal-user-id", &s.user_id).s("external-user-id", s.account.as_deref().unwrap_or(&s.user_id))
    }

    fn hook_attrs(&self, user: Obj) -> Obj {
        Obj::new().r("meeting", self.hook_meeting()).r("user", user)
    }

    fn akka(&mut self, ts: i64, name: &str, user: Option<&str>, body: Obj) {
        let mid = &self.conf.internal_id;
        let (routing, header) = match user {
            Some(u) => (
                Obj::new().s("msgType", "BROADCAST_TO_MEETING").s("meetingId", mid).s("userId", u),
                Obj::new().s("name", name).s("meetingId", mid).s("userId", u),
            ),
            None => (Obj::new().s("sender", "bbb-apps-akka"), Obj::new().s("name", name).s("meetingId", mid)),
        };
        let msg = Obj::new()
            .r("envelope", Obj::new().s("name", name).r("routing", routing).r("timestamp", ts))
            .r("core", Obj::new().r("header", header).r("body", body));
        let t = iso_local_ms(ts, self.tz);
        self.push(ts, Log::Akka, format!("{t} INFO  o.b.core2.AnalyticsActor -  -- analytics -- {msg}"));
    }

    #[allow(clippy::too_many_arguments)]
    fn access(&mut self, ts: i64, ip: &str, request: &str, status: u16, size: u32, referer: &str, ua: &str) {
        let t = nginx_time(ts, self.tz);
        self.push(
            ts,
            Log::Access,
            format!("{ip} - - [{t}] \"{request} HTTP/1.1\" {status} {size} \"{referer}\" \"{ua}\""),
        );
    }

    fn fs(&mut self, ts: i64, uuid: &str, level: &str, file: &str, text: &str) {
        let micros = self.rng.random_range(0..1000);
        let idle = self.rng.random_range(9000..9999) as f64 / 100.0;
        let t = freeswitch_time(ts, micros, self.tz);
        self.push(ts, Log::Freeswitch, format!("{uuid} {t} {idle:.2}% [{level}] {file} {text}"));
    }

    fn fs_cont(&mut self, ts: i64, uuid: &str, text: &str) {
        self.push(ts, Log::Freeswitch, format!("{uuid} {text}"));
    }

    /// A media-server line; `fields` are (key, raw JSON value, plain text value).
    fn sfu(&mut self, ts: i64, level: &str, module: &str, msg: &str, fields: &[(&'static str, String, String)]) {
        let text = match self.server.number {
            1 => {
                let lvl = if chance(&mut self.rng, 0.3) {
                    let colour = match level {
                        "error" => 31,
                        "warn" => 33,
                        "debug" => 34,
                        _ => 32,
                    };
                    format!("\x1b[{colour}m{level}\x1b[39m")
                } else {
                    level.to_string()
                };
                let kv: Vec<String> =
                    fields.iter().filter(|f| f.0 != "candidate").map(|(k, _, v)| format!("{k}={v}")).collect();
                format!("{} - {lvl}: [{module}] {msg} {}", iso_utc_ms(ts), kv.join(", "))
            }
            2 => {
                let mut o = Obj::new()
                    .s("level", level)
                    .s("message", &format!("[{module}] {msg}"))
                    .s("timestamp", &iso_utc_ms(ts))
                    .s("internalMeetingId", &self.conf.internal_id);
                for (k, j, _) in fields {
                    o = o.r(k, j);
                }
                o.build()
            }
            _ => {
                let n = match level {
                    "debug" => 20,
                    "info" => 30,
                    "warn" => 40,
                    _ => 50,
                };
                let mut o = Obj::new()
                    .r("level", n)
                    .r("time", ts)
                    .r("pid", 1200 + self.server.number)
                    .s("hostname", &self.server.name)
                    .s("mod", module)
                    .s("msg", msg);
                for (k, j, _) in fields {
                    o = o.r(k, j);
                }
                o.build()
            }
        };
        self.push(ts, Log::Sfu, text);
    }

    fn sfu_ids(&self, s: &Session) -> Vec<(&'static str, String, String)> {
        vec![
            ("userId", js(&s.user_id), s.user_id.clone()),
            ("roomId", js(&self.conf.internal_id), self.conf.internal_id.clone()),
        ]
    }

    fn sfu_ice(&mut self, ts: i64, module: &str, s: &Session) {
        let port = self.rng.random_range(40000..60000);
        let cand = if s.ip.contains(':') {
            format!("candidate:7 1 udp 2122262783 {} {port} typ host generation 0", s.ip)
        } else if chance(&mut self.rng, 0.5) {
            format!("candidate:842163049 1 udp 1677729535 {} {port} typ srflx raddr 0.0.0.0 rport 0 generation 0", s.ip)
        } else {
            format!("candidate:7 1 udp 2122260223 {} {port} typ host", s.ip)
        };
        let mut f = self.sfu_ids(s);
        f.push(("candidate", js(&cand), cand.clone()));
        self.sfu(ts, "debug", module, &format!("Received ICE candidate {cand}"), &f);
    }

    // ---- the conference --------------------------------------------------------------------

    fn all(&mut self, world: &World) {
        let c = self.conf;
        self.pv(&c.internal_id);
        self.pv(&c.external_id);
        self.pv(&c.name);
        self.create(world);
        if let Some(first) = c.first_join() {
            let m = Obj::new()
                .s("logCode", "meeting_started")
                .s("description", "Meeting has started.")
                .s("meetingId", &c.internal_id)
                .s("externalMeetingId", &c.external_id)
                .s("name", &c.name);
            self.analytics(first - first.rem_euclid(1000), m);
        }
        for (i, s) in c.sessions.iter().enumerate() {
            self.session(i, s);
        }
        self.content();
        if c.end_logged {
            let end = c.end;
            let m = Obj::new()
                .s("logCode", "meeting_ended")
                .s("description", "Meeting has ended.")
                .s("meetingId", &c.internal_id)
                .s("externalMeetingId", &c.external_id)
                .s("name", &c.name);
            self.analytics(end, m);
            let j = self.jitter();
            self.hook(end + j, "meeting-ended", Obj::new().r("meeting", self.hook_meeting()));
            let j = self.jitter();
            let body = Obj::new().s("meetingId", &c.internal_id).s("reason", "ENDED_FROM_API");
            self.akka(end + j, "MeetingEndedEvtMsg", None, body);
            let d = end + 1_500 + self.jitter();
            self.akka(d, "MeetingDestroyedEvtMsg", None, Obj::new().s("meetingId", &c.internal_id));
            let m = Obj::new()
                .s("logCode", "meeting_destroyed")
                .s("description", "Meeting destroyed.")
                .s("meetingId", &c.internal_id)
                .s("externalMeetingId", &c.external_id)
                .s("name", &c.name);
            self.analytics(d + 100, m);
        }
    }

    fn create(&mut self, world: &World) {
        let c = self.conf;
        let t = c.create;
        self.pv(&c.moderator_pw);
        self.pv(&c.attendee_pw);
        if c.parent.is_none() {
            let checksum = hex(&mut self.rng, 40);
            self.pv(&checksum);
            let variant = self.rng.random_range(0..2);
            let req = format!(
                "GET /bigbluebutton/api/create?name={}&meetingID={}&attendeePW={}&moderatorPW={}&record=false&checksum={checksum}",
                query_name(&c.name, variant),
                pct(&c.external_id, false),
                c.attendee_pw,
                c.moderator_pw
            );
            let ip = self.school.nat_ip.clone();
            self.pv(&ip);
            let size = self.rng.random_range(900..1100);
            self.access(t - 300, &ip, &req, 200, size, "-", "IServ");
            let msg = format!(
                "ApiController#create name={}&meetingID={}&checksum={checksum}",
                pct(&c.name, true),
                pct(&c.external_id, false)
            );
            self.web(t - 200, "INFO", "o.b.web.controllers.ApiController", &msg);
        }
        let mut m = Obj::new()
            .s("logCode", "create_meeting")
            .s("description", "Create meeting.")
            .s("meetingId", &c.internal_id)
            .s("externalMeetingId", &c.external_id)
            .s("name", &c.name)
            .r("duration", 0)
            .r("record", false)
            .r("isBreakout", c.parent.is_some());
        let parent_id = c.parent.map(|p| world.confs[p].internal_id.clone());
        if let Some(p) = &parent_id {
            m = m.s("parentMeetingId", p);
        }
        self.analytics(t, m);
        let meeting = Obj::new()
            .s("internal-meeting-id", &c.internal_id)
            .s("external-meeting-id", &c.external_id)
            .s("name", &c.name)
            .r("is-breakout", c.parent.is_some())
            .s("parent-id", parent_id.as_deref().unwrap_or("bbb-none"))
            .r("duration", 0)
            .r("create-time", c.create)
            .s("moderator-pass", &c.moderator_pw)
            .s("viewer-pass", &c.attendee_pw)
            .r("record", false)
            .s("voice-conf", &c.voice_conf)
            .s("dial-number", "613-555-1234")
            .r("max-users", 0)
            .r("metadata", "{}");
        let j = self.jitter();
        self.hook(t + j, "meeting-created", Obj::new().r("meeting", meeting));
        let props = Obj::new()
            .r(
                "meetingProp",
                Obj::new()
                    .s("name", &c.name)
                    .s("extId", &c.external_id)
                    .s("intId", &c.internal_id)
                    .r("isBreakout", c.parent.is_some()),
            )
            .r(
                "breakoutProps",
                Obj::new()
                    .s("parentId", parent_id.as_deref().unwrap_or("bbb-none"))
                    .r("sequence", c.breakout_seq)
                    .r("freeJoin", false),
            )
            .r("durationProps", Obj::new().r("duration", 0).r("createdTime", c.create))
            .r("password", Obj::new().s("moderatorPass", &c.moderator_pw).s("viewerPass", &c.attendee_pw))
            .r("voiceProp", Obj::new().s("telVoice", &c.voice_conf).s("voiceConf", &c.voice_conf));
        let j = self.jitter();
        self.akka(t + j, "MeetingCreatedEvtMsg", None, Obj::new().r("props", props));
    }

    fn ua(&self, s: &Session) -> &'static str {
        USER_AGENTS[s.ua].0
    }

    fn session(&mut self, idx: usize, s: &Session) {
        let c = self.conf;
        let dial = s.kind == Kind::DialIn;
        let role = if s.moderator { "MODERATOR" } else { "VIEWER" };
        let ext_user = s.account.clone().unwrap_or_else(|| s.user_id.clone());
        self.pv(&s.user_id);
        self.pv(&s.name);
        if let Some(a) = &s.account {
            self.pv(a);
        }
        if let Some(p) = s.person {
            let person = &self.school.people[p];
            self.pv(&person.first);
            self.pv(&person.last);
        }
        let ua = self.ua(s);
        // Join: nginx API request, ApiController line, analytics, webhooks, akka.
        let join = s.join;
        let second = join - join.rem_euclid(1000);
        if !dial {
            self.pv(&s.ip);
            self.pv(&s.token);
            let checksum = hex(&mut self.rng, 40);
            self.pv(&checksum);
            let pw = if s.moderator { &c.moderator_pw } else { &c.attendee_pw };
            let variant = self.rng.random_range(0..4);
            let user_param = match &s.account {
                Some(a) => format!("&userID={a}"),
                None => String::new(),
            };
            let req = format!(
                "GET /bigbluebutton/api/join?fullName={}&meetingID={}&password={pw}{user_param}&redirect=true&checksum={checksum}",
                query_name(&s.name, variant),
                pct(&c.external_id, false)
            );
            let referer = format!("https://{}/iserv/videoconference", self.school.host);
            self.access(second, &s.ip, &req, 302, 0, &referer, ua);
            let msg = format!(
                "ApiController#join fullName={}&meetingID={}&password={pw}&checksum={checksum}",
                pct(&s.name, true),
                pct(&c.external_id, false)
            );
            self.web(second, "INFO", "o.b.web.controllers.ApiController", &msg);
            let size = self.rng.random_range(1500..3000);
            let req = format!("GET /html5client/join?sessionToken={}", s.token);
            self.access(join + 600, &s.ip, &req, 200, size, "-", ua);
            let size = self.rng.random_range(200_000..900_000);
            self.access(
                join + 900,
                &s.ip,
                "GET /html5client/86e4c1b2f7d93e5a.js?meteor_js_resource=true",
                200,
                size,
                &format!("https://{}/html5client/join?sessionToken={}", self.server.host, s.token),
                ua,
            );
        }
        let m = Obj::new()
            .s("logCode", "user_joined_message")
            .s("description", "User joined the meeting.")
            .s("meetingId", &c.internal_id)
            .s("externalMeetingId", &c.external_id)
            .s("name", &c.name)
            .s("userId", &s.user_id)
            .s("externalUserId", &ext_user)
            .s("username", &s.name)
            .s("role", role)
            .s("clientType", if dial { "DIAL_IN" } else { "HTML5" })
            .r("guest", s.kind == Kind::Guest)
            .s("guestStatus", "ALLOW");
        self.analytics(join, m);
        let mut user = self
            .hook_user(s)
            .s("name", &s.name)
            .s("role", role)
            .r("presenter", false)
            .r("guest", s.kind == Kind::Guest);
        if !self.server.v2() && !dial {
            user = user
                .s("ip-address", &s.ip)
                .s("user-agent", ua)
                .s("referer", &format!("https://{}/iserv/videoconference", self.school.host))
                .s("session-token", &s.token);
        }
        let j = self.jitter();
        self.hook(join + j, "user-joined", self.hook_attrs(user));
        let mut body = Obj::new()
            .s("intId", &s.user_id)
            .s("extId", &ext_user)
            .s("name", &s.name)
            .s("role", role)
            .r("guest", s.kind == Kind::Guest)
            .r("authed", s.kind == Kind::Account)
            .s("guestStatus", "ALLOW")
            .r("presenter", false)
            .s("clientType", if dial { "DIAL_IN" } else { "HTML5" });
        if !self.server.v2() && !dial {
            body = body.s("ipAddress", &s.ip).s("userAgent", ua).s("sessionToken", &s.token);
        }
        let j = self.jitter();
        self.akka(join + j, "UserJoinedMeetingEvtMsg", Some(&s.user_id), body);
        if let Some(p) = s.presenter_at {
            self.hook(p, "user-presenter-assigned", self.hook_attrs(self.hook_user(s)));
            let body = Obj::new().s("presenterId", &s.user_id).s("presenterName", &s.name).s("assignedBy", &s.user_id);
            self.akka(p + 10, "PresenterAssignedEvtMsg", Some(&s.user_id), body);
        }

        let mut recs: Vec<Rec> = Vec::new();
        if !dial {
            recs.push(Rec {
                ts: join + 1_200,
                level: 30,
                code: "joined_successfully",
                msg: "Joined successfully".into(),
                extra: None,
            });
            recs.push(Rec {
                ts: join + 1_900,
                level: 20,
                code: "stun_turn_fetch_success",
                msg: "Fetched STUN/TURN servers".into(),
                extra: Some(Obj::new().r("stunServers", 1).r("turnServers", 2).build()),
            });
        }
        self.audio(s, &mut recs);
        self.media(s, &mut recs);
        if let Some(t) = s.lost_at {
            recs.push(Rec {
                ts: t,
                level: 40,
                code: "connection_lost",
                msg: "Connection to the server lost, reconnecting".into(),
                extra: None,
            });
        }
        for &t in &s.ws_errors {
            let extra = Obj::new()
                .r("errorCode", 1301)
                .s("errorMessage", "Failed to connect to SFU broker")
                .s("errorType", "SFU_BROKER_WS_ERROR");
            recs.push(Rec {
                ts: t,
                level: 50,
                code: "sfu_broker_ws_error",
                msg: "SFU broker websocket error - errorCode=1301".into(),
                extra: Some(extra.build()),
            });
        }
        // Chatter: WebRTC statistics and user list updates, some naming the user.
        if !dial {
            let end = s.end(c.end);
            let mut t = join + self.rng.random_range(60..300) * 1000;
            while t < end - 5_000 {
                if chance(&mut self.rng, 0.3) {
                    // A quiet interval: nothing logged.
                } else if chance(&mut self.rng, 0.5) {
                    let extra = Obj::new()
                        .r("rtt", self.rng.random_range(8..240))
                        .r("packetsLost", self.rng.random_range(0..40))
                        .r("jitter", format!("{:.3}", self.rng.random_range(0.0..0.05)));
                    recs.push(Rec {
                        ts: t,
                        level: 20,
                        code: "webrtc_stats",
                        msg: "WebRTC stats".into(),
                        extra: Some(extra.build()),
                    });
                } else if chance(&mut self.rng, 0.5) {
                    recs.push(Rec {
                        ts: t,
                        level: 20,
                        code: "user_list_update",
                        msg: format!("User list updated for {}", s.name),
                        extra: None,
                    });
                } else {
                    let url = format!("https://{}/html5client/join?sessionToken={}", self.server.host, s.token);
                    recs.push(Rec {
                        ts: t,
                        level: 30,
                        code: "client_heartbeat",
                        msg: format!("Heartbeat ok at {url}"),
                        extra: None,
                    });
                }
                t += self.rng.random_range(400..900) * 1000;
            }
        }
        recs.sort_by_key(|r| r.ts);
        self.client(idx, s, recs);

        if let Some(leave) = s.leave {
            let m = Obj::new()
                .s("logCode", "user_left_message")
                .s("description", "User left the meeting.")
                .s("meetingId", &c.internal_id)
                .s("externalMeetingId", &c.external_id)
                .s("name", &c.name)
                .s("userId", &s.user_id)
                .s("externalUserId", &ext_user)
                .s("username", &s.name)
                .s("role", role);
            self.analytics(leave, m);
            let j = self.jitter();
            self.hook(leave + j, "user-left", self.hook_attrs(self.hook_user(s).r("guest", s.kind == Kind::Guest)));
            let j = self.jitter();
            let body = Obj::new()
                .s("intId", &s.user_id)
                .r("eject", false)
                .s("ejectedBy", "")
                .s("reason", "")
                .s("reasonCode", "");
            self.akka(leave + j, "UserLeftMeetingEvtMsg", Some(&s.user_id), body);
        }
    }

    fn channel(&self, s: &Session, listen_only: bool) -> String {
        if s.kind == Kind::DialIn {
            format!("sofia/external/{}@{}", s.name.replace(' ', ""), s.ip)
        } else if listen_only {
            format!("sofia/external/{}_1-bbbID-LISTENONLY-{}@{}", s.user_id, s.name, self.server.host)
        } else {
            format!("sofia/external/{}_1-bbbID-{}@{}", s.user_id, s.name, self.server.host)
        }
    }

    fn audio(&mut self, s: &Session, recs: &mut Vec<Rec>) {
        let c = self.conf;
        for (k, a) in s.audio.iter().enumerate() {
            let bridge = if a.listen_only && !self.server.v2() { "fullaudio" } else { "sip" };
            let reaches_fs = !matches!(a.failure, Some(1001..=1003 | 1009));
            if reaches_fs {
                self.fs_channel(s, a.at, &a.uuid, a.listen_only);
            }
            if let Some(code) = a.failure {
                let cause = AUDIO_ERRORS.iter().find(|e| e.0 == code).map_or("Unknown error", |e| e.2);
                let extra = Obj::new().r("errorCode", code).s("cause", cause).s("bridge", bridge);
                recs.push(Rec {
                    ts: a.end,
                    level: 50,
                    code: "audio_failure",
                    msg: format!("Audio error - errorCode={code}, cause={cause}"),
                    extra: Some(extra.build()),
                });
                if reaches_fs {
                    let cause = if chance(&mut self.rng, 0.5) { "MEDIA_TIMEOUT" } else { "RECOVERY_ON_TIMER_EXPIRE" };
                    let ch = self.channel(s, a.listen_only);
                    self.fs(
                        a.end,
                        &a.uuid,
                        "NOTICE",
                        "switch_channel.c:4106",
                        &format!("Hangup {ch} [CS_EXECUTE] [{cause}]"),
                    );
                }
                continue;
            }
            // Successful audio join.
            let voice_user = format!("{}", k + 1);
            let caller_name = s.name.replace(' ', "+");
            let caller_num = if s.kind == Kind::DialIn {
                s.name.replace(' ', "")
            } else if a.listen_only {
                format!("{}_1-bbbID-LISTENONLY-{caller_name}", s.user_id)
            } else {
                format!("{}_1-bbbID-{caller_name}", s.user_id)
            };
            self.pv(&caller_name);
            self.pv(&caller_num);
            if s.kind != Kind::DialIn {
                self.pv(&s.device_label);
                let extra = Obj::new()
                    .s("bridge", bridge)
                    .r("listenOnly", a.listen_only)
                    .s("inputDeviceLabel", &s.device_label);
                recs.push(Rec {
                    ts: a.at + 900,
                    level: 30,
                    code: "audio_joined",
                    msg: "Audio Joined".into(),
                    extra: Some(extra.build()),
                });
            }
            let joined = a.at + 800;
            let user =
                self.hook_user(s).r("listening-only", a.listen_only).r("sharing-mic", !a.listen_only).r("muted", false);
            self.hook(joined + 50, "user-audio-voice-enabled", self.hook_attrs(user));
            let body = Obj::new()
                .s("voiceConf", &c.voice_conf)
                .s("intId", &s.user_id)
                .s("voiceUserId", &voice_user)
                .s("callerName", &caller_name)
                .s("callerNum", &caller_num)
                .r("muted", false)
                .r("talking", false)
                .s("callingWith", "none")
                .r("listenOnly", a.listen_only);
            self.akka(joined, "UserJoinedVoiceConfToClientEvtMsg", Some(&s.user_id), body);
            for &(t, muted) in &s.mutes {
                let id = if muted { "user-audio-muted" } else { "user-audio-unmuted" };
                self.hook(t + 40, id, self.hook_attrs(self.hook_user(s).r("muted", muted)));
                let body = Obj::new()
                    .s("voiceConf", &c.voice_conf)
                    .s("intId", &s.user_id)
                    .s("voiceUserId", &voice_user)
                    .r("muted", muted);
                self.akka(t, "UserMutedVoiceEvtMsg", Some(&s.user_id), body);
                if chance(&mut self.rng, 0.5) {
                    let ch = self.channel(s, false);
                    let word = if muted { "muted" } else { "unmuted" };
                    self.fs(
                        t + 5,
                        &a.uuid,
                        "NOTICE",
                        "mod_conference.c:1965",
                        &format!("({}) {ch} {word}", c.voice_conf),
                    );
                }
            }
            let user = self.hook_user(s).r("listening-only", false).r("sharing-mic", false).r("muted", true);
            self.hook(a.end + 60, "user-audio-voice-disabled", self.hook_attrs(user));
            let body = Obj::new().s("voiceConf", &c.voice_conf).s("intId", &s.user_id).s("voiceUserId", &voice_user);
            self.akka(a.end + 30, "UserLeftVoiceConfToClientEvtMsg", Some(&s.user_id), body);
            let ch = self.channel(s, a.listen_only);
            self.fs(
                a.end,
                &a.uuid,
                "NOTICE",
                "switch_channel.c:4106",
                &format!("Hangup {ch} [CS_EXECUTE] [NORMAL_CLEARING]"),
            );
        }
    }

    fn fs_channel(&mut self, s: &Session, at: i64, uuid: &str, listen_only: bool) {
        let c = self.conf;
        let ch = self.channel(s, listen_only);
        let port = self.rng.random_range(30000..65000);
        let v6 = s.ip.contains(':');
        self.fs(at, uuid, "NOTICE", "switch_channel.c:1142", &format!("New Channel {ch} [{uuid}]"));
        let call_id = alnum(&mut self.rng, 22);
        self.fs(
            at + 1,
            uuid,
            "INFO",
            "sofia.c:10460",
            &format!("{ch} receiving invite from {}:{port} version: 1.10.12 -release 64bit call-id: {call_id}", s.ip),
        );
        self.fs_cont(at + 1, uuid, &format!("Dialplan: {ch} parsing [public->bbb_conference] continue=false"));
        let dest = if s.kind == Kind::DialIn { c.voice_conf.clone() } else { "echo".to_string() };
        if dest == "echo" {
            self.fs_cont(
                at + 1,
                uuid,
                &format!("Dialplan: {ch} Regex (PASS) [echo] destination_number(echo) =~ /^echo/ break=on-false"),
            );
            self.fs_cont(at + 1, uuid, &format!("EXECUTE [depth=0] {ch} answer()"));
        }
        self.fs_cont(at + 2, uuid, &format!("EXECUTE [depth=0] {ch} conference({}@cdquality)", c.voice_conf));
        let ipv = if v6 { "IP6" } else { "IP4" };
        let sdp = [
            "v=0".to_string(),
            format!("o=- {} 2 IN {ipv} {}", self.rng.random_range(1_000_000_000u64..9_000_000_000), s.ip),
            "s=-".to_string(),
            format!("c=IN {ipv} {}", s.ip),
            "t=0 0".to_string(),
            format!("m=audio {port} UDP/TLS/RTP/SAVPF 111 0 8"),
            format!(
                "a=candidate:{} 1 udp 1677729535 {} {port} typ srflx raddr 0.0.0.0 rport 0 generation 0",
                self.rng.random_range(100_000_000u32..999_999_999),
                s.ip
            ),
            "a=rtpmap:111 opus/48000/2".to_string(),
        ];
        for line in sdp {
            self.fs_cont(at + 2, uuid, &line);
        }
        self.fs(
            at + 3,
            uuid,
            "DEBUG",
            "switch_core_media.c:4250",
            &format!("Save audio Candidate cid: 1 proto: udp type: srflx addr: {}:{port}", s.ip),
        );
        if listen_only && !self.server.v2() {
            let mut f = self.sfu_ids(s);
            f.push(("voiceBridge", js(&c.voice_conf), c.voice_conf.clone()));
            self.sfu(at + 400, "info", "audio", "Listen only session started", &f);
        }
    }

    fn media(&mut self, s: &Session, recs: &mut Vec<Rec>) {
        for cam in &s.cams {
            let camera_id = hex(&mut self.rng, 64);
            self.pv(&cam.stream);
            self.sfu_ice(cam.start + 300, "video", s);
            if let Some(sfu_code) = cam.error {
                let extra = Obj::new().r("errorCode", 1020).s("errorMessage", "Media could not reach the server");
                recs.push(Rec {
                    ts: cam.end,
                    level: 50,
                    code: "video_provider_error",
                    msg: "Camera error - errorCode=1020".into(),
                    extra: Some(extra.build()),
                });
                let name = SFU_ERRORS.iter().find(|e| e.0 == sfu_code).map_or("MEDIA_SERVER_ERROR", |e| e.1);
                let mut f = self.sfu_ids(s);
                f.push(("streamId", js(&cam.stream), cam.stream.clone()));
                f.push(("errorCode", sfu_code.to_string(), sfu_code.to_string()));
                f.push(("errorMessage", js(name), name.to_string()));
                self.sfu(cam.end - 500, "error", "video", "Video stream failed", &f);
                continue;
            }
            self.pv(&camera_id);
            let extra = Obj::new().s("cameraId", &camera_id).s("streamId", &cam.stream);
            recs.push(Rec {
                ts: cam.start,
                level: 30,
                code: "video_provider_share_started",
                msg: "Camera shared".into(),
                extra: Some(extra.build()),
            });
            recs.push(Rec {
                ts: cam.end,
                level: 30,
                code: "video_provider_share_stopped",
                msg: "Camera unshared".into(),
                extra: Some(extra.build()),
            });
            let mut f = self.sfu_ids(s);
            f.push(("streamId", js(&cam.stream), cam.stream.clone()));
            self.sfu(cam.start + 700, "info", "video", "Video stream started", &f);
            self.sfu(cam.end + 100, "info", "video", "Video stream stopped", &f);
            let user = self.hook_user(s).s("stream", &cam.stream);
            self.hook(cam.start + 800, "user-cam-broadcast-start", self.hook_attrs(user.clone()));
            self.hook(cam.end + 150, "user-cam-broadcast-end", self.hook_attrs(user));
            let body = Obj::new().s("userId", &s.user_id).s("stream", &cam.stream);
            self.akka(cam.start + 750, "UserBroadcastCamStartedEvtMsg", Some(&s.user_id), body.clone());
            self.akka(cam.end + 120, "UserBroadcastCamStoppedEvtMsg", Some(&s.user_id), body);
        }
        for sc in &s.screens {
            self.sfu_ice(sc.start + 300, "screenshare", s);
            if let Some(code) = sc.failure {
                let name = SCREENSHARE_ERRORS.iter().find(|e| e.0 == code).map_or("Unknown", |e| e.1);
                let extra = Obj::new().r("errorCode", code).s("errorMessage", name);
                recs.push(Rec {
                    ts: sc.end,
                    level: 50,
                    code: "screenshare_failed",
                    msg: format!("Screen sharing failed - errorCode={code}"),
                    extra: Some(extra.build()),
                });
                continue;
            }
            let extra = Obj::new().s("streamId", &sc.stream);
            recs.push(Rec {
                ts: sc.start,
                level: 30,
                code: "screenshare_started",
                msg: "Screenshare started".into(),
                extra: Some(extra.build()),
            });
            recs.push(Rec {
                ts: sc.end,
                level: 30,
                code: "screenshare_ended",
                msg: "Screenshare ended".into(),
                extra: Some(extra.build()),
            });
            let mut f = self.sfu_ids(s);
            f.push(("streamId", js(&sc.stream), sc.stream.clone()));
            self.sfu(sc.start + 600, "info", "screenshare", "Screenshare presenter started", &f);
            self.sfu(sc.end + 100, "info", "screenshare", "Screenshare presenter stopped", &f);
            self.hook(sc.start + 700, "meeting-screenshare-started", self.hook_attrs(self.hook_user(s)));
            self.hook(sc.end + 150, "meeting-screenshare-stopped", self.hook_attrs(self.hook_user(s)));
            let c = self.conf;
            let body = Obj::new()
                .s("voiceConf", &c.voice_conf)
                .s("screenshareConf", &c.voice_conf)
                .s("stream", &sc.stream)
                .r("vidWidth", 1920)
                .r("vidHeight", 1080)
                .s("timestamp", &sc.start.to_string())
                .r("hasAudio", false)
                .s("contentType", "screenshare");
            self.akka(sc.start + 650, "ScreenshareRtmpBroadcastStartedEvtMsg", Some("not-used"), body);
            let body = Obj::new()
                .s("voiceConf", &c.voice_conf)
                .s("screenshareConf", &c.voice_conf)
                .s("stream", &sc.stream)
                .r("vidWidth", 1920)
                .r("vidHeight", 1080)
                .s("timestamp", &sc.end.to_string());
            self.akka(sc.end + 120, "ScreenshareRtmpBroadcastStoppedEvtMsg", Some("not-used"), body);
        }
        for &(t, code, module) in &s.sfu_errors {
            let name = SFU_ERRORS.iter().find(|e| e.0 == code).map_or("MEDIA_SERVER_ERROR", |e| e.1);
            let mut f = self.sfu_ids(s);
            f.push(("errorCode", code.to_string(), code.to_string()));
            f.push(("errorMessage", js(name), name.to_string()));
            self.sfu(t, "error", module, "Media server error", &f);
        }
    }

    /// Batches a session's client records and writes them to html5-client.log (and on 2.x to
    /// the bbb-html5 journal), with one `POST /html5log` access line per batch.
    fn client(&mut self, _idx: usize, s: &Session, recs: Vec<Rec>) {
        if recs.is_empty() {
            return;
        }
        let c = self.conf;
        let skew = self.rng.random_range(-90_000..=90_000);
        let ua = self.ua(s);
        let url = format!("https://{}/html5client/join?sessionToken={}", self.server.host, s.token);
        let mut i = 0;
        let mut counter = 0;
        while i < recs.len() {
            let max = self.rng.random_range(1..=5);
            let mut j = i + 1;
            while j < recs.len() && j - i < max && recs[j].ts - recs[i].ts < 30_000 && recs[j].level < 50 {
                j += 1;
            }
            let post = recs[j - 1].ts + self.rng.random_range(150..2000);
            let mut bodies = Vec::with_capacity(j - i);
            for rec in &recs[i..j] {
                counter += 1;
                let info_key = if self.server.v2() && chance(&mut self.rng, 0.3) { "clientInfo" } else { "userInfo" };
                let info = Obj::new()
                    .s("sessionToken", &s.token)
                    .s("meetingId", &c.internal_id)
                    .s("requesterUserId", &s.user_id)
                    .s("fullname", &s.name)
                    .s("confname", &c.name)
                    .s("externUserID", s.account.as_deref().unwrap_or(&s.user_id));
                let mut o = Obj::new()
                    .s("name", "clientLogger")
                    .r("level", rec.level)
                    .s("msg", &rec.msg)
                    .s("time", &iso_utc_ms(rec.ts + skew))
                    .s("logCode", rec.code);
                if let Some(e) = &rec.extra {
                    o = o.r("extraInfo", e);
                }
                o = o.r(info_key, info).s("url", &url).s("userAgent", ua).r("count", counter);
                let body = o.build();
                if self.server.v2() {
                    let jt = post + 5 + self.rng.random_range(0..40);
                    let letter = match rec.level {
                        20 => 'D',
                        30 => 'I',
                        40 => 'W',
                        _ => 'E',
                    };
                    let text = format!(
                        "{} {} bbb-html5-backend[{}]: {letter}{}(0)? {}: {body}",
                        syslog_time(jt, self.tz),
                        self.server.name,
                        1200 + self.server.number,
                        meteor_time(jt),
                        level_word(rec.level)
                    );
                    self.push(jt, Log::Journal, text);
                }
                bodies.push(body);
            }
            let body = format!("[{}]", bodies.join(","));
            let text = if self.server.number % 2 == 1 {
                format!("{} [{}] {}", s.ip, iso_local(post, self.tz), nginx_escape(&body))
            } else {
                format!("{} [{}] {}", s.ip, nginx_time(post, self.tz), body)
            };
            self.push(post, Log::Client, text);
            self.access(post, &s.ip, "POST /html5log", 204, 0, &url, ua);
            i = j;
        }
    }

    fn content(&mut self) {
        let c = self.conf;
        for chat in &c.chats {
            let s = &c.sessions[chat.session];
            self.pv(&chat.text);
            let msg = Obj::new()
                .s("id", &chat.id)
                .s("message", &chat.text)
                .r("sender", Obj::new().s("internal-user-id", &s.user_id).s("name", &s.name).r("time", chat.at));
            let attrs = Obj::new()
                .r("meeting", self.hook_meeting())
                .r("chat-message", msg)
                .s("chat-id", "MAIN-PUBLIC-GROUP-CHAT");
            self.hook(chat.at + 30, "chat-group-message-sent", attrs);
            let role = if s.moderator { "MODERATOR" } else { "VIEWER" };
            let body = Obj::new().s("chatId", "MAIN-PUBLIC-GROUP-CHAT").r(
                "msg",
                Obj::new()
                    .s("id", &chat.id)
                    .r("timestamp", chat.at)
                    .s("correlationId", &format!("{}-{}", s.user_id, chat.at - 28))
                    .r("sender", Obj::new().s("id", &s.user_id).s("name", &s.name).s("role", role))
                    .r("chatEmphasizedText", true)
                    .s("message", &chat.text),
            );
            self.akka(chat.at, "GroupChatMessageBroadcastEvtMsg", Some(&s.user_id), body);
        }
        for poll in &c.polls {
            let s = &c.sessions[poll.session];
            self.pv(&poll.question);
            for a in &poll.answers {
                self.pv(a);
            }
            let answers: Vec<String> =
                poll.answers.iter().enumerate().map(|(i, a)| Obj::new().r("id", i).s("key", a).build()).collect();
            let answers = format!("[{}]", answers.join(","));
            let p = Obj::new().s("id", &poll.id).s("question", &poll.question).r("answers", &answers);
            self.hook(poll.at + 40, "poll-started", self.hook_attrs(self.hook_user(s)).r("poll", p));
            let inner = Obj::new().s("id", &poll.id).r("isMultipleResponse", false).r("answers", &answers);
            let body = Obj::new()
                .s("userId", &s.user_id)
                .s("pollId", &poll.id)
                .s("pollType", "CUSTOM")
                .r("secretPoll", false)
                .s("question", &poll.question)
                .r("poll", inner);
            self.akka(poll.at, "PollStartedEvtMsg", Some(&s.user_id), body);
            for &(t, si, answer) in &poll.responses {
                let r = &c.sessions[si];
                let p = Obj::new().s("id", &poll.id).r("answerIds", format!("[{answer}]"));
                self.hook(t + 30, "poll-responded", self.hook_attrs(self.hook_user(r)).r("poll", p));
                let body =
                    Obj::new().s("pollId", &poll.id).s("userId", &r.user_id).r("answerIds", format!("[{answer}]"));
                self.akka(t, "UserRespondedToPollRespMsg", Some(&r.user_id), body);
            }
        }
        for (t, si, text) in &c.notes {
            let s = &c.sessions[*si];
            self.pv(text);
            let body = Obj::new()
                .s("padId", &format!("{}_notes", hex(&mut self.rng, 12)))
                .s("userId", &s.user_id)
                .s("text", text);
            self.akka(*t, "PadUpdatedEvtMsg", Some(&s.user_id), body);
        }
        for (t, file) in &c.presentations {
            self.pv(file);
            let m = Obj::new()
                .s("logCode", "presentation_conversion_start")
                .s("meetingId", &c.internal_id)
                .s("presentationName", file)
                .s("description", "Start presentation conversion.");
            self.analytics(*t, m);
            let d = self.rng.random_range(3_000..30_000);
            let m = Obj::new()
                .s("logCode", "presentation_conversion_end")
                .s("meetingId", &c.internal_id)
                .s("presentationName", file)
                .s("description", "Presentation conversion done.");
            self.analytics(*t + d, m);
            let debug = format!(
                "Processing presentation for meeting {} numPages={}",
                c.internal_id,
                self.rng.random_range(1..30)
            );
            self.web(*t + d / 2, "DEBUG", "o.b.p.imp.PresentationFileProcessor", &debug);
        }
    }
}

/// Lines a server writes on a day regardless of conferences: polling, keep-alives, rotation,
/// SIP scanners.
pub(crate) fn noise(world: &World, seed: u64, server: usize, day: usize, pv: &mut BTreeSet<String>) -> Vec<Line> {
    let mut rng = Rand::seed_from_u64(seed ^ ((server as u64) << 40) ^ ((day as u64) << 20) ^ 0x5eed);
    let srv = &world.servers[server];
    let tz = world.tz;
    let (start, end) = (world.day_starts[day], world.day_starts[day + 1]);
    let mut lines = Vec::new();
    let t = start + rng.random_range(0..900);
    lines.push(Line {
        ts: t,
        log: Log::Freeswitch,
        text: format!("{} 99.00% [INFO] mod_logfile.c:217 Log rotated", freeswitch_time(t, 123, tz)),
    });
    let polls: Vec<String> =
        world.schools.iter().filter(|s| s.servers.contains(&server)).map(|s| s.nat_ip.clone()).collect();
    let mut t = start + 6 * 3_600_000 + rng.random_range(0..60_000);
    while t < end - 2 * 3_600_000 {
        if !polls.is_empty() {
            let ip = pick(&mut rng, &polls).clone();
            pv.insert(ip.clone());
            let checksum = hex(&mut rng, 40);
            pv.insert(checksum.clone());
            let size = rng.random_range(300..4000);
            lines.push(Line {
                ts: t,
                log: Log::Access,
                text: format!(
                    "{ip} - - [{}] \"GET /bigbluebutton/api/getMeetings?checksum={checksum} HTTP/1.1\" 200 {size} \"-\" \"IServ\"",
                    nginx_time(t, tz)
                ),
            });
        }
        lines.push(Line {
            ts: t + 17,
            log: Log::Web,
            text: format!(
                "{} DEBUG o.b.web.services.KeepAliveService - Sending keep alive message to bbb-apps-akka",
                iso_local_ms(t + 17, tz)
            ),
        });
        t += rng.random_range(10..20) * 60_000;
    }
    for _ in 0..rng.random_range(0..4) {
        let t = rng.random_range(start..end);
        let ip = format!("192.0.2.{}", rng.random_range(200..255));
        pv.insert(ip.clone());
        lines.push(Line {
            ts: t,
            log: Log::Freeswitch,
            text: format!(
                "{} {:.2}% [WARNING] sofia_reg.c:3210 Can't find user [{}@{}] from {ip}",
                freeswitch_time(t, rng.random_range(0..1000), tz),
                f64::from(rng.random_range(9500..9990)) / 100.0,
                rng.random_range(100..9999),
                srv.ip
            ),
        });
    }
    let t = start + rng.random_range(3_600_000..7_200_000);
    lines.push(Line {
        ts: t,
        log: Log::Sfu,
        text: match srv.number {
            1 => format!("{} - info: [main] Connected to media server mediasoup workers=4", crate::fmt::iso_utc_ms(t)),
            2 => format!("{{\"level\":\"info\",\"message\":\"[main] Connected to media server\",\"timestamp\":\"{}\"}}", crate::fmt::iso_utc_ms(t)),
            _ => format!("{{\"level\":30,\"time\":{t},\"pid\":{},\"hostname\":\"{}\",\"mod\":\"main\",\"msg\":\"Connected to media server\"}}", 1200 + srv.number, srv.name),
        },
    });
    lines
}
