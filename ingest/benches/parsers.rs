//! Parser throughput per log format (bytes/s of uncompressed input), on logs from
//! `confstats-generate`. Each benchmark parses every uncompressed file of one format once
//! (`emit` with the batch's meeting map learnt beforehand, so the lifecycle formats are not
//! counted twice), counting events only.

#![allow(missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;

use confstats_generate::{GenerateOptions, generate};
use confstats_ingest::{CountOnly, IngestOptions, InputFile, LogFormat, discover, emit, learn};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn parsers(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut shape = GenerateOptions::new(dir.path().to_owned(), start);
    shape.schools = 6;
    shape.days = 1;
    shape.scale = 2.0;
    generate(&shape).unwrap();

    let opts = IngestOptions { threads: 1, ..IngestOptions::default() };
    let files = discover(&[dir.path().join("logs")], &opts).unwrap();
    let mut by_format: BTreeMap<LogFormat, Vec<InputFile>> = BTreeMap::new();
    for f in files.into_iter().filter(|f| f.path.extension().is_some_and(|e| e == "log")) {
        if let Some(format) = f.format {
            by_format.entry(format).or_default().push(f);
        }
    }
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for (format, files) in &by_format {
        let bytes: u64 = files.iter().map(|f| f.size).sum();
        group.throughput(Throughput::Bytes(bytes));
        let map = learn(files, &opts);
        group.bench_function(format.as_str(), |b| {
            b.iter(|| {
                let (summary, _) = emit(files, &opts, &map, || CountOnly);
                assert_eq!(summary.quarantined, 0);
                summary.events
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
