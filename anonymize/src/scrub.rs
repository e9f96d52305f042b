//! The free-text scrubber (DESIGN.md rule 7): messages, URLs, SDP, SIP ids and stream ids are
//! decoded (`\xHH`, `\uXXXX`, `%xx`, `+`) and every personal value in them is replaced by a placeholder, so
//! that what remains is a message template.
//!
//! | placeholder | replaces |
//! |---|---|
//! | `<id>` | an identifier or secret of the batch (or of the record), wherever it occurs |
//! | `<name>` | a name of the batch (or of the record), its parts, the name in a SIP id |
//! | `<ip>` | an IPv4 or IPv6 address (not `0.0.0.0`, `127.0.0.1`, `::`, `::1`, not versions) |
//! | `<email>` | an e-mail address |
//! | `<v>` | a URL query or form value, a URL fragment, the value of a secret-like key |
//! | `<token>` | a long random-looking token (mixes letters and digits, or long hex) |
//!
//! The batch's names, identifiers and secrets are searched with one Aho-Corasick automaton
//! (leftmost-longest) over Unicode-lowercased text; the generic classes use regexes compiled once.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use foldhash::HashSet;
use std::fmt;
use std::net::Ipv6Addr;
use std::sync::{Arc, LazyLock};

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use regex::Regex;

use crate::audit::AuditSet;

#[cfg(test)]
mod tests;

const PH_ID: &str = "<id>";
const PH_NAME: &str = "<name>";
const PH_IP: &str = "<ip>";
const PH_EMAIL: &str = "<email>";
const PH_VALUE: &str = "<v>";
const PH_TOKEN: &str = "<token>";
const PH_PHONE: &str = "<phone>";
/// What a scrubber whose automaton could not be built returns for every text (fail closed).
const PH_REDACTED: &str = "<redacted>";
/// Every placeholder the scrubber writes (words of the product's own vocabulary for the audit).
pub(crate) const PLACEHOLDERS: [&str; 8] = [PH_ID, PH_NAME, PH_IP, PH_EMAIL, PH_VALUE, PH_TOKEN, PH_PHONE, PH_REDACTED];

/// Decoding rounds, so that double (and triple) encoding is undone.
const MAX_DECODE_ROUNDS: usize = 3;
/// Names and name parts shorter than this (in characters) are not searched.
const MIN_NAME_CHARS: usize = 2;
/// Identifiers shorter than this (in characters), or without a letter, match only as whole tokens;
/// longer ones match anywhere, also inside longer tokens (`w_…_1-bbbID-…`, stream ids).
const MIN_ID_ANYWHERE_CHARS: usize = 6;
/// A lowering buffer larger than this is not kept for the next text.
const MAX_KEPT_BUFFER: usize = 1 << 20;

/// How a batch pattern matches and what replaces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An identifier or secret, matched anywhere.
    IdAnywhere,
    /// A short or numeric identifier or secret, matched as a whole token.
    IdToken,
    /// A name or a part of one, matched as a whole token.
    Name,
}

impl Kind {
    /// When the same text is registered twice, the stronger kind wins.
    fn strength(self) -> u8 {
        match self {
            Kind::IdAnywhere => 2,
            Kind::IdToken => 1,
            Kind::Name => 0,
        }
    }

    fn rank(self) -> u8 {
        match self {
            Kind::IdAnywhere | Kind::IdToken => RANK_ID,
            Kind::Name => RANK_NAME,
        }
    }

    fn placeholder(self) -> &'static str {
        match self {
            Kind::IdAnywhere | Kind::IdToken => PH_ID,
            Kind::Name => PH_NAME,
        }
    }

    fn whole_token(self) -> bool {
        !matches!(self, Kind::IdAnywhere)
    }
}

/// Overlapping replacements are merged; the placeholder of the lowest rank names the union.
const RANK_ID: u8 = 0;
const RANK_IP: u8 = 1;
const RANK_NAME: u8 = 2;

/// Collects the personal strings of one batch (holds personal data, in memory only) and builds
/// a [`Scrubber`] for them.
///
/// Names are searched as the full value and as each part of at least two characters (split at
/// every character that is not a letter or digit), case-insensitively (Unicode), as whole tokens,
/// also in the ASCII spellings of umlauts and `ß` (`ue`, `ss`). Identifiers and secrets are
/// searched as the full value, anywhere (short or numeric ones as whole tokens).
///
/// ```
/// use confstats_anonymize::ScrubberBuilder;
///
/// let scrubber = ScrubberBuilder::new().name("Jürgen Beispiel").identifier("w_h2k8d0q1x9ab").build();
/// assert_eq!(
///     scrubber.scrub("sofia/external/w_h2k8d0q1x9ab_1-bbbID-J%C3%BCrgen+Beispiel@bbb3.example.org"),
///     "sofia/external/<id>_1-bbbID-<name>@bbb3.example.org"
/// );
/// assert_eq!(scrubber.scrub("JÜRGEN from 203.0.113.41:45252"), "<name> from <ip>:45252");
/// ```
#[derive(Clone, Default)]
pub struct ScrubberBuilder {
    /// Lowercased pattern → how it matches.
    patterns: HashMap<String, Kind>,
    /// The values as given: a record's own value that is one of them needs no search of its own.
    known: HashSet<String>,
    names: usize,
    identifiers: usize,
    secrets: usize,
    /// The values of the run's other batches (see [`ScrubberBuilder::others`]).
    others: Option<Arc<AuditSet>>,
}

impl ScrubberBuilder {
    /// An empty builder: its scrubber replaces only the generic classes (IPs, e-mails, query
    /// values, tokens) and SIP names.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a name: a person's full name, a meeting or room name, a file name or a device label.
    pub fn name(&mut self, full_name: &str) -> &mut Self {
        self.names += 1;
        self.known.insert(full_name.trim().to_owned());
        name_patterns(full_name, &mut |p, k| self.add(p, k));
        self
    }

    /// Adds an identifier: an account id, a BBB user id, a meeting id or an external meeting id.
    pub fn identifier(&mut self, id: &str) -> &mut Self {
        self.identifiers += 1;
        self.known.insert(id.trim().to_owned());
        if let Some((p, k)) = id_pattern(id) {
            self.add(p, k);
        }
        self
    }

    /// Adds a secret: a session token, a password or a checksum.
    pub fn secret(&mut self, token: &str) -> &mut Self {
        self.secrets += 1;
        self.known.insert(token.trim().to_owned());
        if let Some((p, k)) = id_pattern(token) {
            self.add(p, k);
        }
        self
    }

    /// Also replaces the values of `others` — the names, identifiers and secrets of the run's
    /// other batches (other servers' lifecycle logs) — where they occur as whole tokens, with
    /// the leak audit's matching (DESIGN.md "Audit matching"): a text of one server that names a
    /// person or room of another is scrubbed of it too.
    pub fn others(&mut self, others: Arc<AuditSet>) -> &mut Self {
        self.others = Some(others);
        self
    }

    /// Builds the scrubber: one automaton over all names, identifiers and secrets added so far.
    pub fn build(&self) -> Scrubber {
        let mut patterns = Vec::with_capacity(self.patterns.len());
        let mut kinds = Vec::with_capacity(self.patterns.len());
        for (p, k) in &self.patterns {
            patterns.push(p.as_str());
            kinds.push(*k);
        }
        let (automaton, failed) = if patterns.is_empty() {
            (None, false)
        } else {
            match AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(StartKind::Both)
                .build(&patterns)
            {
                Ok(ac) => (Some(ac), false),
                // Too many patterns for the automaton: fail closed rather than leak.
                Err(_) => (None, true),
            }
        };
        Scrubber {
            automaton,
            others: self.others.clone(),
            known: self.known.clone(),
            kinds,
            names: self.names,
            identifiers: self.identifiers,
            secrets: self.secrets,
            failed,
        }
    }

    fn add(&mut self, pattern: String, kind: Kind) {
        match self.patterns.entry(pattern) {
            Entry::Occupied(mut e) => {
                if kind.strength() > e.get().strength() {
                    e.insert(kind);
                }
            }
            Entry::Vacant(e) => {
                e.insert(kind);
            }
        }
    }
}

impl fmt::Debug for ScrubberBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScrubberBuilder")
            .field("names", &self.names)
            .field("identifiers", &self.identifiers)
            .field("secrets", &self.secrets)
            .field("patterns", &self.patterns.len())
            .finish()
    }
}

/// Scrubs free text of one batch's personal values (holds personal data, in memory only: the
/// automaton contains every name, identifier and secret of the batch; `Debug` prints counts).
///
/// Cheap to clone (the automaton is shared) and safe to use from many threads.
#[derive(Clone)]
pub struct Scrubber {
    automaton: Option<AhoCorasick>,
    /// The values of the run's other batches, matched as whole tokens.
    others: Option<Arc<AuditSet>>,
    /// Values the automaton already covers (see [`ScrubberBuilder`]).
    known: HashSet<String>,
    /// The kind of each automaton pattern, by pattern id.
    kinds: Vec<Kind>,
    names: usize,
    identifiers: usize,
    secrets: usize,
    /// The automaton could not be built: every text scrubs to `<redacted>`.
    failed: bool,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrubber")
            .field("names", &self.names)
            .field("identifiers", &self.identifiers)
            .field("secrets", &self.secrets)
            .field("patterns", &self.kinds.len())
            .field("failed", &self.failed)
            .finish()
    }
}

impl Scrubber {
    /// Decodes `text` and returns it as a template: the batch's identifiers and secrets, IP
    /// addresses, e-mail addresses, URL query values, the batch's names and random-looking tokens
    /// replaced by placeholders. Never panics.
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_with(text, &[])
    }

    /// Whether `value` is one of the batch's names, identifiers or secrets (so that
    /// [`Scrubber::scrub_with`] needs no search for it of its own).
    pub fn knows(&self, value: &str) -> bool {
        self.known.contains(value.trim())
    }

    /// Like [`scrub`](Self::scrub), and also replaces `extra`: the record's own names and
    /// identifiers that are not in the batch. A value that contains a digit or `_` is searched as
    /// an identifier (the full value, `<id>`); any other as a name (full value and parts, whole
    /// tokens, `<name>`).
    pub fn scrub_with(&self, text: &str, extra: &[&str]) -> String {
        if self.failed {
            return PH_REDACTED.to_owned();
        }
        let decoded = pre_decode(text);
        let s: &str = &decoded;
        let mut spans = Vec::new();
        self.pattern_spans(s, extra, &mut spans);
        generic_spans(s, &mut spans);
        let has_digit = s.bytes().any(|b| b.is_ascii_digit());
        if spans.is_empty() && !has_digit {
            return decoded.into_owned();
        }
        assemble(s, spans)
    }

    /// Finds the batch's and the record's names, identifiers and secrets in `s`.
    fn pattern_spans(&self, s: &str, extras: &[&str], spans: &mut Vec<Span>) {
        if self.automaton.is_none() && self.others.is_none() && extras.iter().all(|e| e.trim().is_empty()) {
            return;
        }
        BUFFERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buffers) => {
                let Buffers { lowered, value } = &mut *buffers;
                self.pattern_spans_in(s, lowered, value, extras, spans);
                if lowered.capacity() > MAX_KEPT_BUFFER {
                    *lowered = String::new();
                }
            }
            Err(_) => self.pattern_spans_in(s, &mut String::new(), &mut String::new(), extras, spans),
        });
    }

    fn pattern_spans_in(
        &self,
        s: &str,
        lowered: &mut String,
        value: &mut String,
        extras: &[&str],
        spans: &mut Vec<Span>,
    ) {
        let map = fold_into(s, lowered);
        let folded = Folded { orig: s, low: lowered.as_str(), map: map.as_deref() };
        if let Some(ac) = &self.automaton {
            search_automaton(ac, &self.kinds, &folded, spans);
        }
        if let Some(others) = &self.others {
            others.each_span(folded.low, &mut |ls, le, kind| {
                let kind = if kind.is_name() { Kind::Name } else { Kind::IdToken };
                spans.extend(folded.accept(ls, le, kind));
            });
        }
        // A record's own value that the batch automaton covers needs no search of its own (the
        // common case: the lifecycle logs named every participant).
        for extra in extras.iter().filter(|e| self.automaton.is_none() || !self.known.contains(e.trim())) {
            fold_into(extra.trim(), value);
            if extra.bytes().any(|b| b.is_ascii_digit() || b == b'_') {
                if let Some(kind) = id_kind(value) {
                    folded.find_all(value, kind, spans);
                }
            } else {
                name_patterns_of_folded(value, &mut |p| folded.find_all(p, Kind::Name, spans));
            }
        }
    }
}

thread_local! {
    /// Scratch text reused across calls: the lowercased text and a lowercased extra value.
    static BUFFERS: RefCell<Buffers> = const { RefCell::new(Buffers { lowered: String::new(), value: String::new() }) };
}

struct Buffers {
    lowered: String,
    value: String,
}

/// Runs the automaton over the lowercased text: leftmost-longest matches; a name match that is not
/// a whole token gives way to shorter matches at the same start, then to matches further right.
fn search_automaton(ac: &AhoCorasick, kinds: &[Kind], folded: &Folded<'_>, spans: &mut Vec<Span>) {
    let low = folded.low;
    let mut pos = 0;
    while pos < low.len() {
        let Some(first) = ac.try_find(Input::new(low).range(pos..)).ok().flatten() else {
            break;
        };
        let start = first.start();
        let mut candidate = Some(first);
        let mut accepted = None;
        while let Some(m) = candidate {
            let kind = kinds.get(m.pattern().as_usize()).copied().unwrap_or(Kind::IdAnywhere);
            if let Some(span) = folded.accept(m.start(), m.end(), kind) {
                accepted = Some((span, m.end()));
                break;
            }
            candidate = if m.end() > start + 1 {
                ac.try_find(Input::new(low).range(start..m.end() - 1).anchored(Anchored::Yes)).ok().flatten()
            } else {
                None
            };
        }
        match accepted {
            Some((span, end)) => {
                spans.push(span);
                pos = end.max(pos + 1);
            }
            None => pos = start + low.get(start..).and_then(|r| r.chars().next()).map_or(1, char::len_utf8),
        }
    }
}

/// A text and its lowercased copy, with the byte offset map between them when lengths differ.
struct Folded<'a> {
    orig: &'a str,
    low: &'a str,
    /// For each byte of `low` (and one past the end), the start of the original character it
    /// comes from; `None` when `low` and `orig` have the same offsets.
    map: Option<&'a [usize]>,
}

impl Folded<'_> {
    /// The original range of the lowered range `ls..le`, rounded outwards to whole characters.
    fn orig_range(&self, ls: usize, le: usize) -> Option<(usize, usize)> {
        let Some(map) = self.map else {
            return Some((ls, le));
        };
        let os = *map.get(ls)?;
        let last = *map.get(le.checked_sub(1)?)?;
        let next = *map.get(le)?;
        let oe =
            if next == last { last + self.orig.get(last..)?.chars().next().map_or(0, char::len_utf8) } else { next };
        Some((os, oe))
    }

    /// Adds every replaceable occurrence of the lowercased `pattern`.
    fn find_all(&self, pattern: &str, kind: Kind, spans: &mut Vec<Span>) {
        if pattern.is_empty() {
            return;
        }
        for (i, _) in self.low.match_indices(pattern) {
            if let Some(span) = self.accept(i, i + pattern.len(), kind) {
                spans.push(span);
            }
        }
    }

    /// The span of a pattern match, if it may be replaced (names must be whole tokens).
    fn accept(&self, ls: usize, le: usize, kind: Kind) -> Option<Span> {
        let (start, end) = self.orig_range(ls, le)?;
        if start >= end || !self.orig.is_char_boundary(start) || !self.orig.is_char_boundary(end) {
            return None;
        }
        if kind.whole_token() {
            let before = self.orig[..start].chars().next_back();
            let after = self.orig[end..].chars().next();
            if before.is_some_and(is_word_char) || after.is_some_and(is_word_char) {
                return None;
            }
        }
        Some(Span { start, end, rank: kind.rank(), placeholder: kind.placeholder() })
    }
}

/// Writes the Unicode lowercase of `s` into `buf` (ASCII vowels followed by a combining diaeresis
/// become the composed umlaut). Returns the offset map when the offsets of `buf` and `s` differ.
pub(crate) fn fold_into(s: &str, buf: &mut String) -> Option<Vec<usize>> {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
        return None;
    }
    buf.reserve(s.len());
    let mut map: Option<Vec<usize>> = None;
    for (i, c) in s.char_indices() {
        if c == '\u{308}'
            && let Some(composed) = buf.chars().next_back().and_then(umlaut)
        {
            // A one-byte vowel and a two-byte mark become one two-byte letter.
            let vowel_at = buf.len() - 1;
            let map = map.get_or_insert_with(|| (0..buf.len()).collect());
            let origin = map.get(vowel_at).copied().unwrap_or(i);
            buf.pop();
            map.truncate(vowel_at);
            buf.push(composed);
            map.extend([origin; 2]);
            continue;
        }
        let before = buf.len();
        buf.extend(c.to_lowercase());
        let added = buf.len() - before;
        if map.is_none() && added != c.len_utf8() {
            map = Some((0..before).collect());
        }
        if let Some(map) = map.as_mut() {
            map.extend(std::iter::repeat_n(i, added));
        }
    }
    if let Some(map) = map.as_mut() {
        map.push(s.len());
    }
    map
}

/// Letters, digits and combining marks (`İ` lowercases to `i` and a combining dot) make up
/// tokens; every other character is a token boundary.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c)
}

/// The umlaut of a lowercase ASCII vowel (for a following combining diaeresis).
fn umlaut(c: char) -> Option<char> {
    Some(match c {
        'a' => 'ä',
        'o' => 'ö',
        'u' => 'ü',
        'e' => 'ë',
        'i' => 'ï',
        _ => return None,
    })
}

/// The Unicode lowercase of `s` as the automaton sees it.
pub(crate) fn fold(s: &str) -> String {
    let mut buf = String::new();
    fold_into(s, &mut buf);
    buf
}

/// The patterns of a name: the full value and its parts, each with its ASCII spelling.
fn name_patterns(full_name: &str, emit: &mut impl FnMut(String, Kind)) {
    name_patterns_of_folded(&fold(full_name.trim()), &mut |p| emit(p.to_owned(), Kind::Name));
}

/// [`name_patterns`] of an already lowercased and trimmed name.
fn name_patterns_of_folded(folded: &str, emit: &mut impl FnMut(&str)) {
    name_variants(folded, &mut |p, _| emit(p));
}

/// The search strings of an already lowercased and trimmed name, each of at least two characters,
/// with its ASCII spelling (`ä` → `ae`, `ß` → `ss`): first the full name (`false`), then each part
/// between characters that are not letters or digits (`true`; none when the name is one part).
/// Shared by the scrubber and the leak audit.
pub(crate) fn name_variants(folded: &str, emit: &mut impl FnMut(&str, bool)) {
    let mut emit_variants = |p: &str, part: bool| {
        if p.chars().count() < MIN_NAME_CHARS {
            return;
        }
        if p.contains(['ä', 'ö', 'ü', 'ß']) {
            emit(&ascii_spelling(p), part);
        }
        emit(p, part);
    };
    emit_variants(folded, false);
    for part in folded.split(|c: char| !is_word_char(c)) {
        if part.len() < folded.len() {
            emit_variants(part, true);
        }
    }
}

/// The ASCII spelling of a lowercased German word: `ä` → `ae`, `ö` → `oe`, `ü` → `ue`, `ß` → `ss`.
pub(crate) fn ascii_spelling(p: &str) -> String {
    p.replace('ä', "ae").replace('ö', "oe").replace('ü', "ue").replace('ß', "ss")
}

/// The pattern of an identifier or secret.
fn id_pattern(id: &str) -> Option<(String, Kind)> {
    let folded = fold(id.trim());
    let kind = id_kind(&folded)?;
    Some((folded, kind))
}

/// How a lowercased identifier matches: anywhere when long and with a letter, else as a whole
/// token; `None` when too short.
fn id_kind(folded: &str) -> Option<Kind> {
    let chars = folded.chars().count();
    if chars < MIN_NAME_CHARS {
        return None;
    }
    Some(if chars >= MIN_ID_ANYWHERE_CHARS && folded.chars().any(char::is_alphabetic) {
        Kind::IdAnywhere
    } else {
        Kind::IdToken
    })
}

/// A range of the decoded text to replace.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    rank: u8,
    placeholder: &'static str,
}

/// Writes the template: spans replaced (overlapping ones merged), tokens replaced in the gaps.
fn assemble(s: &str, mut spans: Vec<Span>) -> String {
    spans.sort_unstable_by_key(|sp| (sp.start, sp.rank));
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut current: Option<Span> = None;
    for sp in spans {
        match current.as_mut() {
            Some(cur) if sp.start < cur.end => {
                cur.end = cur.end.max(sp.end);
                if sp.rank < cur.rank {
                    cur.rank = sp.rank;
                    cur.placeholder = sp.placeholder;
                }
            }
            _ => {
                if let Some(cur) = current.replace(sp) {
                    push_gap(&mut out, s.get(last..cur.start).unwrap_or_default());
                    out.push_str(cur.placeholder);
                    last = cur.end;
                }
            }
        }
    }
    if let Some(cur) = current {
        push_gap(&mut out, s.get(last..cur.start).unwrap_or_default());
        out.push_str(cur.placeholder);
        last = cur.end;
    }
    push_gap(&mut out, s.get(last..).unwrap_or_default());
    out
}

static TOKEN_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9_\-]{12,}").expect("static regex"));

/// Copies a stretch of text between replacements, replacing random-looking tokens.
fn push_gap(out: &mut String, gap: &str) {
    if !gap.bytes().any(|b| b.is_ascii_digit()) {
        out.push_str(gap);
        return;
    }
    let mut last = 0;
    for m in TOKEN_RUN.find_iter(gap) {
        let run = m.as_str();
        let trimmed_start = run.trim_start_matches(['-', '_']);
        let token = trimmed_start.trim_end_matches(['-', '_']);
        let Some((from, to)) = token_range(token) else { continue };
        let start = m.start() + (run.len() - trimmed_start.len());
        out.push_str(&gap[last..start + from]);
        out.push_str(PH_TOKEN);
        last = start + to;
    }
    out.push_str(&gap[last..]);
}

/// The random-looking part of a run of `[A-Za-z0-9_-]` (its byte range), if any:
/// - the whole run, if it holds at least 16 hex digits with letters and digits (UUIDs, hashes);
/// - else from the first to the last part (between `-`/`_`) of at least 12 characters that mixes
///   letters and digits and is not a compact timestamp (`w_<token>_1-bbbID-…`);
/// - else the whole run, if it has at least 16 characters alternating often between letters and
///   digits.
fn token_range(run: &str) -> Option<(usize, usize)> {
    if run.len() < 12 {
        return None;
    }
    let compact = || run.bytes().filter(|b| !matches!(b, b'-' | b'_'));
    let len = compact().count();
    let digits = compact().filter(u8::is_ascii_digit).count();
    if len >= 16 && digits > 0 && digits < len && compact().all(|b| b.is_ascii_hexdigit()) {
        return Some((0, run.len()));
    }
    let mut random: Option<(usize, usize)> = None;
    let mut offset = 0;
    for part in run.split(['-', '_']) {
        let mixed = part.len() >= 12
            && part.bytes().any(|b| b.is_ascii_digit())
            && part.bytes().any(|b| b.is_ascii_alphabetic() && !matches!(b, b'T' | b'Z' | b't' | b'z'));
        if mixed {
            let from = random.map_or(offset, |(from, _)| from);
            random = Some((from, offset + part.len()));
        }
        offset += part.len() + 1;
    }
    if random.is_some() {
        return random;
    }
    let switches = compact().zip(compact().skip(1)).filter(|(a, b)| a.is_ascii_digit() != b.is_ascii_digit()).count();
    (len >= 16 && digits > 0 && switches >= 4).then_some((0, run.len()))
}

static SIP_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)-bbbid-(?:listenonly-)?([^@\r\n"<>\[\](),;]+)"#).expect("static regex"));
pub(crate) static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}").expect("static regex"));
pub(crate) static IPV6: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}(?:\.[0-9]{1,3}){0,3}").expect("static regex")
});

/// Finds SIP names and IP addresses in the decoded text (e-mails and query values are already
/// replaced by [`pre_decode`]).
/// An international telephone number (dial-in callers): `+`, then 8 to 15 digits, optionally
/// grouped by single spaces, `-` or `/`; not glued to a word or another number before it.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\w+])(\+\d(?:[ \-/]?\d){7,14})\b").expect("static regex"));

fn generic_spans(s: &str, spans: &mut Vec<Span>) {
    if s.as_bytes().contains(&b'+') {
        for caps in PHONE.captures_iter(s) {
            if let Some(m) = caps.get(1) {
                spans.push(Span { start: m.start(), end: m.end(), rank: RANK_IP, placeholder: PH_PHONE });
            }
        }
    }
    if s.len() >= 7 && s.as_bytes().windows(7).any(|w| w.eq_ignore_ascii_case(b"-bbbid-")) {
        for caps in SIP_NAME.captures_iter(s) {
            if let Some(name) = caps.get(1) {
                let trimmed = name.as_str().trim_end();
                if !trimmed.trim_start().is_empty() {
                    spans.push(Span {
                        start: name.start(),
                        end: name.start() + trimmed.len(),
                        rank: RANK_NAME,
                        placeholder: PH_NAME,
                    });
                }
            }
        }
    }
    let bytes = s.as_bytes();
    if bytes.contains(&b'.') && bytes.iter().any(u8::is_ascii_digit) {
        for m in IPV4.find_iter(s) {
            if is_ipv4(s, m.start(), m.end()) {
                spans.push(Span { start: m.start(), end: m.end(), rank: RANK_IP, placeholder: PH_IP });
            }
        }
    }
    if bytes.contains(&b':') {
        let mut pos = 0;
        while let Some(m) = IPV6.find_at(s, pos) {
            if let Some(end) = ipv6_end(s, m.start(), m.end()) {
                spans.push(Span { start: m.start(), end, rank: RANK_IP, placeholder: PH_IP });
                pos = end;
            } else {
                // A candidate glued to the word before it (`addr:2001:db8::1`, `ip6:2001:db8::1`)
                // may hold an address after its first colon: look again from there.
                pos = m.start() + m.as_str().find(':').map_or(1, |i| i + 1);
            }
            if pos >= s.len() {
                break;
            }
        }
    }
}

/// Whether the dotted quad at `start..end` is a personal IPv4 address (not a version such as
/// `Chrome/131.0.0.0`, not part of a longer dotted number, not `0.0.0.0` or `127.0.0.1`).
pub(crate) fn is_ipv4(s: &str, start: usize, end: usize) -> bool {
    let text = &s[start..end];
    if text.split('.').any(|o| o.parse::<u16>().map_or(true, |n| n > 255)) {
        return false;
    }
    if matches!(text, "0.0.0.0" | "127.0.0.1") {
        return false;
    }
    let mut before = s[..start].chars().rev();
    match before.next() {
        Some(c) if c.is_ascii_digit() || c == '.' => return false,
        // `Chrome/131.0.0.0` is a version; `//203.0.113.4` (a URL), `udp/203.0.113.4` and
        // `/ip/203.0.113.4` (lowercase words, path segments) are not.
        Some('/') if ends_with_product(&s[..start - 1]) => return false,
        _ => {}
    }
    let after = &s.as_bytes()[end..];
    match after {
        [d, ..] if d.is_ascii_digit() => false,
        [b'.', d, ..] if d.is_ascii_digit() => false,
        _ => true,
    }
}

/// Whether `s` ends with a product token as user agents write them before a version
/// (`Chrome`, `OPR`, `Version`, `SamsungBrowser`): a word that starts with an uppercase letter.
fn ends_with_product(s: &str) -> bool {
    let word_start = s.char_indices().rev().take_while(|(_, c)| c.is_alphanumeric()).last().map(|(i, _)| i);
    word_start.and_then(|i| s[i..].chars().next()).is_some_and(|c| c.is_ascii_uppercase())
}

/// The end of the personal IPv6 address that the candidate at `start..end` holds (with a zone
/// index `%eth0`), or `None` (not an address, part of a longer word, `::` or `::1`).
pub(crate) fn ipv6_end(s: &str, start: usize, end: usize) -> Option<usize> {
    if s[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_') {
        return None;
    }
    let cand = &s[start..end];
    let parse = |c: &str| c.parse::<Ipv6Addr>().ok();
    let mut found = parse(cand).map(|ip| (ip, end));
    if found.is_none() {
        let trimmed = cand.trim_end_matches(':');
        if trimmed.len() < cand.len() {
            found = parse(trimmed).map(|ip| (ip, start + trimmed.len()));
        }
    }
    if found.is_none()
        && let Some(i) = cand.rfind(':')
        && (cand.contains("::") || (cand.matches(':').count() == 8 && !s[end..].starts_with(':')))
    {
        // A port after the address: `2001:db8::1:443` parses whole; this catches the rest.
        found = parse(&cand[..i]).map(|ip| (ip, start + i));
    }
    let (ip, mut end) = found?;
    if ip.is_unspecified() || ip.is_loopback() {
        return None;
    }
    let rest = &s[end..];
    if rest.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    if let Some(zone) = rest.strip_prefix('%') {
        let len = zone.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')).count();
        if len > 0 {
            end += 1 + len;
        }
    }
    Some(end)
}

/// Undoes `\xHH` (nginx), `\uXXXX` (JSON), `%xx` (URLs) and `+` (spaces in form encoding; kept
/// before a digit when no letter precedes it, as in `+01:00`) everywhere in `text`, repeated
/// until nothing changes (at most three rounds), so that double encoding (`%2520`) is undone too. Bytes that do not form UTF-8 are read as Latin-1 (`J%FCrgen` is `Jürgen`).
/// Borrows when there is nothing to decode.
pub fn decode(text: &str) -> Cow<'_, str> {
    let mut cur = Cow::Borrowed(text);
    for _ in 0..MAX_DECODE_ROUNDS {
        let next = match decode_round(&cur, true, true) {
            Cow::Owned(s) => s,
            Cow::Borrowed(_) => break,
        };
        cur = Cow::Owned(next);
    }
    cur
}

/// Decoding as [`Scrubber::scrub`] does it: per round, `\xHH` first, then query values, e-mails
/// and secret-like values are replaced while `%xx` and `+` are still encoded (so that a value's
/// end is still known), then `%xx` and `+` are decoded; finally the replacement runs once more.
fn pre_decode(text: &str) -> Cow<'_, str> {
    let mut cur = Cow::Borrowed(text);
    for _ in 0..MAX_DECODE_ROUNDS {
        let mut decoded = false;
        for step in [Step::Escapes, Step::Values, Step::Percent] {
            let next = match step.apply(&cur) {
                Cow::Owned(s) => s,
                Cow::Borrowed(_) => continue,
            };
            cur = Cow::Owned(next);
            decoded |= !matches!(step, Step::Values);
        }
        if !decoded {
            // Nothing was decoded, so the values of this text are already replaced.
            return cur;
        }
    }
    let next = match strip_values(&cur) {
        Cow::Owned(s) => s,
        Cow::Borrowed(_) => return cur,
    };
    Cow::Owned(next)
}

#[derive(Clone, Copy)]
enum Step {
    Escapes,
    Values,
    Percent,
}

impl Step {
    fn apply(self, s: &str) -> Cow<'_, str> {
        match self {
            Step::Escapes => decode_round(s, true, false),
            Step::Values => strip_values(s),
            Step::Percent => decode_round(s, false, true),
        }
    }
}

/// One round of decoding: `\xHH` and `\uXXXX` when `escapes`, `%xx` and `+` when `percent`.
fn decode_round(s: &str, escapes: bool, percent: bool) -> Cow<'_, str> {
    let needed = (escapes && (s.contains("\\x") || s.contains("\\u"))) || (percent && s.contains(['%', '+']));
    if !needed {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let hex_at = |i: usize| b.get(i).and_then(|c| (*c as char).to_digit(16));
    let mut out = Vec::with_capacity(b.len());
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if escapes
            && c == b'\\'
            && b.get(i + 1) == Some(&b'x')
            && let (Some(h), Some(l)) = (hex_at(i + 2), hex_at(i + 3))
        {
            out.push((h * 16 + l) as u8);
            i += 4;
            changed = true;
            continue;
        }
        if escapes
            && c == b'\\'
            && b.get(i + 1) == Some(&b'u')
            && let Some((ch, len)) = json_escape_at(b, i)
        {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            i += len;
            changed = true;
            continue;
        }
        if percent
            && c == b'%'
            && let (Some(h), Some(l)) = (hex_at(i + 1), hex_at(i + 2))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            changed = true;
            continue;
        }
        // `+` is a space, except in `+01:00` and the like: before a digit and not after a letter.
        let keep_plus = b.get(i + 1).is_some_and(u8::is_ascii_digit) && !(i > 0 && b[i - 1].is_ascii_alphabetic());
        if percent && c == b'+' && !keep_plus {
            out.push(b' ');
            i += 1;
            changed = true;
            continue;
        }
        out.push(c);
        i += 1;
    }
    if !changed {
        return Cow::Borrowed(s);
    }
    Cow::Owned(utf8_or_latin1(out))
}

/// The character of the JSON escape `\uXXXX` (or a surrogate pair `\uD83D\uDE00`) at `i` of `b`,
/// and the escape's length in bytes.
fn json_escape_at(b: &[u8], i: usize) -> Option<(char, usize)> {
    let unit = |at: usize| -> Option<u32> {
        if b.get(at) != Some(&b'\\') || b.get(at + 1) != Some(&b'u') {
            return None;
        }
        let hex = b.get(at + 2..at + 6)?;
        hex.iter().try_fold(0u32, |n, d| Some(n * 16 + (*d as char).to_digit(16)?))
    };
    let first = unit(i)?;
    if (0xD800..0xDC00).contains(&first) {
        let second = unit(i + 6).filter(|u| (0xDC00..0xE000).contains(u))?;
        return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)).map(|c| (c, 12));
    }
    char::from_u32(first).map(|c| (c, 6))
}

/// Bytes as text: valid UTF-8 as it is, every other byte as its Latin-1 character.
pub(crate) fn utf8_or_latin1(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                out.extend(chunk.invalid().iter().map(|b| char::from(*b)));
            }
            out
        }
    }
}

/// The pattern of an e-mail address (a macro so that `concat!` can use it).
macro_rules! email_pattern {
    () => {
        r#"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}"#
    };
}

/// An e-mail address, as the scrubber finds it (shared with the leak audit).
pub(crate) static EMAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(email_pattern!()).expect("static regex"));

/// Query strings (with fragments), URL fragments, e-mail addresses, form bodies
/// (`k=v&k=v`) and the values of secret- or name-like keys — in this order of preference, which
/// [`rewrite_value`] relies on to tell the alternatives apart without capture groups.
static VALUES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"\?[^\s"'<>#?]+(?:#[^\s"'<>]*)?"#,
        r#"|[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>#?]*#[^\s"'<>]*"#,
        "|",
        email_pattern!(),
        r#"|[A-Za-z0-9_.\-\[\]]+=[^&\s"'<>#]*(?:&[A-Za-z0-9_.\-\[\]]+=[^&\s"'<>#]*)+"#,
        r#"|(?i-u:\b(?:password|passwd|pwd|secret|checksum|token|session[_-]?token|auth[_-]?token"#,
        r#"|access[_-]?token|api[_-]?key|full[_-]?name|user[_-]?name|conf[_-]?name|caller[_-]?name"#,
        r#"|e-?mail|ice-pwd|ice-ufrag)[=:])[^\s"'<>&,;]+"#,
    ))
    .expect("static regex")
});

/// Replaces query and form values, fragments, e-mail addresses and secret-like values.
fn strip_values(s: &str) -> Cow<'_, str> {
    if !s.contains(['=', '#', '@']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut last = 0;
    let mut piece = String::new();
    for m in VALUES.find_iter(s) {
        piece.clear();
        if !rewrite_value(s, m.start(), m.as_str(), &mut piece) || piece == m.as_str() {
            continue;
        }
        out.push_str(&s[last..m.start()]);
        out.push_str(&piece);
        last = m.end();
    }
    if last == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

/// Writes the replacement of one [`VALUES`] match `m` (at `start` of `s`); `false` to keep it.
fn rewrite_value(s: &str, start: usize, m: &str, out: &mut String) -> bool {
    let (head, fragment) = match m.split_once('#') {
        Some((head, fragment)) => (head, Some(fragment)),
        None => (m, None),
    };
    let push_fragment = |out: &mut String| {
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(if fragment.is_empty() { "" } else { PH_VALUE });
        }
    };
    if let Some(query) = m.strip_prefix('?') {
        // `?query#fragment`
        let query = query.split_once('#').map_or(query, |(q, _)| q);
        out.push('?');
        rewrite_pairs(query, out);
        push_fragment(out);
    } else if head
        .split_once("://")
        .is_some_and(|(scheme, _)| scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')))
    {
        // `scheme://host/path#fragment`
        out.push_str(head);
        push_fragment(out);
    } else if !m.contains(['=', ':']) {
        // an e-mail address
        if in_sip_id(s, start, m) {
            return false;
        }
        out.push_str(PH_EMAIL);
    } else if m.contains('&') {
        // `k=v&k=v`
        rewrite_pairs(m, out);
    } else if let Some(i) = m.find(['=', ':']) {
        // `password=…`
        out.push_str(&m[..=i]);
        out.push_str(PH_VALUE);
    } else {
        return false;
    }
    true
}

/// `k=v&k2=v2` → `k=<v>&k2=<v>`; parts without `=` stay.
fn rewrite_pairs(pairs: &str, out: &mut String) {
    for (i, part) in pairs.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match part.split_once('=') {
            Some((key, value)) if !value.is_empty() => {
                out.push_str(key);
                out.push('=');
                out.push_str(PH_VALUE);
            }
            _ => out.push_str(part),
        }
    }
}

/// Whether the e-mail-like match at `start` is the `name@host` end of a SIP/FreeSWITCH id
/// (`…-bbbID-Jürgen Beispiel@bbb3.example.org`): its name is replaced later, its host stays.
fn in_sip_id(s: &str, start: usize, email: &str) -> bool {
    let at = start + email.find('@').unwrap_or(email.len());
    let before = &s[..start];
    let from = before.rfind(['@', '\n', '"', '\'']).map_or(0, |i| i + 1);
    s.as_bytes()[from..at].windows(7).any(|w| w.eq_ignore_ascii_case(b"-bbbid-"))
}
