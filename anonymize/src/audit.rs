//! The leak audit (DESIGN.md rule 10): every file the pipeline would publish is scanned for every
//! personal string of the batch, and a hit fails the run before anything is published.
//!
//! Matching ("Audit matching" in DESIGN.md) shares the scrubber's pieces: its name splitting with
//! the ASCII spellings of umlauts and `ß`, its Unicode lowercasing, its token boundaries and its
//! decoding (`\xHH`, `\uXXXX`, `%xx`, `+`), to which the audit adds HTML character references.
//! Text is matched as it is and decoded, case-insensitively, as whole tokens (a match must not be
//! glued to a letter or digit; `_` and punctuation are boundaries). Full values always count;
//! single parts of person and meeting names count when they have at least four letters and are
//! not a word of the product's own vocabulary.
//!
//! The set holds no personal value: every search string is kept as a keyed 64-bit hash of its lowercased
//! bytes and a byte of what it is, sorted, behind a bit filter — 11 bytes per string, so that the
//! values of a whole night (millions of search strings) fit in some tens of megabytes. A text is searched at every token start: the hashes of the token and of the
//! following tokens with what lies between them (as far as the longest search string reaches)
//! are looked up; a text only continues past its first token when that token starts a
//! multi-word search string. Hashing cannot miss a value; two strings with the same hash make a
//! false hit (fail closed): with a million search strings and 10⁸ look-ups in a night's outputs,
//! about once in 200 000 nights. Parquet string columns
//! are searched a record batch at a time over the column's contiguous value buffer; only values
//! that need decoding or Unicode lowercasing are searched one by one, each distinct one once.

use std::borrow::Cow;
use std::collections::HashSet as StdHashSet;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, AsArray, GenericByteArray};
use arrow::datatypes::{ArrowNativeType, ByteArrayType, DataType, Field};
use foldhash::{HashMap, HashSet};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::record::columns;
use crate::scrub::{
    EMAIL, IPV4, IPV6, PLACEHOLDERS, ascii_spelling, decode, fold, fold_into, ipv6_end, is_ipv4, is_word_char,
    name_variants, utf8_or_latin1,
};
use crate::{BrowserFamily, DeviceClass, IpVersion, OsFamily};

#[cfg(test)]
mod tests;

/// Values shorter than this (in characters) are not searched: one character matches everywhere.
const MIN_VALUE_CHARS: usize = 2;
/// A single part of a name counts only with at least this many letters.
const MIN_PART_LETTERS: usize = 4;
/// Rounds of decoding (HTML references, then `\xHH`, `\uXXXX`, `%xx`, `+`) for nested encodings.
const DECODE_ROUNDS: usize = 3;
/// Filter bits per search string (one bit set per string: some 6 % of the look-ups of strings
/// that are not in the set pass the filter and are looked up in the sorted hashes).
const FILTER_BITS_PER_STRING: usize = 16;
/// Rows per record batch read from a Parquet file.
const BATCH_ROWS: usize = 8192;
/// Distinct values remembered per Parquet column (only values that need decoding or Unicode
/// lowercasing are remembered; the rest are searched in bulk).
const MAX_SEEN_PER_COLUMN: usize = 4096;
/// Hits recorded per file; the report says the file failed either way.
const MAX_HITS_PER_FILE: usize = 100;

/// Kind of a personal value — what an audit hit names instead of the value. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PersonalKind {
    /// A person's full name (display name, user name, caller name).
    PersonName,
    /// A single part (first name, surname) of a person's name.
    NamePart,
    /// A meeting or room name (also presentation file names and device labels), or a part of one.
    MeetingName,
    /// An account id (external user id).
    AccountId,
    /// A BigBlueButton user id (one session).
    UserId,
    /// A meeting id.
    MeetingId,
    /// A room id (external meeting id).
    RoomId,
    /// An IP address.
    IpAddress,
    /// An e-mail address.
    Email,
    /// A secret: session token, password, checksum.
    Secret,
    /// A name the lifecycle logs named without saying whose: a person's, a meeting's or room's,
    /// a file's (its parts are searched like a person name's).
    Name,
    /// An identifier the lifecycle logs named without saying which: an account, user, meeting
    /// or room id.
    Identifier,
}

impl PersonalKind {
    /// Whether the kind is a name (of a person, meeting, room or file, or a part of one) —
    /// searched by its parts too and scrubbed as a name — rather than an identifier or address.
    pub fn is_name(self) -> bool {
        matches!(
            self,
            PersonalKind::PersonName | PersonalKind::NamePart | PersonalKind::MeetingName | PersonalKind::Name
        )
    }

    /// The kind's name as hits and reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonalKind::PersonName => "person name",
            PersonalKind::Name => "name (of a person, meeting, room or file)",
            PersonalKind::Identifier => "identifier (account, user, meeting or room id)",
            PersonalKind::NamePart => "part of a person name",
            PersonalKind::MeetingName => "meeting or room name",
            PersonalKind::AccountId => "account id",
            PersonalKind::UserId => "user id",
            PersonalKind::MeetingId => "meeting id",
            PersonalKind::RoomId => "room id",
            PersonalKind::IpAddress => "IP address",
            PersonalKind::Email => "e-mail address",
            PersonalKind::Secret => "secret",
        }
    }
}

impl fmt::Display for PersonalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PersonalKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One search string of the batch: what it is, and whether it is only a part of a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pattern {
    kind: PersonalKind,
    /// Only a part of a name: exempt when it is a word of the product's vocabulary.
    part: bool,
}

impl Pattern {
    const KINDS: [PersonalKind; 12] = [
        PersonalKind::PersonName,
        PersonalKind::NamePart,
        PersonalKind::MeetingName,
        PersonalKind::AccountId,
        PersonalKind::UserId,
        PersonalKind::MeetingId,
        PersonalKind::RoomId,
        PersonalKind::IpAddress,
        PersonalKind::Email,
        PersonalKind::Secret,
        PersonalKind::Name,
        PersonalKind::Identifier,
    ];
    const PART: u8 = 0x80;

    /// The pattern as a byte: the kind's index, and the part flag in the top bit (so that a
    /// full value sorts before a part with the same hash).
    fn code(self) -> u8 {
        // `KINDS` lists the kinds in declaration order (a unit test checks it).
        self.kind as u8 | if self.part { Self::PART } else { 0 }
    }

    fn of(code: u8) -> Self {
        let kind = Self::KINDS.get(usize::from(code & 0x7f)).copied().unwrap_or(FAIL_CLOSED);
        Pattern { kind, part: code & Self::PART != 0 }
    }
}

/// The hash that keys the search strings: FNV-1a over the lowercased bytes from a seed drawn at
/// start-up (so that it can be extended token by token), finished with a 64-bit mixer. Only
/// ever in memory.
#[derive(Clone, Copy)]
struct TokenHash(u64);

/// The per-process seed of [`TokenHash`].
static SEED: LazyLock<u64> = LazyLock::new(|| rand::random::<u64>() | 1);

impl TokenHash {
    fn new() -> Self {
        TokenHash(*SEED)
    }

    fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The finished hash, mixed (`salt` separates the filters' uses).
    fn finish(self, salt: u64) -> u64 {
        let mut z = self.0 ^ salt;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn of(bytes: &[u8]) -> u64 {
        let mut h = Self::new();
        h.feed(bytes);
        h.finish(0)
    }
}

/// The salt of the first-token filter's hashes.
const FIRST_TOKEN_SALT: u64 = 0x9e37_79b9_7f4a_7c15;
/// A builder's entry: the search string's hash, then its [`Pattern::code`] in the low byte.
fn entry(hash: u64, pattern: Pattern) -> u128 {
    (u128::from(hash) << 8) | u128::from(pattern.code())
}

/// Collects the personal strings of one batch. **Holds personal data**, in memory only; `Debug`
/// prints counts.
///
/// Every value is searched as its full, lowercased value. Person and meeting names also yield
/// their ASCII spelling (`Jürgen` → `juergen`), the full name with `_`, `.`, `-` or nothing
/// between its words, and each part of at least four letters (which [`build`](Self::build) drops
/// when it is a word of the vocabulary).
///
/// ```
/// use std::collections::HashSet;
/// use confstats_anonymize::{AuditSetBuilder, PersonalKind};
///
/// let mut batch = AuditSetBuilder::new();
/// batch.add(PersonalKind::PersonName, "Anna Lange").add_ip("203.0.113.41".parse().unwrap());
/// let vocabulary: HashSet<String> = ["lange".to_owned()].into();
/// let set = batch.build(&vocabulary);
/// assert_eq!(set.find("Die Konferenz dauerte lange."), None);
/// assert_eq!(set.find("ANNA%20LANGE"), Some(PersonalKind::PersonName));
/// assert_eq!(set.find("Gruß an Anna"), Some(PersonalKind::NamePart));
/// assert_eq!(set.find("from 203.0.113.41:443"), Some(PersonalKind::IpAddress));
/// assert_eq!(set.find("from 203.0.113.412"), None);
/// ```
#[derive(Clone, Default)]
pub struct AuditSetBuilder {
    /// Search strings as entries (see [`entry`]), unsorted, with duplicates up to the next
    /// compaction.
    entries: Vec<u128>,
    /// The length of `entries` after the last compaction.
    compacted: usize,
    /// The first-token hashes (salted) of the search strings of several tokens.
    first_tokens: Vec<u64>,
    /// The most tokens and bytes a search string has.
    max_tokens: usize,
    max_bytes: usize,
    /// The search strings that could be a whole token of a pseudonym (see [`AuditSet`]).
    pseudonym_like: HashMap<String, PersonalKind>,
    /// Values added (before splitting and deduplication).
    values: usize,
}

impl fmt::Debug for AuditSetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditSetBuilder").field("values", &self.values).field("entries", &self.entries.len()).finish()
    }
}

impl AuditSetBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a personal value of `kind`. Person and meeting names also yield their parts and
    /// spellings (see the type's documentation); an IP address also its canonical form.
    /// Values shorter than two characters (after trimming) are ignored.
    pub fn add(&mut self, kind: PersonalKind, value: &str) -> &mut Self {
        let value = value.trim();
        if value.is_empty() {
            return self;
        }
        self.values += 1;
        match kind {
            kind if kind.is_name() => {
                self.add_name(kind, value);
                // A value logged encoded (`J%C3%BCrgen`) is searched decoded too.
                if let Cow::Owned(decoded) = decode(value) {
                    self.add_name(kind, decoded.trim());
                }
            }
            PersonalKind::IpAddress => {
                if let Ok(ip) = value.parse::<IpAddr>() {
                    self.insert_ip(ip);
                }
                self.insert(fold(value), kind, false);
            }
            _ => self.insert(fold(value), kind, false),
        }
        self
    }

    /// Adds an IP address: its canonical text form, the fully written-out form of an IPv6
    /// address, and the IPv4 form of an IPv4-mapped IPv6 address.
    pub fn add_ip(&mut self, ip: IpAddr) -> &mut Self {
        self.values += 1;
        self.insert_ip(ip);
        self
    }

    /// Adds the IP addresses and e-mail addresses found in a raw free text (a log message, a
    /// URL), as it is and decoded. Uses the scrubber's patterns, so that loopback addresses and
    /// versions such as `Chrome/131.0.0.0` are not taken for addresses.
    pub fn scan_text(&mut self, text: &str) -> &mut Self {
        let decoded = decode(text);
        self.scan_decoded(text);
        if let Cow::Owned(decoded) = &decoded {
            self.scan_decoded(decoded);
        }
        self
    }

    /// Adds every search string of `other` (the values of another worker or batch).
    pub fn merge(&mut self, other: AuditSetBuilder) -> &mut Self {
        self.values += other.values;
        self.entries.extend(other.entries);
        self.first_tokens.extend(other.first_tokens);
        self.max_tokens = self.max_tokens.max(other.max_tokens);
        self.max_bytes = self.max_bytes.max(other.max_bytes);
        for (p, kind) in other.pseudonym_like {
            self.pseudonym_like.entry(p).or_insert(kind);
        }
        self.compact_when_grown();
        self
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Compiles the search strings into an [`AuditSet`]. `vocabulary` holds words of the report
    /// text (both languages); with the crate's own words (browser, OS and device families, log
    /// sources, event kinds, roles, levels, scrubber placeholders, store column names) they exempt
    /// name *parts* only — a full value is always searched. Entries are lowercased and split into
    /// words.
    pub fn build(mut self, vocabulary: &StdHashSet<String>) -> AuditSet {
        let mut vocab: HashSet<u64> = HashSet::default();
        for entry in vocabulary.iter().map(String::as_str).chain(own_vocabulary().iter().copied()) {
            for word in fold(entry).split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()) {
                if word.contains(['ä', 'ö', 'ü', 'ß']) {
                    vocab.insert(TokenHash::of(ascii_spelling(word).as_bytes()));
                }
                vocab.insert(TokenHash::of(word.as_bytes()));
            }
        }
        let mut entries = std::mem::take(&mut self.entries);
        compact(&mut entries);
        let before = entries.len();
        let (hashes, patterns): (Vec<u64>, Vec<u8>) = entries
            .into_iter()
            .map(|e| ((e >> 8) as u64, e as u8))
            .filter(|(h, code)| !(Pattern::of(*code).part && vocab.contains(h)))
            .unzip();
        let exempt = before - hashes.len();
        let mut filter = BitFilter::new(hashes.len());
        for h in &hashes {
            filter.insert(*h);
        }
        let mut first_tokens = BitFilter::new(self.first_tokens.len());
        for h in &self.first_tokens {
            first_tokens.insert(*h);
        }
        AuditSet {
            hashes,
            patterns,
            filter,
            first_tokens,
            max_tokens: self.max_tokens,
            max_bytes: self.max_bytes,
            exempt,
            pseudonym_like: self.pseudonym_like,
        }
    }

    fn add_name(&mut self, kind: PersonalKind, value: &str) {
        let folded = fold(value);
        let part_kind = if kind == PersonalKind::MeetingName { kind } else { PersonalKind::NamePart };
        if kind == PersonalKind::NamePart {
            // A part given on its own.
            self.insert_part(&folded, part_kind);
            if folded.contains(['ä', 'ö', 'ü', 'ß']) {
                self.insert_part(&ascii_spelling(&folded), part_kind);
            }
            return;
        }
        self.add_name_spelling(kind, part_kind, &folded);
        // Upper case writes `ß` as `SS`, which lowercases to `ss` next to the other umlauts.
        if folded.contains('ß') {
            self.add_name_spelling(kind, part_kind, &folded.replace('ß', "ss"));
        }
    }

    fn add_name_spelling(&mut self, kind: PersonalKind, part_kind: PersonalKind, folded: &str) {
        name_variants(folded, &mut |p, part| {
            if part {
                self.insert_part(p, part_kind);
            } else {
                self.insert(p.to_owned(), kind, false);
            }
        });
        // The same name with other separators between its words (`anna_lange`, `anna.lange`,
        // `annalange` in a user name or an e-mail address).
        let words: Vec<&str> = folded.split_whitespace().collect();
        if words.len() > 1 {
            for sep in [" ", "_", ".", "-", ""] {
                let joined = words.join(sep);
                if joined.contains(['ä', 'ö', 'ü', 'ß']) {
                    self.insert(ascii_spelling(&joined), kind, false);
                }
                self.insert(joined, kind, false);
            }
        }
    }

    fn insert_part(&mut self, part: &str, kind: PersonalKind) {
        if part.chars().filter(|c| c.is_alphabetic()).count() >= MIN_PART_LETTERS {
            self.insert(part.to_owned(), kind, true);
        }
    }

    fn insert_ip(&mut self, ip: IpAddr) {
        self.insert(ip.to_string(), PersonalKind::IpAddress, false);
        if let IpAddr::V6(v6) = ip {
            let long = v6.segments().map(|s| format!("{s:04x}")).join(":");
            self.insert(long, PersonalKind::IpAddress, false);
            if let Some(v4) = v6.to_ipv4_mapped() {
                self.insert(v4.to_string(), PersonalKind::IpAddress, false);
            }
        }
    }

    fn scan_decoded(&mut self, s: &str) {
        let bytes = s.as_bytes();
        if bytes.contains(&b'.') && bytes.iter().any(u8::is_ascii_digit) {
            for m in IPV4.find_iter(s) {
                if is_ipv4(s, m.start(), m.end())
                    && let Ok(ip) = m.as_str().parse::<Ipv4Addr>()
                {
                    self.add_ip(IpAddr::V4(ip));
                }
            }
        }
        if bytes.contains(&b':') {
            let mut pos = 0;
            while let Some(m) = IPV6.find_at(s, pos) {
                if let Some(end) = ipv6_end(s, m.start(), m.end()) {
                    let text = &s[m.start()..end];
                    let addr = text.split_once('%').map_or(text, |(a, _)| a);
                    if let Ok(ip) = addr.parse::<Ipv6Addr>() {
                        self.add_ip(IpAddr::V6(ip));
                    }
                    pos = end;
                } else {
                    pos = m.start() + m.as_str().find(':').map_or(1, |i| i + 1);
                }
                if pos >= s.len() {
                    break;
                }
            }
        }
        if bytes.contains(&b'@') {
            for m in EMAIL.find_iter(s) {
                self.add(PersonalKind::Email, m.as_str());
            }
        }
    }

    /// Adds a (lowercased) search string. Characters that cannot start or end a token (`_`,
    /// punctuation) are trimmed from its ends: a match is a whole token, so this only finds more.
    fn insert(&mut self, pattern: String, kind: PersonalKind, part: bool) {
        if pattern.chars().count() < MIN_VALUE_CHARS {
            return;
        }
        if could_match_pseudonym(&pattern) {
            self.pseudonym_like.entry(pattern.clone()).or_insert(kind);
        }
        let trimmed = pattern.trim_matches(|c: char| !is_word_char(c));
        if trimmed.chars().count() < MIN_VALUE_CHARS {
            return;
        }
        let bytes = trimmed.as_bytes();
        let mut tokens = 0;
        let mut first_end = None;
        let mut in_token = false;
        for (i, c) in trimmed.char_indices() {
            let word = is_word_char(c);
            if word && !in_token {
                tokens += 1;
            }
            if !word && in_token && first_end.is_none() {
                first_end = Some(i);
            }
            in_token = word;
        }
        if let Some(end) = first_end {
            let mut h = TokenHash::new();
            h.feed(&bytes[..end]);
            self.first_tokens.push(h.finish(FIRST_TOKEN_SALT));
        }
        self.max_tokens = self.max_tokens.max(tokens);
        self.max_bytes = self.max_bytes.max(bytes.len());
        self.entries.push(entry(TokenHash::of(bytes), Pattern { kind, part }));
        self.compact_when_grown();
    }

    /// Sorts and deduplicates the entries when they have doubled since the last time, so that
    /// repeated values do not pile up.
    fn compact_when_grown(&mut self) {
        if self.entries.len() >= 2 * self.compacted + (1 << 16) {
            compact(&mut self.entries);
            self.first_tokens.sort_unstable();
            self.first_tokens.dedup();
            self.compacted = self.entries.len();
        }
    }
}

/// Sorts entries and keeps one per hash: a full value before a part, else the first kind.
fn compact(entries: &mut Vec<u128>) {
    entries.sort_unstable();
    entries.dedup_by_key(|e| *e >> 8);
}

/// A one-hash bit filter over hashes: a clear bit proves absence.
#[derive(Clone, Default)]
struct BitFilter {
    bits: Vec<u64>,
    mask: u64,
}

impl BitFilter {
    fn new(strings: usize) -> Self {
        let len = (strings * FILTER_BITS_PER_STRING).next_power_of_two().max(64);
        BitFilter { bits: vec![0; len / 64], mask: len as u64 - 1 }
    }

    fn bit(&self, hash: u64) -> (usize, u64) {
        let i = hash & self.mask;
        ((i / 64) as usize, 1 << (i % 64))
    }

    fn insert(&mut self, hash: u64) {
        let (w, b) = self.bit(hash);
        if let Some(word) = self.bits.get_mut(w) {
            *word |= b;
        }
    }

    fn may_contain(&self, hash: u64) -> bool {
        let (w, b) = self.bit(hash);
        self.bits.get(w).is_some_and(|word| word & b != 0)
    }
}

/// The words of the crate's own output that are not personal: browser, OS and device families,
/// IP versions, log sources, event kinds, roles, client types, audio modes, levels, scrubber
/// placeholders, store column names and metadata keys.
fn own_vocabulary() -> &'static [&'static str] {
    use confstats_ingest::{AudioMode, ClientType, EventKind, Level, LogFormat, Role};
    static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut words: Vec<&'static str> = Vec::new();
        words.extend(
            [
                BrowserFamily::Chrome,
                BrowserFamily::Edge,
                BrowserFamily::Firefox,
                BrowserFamily::Safari,
                BrowserFamily::Opera,
                BrowserFamily::SamsungInternet,
                BrowserFamily::Chromium,
                BrowserFamily::Other,
            ]
            .map(BrowserFamily::as_str),
        );
        words.extend(
            [
                OsFamily::Windows,
                OsFamily::Macos,
                OsFamily::Ios,
                OsFamily::Ipados,
                OsFamily::Android,
                OsFamily::Chromeos,
                OsFamily::Linux,
                OsFamily::Other,
            ]
            .map(OsFamily::as_str),
        );
        words.extend(
            [DeviceClass::Desktop, DeviceClass::Tablet, DeviceClass::Phone, DeviceClass::Other]
                .map(DeviceClass::as_str),
        );
        words.extend([IpVersion::V4, IpVersion::V6].map(IpVersion::as_str));
        words.extend(LogFormat::ALL.map(LogFormat::as_str));
        words.extend(EventKind::ALL.map(EventKind::as_str));
        words.extend([Role::Moderator, Role::Viewer].map(Role::as_str));
        words.extend([ClientType::Html5, ClientType::DialIn, ClientType::Other].map(ClientType::as_str));
        words.extend([AudioMode::Microphone, AudioMode::ListenOnly, AudioMode::DialIn].map(AudioMode::as_str));
        words.extend(
            [Level::Trace, Level::Debug, Level::Info, Level::Warn, Level::Error, Level::Fatal].map(Level::as_str),
        );
        words.extend(PLACEHOLDERS);
        words.extend(ALL_COLUMNS);
        words.extend(["confstats", "store", "schema", "version", "unknown", "parquet"]);
        words
    });
    &WORDS
}

/// The store's column names.
const ALL_COLUMNS: [&str; 23] = [
    columns::TIME,
    columns::SERVER,
    columns::SOURCE,
    columns::KIND,
    columns::SCHOOL,
    columns::PARTICIPANT,
    columns::SESSION,
    columns::MEETING,
    columns::PARENT_MEETING,
    columns::ROOM,
    columns::ROLE,
    columns::CLIENT_TYPE,
    columns::AUDIO_MODE,
    columns::BROWSER,
    columns::BROWSER_MAJOR,
    columns::OS,
    columns::DEVICE,
    columns::IP_VERSION,
    columns::NETWORK,
    columns::ERROR_CODE,
    columns::LOG_CODE,
    columns::LEVEL,
    columns::TEXT,
];

/// The batch's personal strings, compiled for searching. **Holds personal data** (hashes of
/// them), in memory only; `Debug` prints counts. `Send + Sync`: one set serves all scanning
/// threads.
pub struct AuditSet {
    /// The search strings' hashes, sorted.
    hashes: Vec<u64>,
    /// What each is ([`Pattern::code`]), by position in `hashes`.
    patterns: Vec<u8>,
    /// A filter over `hashes`, checked before the sorted look-up.
    filter: BitFilter,
    /// A filter over the first tokens of the search strings of several tokens.
    first_tokens: BitFilter,
    /// The most tokens and bytes a search string has: how far a search extends from a token.
    max_tokens: usize,
    max_bytes: usize,
    /// Name parts dropped because they are words of the vocabulary.
    exempt: usize,
    /// The patterns that a whole token of a pseudonym (`p_<32 hex>`) can match (usually none):
    /// the pseudonym, its hex part with or without the `_`, or its prefix with the `_`.
    pseudonym_like: HashMap<String, PersonalKind>,
}

impl fmt::Debug for AuditSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditSet")
            .field("patterns", &self.hashes.len())
            .field("exempt_name_parts", &self.exempt)
            .finish()
    }
}

/// The kind reported for an entry that cannot be read (fail closed); never expected in practice.
const FAIL_CLOSED: PersonalKind = PersonalKind::PersonName;

impl AuditSet {
    /// The kind (never the value) of a personal string found in `text` as a whole token, as it
    /// is or decoded (HTML character references, `\xHH`, `\uXXXX`, `%xx`, `+`, nested up to three
    /// times), case-insensitively; `None` when there is none. A full value is preferred to a part
    /// of a name.
    pub fn find(&self, text: &str) -> Option<PersonalKind> {
        self.find_with(text, &mut String::new())
    }

    /// The number of search strings.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the set searches nothing (and so finds nothing).
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty() && self.pseudonym_like.is_empty()
    }

    /// Memory held by the set, in bytes (for progress lines and benchmarks).
    pub fn memory_bytes(&self) -> usize {
        (self.hashes.capacity() + self.filter.bits.capacity() + self.first_tokens.bits.capacity()) * 8
            + self.patterns.capacity()
    }

    /// [`find`](Self::find) with a scratch buffer for lowercasing.
    fn find_with(&self, text: &str, buf: &mut String) -> Option<PersonalKind> {
        if self.hashes.is_empty() {
            return None;
        }
        let mut part = None;
        match self.find_plain(text, buf) {
            Some(Found::Full(kind)) => return Some(kind),
            Some(Found::Part(kind)) => part = Some(kind),
            None => {}
        }
        let mut cur = Cow::Borrowed(text);
        for _ in 0..DECODE_ROUNDS {
            let next = match decode_entities(&cur) {
                Cow::Borrowed(s) => match decode(s) {
                    Cow::Borrowed(_) => break,
                    Cow::Owned(d) => d,
                },
                Cow::Owned(s) => decode(&s).into_owned(),
            };
            match self.find_plain(&next, buf) {
                Some(Found::Full(kind)) => return Some(kind),
                Some(Found::Part(kind)) => part = part.or(Some(kind)),
                None => {}
            }
            cur = Cow::Owned(next);
        }
        part
    }

    /// Searches `s` without decoding it: ASCII text directly (hashing ignores ASCII case), other
    /// text lowercased.
    fn find_plain(&self, s: &str, buf: &mut String) -> Option<Found> {
        if s.is_ascii() {
            return self.find_in(s.as_bytes(), &mut |_| (0, s.len()));
        }
        fold_into(s, buf);
        self.find_in(buf.as_bytes(), &mut |_| (0, buf.len()))
    }

    /// A whole-token match in `hay`, the first of a full value or else the first of a name
    /// part; `bounds(start)` gives the value (byte range) that the token starting at `start` lies
    /// in — its ends are token boundaries, and no match reaches past them.
    fn find_in(&self, hay: &[u8], bounds: &mut impl FnMut(usize) -> (usize, usize)) -> Option<Found> {
        if self.hashes.is_empty() {
            return None;
        }
        let mut part = None;
        let mut full = None;
        each_token_start(hay, bounds, &mut |start, end| match self.match_at(hay, start, end) {
            Some(Found::Full(kind)) => {
                full = Some(Found::Full(kind));
                true
            }
            found => {
                part = part.or(found);
                false
            }
        });
        full.or(part)
    }

    /// The search strings that start with the token at `start` and end at the end of a token
    /// before `end`: a full value if there is one, else a part.
    fn match_at(&self, hay: &[u8], start: usize, end: usize) -> Option<Found> {
        let mut part = None;
        let mut full = None;
        self.each_match_at(hay, start, end, &mut |_, p| {
            if p.part {
                part = part.or(Some(Found::Part(p.kind)));
                false
            } else {
                full = Some(Found::Full(p.kind));
                true
            }
        });
        full.or(part)
    }

    /// Calls `f(match end, pattern)` for each search string that starts with the token at
    /// `start` and ends at the end of a token before `end`, shortest first, until `f` returns
    /// `true`.
    fn each_match_at(&self, hay: &[u8], start: usize, end: usize, f: &mut impl FnMut(usize, Pattern) -> bool) {
        let mut h = TokenHash::new();
        let mut at = start;
        let mut tokens = 0;
        loop {
            // The token…
            let from = at;
            while at < end {
                let (c, len) = char_len_at(hay, at);
                if !c.is_some_and(is_word_char) {
                    break;
                }
                at += len;
            }
            h.feed(&hay[from..at]);
            tokens += 1;
            if let Some(p) = self.lookup(h.finish(0))
                && f(at, p)
            {
                return;
            }
            if tokens >= self.max_tokens
                || at - start >= self.max_bytes
                || (tokens == 1 && !self.first_tokens.may_contain(h.finish(FIRST_TOKEN_SALT)))
            {
                return;
            }
            // … and what separates it from the next one.
            let from = at;
            while at < end {
                let (c, len) = char_len_at(hay, at);
                if c.is_some_and(is_word_char) {
                    break;
                }
                at += len;
            }
            if at >= end || at - start >= self.max_bytes {
                return;
            }
            h.feed(&hay[from..at]);
        }
    }

    /// Every whole-token occurrence in the lowercased `text` of a search string, as `f(start,
    /// end, kind)` (byte ranges; occurrences may overlap). The scrubber uses it for the values
    /// of the night's other batches.
    pub(crate) fn each_span(&self, text: &str, f: &mut impl FnMut(usize, usize, PersonalKind)) {
        let hay = text.as_bytes();
        if self.hashes.is_empty() {
            return;
        }
        each_token_start(hay, &mut |_| (0, hay.len()), &mut |start, end| {
            self.each_match_at(hay, start, end, &mut |match_end, p| {
                f(start, match_end, p.kind);
                false
            });
            false
        });
    }

    /// The pattern whose hash is `hash`, if any.
    fn lookup(&self, hash: u64) -> Option<Pattern> {
        if !self.filter.may_contain(hash) {
            return None;
        }
        let i = self.hashes.partition_point(|h| *h < hash);
        match (self.hashes.get(i), self.patterns.get(i)) {
            (Some(h), Some(code)) if *h == hash => Some(Pattern::of(*code)),
            _ => None,
        }
    }

    /// [`find_in`](Self::find_in) as a kind.
    fn kind_in(&self, hay: &[u8], bounds: &mut impl FnMut(usize) -> (usize, usize)) -> Option<PersonalKind> {
        self.find_in(hay, bounds).map(Found::kind)
    }
}

/// Calls `f(start, end)` for each token start in `hay`, with the end of the value it lies in
/// (`bounds(start)` gives the value's byte range; its ends are token boundaries), until `f`
/// returns `true`.
fn each_token_start(
    hay: &[u8],
    bounds: &mut impl FnMut(usize) -> (usize, usize),
    f: &mut impl FnMut(usize, usize) -> bool,
) {
    let (mut vs, mut ve) = (0, 0);
    let mut pos = 0;
    let mut prev_word = false;
    while pos < hay.len() {
        if pos >= ve || pos < vs {
            (vs, ve) = bounds(pos);
            if ve <= pos {
                break;
            }
            prev_word = pos > vs && char_before(hay, vs, pos).is_some_and(is_word_char);
        }
        let (c, len) = char_len_at(hay, pos);
        let word = c.is_some_and(is_word_char);
        if word && !prev_word && f(pos, ve) {
            return;
        }
        prev_word = word;
        pos += len;
    }
}

/// The character that starts at `at` and its length in bytes; bytes that are not UTF-8 are
/// one-byte non-characters (token boundaries).
fn char_len_at(hay: &[u8], at: usize) -> (Option<char>, usize) {
    char_at(hay, at).map_or((None, 1), |c| (Some(c), c.len_utf8()))
}

/// The length of a pseudonym: a one-letter prefix, `_`, 32 lowercase hex digits.
const PSEUDONYM_LEN: usize = 34;

/// Whether `v` has the shape of a store pseudonym (`p_`, `s_`, `m_`, `r_`, `n_` + 32 hex).
fn is_pseudonym(v: &[u8]) -> bool {
    v.len() == PSEUDONYM_LEN
        && v[0].is_ascii_lowercase()
        && v[1] == b'_'
        && v[2..].iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// Whether a (lowercased) pattern could be a whole-token match inside a pseudonym. Only `_` is a
/// boundary in `p_<hex>`, so a match is the whole value, `_<hex>`, `<hex>` or `p_`; a pattern of
/// another shape cannot match one.
fn could_match_pseudonym(p: &str) -> bool {
    let hex = |h: &str| h.len() == PSEUDONYM_LEN - 2 && h.bytes().all(|b| b.is_ascii_hexdigit());
    let b = p.as_bytes();
    (b.len() == 2 && b[1] == b'_')
        || hex(p)
        || p.strip_prefix('_').is_some_and(hex)
        || (b.len() == PSEUDONYM_LEN && b[1] == b'_' && hex(&p[2..]))
}

/// A whole-token match: of a full value, or of a part of a name only.
#[derive(Clone, Copy, Debug)]
enum Found {
    Full(PersonalKind),
    Part(PersonalKind),
}

impl Found {
    fn kind(self) -> PersonalKind {
        match self {
            Found::Full(k) | Found::Part(k) => k,
        }
    }
}

/// The character that starts at `at` (`None` when it is not valid UTF-8: a boundary, so that the
/// audit reports rather than passes).
fn char_at(hay: &[u8], at: usize) -> Option<char> {
    let first = *hay.get(at)?;
    if first.is_ascii() {
        return Some(char::from(first));
    }
    let len = match first {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    std::str::from_utf8(hay.get(at..at + len)?).ok()?.chars().next()
}

/// The character that ends at `at`, not reaching before `floor`.
fn char_before(hay: &[u8], floor: usize, at: usize) -> Option<char> {
    if at <= floor {
        return None;
    }
    let last = *hay.get(at - 1)?;
    if last.is_ascii() {
        return Some(char::from(last));
    }
    let mut start = at - 1;
    while start > floor && at - start < 4 && hay[start] & 0xC0 == 0x80 {
        start -= 1;
    }
    std::str::from_utf8(hay.get(start..at)?).ok()?.chars().next_back()
}

/// Whether a value needs decoding before it can be searched.
fn needs_decoding(b: &[u8]) -> bool {
    b.iter().any(|c| matches!(c, b'%' | b'\\' | b'+' | b'&'))
}

/// Undoes HTML character references: `&#74;`, `&#x4a;` (also without `;`) and the named
/// references of markup and German text (`&amp;`, `&auml;`, `&szlig;`, `&shy;`, …).
fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut changed = false;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some((ch, len)) = entity(after) {
            if let Some(ch) = ch {
                out.push(ch);
            }
            rest = &after[len..];
            changed = true;
        } else {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    if changed { Cow::Owned(out) } else { Cow::Borrowed(s) }
}

/// The character of the reference at the start of `s` (after its `&`) and the reference's length;
/// `None` for the character of a reference that stands for nothing (`&shy;`).
fn entity(s: &str) -> Option<(Option<char>, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (radix, digits_at) = if num.starts_with(['x', 'X']) { (16, 2) } else { (10, 1) };
        let digits = s[digits_at..].bytes().take_while(|b| (*b as char).is_digit(radix)).count();
        if digits == 0 || digits > 8 {
            return None;
        }
        let n = u32::from_str_radix(&s[digits_at..digits_at + digits], radix).ok()?;
        let ch = char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER);
        let end = digits_at + digits;
        let len = if s[end..].starts_with(';') { end + 1 } else { end };
        return Some((Some(ch), len));
    }
    let name_len = s.bytes().take(8).take_while(u8::is_ascii_alphanumeric).count();
    if s.as_bytes().get(name_len) != Some(&b';') {
        return None;
    }
    let ch = match &s[..name_len] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "shy" => return Some((None, name_len + 1)),
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "eacute" => 'é',
        "egrave" => 'è',
        "aacute" => 'á',
        "agrave" => 'à',
        "oacute" => 'ó',
        "iacute" => 'í',
        "uacute" => 'ú',
        "ccedil" => 'ç',
        "ntilde" => 'ñ',
        "Eacute" => 'É',
        _ => return None,
    };
    Some((Some(ch), name_len + 1))
}

/// What the audit found. Not personal data: counts, and the files, kinds and locations of hits.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditReport {
    /// Files scanned (and in-memory documents).
    pub files: u64,
    /// Bytes of the files scanned.
    pub bytes: u64,
    /// Strings scanned: non-null string cells, metadata entries and column names of Parquet
    /// files, lines of other files.
    pub strings: u64,
    /// The hits (at most 100 per file; one per location and kind).
    pub hits: Vec<AuditHit>,
}

impl AuditReport {
    /// Whether nothing personal was found.
    pub fn passed(&self) -> bool {
        self.hits.is_empty()
    }
}

/// One personal string found in a file. Not personal data: the file, the kind of the value and
/// where it is, never the value. A file whose path (below the audited root) itself holds a
/// personal string is named by the root instead.
#[derive(Debug, Clone, Serialize)]
pub struct AuditHit {
    /// The file (or the in-memory document's name).
    pub file: PathBuf,
    /// What the value was.
    pub kind: PersonalKind,
    /// Where in the file: `line 12`, ``column `text`, row group 0``, `key-value metadata`, ….
    pub location: String,
}

/// Records the hits of one file, at most one per location and kind and [`MAX_HITS_PER_FILE`].
struct FileHits<'a> {
    file: &'a Path,
    report: &'a mut AuditReport,
    seen: StdHashSet<(String, PersonalKind)>,
}

impl<'a> FileHits<'a> {
    fn new(file: &'a Path, report: &'a mut AuditReport) -> Self {
        report.files += 1;
        FileHits { file, report, seen: StdHashSet::new() }
    }

    fn hit(&mut self, kind: PersonalKind, location: impl FnOnce() -> String) {
        if self.seen.len() >= MAX_HITS_PER_FILE {
            return;
        }
        let location = location();
        if self.seen.insert((location.clone(), kind)) {
            self.report.hits.push(AuditHit { file: self.file.to_owned(), kind, location });
        }
    }
}

/// Scans files and directories for the set's personal strings; the report holds no personal
/// data. Directories are walked recursively, in name order; files named `*.parquet` or starting with Parquet's magic are read as Parquet (string columns,
/// key-value metadata, column names); every other file as text, line by line.
///
/// A root given as a symbolic link is followed; below the roots, a symbolic link whose target
/// lies inside one of the roots is skipped (the target is scanned there), one that leads
/// elsewhere or nowhere is an error, as are files that cannot be read and entries that are
/// neither files nor directories: the audit fails closed.
pub fn audit_paths(paths: &[PathBuf], set: &AuditSet) -> Result<AuditReport> {
    audit_paths_threads(paths, set, std::thread::available_parallelism().map_or(1, usize::from))
}

/// [`audit_paths`] with `threads` workers scanning files in parallel. The report is the same
/// whatever the number of threads: files are reported in walk order.
pub fn audit_paths_threads(paths: &[PathBuf], set: &AuditSet, threads: usize) -> Result<AuditReport> {
    let roots = paths
        .iter()
        .map(|p| p.canonicalize().map_err(|source| Error::Io { path: p.clone(), source }))
        .collect::<Result<Vec<_>>>()?;
    let mut report = AuditReport::default();
    let mut files = Vec::new();
    for given in paths {
        let walker = Walker { roots: &roots, root: given, set };
        if std::fs::metadata(given).map_err(io(given))?.is_dir() {
            walker.dir(given, false, &mut report, &mut files)?;
        } else {
            files.push(Pending { path: given.clone(), shown: given.clone() });
        }
    }
    // Larger files first, so that the last file does not keep one worker busy alone.
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(std::fs::metadata(&files[i].path).map_or(0, |m| m.len())));
    let results: Vec<std::sync::Mutex<Option<Result<AuditReport>>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&i) = order.get(n) else { break };
                    let mut result = AuditReport::default();
                    let result = scan_file(&files[i].path, &files[i].shown, set, &mut result).map(|()| result);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    for slot in results {
        let one = slot.into_inner().unwrap_or_else(|p| p.into_inner());
        // A worker that panicked left its file unscanned: fail closed.
        let one = one.ok_or_else(|| Error::AuditUnsupported {
            path: PathBuf::from("(a file of the audit)"),
            what: "its scan stopped on an internal error",
        })??;
        report.files += one.files;
        report.bytes += one.bytes;
        report.strings += one.strings;
        report.hits.extend(one.hits);
    }
    Ok(report)
}

/// A file to scan, and the name its hits carry.
struct Pending {
    path: PathBuf,
    shown: PathBuf,
}

/// Scans an in-memory text document (e.g. the run manifest before it is written) for the set's
/// personal strings, as [`audit_paths`] scans a text file; hits (no personal data) name it `name`.
/// Parquet bytes are not decoded here: audit Parquet files with [`audit_paths`].
pub fn audit_bytes(name: &Path, bytes: &[u8], set: &AuditSet, report: &mut AuditReport) {
    report.bytes += bytes.len() as u64;
    let mut hits = FileHits::new(name, report);
    // Reading from a slice cannot fail.
    let _ = scan_text(bytes, set, is_markup(name), &mut hits);
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

struct Walker<'a> {
    roots: &'a [PathBuf],
    /// The root being walked, as given.
    root: &'a Path,
    set: &'a AuditSet,
}

impl Walker<'_> {
    /// Scans the directory `dir`; `withheld`: a path component above it holds a personal string.
    fn dir(&self, dir: &Path, withheld: bool, report: &mut AuditReport, files: &mut Vec<Pending>) -> Result<()> {
        let mut entries = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(io(dir))?;
        entries.sort();
        for path in entries {
            let name_hit = path.file_name().and_then(|n| self.set.find(&n.to_string_lossy()));
            let withheld = withheld || name_hit.is_some();
            if let Some(kind) = name_hit {
                report.hits.push(AuditHit {
                    file: self.root.to_owned(),
                    kind,
                    location: "the name of a file or directory below it".to_owned(),
                });
            }
            let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
            let shown = || if withheld { self.root.to_owned() } else { path.clone() };
            if meta.file_type().is_symlink() {
                let target = path.canonicalize().map_err(|_| Error::AuditUnsupported {
                    path: shown(),
                    what: "a symbolic link that leads nowhere",
                })?;
                if !self.roots.iter().any(|r| target.starts_with(r)) {
                    return Err(Error::AuditUnsupported {
                        path: shown(),
                        what: "a symbolic link that leads out of the audited directories",
                    });
                }
            } else if meta.is_dir() {
                self.dir(&path, withheld, report, files)?;
            } else if meta.is_file() {
                files.push(Pending { shown: shown(), path });
            } else {
                return Err(Error::AuditUnsupported { path: shown(), what: "neither a file nor a directory" });
            }
        }
        Ok(())
    }
}

/// Scans one file (its hits carry the name `shown`).
fn scan_file(path: &Path, shown: &Path, set: &AuditSet, report: &mut AuditReport) -> Result<()> {
    let mut file = File::open(path).map_err(io(shown))?;
    let len = file.metadata().map_err(io(shown))?.len();
    let mut magic = [0u8; 4];
    let is_parquet = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
        || (len >= 8 && file.read_exact(&mut magic).is_ok() && &magic == b"PAR1");
    file.seek(SeekFrom::Start(0)).map_err(io(shown))?;
    report.bytes += len;
    let mut hits = FileHits::new(shown, report);
    if is_parquet {
        scan_parquet(file, shown, set, &mut hits)
    } else {
        scan_text(BufReader::with_capacity(1 << 16, file), set, is_markup(path), &mut hits).map_err(io(shown))
    }
}

/// Whether a file holds markup whose tags can split a value (`<tspan>An</tspan>na`).
fn is_markup(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["html", "htm", "svg", "xml", "xhtml"].iter().any(|m| e.eq_ignore_ascii_case(m)))
}

/// Scans text line by line: each line as it is and decoded, and for markup also with its tags
/// removed. Bytes that do not form UTF-8 are read as Latin-1.
fn scan_text(mut reader: impl BufRead, set: &AuditSet, markup: bool, hits: &mut FileHits<'_>) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut buf = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        hits.report.strings += 1;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        let text = match std::str::from_utf8(&line) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(utf8_or_latin1(line.clone())),
        };
        let mut found = set.find_with(&text, &mut buf);
        if found.is_none() && markup && text.contains('<') {
            found = set.find_with(&strip_tags(&text), &mut buf);
        }
        if let Some(kind) = found {
            hits.hit(kind, || format!("line {number}"));
        }
    }
    Ok(())
}

/// `text` without its markup tags.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Scans a Parquet file: its metadata and column names, then every string column (also inside
/// dictionaries, lists, structs and maps) a row group and record batch at a time.
fn scan_parquet(file: File, shown: &Path, set: &AuditSet, hits: &mut FileHits<'_>) -> Result<()> {
    let parquet_err =
        |e: parquet::errors::ParquetError| Error::Io { path: shown.to_owned(), source: std::io::Error::other(e) };
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(parquet_err)?;
    let mut buf = String::new();
    let mut check = |hits: &mut FileHits<'_>, s: &str, location: &dyn Fn() -> String| {
        hits.report.strings += 1;
        if let Some(kind) = set.find_with(s, &mut buf) {
            hits.hit(kind, location);
        }
    };
    let file_meta = meta.metadata().file_metadata();
    if let Some(created_by) = file_meta.created_by() {
        check(hits, created_by, &|| "created_by".to_owned());
    }
    for kv in file_meta.key_value_metadata().into_iter().flatten() {
        check(hits, &kv.key, &|| "key-value metadata".to_owned());
        // The Arrow schema (base64) is checked decoded, below.
        if kv.key != parquet::arrow::ARROW_SCHEMA_META_KEY
            && let Some(value) = &kv.value
        {
            check(hits, value, &|| "key-value metadata".to_owned());
        }
    }
    for column in meta.parquet_schema().columns() {
        check(hits, &column.path().string(), &|| "column names".to_owned());
    }
    let schema = meta.schema().clone();
    for (k, v) in schema.metadata() {
        check(hits, k, &|| "key-value metadata".to_owned());
        check(hits, v, &|| "key-value metadata".to_owned());
    }
    // A column whose name is personal is named by its position, so that the hit does not print it.
    let labels: Vec<String> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut personal = false;
            visit_fields(f, &mut |field| {
                check(hits, field.name(), &|| "column names".to_owned());
                personal |= set.find(field.name()).is_some();
                for (k, v) in field.metadata() {
                    check(hits, k, &|| format!("metadata of column #{i}"));
                    check(hits, v, &|| format!("metadata of column #{i}"));
                }
            });
            if personal { format!("column #{i}") } else { format!("column `{}`", f.name()) }
        })
        .collect();

    let mut states: Vec<ColumnState> = (0..schema.fields().len()).map(|_| ColumnState::default()).collect();
    for rg in 0..meta.metadata().num_row_groups() {
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file.try_clone().map_err(io(shown))?, meta.clone())
                .with_row_groups(vec![rg])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(parquet_err)?;
        for batch in reader {
            let batch = batch.map_err(|e| Error::Io { path: shown.to_owned(), source: std::io::Error::other(e) })?;
            for (i, column) in batch.columns().iter().enumerate() {
                let Some(state) = states.get_mut(i) else { continue };
                let mut scan = ArrayScan { set, state, buf: &mut buf, strings: 0 };
                let found = scan.array(column);
                hits.report.strings += scan.strings;
                if let Some(kind) = found {
                    let label = labels.get(i).map_or("a column", String::as_str);
                    hits.hit(kind, || format!("{label}, row group {rg}"));
                }
            }
        }
    }
    Ok(())
}

/// Calls `f` on `field` and every field nested in it.
fn visit_fields(field: &Field, f: &mut impl FnMut(&Field)) {
    f(field);
    match field.data_type() {
        DataType::Struct(children) => children.iter().for_each(|c| visit_fields(c, f)),
        DataType::List(c) | DataType::LargeList(c) | DataType::ListView(c) | DataType::LargeListView(c) => {
            visit_fields(c, f)
        }
        DataType::FixedSizeList(c, _) | DataType::Map(c, _) => visit_fields(c, f),
        DataType::Union(children, _) => children.iter().for_each(|(_, c)| visit_fields(c, f)),
        _ => {}
    }
}

/// What one Parquet column remembers across record batches.
#[derive(Default)]
struct ColumnState {
    /// Values already searched one by one (those that needed decoding or lowercasing).
    seen: HashSet<Box<str>>,
    /// The dictionary searched last (dictionaries are shared by the batches of a column chunk).
    dictionary: Option<ArrayRef>,
}

/// Searches the string values of one array.
struct ArrayScan<'a> {
    set: &'a AuditSet,
    state: &'a mut ColumnState,
    buf: &'a mut String,
    /// Non-null string cells searched.
    strings: u64,
}

impl ArrayScan<'_> {
    fn array(&mut self, array: &ArrayRef) -> Option<PersonalKind> {
        match array.data_type() {
            DataType::Utf8 => self.bytes(array.as_string::<i32>()),
            DataType::LargeUtf8 => self.bytes(array.as_string::<i64>()),
            DataType::Binary => self.bytes(array.as_binary::<i32>()),
            DataType::LargeBinary => self.bytes(array.as_binary::<i64>()),
            DataType::Utf8View => self.views(array.as_string_view().iter().map(|v| v.map(str::as_bytes))),
            DataType::BinaryView => self.views(array.as_binary_view().iter()),
            DataType::Dictionary(_, _) => {
                let dict = array.as_any_dictionary_opt()?;
                self.strings += (dict.keys().len() - dict.keys().null_count()) as u64;
                let values = dict.values();
                if self.state.dictionary.as_ref().is_some_and(|d| Arc::ptr_eq(d, values)) {
                    return None;
                }
                let strings = self.strings;
                let found = self.array(values);
                // Cells are counted by their keys.
                self.strings = strings;
                self.state.dictionary = Some(values.clone());
                found
            }
            DataType::Struct(_) => array.as_struct().columns().iter().find_map(|c| self.array(c)),
            DataType::List(_) => self.array(array.as_list::<i32>().values()),
            DataType::LargeList(_) => self.array(array.as_list::<i64>().values()),
            DataType::FixedSizeList(_, _) => self.array(array.as_fixed_size_list().values()),
            DataType::Map(_, _) => {
                let map = array.as_map();
                self.array(map.keys()).or_else(|| self.array(map.values()))
            }
            _ => None,
        }
    }

    /// A string or binary array with offsets: one search over the contiguous value buffer (each
    /// value's ends are token boundaries, matches across two values do not count), then the
    /// values that need decoding or Unicode lowercasing one by one.
    fn bytes<T: ByteArrayType>(&mut self, array: &GenericByteArray<T>) -> Option<PersonalKind> {
        self.strings += (array.len() - array.null_count()) as u64;
        let offsets = array.value_offsets();
        let (Some(first), Some(last)) = (offsets.first(), offsets.last()) else { return None };
        let (lo, hi) = (first.as_usize(), last.as_usize());
        let data = array.value_data().get(lo..hi)?;
        if data.is_empty() {
            return None;
        }
        // The store's identifier columns hold only pseudonyms: looked up, not searched.
        if offsets.windows(2).all(|w| {
            let (s, e) = (w[0].as_usize(), w[1].as_usize());
            s == e || data.get(s - lo..e - lo).is_some_and(is_pseudonym)
        }) {
            return self.pseudonyms(array);
        }
        let found = self.set.kind_in(data, &mut |start| {
            let at = lo + start;
            let i = offsets.partition_point(|o| o.as_usize() <= at).saturating_sub(1);
            let vs = offsets.get(i).map_or(lo, |o| o.as_usize()) - lo;
            let ve = offsets.get(i + 1).map_or(hi, |o| o.as_usize()) - lo;
            (vs, ve)
        });
        if found.is_some() {
            return found;
        }
        if data.is_ascii() && !needs_decoding(data) {
            return None;
        }
        for i in 0..array.len() {
            if array.is_null(i) {
                continue;
            }
            let value: &[u8] = array.value(i).as_ref();
            if let Some(kind) = self.one(value) {
                return Some(kind);
            }
        }
        None
    }

    /// An array of pseudonyms (and nulls or empty values): each is looked up in the few patterns
    /// that a whole token of a pseudonym can match.
    fn pseudonyms<T: ByteArrayType>(&mut self, array: &GenericByteArray<T>) -> Option<PersonalKind> {
        let like = &self.set.pseudonym_like;
        if like.is_empty() {
            return None;
        }
        (0..array.len()).filter(|i| array.is_valid(*i)).find_map(|i| {
            let value: &[u8] = array.value(i).as_ref();
            let v = std::str::from_utf8(value).ok()?;
            [v, v.get(1..)?, v.get(2..)?, v.get(..2)?].iter().find_map(|c| like.get(*c).copied())
        })
    }

    /// A view array: each value on its own.
    fn views<'v>(&mut self, values: impl Iterator<Item = Option<&'v [u8]>>) -> Option<PersonalKind> {
        for value in values.flatten() {
            self.strings += 1;
            if value.is_ascii() && !needs_decoding(value) {
                if let Some(kind) = self.set.kind_in(value, &mut |_| (0, value.len())) {
                    return Some(kind);
                }
            } else if let Some(kind) = self.one(value) {
                return Some(kind);
            }
        }
        None
    }

    /// One value that may need decoding or lowercasing, searched fully unless seen before.
    fn one(&mut self, value: &[u8]) -> Option<PersonalKind> {
        if value.is_ascii() && !needs_decoding(value) {
            // Covered by the bulk search.
            return None;
        }
        let text = match std::str::from_utf8(value) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(utf8_or_latin1(value.to_vec())),
        };
        if self.state.seen.contains(text.as_ref()) {
            return None;
        }
        let found = self.set.find_with(&text, self.buf);
        if self.state.seen.len() < MAX_SEEN_PER_COLUMN {
            self.state.seen.insert(text.into());
        }
        found
    }
}
