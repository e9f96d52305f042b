//! Unit tests of the public option types and file names.

use super::*;

#[test]
fn languages_and_formats_parse() {
    assert_eq!("de".parse::<Lang>().unwrap(), Lang::De);
    assert_eq!("EN".parse::<Lang>().unwrap(), Lang::En);
    assert!("fr".parse::<Lang>().is_err());
    assert_eq!(Lang::default(), Lang::De);
    for (s, f) in [
        ("html", ReportFormat::Html),
        ("csv", ReportFormat::Csv),
        ("json", ReportFormat::Json),
        ("md", ReportFormat::Markdown),
    ] {
        let parsed: ReportFormat = s.parse().unwrap();
        assert_eq!(parsed, f);
        assert_eq!(parsed.extension(), s);
    }
    assert!(matches!("pdf".parse::<ReportFormat>(), Err(Error::Config { field: "format", .. })));
}

#[test]
fn file_stems_from_data_cannot_escape_the_directory() {
    assert_eq!(file_stem("iserv-3f2a9c"), "iserv-3f2a9c");
    assert_eq!(file_stem("../../etc/passwd"), "______etc_passwd");
    assert_eq!(file_stem("a/b"), "a_b");
    assert_eq!(file_stem(""), "school-");
    assert_eq!(file_stem("overview"), "school-overview");
}

mod figures {
    use super::super::model::{Fig, Status};

    #[test]
    fn a_ratio_of_partial_sums_is_partial_and_a_share_of_nothing_unavailable() {
        let partial = Fig { value: Some(3.0), status: Status::Partial };
        let ratio = Fig::ratio(partial, Fig::released(4.0));
        assert_eq!(ratio, Fig { value: Some(0.75), status: Status::Partial });
        assert_eq!(Fig::ratio(Fig::released(0.0), Fig::released(0.0)).status, Status::Unavailable);
        assert_eq!(Fig::ratio(Fig::SUPPRESSED, Fig::released(4.0)), Fig::SUPPRESSED);
        assert_eq!(Fig::released(2.0).partial_if(true).status, Status::Partial);
        assert_eq!(Fig::SUPPRESSED.partial_if(true), Fig::SUPPRESSED);
    }
}
