//! The HTML reports load nothing from the network, are well-formed and escape data.

use confstats_report::{Lang, ReportFormat};

use crate::fixture::{self, Options, SCHOOL_A};
use crate::{file, opts, render};

fn all_html(options: Options) -> Vec<(String, String)> {
    let dir = fixture::write(options);
    let mut out = Vec::new();
    for lang in [Lang::De, Lang::En] {
        for f in render(dir.path(), &opts(None, None, None, lang, ReportFormat::Html)) {
            out.push((f.name.clone(), String::from_utf8(f.contents).unwrap()));
        }
    }
    out
}

/// Values of every `name="…"` attribute.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let pattern = format!(" {name}=\"");
    html.match_indices(&pattern)
        .map(|(i, _)| {
            let rest = &html[i + pattern.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn html_loads_nothing_from_the_network() {
    for (name, html) in all_html(Options::default()) {
        let lower = html.to_ascii_lowercase();
        for banned in [
            "<script",
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "@import",
            "url(",
            "http:",
            "https:",
            " src=",
            "srcset",
            "xlink:href",
        ] {
            assert!(!lower.contains(banned), "{name} contains {banned}");
        }
        let hrefs = attributes(&html, "href");
        assert!(!hrefs.is_empty(), "{name}: the contents links are expected");
        for href in hrefs {
            assert!(href.starts_with('#') && !href.starts_with("#/"), "{name}: href {href}");
            let id = format!(" id=\"{}\"", &href[1..]);
            assert!(html.contains(&id), "{name}: link {href} has no target");
        }
        assert!(!lower.contains("//fonts") && !lower.contains("@font-face"), "{name} loads a font");
    }
}

#[test]
fn html_sets_its_language() {
    for (name, html) in all_html(Options::default()) {
        let lang = if name.contains(".de.") { "de" } else { "en" };
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\""), "{name}");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{name}");
    }
}

/// Checks that every element is closed in order (void and self-closed elements aside).
fn check_nesting(name: &str, html: &str) {
    const VOID: [&str; 5] = ["meta", "br", "hr", "img", "input"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let end = rest.find('>').unwrap_or_else(|| panic!("{name}: unterminated tag"));
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_else(|| panic!("{name}: </{closing}> without an open element"));
            assert_eq!(open, closing, "{name}: <{open}> closed by </{closing}>");
            continue;
        }
        let element: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(!element.is_empty(), "{name}: bad tag <{tag}>");
        if tag.ends_with('/') || VOID.contains(&element.as_str()) {
            continue;
        }
        if element == "style" {
            let close = rest.find("</style>").unwrap();
            rest = &rest[close + "</style>".len()..];
            continue;
        }
        stack.push(element);
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
}

#[test]
fn html_is_well_formed() {
    for (name, html) in all_html(Options::default()) {
        check_nesting(&name, &html);
        for tag in ["<html ", "<head>", "<body>", "<main>", "<nav ", "<header>", "<footer>", "</html>"] {
            assert_eq!(html.matches(tag).count(), 1, "{name}: one {tag}");
        }
        assert_eq!(html.matches("<section ").count(), html.matches("</section>").count(), "{name}");
        // Every chart has a title for screen readers.
        assert_eq!(html.matches("<svg ").count(), html.matches("role=\"img\" aria-labelledby=").count(), "{name}");
        assert!(html.matches("<svg ").count() >= 1, "{name}");
    }
}

#[test]
fn html_escapes_school_ids_from_the_data() {
    let odd = "iserv-<b>x</b>&\"y'";
    let pages = all_html(Options { odd_school: Some(odd), ..Options::default() });
    let (name, page) = pages.iter().find(|(n, _)| n.starts_with("iserv-_b_x__b")).unwrap();
    assert_eq!(name, "iserv-_b_x__b___y_.de.html", "file names never take markup or paths");
    assert!(!page.contains("<b>x</b>"), "{name}");
    assert!(page.contains("iserv-&lt;b&gt;x&lt;/b&gt;&amp;&quot;y&#39;"), "{name}");
    let (_, overview) = pages.iter().find(|(n, _)| n == "overview.de.html").unwrap();
    assert!(!overview.contains("<b>x</b>"));
    check_nesting(name, page);
}

#[test]
fn german_report_uses_german_numbers_and_words() {
    let dir = fixture::write(Options::default());
    let render_one = |school: Option<&str>, lang: Lang, name: &str| {
        let files = render(dir.path(), &opts(school, Some("2026-03-02"), None, lang, ReportFormat::Html));
        file(&files, name).to_owned()
    };
    let de = render_one(Some(SCHOOL_A), Lang::De, &format!("{SCHOOL_A}.de.html"));
    for word in ["Konferenzen", "Teilnehmende-Tage", "Teilnahme-Stunden", "unterdrückt", "Datenschutz", "Kalenderwoche"]
    {
        assert!(de.contains(word), "{word}");
    }
    // Participant hours of the released days: (9 × 1800 + 60 × 47) / 60 = 317.0.
    assert!(de.contains("<th scope=\"row\">Teilnahme-Stunden</th><td class=\"n\">317,0*</td>"));
    let en = render_one(Some(SCHOOL_A), Lang::En, &format!("{SCHOOL_A}.en.html"));
    assert!(en.contains("<th scope=\"row\">Participant hours</th><td class=\"n\">317.0*</td>"));
    assert!(!en.contains("Teilnehmende"));
    // Fleet joins: 12 days × 6 hours × (50 + 25) = 5,400.
    let all = render(dir.path(), &opts(None, Some("2026-03-02"), None, Lang::De, ReportFormat::Html));
    assert!(file(&all, "overview.de.html").contains("5.400"));
    let all = render(dir.path(), &opts(None, Some("2026-03-02"), None, Lang::En, ReportFormat::Html));
    assert!(file(&all, "overview.en.html").contains("5,400"));
}
