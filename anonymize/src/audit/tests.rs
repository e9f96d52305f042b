use std::collections::HashSet as StdHashSet;
use std::sync::Arc;

use arrow::array::{ArrayRef, DictionaryArray, RecordBatch, StringArray, StringViewArray, UInt32Array};
use arrow::datatypes::{DataType, Int32Type};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use proptest::prelude::*;

use super::*;

const NAME: &str = "Jürgen Beispielmann";
const ACCOUNT: &str = "jbeispielmann";
const IP: &str = "203.0.113.41";

fn vocabulary() -> StdHashSet<String> {
    ["lange", "konferenzen", "teilnehmende", "minuten"].iter().map(|s| (*s).to_owned()).collect()
}

fn batch_set() -> AuditSet {
    let mut b = AuditSetBuilder::new();
    b.add(PersonalKind::PersonName, NAME)
        .add(PersonalKind::PersonName, "Anna Lange")
        .add(PersonalKind::PersonName, "Bo Li")
        .add(PersonalKind::MeetingName, "Klasse 4b Erdkunde")
        .add(PersonalKind::AccountId, ACCOUNT)
        .add(PersonalKind::UserId, "w_h2k8d0q1x9ab")
        .add(PersonalKind::Secret, "s3cr3tT0kenValue")
        .add_ip(IP.parse().unwrap())
        .add_ip("2001:db8::7".parse().unwrap())
        .scan_text("sent to j.beispielmann%40schule.example.org from ::ffff:198.51.100.23 (Chrome/131.0.0.0)");
    b.build(&vocabulary())
}

#[test]
fn a_full_name_is_found_plain_upper_case_and_encoded() {
    let set = batch_set();
    for text in [
        "Hallo Jürgen Beispielmann!",
        "HALLO JÜRGEN BEISPIELMANN",
        "J%C3%BCrgen%20Beispielmann",
        "J%25C3%25BCrgen+Beispielmann",
        "J\\xC3\\xBCrgen Beispielmann",
        "J\\u00fcrgen Beispielmann",
        "&#74;&#xfc;rgen&nbsp;Beispielmann",
        "J&uuml;rgen Beispielmann",
        "Juergen_Beispielmann",
        "jürgen.beispielmann",
        "Ju\u{308}rgen Beispielmann",
    ] {
        assert!(set.find(text).is_some(), "not found in {text:?}");
    }
    assert_eq!(set.find("Anna Lange"), Some(PersonalKind::PersonName));
    assert_eq!(set.find("ANNA-LANGE"), Some(PersonalKind::PersonName));
}

#[test]
fn ip_email_account_and_ids_are_found() {
    let set = batch_set();
    assert_eq!(set.find("client 203.0.113.41:45252"), Some(PersonalKind::IpAddress));
    assert_eq!(set.find("client [2001:db8::7]:443"), Some(PersonalKind::IpAddress));
    assert_eq!(set.find("client 2001:0db8:0000:0000:0000:0000:0000:0007"), Some(PersonalKind::IpAddress));
    // Found in a free text as an IPv4-mapped IPv6 address: the IPv4 form counts too.
    assert_eq!(set.find("from 198.51.100.23"), Some(PersonalKind::IpAddress));
    assert_eq!(set.find("mail J.Beispielmann@Schule.example.org"), Some(PersonalKind::Email));
    assert_eq!(set.find("account=jbeispielmann;"), Some(PersonalKind::AccountId));
    assert_eq!(set.find("user w_h2k8d0q1x9ab_1-bbbID-x"), Some(PersonalKind::UserId));
    assert_eq!(set.find("token S3CR3TT0KENVALUE"), Some(PersonalKind::Secret));
    // Not a whole token: a longer address, a longer account name.
    assert_eq!(set.find("client 203.0.113.410"), None);
    assert_eq!(set.find("jbeispielmann2"), None);
    // The version in the text was not taken for an address.
    assert_eq!(set.find("Chrome/131.0.0.0"), None);
}

#[test]
fn a_name_part_is_a_whole_token_or_nothing() {
    let set = batch_set();
    // "beispielmann" is a part of at least 4 letters, not in the vocabulary.
    assert_eq!(set.find("Herr Beispielmann"), Some(PersonalKind::NamePart));
    assert_eq!(set.find("beispielmann_"), Some(PersonalKind::NamePart));
    assert_eq!(set.find("(beispielmann)"), Some(PersonalKind::NamePart));
    assert_eq!(set.find("beispielmannweg"), None);
    assert_eq!(set.find("xbeispielmann"), None);
    assert_eq!(set.find("2beispielmann"), None);
    // A glued match does not hide a whole-token match next to it.
    assert_eq!(set.find("beispielmannweg beispielmann"), Some(PersonalKind::NamePart));
    assert_eq!(set.find("anna"), Some(PersonalKind::NamePart));
    assert_eq!(set.find("Langeweile, Anna_"), Some(PersonalKind::NamePart));
}

#[test]
fn a_name_part_in_the_vocabulary_is_no_hit_alone_but_the_full_name_is() {
    let set = batch_set();
    assert_eq!(set.find("Die Konferenz dauerte lange."), None);
    assert_eq!(set.find("lange_"), None);
    assert_eq!(set.find("Langeweile"), None);
    assert_eq!(set.find("Anna Lange"), Some(PersonalKind::PersonName));

    // Without "lange" in the vocabulary, the part is a hit as a whole token only.
    let mut b = AuditSetBuilder::new();
    b.add(PersonalKind::PersonName, "Anna Lange");
    let set = b.build(&StdHashSet::new());
    assert_eq!(set.find("Langeweile"), None);
    assert_eq!(set.find("lange_"), Some(PersonalKind::NamePart));
    assert_eq!(set.find("LANGE."), Some(PersonalKind::NamePart));
}

#[test]
fn short_name_parts_are_no_hits_alone() {
    let set = batch_set();
    assert_eq!(set.find("bo"), None);
    assert_eq!(set.find("li"), None);
    assert_eq!(set.find("Bo Li"), Some(PersonalKind::PersonName));
    // A meeting name's parts: "klasse" and "erdkunde" count, "4b" does not.
    assert_eq!(set.find("4b"), None);
    assert_eq!(set.find("Erdkunde"), Some(PersonalKind::MeetingName));
}

#[test]
fn the_own_vocabulary_exempts_name_parts() {
    let mut b = AuditSetBuilder::new();
    b.add(PersonalKind::PersonName, "Firefox Desktop").add(PersonalKind::MeetingName, "Audio Test");
    let set = b.build(&StdHashSet::new());
    assert_eq!(set.find("browser firefox on desktop"), None);
    assert_eq!(set.find("audio_failed"), None);
    assert_eq!(set.find("Firefox Desktop"), Some(PersonalKind::PersonName));
    assert_eq!(set.find("test"), Some(PersonalKind::MeetingName));
}

#[test]
fn an_empty_set_finds_nothing() {
    let set = AuditSetBuilder::new().build(&StdHashSet::new());
    assert!(set.is_empty());
    assert_eq!(set.find("Jürgen Beispielmann 203.0.113.41"), None);
}

#[test]
fn debug_output_holds_no_value() {
    let mut b = AuditSetBuilder::new();
    b.add(PersonalKind::PersonName, NAME).add(PersonalKind::AccountId, ACCOUNT);
    let builder = format!("{b:?}");
    let set = b.build(&StdHashSet::new());
    for text in [builder, format!("{set:?}")] {
        assert!(!text.to_lowercase().contains("rgen") && !text.contains("beispiel"), "{text}");
    }
}

fn write(dir: &Path, rel: &str, content: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    path
}

fn write_parquet(path: &Path, batch: &RecordBatch, metadata: Option<Vec<KeyValue>>) {
    let file = File::create(path).unwrap();
    let props = WriterProperties::builder().set_key_value_metadata(metadata).build();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn pseudonyms(n: usize) -> StringArray {
    StringArray::from_iter_values((0..n).map(|i| format!("p_{:032x}", i as u128 * 0x9e37_79b9_7f4a_7c15)))
}

fn clean_batch(n: usize, text: impl Fn(usize) -> String) -> RecordBatch {
    let participant: ArrayRef = Arc::new(pseudonyms(n));
    let browser: ArrayRef = Arc::new(StringArray::from_iter_values((0..n).map(|i| ["chrome", "firefox"][i % 2])));
    let text: ArrayRef = Arc::new(StringArray::from_iter_values((0..n).map(text)));
    let count: ArrayRef = Arc::new(UInt32Array::from_iter_values(0..n as u32));
    RecordBatch::try_from_iter([("participant", participant), ("browser", browser), ("text", text), ("n", count)])
        .unwrap()
}

fn audit_one(path: &Path) -> AuditReport {
    audit_paths(&[path.to_owned()], &batch_set()).unwrap()
}

#[test]
fn a_clean_store_and_report_pass() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store/date=2026-11-24");
    std::fs::create_dir_all(&store).unwrap();
    write_parquet(
        &store.join("bbb1-0.parquet"),
        &clean_batch(20_000, |i| format!("audio error for <name> from <ip>:{i} lange")),
        None,
    );
    write(
        dir.path(),
        "reports/school.html",
        "<html><body><svg><text x=\"1\">Konferenzen: 12</text></svg>\nDie Konferenz dauerte lange (Ø 45 Minuten).</body></html>\n",
    );
    write(dir.path(), "reports/school.csv", "day,conferences,participants\n2026-11-24,12,57\n");
    let report = audit_paths(&[dir.path().join("store"), dir.path().join("reports")], &batch_set()).unwrap();
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.files, 3);
    assert!(report.strings > 60_000, "{report:?}");
    assert!(report.bytes > 0);
}

#[test]
fn a_name_in_a_text_file_is_found_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "r.md", "# Bericht\n\nok\nGruß an J%C3%BCrgen%20Beispielmann\n");
    let report = audit_one(&path);
    assert!(!report.passed());
    assert_eq!(report.hits.len(), 1);
    assert_eq!(report.hits[0].file, path);
    assert_eq!(report.hits[0].kind, PersonalKind::PersonName);
    assert_eq!(report.hits[0].location, "line 4");
}

#[test]
fn a_name_in_svg_text_of_an_html_file_is_found() {
    let dir = tempfile::tempdir().unwrap();
    for (i, html) in [
        "<svg><text x=\"4\" y=\"9\">J&#252;rgen Beispielmann</text></svg>",
        "<svg><text><tspan>J&#xFC;rgen</tspan> <tspan>Beispiel</tspan>mann</text></svg>",
        "<p>JÜRGEN&nbsp;BEISPIELMANN</p>",
    ]
    .iter()
    .enumerate()
    {
        let path = write(dir.path(), &format!("r{i}.html"), &format!("<html>\n<body>{html}</body></html>\n"));
        let report = audit_one(&path);
        assert_eq!(report.hits.len(), 1, "{html}");
        assert_eq!(report.hits[0].location, "line 2");
    }
}

#[test]
fn a_latin1_file_is_read_as_latin1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    std::fs::write(&path, b"name\nJ\xFCrgen Beispielmann\n").unwrap();
    assert_eq!(audit_one(&path).hits.len(), 1);
}

#[test]
fn a_name_in_a_parquet_utf8_column_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    let batch = clean_batch(30_000, |i| if i == 29_999 { "Fehler bei JÜRGEN".into() } else { format!("ok {i}") });
    write_parquet(&path, &batch, None);
    let report = audit_one(&path);
    assert_eq!(report.hits.len(), 1, "{report:?}");
    assert_eq!(report.hits[0].kind, PersonalKind::NamePart);
    assert_eq!(report.hits[0].location, "column `text`, row group 0");
}

#[test]
fn a_value_at_a_value_boundary_of_a_parquet_column_is_found_and_values_are_not_glued() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    // "xx" + "beispielmann" would be glued if the values were one text; "beispielmann" alone is not.
    let text: ArrayRef = Arc::new(StringArray::from(vec!["xx", "beispielmann", "yy"]));
    write_parquet(&path, &RecordBatch::try_from_iter([("text", text)]).unwrap(), None);
    assert_eq!(audit_one(&path).hits.len(), 1);

    let text: ArrayRef = Arc::new(StringArray::from(vec!["beispiel", "mann", "beispielmannweg"]));
    write_parquet(&path, &RecordBatch::try_from_iter([("text", text)]).unwrap(), None);
    assert!(audit_one(&path).passed());

    let text: ArrayRef = Arc::new(StringArray::from(vec!["a", "203.0.113.4", "1"]));
    write_parquet(&path, &RecordBatch::try_from_iter([("text", text)]).unwrap(), None);
    assert!(audit_one(&path).passed());
}

#[test]
fn a_name_in_a_dictionary_encoded_parquet_column_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    let keys: Vec<i32> = (0..10_000).map(|i| i32::from(i % 3 == 0)).collect();
    let dict = DictionaryArray::<Int32Type>::try_new(
        keys.into(),
        Arc::new(StringArray::from(vec!["viewer", "Lehrer Beispielmann"])),
    )
    .unwrap();
    let role: ArrayRef = Arc::new(dict);
    let batch = RecordBatch::try_from_iter([("role", role)]).unwrap();
    assert!(matches!(batch.schema().field(0).data_type(), DataType::Dictionary(_, _)));
    write_parquet(&path, &batch, None);
    let report = audit_one(&path);
    assert_eq!(report.hits.len(), 1, "{report:?}");
    assert_eq!(report.hits[0].location, "column `role`, row group 0");
}

#[test]
fn a_name_in_a_parquet_view_column_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    let v: ArrayRef =
        Arc::new(StringViewArray::from(vec!["ok", "a much longer value than twelve bytes", "203.0.113.41"]));
    write_parquet(&path, &RecordBatch::try_from_iter([("v", v)]).unwrap(), None);
    let report = audit_one(&path);
    assert_eq!(report.hits.len(), 1, "{report:?}");
    assert_eq!(report.hits[0].kind, PersonalKind::IpAddress);
}

#[test]
fn a_name_in_parquet_metadata_or_a_column_name_is_found_and_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    let meta = vec![KeyValue::new("confstats.note".to_owned(), "erstellt für Jürgen Beispielmann".to_owned())];
    write_parquet(&path, &clean_batch(10, |_| "ok".into()), Some(meta));
    let report = audit_one(&path);
    assert_eq!(report.hits.len(), 1, "{report:?}");
    assert_eq!(report.hits[0].location, "key-value metadata");

    let col: ArrayRef = Arc::new(StringArray::from(vec!["1", "2"]));
    write_parquet(&path, &RecordBatch::try_from_iter([("beispielmann", col)]).unwrap(), None);
    let report = audit_one(&path);
    assert!(!report.passed());
    assert!(report.hits.iter().all(|h| h.location == "column names"), "{report:?}");
    assert!(!format!("{report:?}").contains("beispiel"));
}

#[test]
fn hits_name_file_and_kind_but_never_the_value() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.json", "{\"who\": \"J\\u00fcrgen Beispielmann\",\n\"ip\": \"203.0.113.41\"}\n");
    write(dir.path(), "b.csv", "x\njbeispielmann\n");
    write(dir.path(), "jbeispielmann/c.txt", "s3cr3tT0kenValue\n");
    let report = audit_one(dir.path());
    assert_eq!(report.files, 3);
    let kinds: StdHashSet<_> = report.hits.iter().map(|h| h.kind).collect();
    assert!(kinds.contains(&PersonalKind::PersonName) && kinds.contains(&PersonalKind::AccountId));
    assert!(kinds.contains(&PersonalKind::Secret) && kinds.contains(&PersonalKind::IpAddress));
    let printed = format!("{report:?}") + &serde_json::to_string(&report).unwrap();
    for value in ["rgen", "beispiel", "203.0.113", "s3cr3t"] {
        assert!(!printed.to_lowercase().contains(value), "{value} in {printed}");
    }
    // The hits of a file below a personal directory name are named by the root.
    assert!(report.hits.iter().any(|h| h.file == dir.path() && h.kind == PersonalKind::Secret));
    assert!(printed.contains("\"person name\""), "{printed}");
}

#[test]
fn the_manifest_in_memory_is_audited() {
    let set = batch_set();
    let mut report = AuditReport::default();
    audit_bytes(Path::new("runs/manifest.json"), b"{\"ok\": true}\n", &set, &mut report);
    assert!(report.passed());
    audit_bytes(Path::new("runs/manifest.json"), b"{\n\"input\": \"/logs/jbeispielmann.log\"\n}\n", &set, &mut report);
    assert_eq!(report.files, 2);
    assert_eq!(report.hits.len(), 1);
    assert_eq!(report.hits[0].location, "line 2");
    assert_eq!(report.hits[0].file, Path::new("runs/manifest.json"));
}

#[test]
fn an_unreadable_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.parquet", "not a parquet file at all");
    assert!(matches!(audit_paths(&[path], &batch_set()), Err(Error::Io { .. })));
    let missing = dir.path().join("missing.csv");
    assert!(matches!(audit_paths(&[missing], &batch_set()), Err(Error::Io { .. })));
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_roots_is_an_error_and_one_inside_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let outside = write(dir.path(), "outside/secret.txt", "Jürgen Beispielmann\n");
    let root = dir.path().join("reports");
    write(&root, "a.csv", "x\n");
    std::os::unix::fs::symlink(root.join("a.csv"), root.join("b.csv")).unwrap();
    let report = audit_one(&root);
    assert_eq!(report.files, 1);
    std::os::unix::fs::symlink(&outside, root.join("c.csv")).unwrap();
    let err = audit_paths(std::slice::from_ref(&root), &batch_set()).unwrap_err();
    assert!(matches!(err, Error::AuditUnsupported { .. }), "{err}");
    assert!(!err.to_string().contains("rgen"));
    // A root given as a symbolic link is followed.
    std::fs::remove_file(root.join("c.csv")).unwrap();
    let link = dir.path().join("current");
    std::os::unix::fs::symlink(&root, &link).unwrap();
    assert_eq!(audit_one(&link).files, 1);
}

/// Encodings that a name may take in an output.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Plain,
    Upper,
    Percent,
    Form,
    HexEscape,
    JsonEscape,
    HtmlDecimal,
    HtmlHex,
}

fn encode(s: &str, e: Encoding) -> String {
    match e {
        Encoding::Plain => s.to_owned(),
        Encoding::Upper => s.to_uppercase(),
        Encoding::Percent => s
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect(),
        Encoding::Form => s
            .bytes()
            .map(|b| match b {
                b' ' => "+".to_owned(),
                b if b.is_ascii_alphanumeric() => (b as char).to_string(),
                b => format!("%{b:02x}"),
            })
            .collect(),
        Encoding::HexEscape => s
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("\\x{b:02x}") })
            .collect(),
        Encoding::JsonEscape => {
            s.chars().map(|c| if c.is_ascii() { c.to_string() } else { format!("\\u{:04x}", c as u32) }).collect()
        }
        Encoding::HtmlDecimal => s.chars().map(|c| format!("&#{};", c as u32)).collect(),
        Encoding::HtmlHex => s.chars().map(|c| format!("&#x{:x};", c as u32)).collect(),
    }
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Plain),
        Just(Encoding::Upper),
        Just(Encoding::Percent),
        Just(Encoding::Form),
        Just(Encoding::HexEscape),
        Just(Encoding::JsonEscape),
        Just(Encoding::HtmlDecimal),
        Just(Encoding::HtmlHex),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn generated_names_in_any_encoding_and_context_are_found(
        first in "[A-ZÄÖÜ][a-zäöüß]{1,9}",
        last in "[A-ZÄÖÜ][a-zäöüß]{1,11}",
        enc in encoding(),
        before in "[ a-zA-Z0-9.,;:()<>/=\"'_-]{0,30}",
        after in "[ a-zA-Z0-9.,;:()<>/=\"'_-]{0,30}",
        sep_before in "[ ,;:(\"'<>/=_.-]",
        sep_after in "[ ,;:)\"'<>/=_.-]",
    ) {
        let full = format!("{first} {last}");
        let mut b = AuditSetBuilder::new();
        b.add(PersonalKind::PersonName, &full);
        let set = b.build(&StdHashSet::new());
        let text = format!("{before}{sep_before}{}{sep_after}{after}", encode(&full, enc));
        prop_assert!(set.find(&text).is_some(), "{:?} not found in {:?}", full, text);

        // The same text in a text file and in a Parquet column.
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "r.html", &format!("ok\n{text}\n"));
        let report = audit_paths(&[file], &set).unwrap();
        prop_assert_eq!(report.hits.len(), 1);
        let pq = dir.path().join("s.parquet");
        let col: ArrayRef = Arc::new(StringArray::from(vec!["p_0123".to_owned(), text.clone(), "x".to_owned()]));
        write_parquet(&pq, &RecordBatch::try_from_iter([("text", col)]).unwrap(), None);
        let report = audit_paths(&[pq], &set).unwrap();
        prop_assert_eq!(report.hits.len(), 1);
    }

    #[test]
    fn generated_names_glued_to_letters_are_not_found(
        first in "[A-Z][a-z]{4,9}",
        last in "[A-Z][a-z]{4,11}",
        glue in "[a-z0-9]{1,3}",
    ) {
        let mut b = AuditSetBuilder::new();
        b.add(PersonalKind::PersonName, &format!("{first} {last}"));
        let set = b.build(&StdHashSet::new());
        let lower_first = first.to_lowercase();
        let lower_last = last.to_lowercase();
        // Glued parts never match unless a part happens to contain the other whole.
        prop_assume!(!lower_first.contains(&lower_last) && !lower_last.contains(&lower_first));
        let text = format!("{glue}{first}{glue} {glue}{last}{glue}");
        prop_assert_eq!(set.find(&text), None);
    }
}

#[test]
fn a_pseudonym_column_is_looked_up_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.parquet");
    let hex = "0123456789abcdef0123456789abcdef";
    let mut b = AuditSetBuilder::new();
    b.add(PersonalKind::MeetingId, hex).add(PersonalKind::PersonName, "Abba Beispielmann");
    let set = b.build(&StdHashSet::new());
    // "abba" inside a pseudonym is glued to hex digits; the hex part as a whole is a token.
    let clean: ArrayRef = Arc::new(StringArray::from(vec![Some("p_abba0000000000000000000000000000"), None]));
    write_parquet(&path, &RecordBatch::try_from_iter([("participant", clean)]).unwrap(), None);
    assert!(audit_paths(std::slice::from_ref(&path), &set).unwrap().passed());
    let leaked: ArrayRef =
        Arc::new(StringArray::from(vec![Some("p_abba0000000000000000000000000000"), Some(&format!("m_{hex}")[..])]));
    write_parquet(&path, &RecordBatch::try_from_iter([("meeting", leaked)]).unwrap(), None);
    let report = audit_paths(&[path], &set).unwrap();
    assert_eq!(report.hits.len(), 1);
    assert_eq!(report.hits[0].kind, PersonalKind::MeetingId);
}

#[test]
fn a_pattern_code_round_trips_every_kind() {
    for (i, kind) in Pattern::KINDS.iter().enumerate() {
        assert_eq!(*kind as usize, i, "KINDS is in declaration order");
        for part in [false, true] {
            let p = Pattern { kind: *kind, part };
            assert_eq!(Pattern::of(p.code()), p);
        }
    }
}
