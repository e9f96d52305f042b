//! Writes the store of the aggregation benchmark (issue 4): a real store (made by `generate` and
//! `anonymize`) copied COPIES times into one data directory, each copy with its own schools,
//! meetings, rooms, participants and sessions (the pseudonyms' first hex digits and the school
//! ids get the copy's number), so that the copies are distinct conferences and people with the
//! generated data's mix of events and timing.
//!
//! `cargo run --release --example stats_data -- SRC_DATA DST_DATA COPIES`

#![allow(clippy::print_stderr, clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// Columns holding pseudonyms (`p_` + 32 hex) that each copy renames.
const PSEUDONYMS: [&str; 6] = ["participant", "session", "meeting", "parent_meeting", "room", "network"];

fn files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for day in std::fs::read_dir(dir.join("store")).unwrap() {
        let day = day.unwrap().path();
        let date = day.file_name().unwrap().to_str().unwrap().to_owned();
        for f in std::fs::read_dir(&day).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|x| x == "parquet") {
                out.push((date.clone(), f));
            }
        }
    }
    out.sort();
    out
}

fn rename(col: &ArrayRef, copy: usize, school: bool) -> ArrayRef {
    let strings = col.as_string::<i32>();
    let tag = format!("{copy:05x}");
    let renamed: StringArray = strings
        .iter()
        .map(|v| {
            v.map(|v| {
                if school {
                    format!("{v}-{tag}")
                } else if v.len() > 7 {
                    format!("{}{tag}{}", &v[..2], &v[7..])
                } else {
                    v.to_owned()
                }
            })
        })
        .collect();
    Arc::new(renamed)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (src, dst, copies) = match (args.next(), args.next(), args.next()) {
        (Some(s), Some(d), Some(n)) => (PathBuf::from(s), PathBuf::from(d), n.parse::<usize>().unwrap()),
        _ => {
            eprintln!("usage: stats_data SRC_DATA DST_DATA COPIES");
            std::process::exit(2);
        }
    };
    let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap())).build();
    let mut rows = 0usize;
    for (date, file) in files(&src) {
        let batches: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap())
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let Some(schema) = batches.first().map(RecordBatch::schema) else { continue };
        let out_dir = dst.join("store").join(&date);
        std::fs::create_dir_all(&out_dir).unwrap();
        let stem = file.file_stem().unwrap().to_str().unwrap();
        for copy in 0..copies {
            let out = std::fs::File::create(out_dir.join(format!("{stem}-copy{copy}.parquet"))).unwrap();
            let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(props.clone())).unwrap();
            for batch in &batches {
                let columns: Vec<ArrayRef> = schema
                    .fields()
                    .iter()
                    .zip(batch.columns())
                    .map(|(field, col)| match field.name().as_str() {
                        "school" => rename(col, copy, true),
                        name if PSEUDONYMS.contains(&name) => rename(col, copy, false),
                        _ => col.clone(),
                    })
                    .collect();
                rows += batch.num_rows();
                writer.write(&RecordBatch::try_new(schema.clone(), columns).unwrap()).unwrap();
            }
            writer.close().unwrap();
        }
    }
    eprintln!("wrote {rows} store rows to {}", dst.join("store").display());
}
