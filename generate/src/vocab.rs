//! Fixed vocabulary: names, words, user agents and texts the generator draws from.
//!
//! Every name here is invented or a common German name; none belongs to a real person.

/// Given names, with umlauts, ß and names of families with a migration background.
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Jürgen",
    "Özlem",
    "Käthe",
    "Jörg",
    "Björn",
    "Sören",
    "Günther",
    "Hannelore",
    "Lea",
    "Lukas",
    "Mia",
    "Finn",
    "Emma",
    "Ben",
    "Hannah",
    "Paul",
    "Sophie",
    "Jonas",
    "Marie",
    "Elias",
    "Lina",
    "Noah",
    "Emilia",
    "Leon",
    "Clara",
    "Felix",
    "Zoé",
    "Maximilian",
    "Ida",
    "Mehmet",
    "Ayşe",
    "Ömer",
    "Yusuf",
    "Elif",
    "Aleksandra",
    "Dominik",
    "Jana",
    "Kübra",
    "Tobias",
    "Anna-Lena",
    "Karl-Heinz",
    "Renée",
    "François",
    "Malte",
    "Frauke",
    "Uwe",
    "Birgit",
    "Dörte",
    "Thorsten",
    "Mustafa",
    "Leonie",
    "Moritz",
    "Greta",
    "Anton",
    "Till",
    "Merle",
    "Fynn",
    "Nele",
    "Jannik",
];

/// Surnames: umlauts, ß, and some that are also common German words.
pub(crate) const LAST_NAMES: &[&str] = &[
    "Müller",
    "Schäfer",
    "Weiß",
    "Groß",
    "Bäcker",
    "Schröder",
    "Köhler",
    "Günther",
    "Meißner",
    "Jäger",
    "Krüger",
    "Böhm",
    "Yılmaz",
    "Öztürk",
    "Kaya",
    "Wolf",
    "Fuchs",
    "Koch",
    "Schmied",
    "Klein",
    "Lange",
    "Sommer",
    "Winter",
    "Bach",
    "Berg",
    "Vogel",
    "Braun",
    "Hahn",
    "Schwarz",
    "Neumann",
    "Zimmermann",
    "Hoffmann",
    "Schulz",
    "Wagner",
    "Becker",
    "Kowalski",
    "Nowak",
    "Petrović",
    "Demir",
    "Şahin",
    "Strauß",
    "Voß",
    "Fröhlich",
    "Hübner",
    "Lorenz",
    "Haas",
    "Busch",
    "Förster",
    "Kühn",
    "Roth",
    "Stein",
    "Frank",
    "Engel",
    "Brandt",
    "Ernst",
    "Jung",
    "Schütz",
];

/// Words for school host names (`schule-<word>.example.de`).
pub(crate) const SCHOOL_WORDS: &[&str] = &[
    "am-see",
    "lindenhof",
    "sonnenberg",
    "eichendorff",
    "am-park",
    "rosenau",
    "kastanienweg",
    "brueder-grimm",
    "am-deich",
    "waldblick",
    "heideweg",
    "marienthal",
    "am-markt",
    "lessing",
];

/// Subjects: (slug, display name).
pub(crate) const SUBJECTS: &[(&str, &str)] = &[
    ("mathe", "Mathe"),
    ("deutsch", "Deutsch"),
    ("englisch", "Englisch"),
    ("sachunterricht", "Sachunterricht"),
    ("bio", "Bio"),
    ("physik", "Physik"),
    ("geschichte", "Geschichte"),
    ("erdkunde", "Erdkunde"),
    ("kunst", "Kunst"),
    ("musik", "Musik"),
    ("religion", "Religion"),
    ("franzoesisch", "Französisch"),
];

/// Course slugs for upper secondary: (slug, display name).
pub(crate) const COURSES: &[(&str, &str)] = &[
    ("kurs-q1-englisch-lk", "Kurs Q1 Englisch LK"),
    ("kurs-q2-mathe-gk", "Kurs Q2 Mathe GK"),
    ("kurs-q1-deutsch-lk", "Kurs Q1 Deutsch LK"),
    ("kurs-q2-chemie-gk", "Kurs Q2 Chemie GK"),
    ("ag-theater", "Theater-AG"),
    ("ag-schulgarten", "Schulgarten-AG"),
];

/// Lesson start times (hour, minute) on a school day, local time.
pub(crate) const LESSONS: &[(u32, u32)] =
    &[(7, 45), (8, 35), (9, 40), (10, 30), (11, 35), (12, 25), (13, 30), (14, 20)];

/// Browser user agents with weights (school devices and home devices).
pub(crate) const USER_AGENTS: &[(&str, u32)] = &[
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        22,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        10,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 8),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
        5,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        18,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
        6,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
        6,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        10,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 12_5_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1",
        2,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Safari/605.1.15",
        1,
    ),
    (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
        7,
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", 2),
];

/// Audio error codes with weights (1007 and 1010 most frequent).
pub(crate) const AUDIO_ERRORS: &[(u16, u32, &str)] = &[
    (1001, 4, "WebSocket disconnected"),
    (1002, 6, "WebSocket connection could not be established"),
    (1003, 2, "Browser not supported"),
    (1004, 5, "Call failed before ICE completed"),
    (1005, 5, "Call ended unexpectedly"),
    (1006, 4, "Call timed out"),
    (1007, 35, "ICE negotiation failed"),
    (1008, 5, "Echo test transfer timed out"),
    (1009, 4, "Could not fetch STUN/TURN info"),
    (1010, 25, "ICE negotiation timed out"),
];

/// Screen sharing error codes (client side).
pub(crate) const SCREENSHARE_ERRORS: &[(u16, &str)] = &[
    (1101, "Signalling error"),
    (1102, "Signalling transport disconnected"),
    (1104, "Peer negotiation failed"),
    (1105, "Peer negotiation timed out"),
    (1107, "ICE connection failed"),
    (1120, "Media timeout"),
    (1121, "Media flow timeout"),
    (1130, "NotAllowedError"),
    (1131, "NotFoundError"),
    (1132, "NotReadableError"),
    (1135, "AbortError"),
    (1136, "InvalidStateError"),
    (1138, "TypeError"),
];

/// Media-server (SFU) error codes with a message.
pub(crate) const SFU_ERRORS: &[(u16, &str)] = &[
    (2000, "MEDIA_SERVER_CONNECTION_ERROR"),
    (2001, "MEDIA_SERVER_OFFLINE"),
    (2002, "MEDIA_SERVER_NO_RESOURCES"),
    (2003, "MEDIA_SERVER_REQUEST_TIMEOUT"),
    (2020, "ICE_ADD_CANDIDATE_FAILED"),
    (2021, "ICE_GATHERING_FAILED"),
    (2022, "ICE_STATE_FAILED"),
    (2200, "MEDIA_GENERIC_ERROR"),
    (2201, "MEDIA_NOT_FOUND"),
    (2202, "MEDIA_INVALID_SDP"),
    (2203, "MEDIA_NO_AVAILABLE_CODEC"),
    (2208, "MEDIA_GENERIC_PROCESS_ERROR"),
    (2211, "MEDIA_SERVER_GENERIC_ERROR"),
    (2300, "SFU_INVALID_REQUEST"),
    (2301, "SFU_UNAUTHORIZED"),
    (2302, "SFU_ROOM_NOT_FOUND"),
    (2303, "SFU_USER_NOT_FOUND"),
];

/// Chat message templates; `{n}` is replaced by a first name of another participant.
pub(crate) const CHATS: &[&str] = &[
    "Hallo zusammen!",
    "Guten Morgen Frau {l}",
    "Ich kann Sie nicht hören",
    "Mein Mikro geht nicht",
    "@{n} kannst du das nochmal wiederholen?",
    "Welche Seite im Buch?",
    "Bin gleich wieder da",
    "Das Arbeitsblatt lädt bei mir nicht",
    "{n} ist heute krank",
    "Danke, tschüss!",
    "Können Sie die Aufgabe nochmal zeigen?",
    "Ich bin raus geflogen, sorry",
    "Seite 47 Nummer 3 a) bis c)",
    "Meine Mutter sagt {n} kommt später",
];

/// Poll questions with answers.
pub(crate) const POLLS: &[(&str, &[&str])] = &[
    ("Habt ihr die Hausaufgaben gemacht?", &["Ja", "Nein", "Teilweise"]),
    ("Wie schwer war Aufgabe 3?", &["leicht", "mittel", "schwer"]),
    ("Welches Ergebnis habt ihr bei 4b?", &["A", "B", "C", "D"]),
    ("Könnt ihr mich gut hören?", &["Ja", "Nein"]),
    ("Wann schreiben wir den Test?", &["Montag", "Mittwoch", "Freitag"]),
];

/// Shared-notes texts; `{n}` is a first name.
pub(crate) const NOTES: &[&str] = &[
    "Hausaufgaben: AB Seite 2",
    "Gruppe 1: {n}, Referat über Vulkane",
    "Protokoll: {n} und {m}",
    "Ideen für das Sommerfest",
    "Vokabeln Unit 4: weather, sunny, cloudy",
    "Fragen an {n}: Warum?",
];

/// Presentation file names; `{l}` is the teacher's surname.
pub(crate) const PRESENTATIONS: &[&str] = &[
    "Arbeitsblatt {l}.pdf",
    "Wochenplan KW47.pdf",
    "Präsentation Photosynthese.pptx",
    "Übungsblatt Brüche {l}.pdf",
    "Elternbrief_{l}.docx",
    "Tafelbild Mittelalter.pdf",
];

/// Transliterates a name part for an account (`Jürgen` → `juergen`).
pub(crate) fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'é' | 'É' => out.push('e'),
            'ç' | 'Ç' => out.push('c'),
            'ş' | 'Ş' => out.push('s'),
            'ı' => out.push('i'),
            'ć' => out.push('c'),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
            '-' => out.push('-'),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fold_transliterates() {
        assert_eq!(ascii_fold("Jürgen"), "juergen");
        assert_eq!(ascii_fold("Özlem"), "oezlem");
        assert_eq!(ascii_fold("Groß"), "gross");
        assert_eq!(ascii_fold("Yılmaz"), "yilmaz");
    }
}
