//! Every text of the reports in German and English, and number and date formatting.
//!
//! German uses the decimal comma and `.` between thousands (`1.234,5`), English the decimal point
//! and `,` (`1,234.5`). Suppressed figures are `.`, unavailable ones `–`, partial ones carry `*`.

use chrono::NaiveDate;

use super::Lang;
use super::model::{BucketFig, Fig, Kind, Measure, Status};

/// Mark of a suppressed figure (as in German official statistics).
pub(crate) const SUPPRESSED_MARK: &str = ".";
/// Mark of a figure that cannot be given (no statistics, share of nothing).
pub(crate) const UNAVAILABLE_MARK: &str = "–";
/// Mark appended to a partial figure.
pub(crate) const PARTIAL_MARK: &str = "*";
/// Non-breaking space between a number and its unit.
const NBSP: char = '\u{a0}';

/// Fixed texts. Each key has its German and English text in [`Lang::t`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum T {
    SchoolTitle,
    OverviewTitle,
    Contents,
    SecGlance,
    SecTime,
    SecHours,
    SecDurations,
    SecClients,
    SecMedia,
    SecFeatures,
    SecProblems,
    SecPrivacy,
    SecSchools,
    SecServers,
    SecFunnel,
    SecFleetErrors,
    SecSizes,
    Figure,
    Period,
    Previous,
    Change,
    Date,
    Week,
    Month,
    Days,
    SuppressedDays,
    Weekday,
    Daily,
    Weekly,
    Monthly,
    DurationMinutes,
    Size,
    Share,
    Category,
    ParticipantDays,
    ParticipantHours,
    Conferences,
    Count,
    Component,
    Code,
    Meaning,
    Events,
    Sessions,
    ConferencesAffected,
    ConferenceShare,
    Median,
    P90,
    School,
    Growth,
    Server,
    Hours,
    ConcurrentConferences,
    ConcurrentParticipants,
    ConcurrentWebcams,
    Step,
    Rate,
    Per1000Joins,
    Per1000JoinsInline,
    ErrorEvents,
    Table,
    Cells,
    Primary,
    Secondary,
    Fleet,
    LegendTitle,
    LegendSuppressed,
    LegendPartial,
    LegendUnavailable,
    ParticipantDaysNote,
    HeatmapNote,
    DurationsNote,
    ClientsNote,
    MediaNote,
    FeaturesNote,
    ProblemsIntro,
    NoErrors,
    ServersNote,
    FunnelNote,
    SchoolsNote,
    TopProblems,
    AnonymisationTitle,
    QualityTitle,
    ChartDailyConferences,
    ChartDailyHours,
    ChartHeatmap,
    ChartDurations,
    ChartSizes,
    TextAlternative,
    NoActivity,
    NoFigures,
    GeneratedBy,
}

impl Lang {
    /// The text of `key` in this language.
    pub(crate) fn t(self, key: T) -> &'static str {
        let (de, en) = match key {
            T::SchoolTitle => ("Nutzungsbericht Videokonferenzen", "Video-conference usage report"),
            T::OverviewTitle => {
                ("Videokonferenzen: Übersicht für den Betreiber", "Video conferences: provider overview")
            }
            T::Contents => ("Inhalt", "Contents"),
            T::SecGlance => ("Auf einen Blick", "At a glance"),
            T::SecTime => ("Konferenzen und Teilnahme im Zeitverlauf", "Conferences and participation over time"),
            T::SecHours => ("Tageszeiten und Wochentage", "Times of day and weekdays"),
            T::SecDurations => ("Dauer und Größe der Konferenzen", "Conference durations and sizes"),
            T::SecClients => ("Geräte, Browser und Zugang", "Devices, browsers and access"),
            T::SecMedia => ("Mikrofon, Kamera und Bildschirmfreigabe", "Microphone, camera and screen sharing"),
            T::SecFeatures => ("Genutzte Funktionen", "Features used"),
            T::SecProblems => ("Audio- und Videoprobleme", "Audio and video problems"),
            T::SecPrivacy => ("Anonymisierung und Datenqualität", "Anonymisation and data quality"),
            T::SecSchools => ("Schulen", "Schools"),
            T::SecServers => ("Auslastung der Server", "Server load"),
            T::SecFunnel => ("Vom Anlegen bis zur Kamera", "From creating a meeting to the webcam"),
            T::SecFleetErrors => ("Fehler nach Server, Komponente und Code", "Errors by server, component and code"),
            T::SecSizes => ("Größe der Konferenzen", "Conference sizes"),
            T::Figure => ("Kennzahl", "Figure"),
            T::Period => ("Zeitraum", "Period"),
            T::Previous => ("Vorzeitraum", "Previous period"),
            T::Change => ("Veränderung", "Change"),
            T::Date => ("Datum", "Date"),
            T::Week => ("Kalenderwoche", "Week"),
            T::Month => ("Monat", "Month"),
            T::Days => ("Tage", "Days"),
            T::SuppressedDays => ("Tage mit unterdrückten Werten", "Days with suppressed figures"),
            T::Weekday => ("Wochentag", "Weekday"),
            T::Daily => ("Nach Tag", "By day"),
            T::Weekly => ("Nach Kalenderwoche", "By week"),
            T::Monthly => ("Nach Monat", "By month"),
            T::DurationMinutes => ("Dauer (Minuten)", "Duration (minutes)"),
            T::Size => ("Teilnehmende je Konferenz", "Participants per conference"),
            T::Share => ("Anteil", "Share"),
            T::Category => ("Kategorie", "Category"),
            T::ParticipantDays => ("Teilnehmende-Tage", "Participant-days"),
            T::ParticipantHours => ("Teilnahme-Stunden", "Participant hours"),
            T::Conferences => ("Konferenzen", "Conferences"),
            T::Count => ("Anzahl", "Count"),
            T::Component => ("Bereich", "Component"),
            T::Code => ("Code", "Code"),
            T::Meaning => ("Bedeutung", "Meaning"),
            T::Events => ("Ereignisse", "Events"),
            T::Sessions => ("Betroffene Sitzungen", "Sessions affected"),
            T::ConferencesAffected => ("Betroffene Konferenzen", "Conferences affected"),
            T::ConferenceShare => ("Anteil der Konferenzen", "Share of conferences"),
            T::Median => ("Konferenzdauer, Median (Spanne)", "Conference duration, median (range)"),
            T::P90 => ("Konferenzdauer, 90-%-Wert (Spanne)", "Conference duration, 90th percentile (range)"),
            T::School => ("Schule", "School"),
            T::Growth => ("Veränderung der Teilnahme-Stunden", "Change in participant hours"),
            T::Server => ("Server", "Server"),
            T::Hours => ("Stunden mit Nutzung", "Hours with use"),
            T::ConcurrentConferences => ("Gleichzeitige Konferenzen", "Concurrent conferences"),
            T::ConcurrentParticipants => ("Gleichzeitig Teilnehmende", "Concurrent participants"),
            T::ConcurrentWebcams => ("Gleichzeitige Kameras", "Concurrent webcams"),
            T::Step => ("Schritt", "Step"),
            T::Rate => ("Anteil", "Rate"),
            T::Per1000Joins => ("Je 1.000 Beitritte", "Per 1,000 joins"),
            T::Per1000JoinsInline => ("je 1.000 Beitritte", "per 1,000 joins"),
            T::ErrorEvents => ("Fehlerereignisse", "Error events"),
            T::Table => ("Tabelle", "Table"),
            T::Cells => ("Zellen", "Cells"),
            T::Primary => ("Unterdrückt (weniger als k)", "Suppressed (fewer than k)"),
            T::Secondary => ("Unterdrückt zum Schutz anderer Zellen", "Suppressed to protect other cells"),
            T::Fleet => ("Alle Server (Summe der Server-Spitzen)", "All servers (sum of server peaks)"),
            T::LegendTitle => ("Zeichenerklärung", "Legend"),
            T::LegendSuppressed => (
                "Wert unterdrückt, weil weniger als k Personen beigetragen haben (oder zu deren Schutz)",
                "figure suppressed because fewer than k people contributed (or to protect such a figure)",
            ),
            T::LegendPartial => (
                "unvollständig: an mindestens einem Tag wurde ein beitragender Wert unterdrückt",
                "partial: a contributing figure was suppressed on at least one day",
            ),
            T::LegendUnavailable => (
                "nicht verfügbar (keine Statistik für diese Tage oder nicht berechenbar)",
                "not available (no statistics for these days, or not computable)",
            ),
            T::ParticipantDaysNote => (
                "Teilnehmende werden je Tag gezählt: Wer an drei Tagen teilnimmt, zählt als drei Teilnehmende-Tage. Die Zahlen nennen nie die Zahl verschiedener Schülerinnen, Schüler oder Lehrkräfte.",
                "Participants are counted per day: someone who takes part on three days counts as three participant-days. The figures never give a number of distinct pupils or teachers.",
            ),
            T::HeatmapNote => (
                "Teilnahme-Stunden nach Wochentag und Uhrzeit (Ortszeit), summiert über den Zeitraum. Je dunkler das Feld, desto stärker die Nutzung.",
                "Participant hours by weekday and hour (local time), summed over the period. The darker the cell, the heavier the use.",
            ),
            T::DurationsNote => (
                "Median und 90-%-Wert stammen aus den summierten Tages-Histogrammen; angegeben ist die Spanne, in der sie liegen.",
                "The median and 90th percentile come from the summed daily histograms; the range that contains them is given.",
            ),
            T::ClientsNote => (
                "Anteile an den Teilnehmende-Tagen der freigegebenen Werte. Wer an einem Tag zwei Geräte nutzt, zählt bei beiden.",
                "Shares of the participant-days in released figures. Someone using two devices on one day counts for both.",
            ),
            T::MediaNote => (
                "Anteil der Teilnahme-Minuten in Sitzungen, die das jeweilige Medium genutzt haben, an allen Teilnahme-Minuten derselben Tage.",
                "Participant-minutes of sessions that used the medium, as a share of all participant-minutes of the same days.",
            ),
            T::FeaturesNote => (
                "Nur Anzahlen – Inhalte von Chat, Umfragen und Notizen werden nie erfasst.",
                "Counts only – the content of chat, polls and notes is never recorded.",
            ),
            T::ProblemsIntro => (
                "Ein Fehlercode sagt, an welcher Stelle eine Verbindung gescheitert ist. ICE-Fehler (1007, 1010) entstehen meist, wenn eine Firewall oder ein Heimnetz die Sprach- und Videoverbindung blockiert – also eher im Netz der Nutzenden als auf dem Server. Fehler des Medienservers (2000 und höher) liegen beim Betreiber.",
                "An error code tells where a connection failed. ICE failures (1007, 1010) mostly arise when a firewall or home network blocks the audio and video connection – on the users' network rather than on the server. Media-server errors (2000 and above) are on the provider's side.",
            ),
            T::NoErrors => ("Im Zeitraum wurden keine Fehler freigegeben.", "No errors were released for the period."),
            T::ServersNote => (
                "Höchstwerte je Stunde mit Nutzung: Median (p50), 95-%-Wert (p95) und Maximum. Die Zeile „Alle Server“ addiert die Spitzen der Server je Stunde; sie ist eine obere Grenze.",
                "Peaks per hour with use: median (p50), 95th percentile (p95) and maximum. The “all servers” row adds the servers' peaks per hour; it is an upper bound.",
            ),
            T::FunnelNote => (
                "Angelegte Konferenzen → Konferenzen mit Beitritt → Beitritte → Sitzungen mit Audio → Sitzungen mit Kamera. Anteile: Konferenzen mit Beitritt je angelegter Konferenz; Sitzungen mit Audio bzw. Kamera je Beitritt. Die Konferenzen stammen aus den Tageswerten der Schulen, die übrigen Schritte aus den Stundenwerten der Server.",
                "Meetings created → conferences with a join → joins → sessions with audio → sessions with webcam. Rates: conferences with a join per meeting created; sessions with audio or webcam per join. Conferences come from the schools' daily figures, the other steps from the servers' hourly figures.",
            ),
            T::SchoolsNote => (
                "Schulen nach Teilnahme-Stunden im Zeitraum, mit Veränderung zum Vorzeitraum.",
                "Schools by participant hours in the period, with the change against the previous period.",
            ),
            T::TopProblems => ("Häufigste Probleme", "Most frequent problems"),
            T::AnonymisationTitle => {
                ("Datenschutz: So wurden die Zahlen anonymisiert", "Privacy: how the figures were anonymised")
            }
            T::QualityTitle => ("Datenqualität", "Data quality"),
            T::ChartDailyConferences => ("Konferenzen je Tag", "Conferences per day"),
            T::ChartDailyHours => ("Teilnahme-Stunden je Tag", "Participant hours per day"),
            T::ChartHeatmap => ("Teilnahme-Stunden nach Wochentag und Stunde", "Participant hours by weekday and hour"),
            T::ChartDurations => ("Konferenzen nach Dauer", "Conferences by duration"),
            T::ChartSizes => ("Konferenzen nach Größe", "Conferences by size"),
            T::TextAlternative => ("Werte als Tabelle", "Values as a table"),
            T::NoActivity => ("Keine Nutzung im Zeitraum.", "No use in the period."),
            T::NoFigures => ("Für den Zeitraum liegen hierzu keine Angaben vor.", "No figures for the period."),
            T::GeneratedBy => ("Erstellt mit", "Generated by"),
        };
        match self {
            Lang::De => de,
            Lang::En => en,
        }
    }

    /// The label of a measure.
    pub(crate) fn measure(self, measure: Measure) -> &'static str {
        use Measure::*;
        let (de, en) = match measure {
            Conferences => ("Konferenzen", "Conferences"),
            ParticipantDays => ("Teilnehmende-Tage", "Participant-days"),
            ConferenceHours => ("Konferenzstunden", "Conference hours"),
            ParticipantHours => ("Teilnahme-Stunden", "Participant hours"),
            RoomsPerDay => ("Genutzte Räume je Tag (Durchschnitt)", "Rooms used per day (average)"),
            PeakConcurrent => ("Höchstzahl gleichzeitig Teilnehmender", "Most participants at one time"),
            AudioJoinSuccessRate => ("Erfolgreiche Audio-Verbindungen", "Audio join success rate"),
            AudioFailures => ("Fehlgeschlagene Audio-Verbindungen", "Audio join failures"),
            WebcamStartSuccessRate => ("Erfolgreich gestartete Kameras", "Webcam start success rate"),
            WebcamFailures => ("Fehlgeschlagene Kamerastarts", "Webcam start failures"),
            ReconnectRate => ("Wiederverbindungen je Sitzung", "Reconnects per session"),
            OutsideSchoolHoursShare => ("Anteil außerhalb der Unterrichtszeit", "Share outside school hours"),
            Polls => ("Umfragen", "Polls"),
            BreakoutRooms => ("Gruppenräume", "Breakout rooms"),
            ChatMessages => ("Chat-Nachrichten", "Chat messages"),
            NotesEdits => ("Bearbeitungen der geteilten Notizen", "Shared-notes edits"),
            ScreenshareStarts => ("Gestartete Bildschirmfreigaben", "Screen shares started"),
            ActiveSchools => ("Schulen mit Nutzung", "Schools with use"),
            MeetingsCreated => ("Angelegte Konferenzen", "Meetings created"),
            Joins => ("Beitritte", "Joins"),
            AudioSessions => ("Sitzungen mit Audio", "Sessions with audio"),
            WebcamSessions => ("Sitzungen mit Kamera", "Sessions with webcam"),
        };
        self.pick(de, en)
    }

    fn pick(self, de: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::De => de,
            Lang::En => en,
        }
    }

    /// The label of a breakdown dimension.
    pub(crate) fn dimension(self, dimension: &str) -> String {
        let (de, en) = match dimension {
            "role" => ("Rolle", "Role"),
            "device" => ("Gerät", "Device"),
            "browser" => ("Browser", "Browser"),
            "os" => ("Betriebssystem", "Operating system"),
            "access" => ("Zugang", "Access"),
            "size" => ("Größe", "Size"),
            "duration" => ("Dauer", "Duration"),
            other => return other.to_owned(),
        };
        self.pick(de, en).to_owned()
    }

    /// The label of a category (`phone`, `firefox`, `webcam`, a bucket `2-5`); unknown values are
    /// returned as they are (the caller escapes them).
    pub(crate) fn value(self, value: &str) -> String {
        let (de, en) = match value {
            "moderator" => ("Moderation", "Moderator"),
            "viewer" => ("Teilnehmende", "Viewer"),
            "unknown" => ("unbekannt", "unknown"),
            "other" => ("Sonstige", "Other"),
            "desktop" => ("Computer", "Desktop"),
            "tablet" => ("Tablet", "Tablet"),
            "phone" => ("Smartphone", "Phone"),
            "chrome" => ("Chrome", "Chrome"),
            "edge" => ("Edge", "Edge"),
            "firefox" => ("Firefox", "Firefox"),
            "safari" => ("Safari", "Safari"),
            "opera" => ("Opera", "Opera"),
            "samsung_internet" => ("Samsung Internet", "Samsung Internet"),
            "chromium" => ("Chromium", "Chromium"),
            "windows" => ("Windows", "Windows"),
            "macos" => ("macOS", "macOS"),
            "ios" => ("iOS", "iOS"),
            "ipados" => ("iPadOS", "iPadOS"),
            "android" => ("Android", "Android"),
            "chromeos" => ("ChromeOS", "ChromeOS"),
            "linux" => ("Linux", "Linux"),
            "html5" => ("Browser (HTML5)", "Browser (HTML5)"),
            "dial_in" => ("Telefoneinwahl", "Dial-in"),
            "microphone" => ("Mikrofon", "Microphone"),
            "listen_only" => ("Nur zuhören", "Listen only"),
            "webcam" => ("Kamera", "Webcam"),
            "screenshare" => ("Bildschirmfreigabe", "Screen sharing"),
            "audio" => ("Audio", "Audio"),
            "media_server" => ("Medienserver", "Media server"),
            "connection" => ("Verbindung", "Connection"),
            "client" => ("Browser-Anwendung", "Client"),
            bucket if bucket.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                return bucket.replace('-', "–");
            }
            other => return other.to_owned(),
        };
        self.pick(de, en).to_owned()
    }

    /// Name of an ISO weekday (1 = Monday).
    pub(crate) fn weekday(self, weekday: u32) -> &'static str {
        const DE: [&str; 7] = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"];
        const EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        let i = (weekday.clamp(1, 7) - 1) as usize;
        self.pick(DE[i], EN[i])
    }

    /// Two-letter weekday abbreviation (1 = Monday).
    pub(crate) fn weekday_short(self, weekday: u32) -> &'static str {
        const DE: [&str; 7] = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
        const EN: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
        let i = (weekday.clamp(1, 7) - 1) as usize;
        self.pick(DE[i], EN[i])
    }

    /// Name of a month 1–12.
    pub(crate) fn month(self, month: u32) -> &'static str {
        const DE: [&str; 12] = [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ];
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let i = (month.clamp(1, 12) - 1) as usize;
        self.pick(DE[i], EN[i])
    }

    /// A date: `01.03.2026` (German), `2026-03-01` (English).
    pub(crate) fn date(self, date: NaiveDate) -> String {
        match self {
            Lang::De => date.format("%d.%m.%Y").to_string(),
            Lang::En => date.format("%Y-%m-%d").to_string(),
        }
    }

    /// A short date for chart axes: `01.03.` / `03-01`.
    pub(crate) fn date_short(self, date: NaiveDate) -> String {
        match self {
            Lang::De => date.format("%d.%m.").to_string(),
            Lang::En => date.format("%m-%d").to_string(),
        }
    }

    /// A range of dates: `01.03.2026 bis 28.03.2026`.
    pub(crate) fn date_range(self, from: NaiveDate, to: NaiveDate) -> String {
        let joiner = self.pick("bis", "to");
        format!("{} {joiner} {}", self.date(from), self.date(to))
    }

    /// An hour slot: `09:00–10:00`.
    pub(crate) fn hour_slot(self, hour: u32) -> String {
        format!("{hour:02}:00–{:02}:00", (hour + 1) % 24)
    }

    /// A number with `decimals` decimals and thousands separators.
    pub(crate) fn num(self, value: f64, decimals: usize) -> String {
        let (thousands, decimal) = match self {
            Lang::De => ('.', ','),
            Lang::En => (',', '.'),
        };
        let rounded = format!("{:.*}", decimals, value.abs());
        let (int, frac) = rounded.split_once('.').unwrap_or((rounded.as_str(), ""));
        let mut out = String::with_capacity(rounded.len() + rounded.len() / 3 + 1);
        let is_zero = rounded.chars().all(|c| c == '0' || c == '.');
        if value < 0.0 && !is_zero {
            out.push('-');
        }
        for (i, digit) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(thousands);
            }
            out.push(digit);
        }
        if !frac.is_empty() {
            out.push(decimal);
            out.push_str(frac);
        }
        out
    }

    /// A share 0–1 as a percentage: `12,3 %` / `12.3%`.
    pub(crate) fn percent(self, share: f64) -> String {
        let n = self.num(share * 100.0, 1);
        match self {
            Lang::De => format!("{n}{NBSP}%"),
            Lang::En => format!("{n}%"),
        }
    }

    /// A value of `kind` without marks.
    pub(crate) fn value_of(self, kind: Kind, value: f64) -> String {
        match kind {
            Kind::Count => self.num(value, 0),
            Kind::Hours | Kind::Average => self.num(value, 1),
            Kind::Share => self.percent(value),
        }
    }

    /// A figure: its value (with `*` when partial), `.` when suppressed, `–` when unavailable.
    pub(crate) fn fig(self, fig: Fig, kind: Kind) -> String {
        match (fig.status, fig.value) {
            (Status::Suppressed, _) => SUPPRESSED_MARK.to_owned(),
            (_, None) | (Status::Unavailable, _) => UNAVAILABLE_MARK.to_owned(),
            (Status::Partial, Some(v)) => format!("{}{PARTIAL_MARK}", self.value_of(kind, v)),
            (Status::Released, Some(v)) => self.value_of(kind, v),
        }
    }

    /// A change: relative (`+12,3 %`) or, for shares, in percentage points (`+1,2 Pp.`).
    pub(crate) fn change(self, change: Fig, kind: Kind) -> String {
        let Some(v) = change.value else { return self.fig(change, kind) };
        let sign = if v > 0.0 && self.num(v * 100.0, 1) != self.num(0.0, 1) { "+" } else { "" };
        let body = match kind {
            Kind::Share => {
                let unit = self.pick("Pp.", "pp");
                format!("{}{NBSP}{unit}", self.num(v * 100.0, 1))
            }
            _ => self.percent(v),
        };
        let mark = if change.status == Status::Partial { PARTIAL_MARK } else { "" };
        format!("{sign}{body}{mark}")
    }

    /// A duration bucket: `30–45 Min.` / `30–45 min`, with marks like a figure.
    pub(crate) fn bucket(self, bucket: &BucketFig) -> String {
        match (&bucket.bucket, bucket.status) {
            (_, Status::Suppressed) => SUPPRESSED_MARK.to_owned(),
            (None, _) => UNAVAILABLE_MARK.to_owned(),
            (Some(b), status) => {
                let unit = self.pick("Min.", "min");
                let mark = if status == Status::Partial { PARTIAL_MARK } else { "" };
                format!("{}{NBSP}{unit}{mark}", self.value(b))
            }
        }
    }

    /// "Period: … (28 days), compared with the previous period …".
    pub(crate) fn period_line(self, from: NaiveDate, to: NaiveDate, days: u32, prev: (NaiveDate, NaiveDate)) -> String {
        match self {
            Lang::De => format!(
                "Zeitraum: {} ({days} Tage), verglichen mit dem Vorzeitraum {}.",
                self.date_range(from, to),
                self.date_range(prev.0, prev.1)
            ),
            Lang::En => format!(
                "Period: {} ({days} days), compared with the previous period {}.",
                self.date_range(from, to),
                self.date_range(prev.0, prev.1)
            ),
        }
    }

    /// Label of an ISO week: `KW 10/2026` / `2026-W10`.
    pub(crate) fn week_label(self, year: i32, week: u32) -> String {
        match self {
            Lang::De => format!("KW {week}/{year}"),
            Lang::En => format!("{year}-W{week:02}"),
        }
    }

    /// Label of a month: `März 2026`.
    pub(crate) fn month_label(self, year: i32, month: u32) -> String {
        format!("{} {year}", self.month(month))
    }

    /// The busiest weekday and hour.
    pub(crate) fn peak_sentence(self, weekday: u32, hour: u32, hours: &str) -> String {
        match self {
            Lang::De => format!(
                "Am stärksten genutzt: {} {} Uhr ({hours} Teilnahme-Stunden im Zeitraum).",
                self.weekday(weekday),
                self.hour_slot(hour)
            ),
            Lang::En => format!(
                "Busiest: {} {} ({hours} participant hours in the period).",
                self.weekday(weekday),
                self.hour_slot(hour)
            ),
        }
    }

    /// The busiest hour of the day over all weekdays.
    pub(crate) fn peak_hour_sentence(self, hour: u32) -> String {
        match self {
            Lang::De => format!("Über alle Wochentage ist {} Uhr die stärkste Stunde.", self.hour_slot(hour)),
            Lang::En => format!("Over all weekdays, {} is the busiest hour.", self.hour_slot(hour)),
        }
    }

    /// The share of use outside school hours, with the configured school hours.
    pub(crate) fn outside_sentence(self, share: &str, weekdays: &[u32], start: &str, end: &str) -> String {
        let days = self.weekday_list(weekdays);
        match self {
            Lang::De => format!(
                "{share} der Teilnahme-Minuten lagen außerhalb der Unterrichtszeit ({days} {start}–{end} Uhr, ohne Ferien- und Feiertage)."
            ),
            Lang::En => format!(
                "{share} of participant-minutes were outside school hours ({days} {start}–{end}, excluding holidays)."
            ),
        }
    }

    fn weekday_list(self, weekdays: &[u32]) -> String {
        let mut days: Vec<u32> = weekdays.iter().copied().filter(|d| (1..=7).contains(d)).collect();
        days.sort_unstable();
        days.dedup();
        let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
        match (days.first(), days.last()) {
            (Some(&first), Some(&last)) if contiguous && days.len() > 2 => {
                format!("{}–{}", self.weekday_short(first), self.weekday_short(last))
            }
            _ => days.iter().map(|d| self.weekday_short(*d)).collect::<Vec<_>>().join(", "),
        }
    }

    /// The note on how the figures were anonymised (paragraphs).
    pub(crate) fn anonymisation(self, k: u32) -> Vec<String> {
        match self {
            Lang::De => vec![
                "Dieser Bericht enthält keine personenbezogenen Daten. Die Protokolle der Konferenzserver werden pseudonymisiert – Namen, IP-Adressen und Inhalte wie Chat, Notizen, Whiteboard oder Präsentationen werden entfernt – und spätestens nach 7 Tagen gelöscht.".to_owned(),
                format!("Aus ihnen werden anonyme Tageswerte je Schule berechnet. Jeder Wert, zu dem weniger als {k} verschiedene Teilnehmende beigetragen haben, wird unterdrückt und als „{SUPPRESSED_MARK}“ dargestellt. Damit er sich nicht aus Summen zurückrechnen lässt, werden weitere Werte unterdrückt (sekundäre Geheimhaltung)."),
                format!("Wochen-, Monats- und Zeitraumwerte sind Summen der freigegebenen Tageswerte; Anteile werden aus diesen Summen neu berechnet. Ein mit „{PARTIAL_MARK}“ markierter Wert ist unvollständig, weil ein beitragender Wert unterdrückt wurde. Ein unterdrückter Tag zählt nirgends mit."),
                "Teilnehmende werden je Tag gezählt: Wer an drei Tagen teilnimmt, zählt als drei Teilnehmende-Tage. Die Zahlen nennen daher nie die Zahl verschiedener Schülerinnen, Schüler oder Lehrkräfte.".to_owned(),
            ],
            Lang::En => vec![
                "This report contains no personal data. The conference servers' logs are pseudonymised – names, IP addresses and content such as chat, notes, whiteboard or presentations are removed – and deleted after 7 days at the latest.".to_owned(),
                format!("Anonymous daily figures per school are computed from them. Every figure to which fewer than {k} distinct participants contributed is suppressed and shown as “{SUPPRESSED_MARK}”. So that it cannot be recovered from totals, further figures are suppressed as well (secondary suppression)."),
                format!("Weekly, monthly and period figures are sums of the released daily figures; shares are recomputed from these sums. A figure marked “{PARTIAL_MARK}” is partial because a contributing figure was suppressed. A suppressed day counts nowhere."),
                "Participants are counted per day: someone who takes part on three days counts as three participant-days. The figures therefore never give a number of distinct pupils or teachers.".to_owned(),
            ],
        }
    }

    /// The data-quality summary of a school's period.
    pub(crate) fn quality_sentence(self, days: u32, with_statistics: u32, active: u32, suppressed: u32) -> String {
        match self {
            Lang::De => format!(
                "Für {with_statistics} der {days} Tage des Zeitraums liegen Statistiken vor. An {active} Tagen gab es Konferenzen; an {suppressed} davon wurden die Tageswerte unterdrückt."
            ),
            Lang::En => format!(
                "Statistics exist for {with_statistics} of the period's {days} days. There were conferences on {active} days; on {suppressed} of them the daily figures were suppressed."
            ),
        }
    }

    /// The data-quality summary of the fleet.
    pub(crate) fn fleet_quality_sentence(
        self,
        days: u32,
        with_statistics: u32,
        active: u32,
        suppressed: u32,
    ) -> String {
        match self {
            Lang::De => format!(
                "Für {with_statistics} der {days} Tage des Zeitraums liegen Statistiken vor: {active} Schultage mit Konferenzen, davon {suppressed} mit unterdrückten Tageswerten."
            ),
            Lang::En => format!(
                "Statistics exist for {with_statistics} of the period's {days} days: {active} school-days with conferences, {suppressed} of them with suppressed daily figures."
            ),
        }
    }

    /// Plain-language meaning of an error code (FORMATS.md "Error codes diagnosticians care
    /// about"); unknown codes get a generic text naming the component.
    pub(crate) fn error_meaning(self, component: &str, code: &str) -> String {
        if let Some((de, en)) = known_code(code) {
            return self.pick(de, en).to_owned();
        }
        let component = self.value(component);
        match self {
            Lang::De => format!("Fehler im Bereich {component} ohne bekannte Erklärung."),
            Lang::En => format!("Error in the {component} component without a known explanation."),
        }
    }
}

/// German and English meaning of the error codes of FORMATS.md.
fn known_code(code: &str) -> Option<(&'static str, &'static str)> {
    if let Ok(n) = code.parse::<u32>() {
        return Some(match n {
            1001 => (
                "Audio: Die Verbindung zum Sprachserver brach nach dem Aufbau ab.",
                "Audio: the connection to the voice server dropped after it was established.",
            ),
            1002 => (
                "Audio: Die Verbindung zum Sprachserver kam nicht zustande.",
                "Audio: could not connect to the voice server.",
            ),
            1003 => ("Audio: Der Browser wird nicht unterstützt.", "Audio: the browser is not supported."),
            1004 => (
                "Audio: Der Anruf scheiterte, bevor die Netzwerkverbindung (ICE) stand.",
                "Audio: the call failed before the network connection (ICE) was complete.",
            ),
            1005 => (
                "Audio: Der Anruf endete unerwartet, nachdem die Verbindung stand.",
                "Audio: the call ended unexpectedly after the connection was established.",
            ),
            1006 => ("Audio: Zeitüberschreitung beim Anruf.", "Audio: the call timed out."),
            1007 => (
                "Audio: Die Netzwerkverbindung (ICE) konnte nicht ausgehandelt werden – meist blockiert eine Firewall oder ein Router (NAT).",
                "Audio: the network connection (ICE) could not be negotiated – usually a firewall or router (NAT) blocks it.",
            ),
            1008 => (
                "Audio: Der Wechsel vom Echotest in die Konferenz dauerte zu lange.",
                "Audio: the transfer from the echo test to the conference timed out.",
            ),
            1009 => (
                "Audio: Die Angaben zum Vermittlungsserver (STUN/TURN) konnten nicht geladen werden.",
                "Audio: the relay server (STUN/TURN) information could not be fetched.",
            ),
            1010 => (
                "Audio: Zeitüberschreitung beim Aushandeln der Netzwerkverbindung (ICE) – meist Firewall oder Router (NAT).",
                "Audio: negotiating the network connection (ICE) timed out – usually a firewall or router (NAT).",
            ),
            1020 => (
                "Kamera: Das Videobild konnte den Server nicht erreichen.",
                "Webcam: the video could not reach the server.",
            ),
            1101 | 1102 => ("Bildschirmfreigabe: Fehler bei der Signalisierung.", "Screen sharing: signalling error."),
            1104..=1107 => (
                "Bildschirmfreigabe: Die Verbindung konnte nicht ausgehandelt werden.",
                "Screen sharing: the connection could not be negotiated.",
            ),
            1120 | 1121 => (
                "Bildschirmfreigabe: Die Netzwerkverbindung (ICE) scheiterte.",
                "Screen sharing: the network connection (ICE) failed.",
            ),
            1130..=1138 => (
                "Bildschirmfreigabe: Zeitüberschreitung der Übertragung oder der Browser konnte den Bildschirm nicht aufnehmen.",
                "Screen sharing: media timed out, or the browser could not capture the screen.",
            ),
            1301 | 1302 => (
                "Verbindung zum Medienserver (WebSocket) abgebrochen oder gescheitert.",
                "Connection to the media server (WebSocket) dropped or failed.",
            ),
            1305 | 1307 => (
                "Die Verbindung zum Medienserver konnte nicht ausgehandelt werden (ICE).",
                "The connection to the media server could not be negotiated (ICE).",
            ),
            2000..=2022 | 2200..=2211 | 2300..=2303 => (
                "Fehler auf dem Medienserver (Verbindung, ICE, SDP, Codec, Berechtigung oder Audio) – ein Thema für den Betreiber.",
                "Media-server error (connection, ICE, SDP, codec, authorisation or audio) – a matter for the provider.",
            ),
            _ => return None,
        });
    }
    let code = code.to_ascii_lowercase();
    let pair = if code == "none" {
        ("Fehler ohne Fehlercode.", "Error without an error code.")
    } else if code.starts_with("video_provider_") {
        ("Kamera: Fehler beim Senden oder Empfangen von Video.", "Webcam: error sending or receiving video.")
    } else if code == "screenshare_failed" {
        ("Bildschirmfreigabe gescheitert.", "Screen sharing failed.")
    } else if code == "audio_join_failure" || code.starts_with("sip_js_") {
        ("Audio: Beitritt zur Sprachverbindung gescheitert.", "Audio: joining the voice connection failed.")
    } else if code.contains("_broker_") {
        ("Fehler der Medienvermittlung im Browser.", "Media broker error in the browser.")
    } else {
        return None;
    };
    Some(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_numbers_use_decimal_comma_and_dot_thousands() {
        assert_eq!(Lang::De.num(1234.5, 1), "1.234,5");
        assert_eq!(Lang::En.num(1234.5, 1), "1,234.5");
        assert_eq!(Lang::De.num(1234567.0, 0), "1.234.567");
        assert_eq!(Lang::De.num(999.0, 0), "999");
        assert_eq!(Lang::De.num(-0.04, 1), "0,0");
        assert_eq!(Lang::En.num(-1500.25, 2), "-1,500.25");
        assert_eq!(Lang::De.percent(0.123), "12,3\u{a0}%");
        assert_eq!(Lang::En.percent(0.123), "12.3%");
    }

    #[test]
    fn figures_show_marks() {
        let partial = Fig { value: Some(12.0), status: Status::Partial };
        assert_eq!(Lang::De.fig(partial, Kind::Count), "12*");
        assert_eq!(Lang::De.fig(Fig::SUPPRESSED, Kind::Count), ".");
        assert_eq!(Lang::De.fig(Fig::UNAVAILABLE, Kind::Count), "–");
        // A suppressed figure never shows a number, even if one were attached by mistake.
        let odd = Fig { value: Some(3.0), status: Status::Suppressed };
        assert_eq!(Lang::En.fig(odd, Kind::Count), ".");
    }

    #[test]
    fn changes_are_relative_or_in_points() {
        assert_eq!(Lang::De.change(Fig::released(0.25), Kind::Count), "+25,0\u{a0}%");
        assert_eq!(Lang::En.change(Fig::released(-0.012), Kind::Share), "-1.2\u{a0}pp");
        assert_eq!(Lang::En.change(Fig::UNAVAILABLE, Kind::Share), "–");
    }

    #[test]
    fn every_code_of_formats_md_is_explained_in_both_languages() {
        for code in [
            "1001",
            "1002",
            "1003",
            "1004",
            "1005",
            "1006",
            "1007",
            "1008",
            "1009",
            "1010",
            "1020",
            "1101",
            "1105",
            "1121",
            "1133",
            "1302",
            "1307",
            "2002",
            "2210",
            "2301",
            "video_provider_timeout",
            "screenshare_failed",
            "audio_join_failure",
            "sip_js_error",
            "media_broker_failed",
        ] {
            assert!(known_code(code).is_some(), "{code}");
        }
        assert!(Lang::De.error_meaning("audio", "4711").contains("Audio"));
        assert!(Lang::En.error_meaning("webcam", "4711").contains("Webcam"));
    }
}
