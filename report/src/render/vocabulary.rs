//! The reports' own fixed vocabulary: every word of the texts the reports are made of, in both
//! languages (DESIGN.md "Audit matching": a surname that is also a word of the report's own text,
//! such as "Lange" in "dauerte zu lange", must not fail a leak audit).
//!
//! The words are taken from the string literals of the modules that hold report text, embedded
//! at compile time, so the list can never fall behind the texts.

use std::collections::BTreeSet;

/// The sources whose string literals make up the report text.
const SOURCES: [&str; 5] = [
    include_str!("i18n.rs"),
    include_str!("html.rs"),
    include_str!("md.rs"),
    include_str!("svg.rs"),
    include_str!("csv.rs"),
];

/// Every word (lower case, letters only, at least two letters) of the report texts.
pub fn vocabulary() -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for source in SOURCES {
        for literal in string_literals(source) {
            for word in literal.split(|c: char| !c.is_alphabetic()) {
                if word.chars().count() >= 2 {
                    words.insert(word.to_lowercase());
                }
            }
        }
    }
    words
}

/// The contents of the `"…"` literals of Rust source text (escapes kept as they are; comments
/// and char literals are skipped well enough for word extraction).
fn string_literals(source: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(start) = rest.find('"') {
            let after = &rest[start + 1..];
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let Some(end) = end else { break };
            out.push(&after[..end]);
            rest = &after[end + 1..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_holds_the_report_words_of_both_languages() {
        let words = vocabulary();
        for w in ["lange", "konferenzen", "teilnehmende", "conferences", "participants", "unterdrückt"] {
            assert!(words.contains(w), "{w}");
        }
        assert!(!words.contains("mustermann"));
    }

    #[test]
    fn literals_are_read_with_escapes_and_comments_skipped() {
        let src = "// \"ignored\"\nlet a = (\"one \\\"two\\\"\", \"three\");";
        assert_eq!(string_literals(src), vec!["one \\\"two\\\"", "three"]);
    }
}
