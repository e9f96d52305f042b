//! Writing the pseudonymised store: `DATA/store/date=YYYY-MM-DD/<server>-<part>.parquet`
//! (zstd), staged under `DATA/.staging/` and renamed into place when a run commits.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringBuilder, TimestampMicrosecondBuilder, UInt32Builder};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::record::{columns, store_schema};
use crate::{Error, Result, StoreRecord};

/// Rows buffered per partition before they are handed to the Parquet writer.
const BATCH_ROWS: usize = 8 * 1024;
/// Columns whose min/max statistics are not written.
const NO_STATISTICS: [&str; 7] = [
    columns::PARTICIPANT,
    columns::SESSION,
    columns::MEETING,
    columns::PARENT_MEETING,
    columns::ROOM,
    columns::NETWORK,
    columns::TEXT,
];
/// Rows per Parquet row group (bounds the writer's memory).
const ROW_GROUP_ROWS: usize = 128 * 1024;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

fn parquet_err(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> Error + '_ {
    move |e| Error::Io { path: path.to_owned(), source: std::io::Error::other(e) }
}

/// A server name made safe for a file name (`[A-Za-z0-9._-]`, others become `_`).
fn file_stem(server: &str) -> String {
    server.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect()
}

/// The server part of a store file's name `<server>-<part>.parquet` (the server made safe for a
/// file name), or `None` for a name of another shape. A server's rows of a day are in the files of
/// one server part, whichever worker wrote them. Not personal data (a server name).
pub fn server_of_file(name: &str) -> Option<&str> {
    let (server, part) = name.strip_suffix(".parquet")?.rsplit_once('-')?;
    (!server.is_empty() && !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())).then_some(server)
}

/// One staged Parquet file, waiting for [`commit`]. Not personal data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StagedPart {
    /// The partition date.
    pub date: NaiveDate,
    /// The server the rows come from.
    pub server: String,
    /// The staged file.
    pub path: PathBuf,
    /// Rows in it.
    pub rows: u64,
}

struct Partition {
    path: PathBuf,
    writer: ArrowWriter<File>,
    buffer: Vec<StoreRecord>,
    rows: u64,
}

/// Writes store records of one worker into staged Parquet files, one per (date, server).
/// Takes only [`StoreRecord`]s, which hold no personal data.
pub struct StoreWriter {
    staging: PathBuf,
    part: usize,
    open: BTreeMap<NaiveDate, BTreeMap<String, Partition>>,
}

impl StoreWriter {
    /// A writer staging below `staging` (a run's directory under `DATA/.staging/`); `part`
    /// distinguishes the files of parallel workers.
    pub fn new(staging: &Path, part: usize) -> Self {
        Self { staging: staging.to_owned(), part, open: BTreeMap::new() }
    }

    /// Adds one record to the partition of `date`.
    pub fn write(&mut self, date: NaiveDate, record: StoreRecord) -> Result<()> {
        let by_server = self.open.entry(date).or_default();
        if !by_server.contains_key(&*record.server) {
            let dir = self.staging.join(format!("date={date}"));
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            let path = dir.join(format!("{}-{}.parquet", file_stem(&record.server), self.part));
            let file = File::create(&path).map_err(io(&path))?;
            let writer = ArrowWriter::try_new(file, store_schema(), Some(writer_properties(&path)?))
                .map_err(parquet_err(&path))?;
            let partition = Partition { path, writer, buffer: Vec::with_capacity(BATCH_ROWS), rows: 0 };
            by_server.insert(record.server.to_string(), partition);
        }
        let Some(p) = by_server.get_mut(&*record.server) else { unreachable!("inserted above") };
        p.buffer.push(record);
        if p.buffer.len() >= BATCH_ROWS {
            flush(p)?;
        }
        Ok(())
    }

    /// Closes every file and returns what was staged.
    pub fn finish(self) -> Result<Vec<StagedPart>> {
        let mut parts = Vec::new();
        for (date, by_server) in self.open {
            for (server, mut p) in by_server {
                flush(&mut p)?;
                p.writer.close().map_err(parquet_err(&p.path))?;
                parts.push(StagedPart { date, server, path: p.path, rows: p.rows });
            }
        }
        Ok(parts)
    }
}

/// The Parquet writer settings of every store file.
fn writer_properties(path: &Path) -> Result<WriterProperties> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).map_err(parquet_err(path))?))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("confstats {}", env!("CARGO_PKG_VERSION")));
    // Min/max statistics of random pseudonyms and of free text prune nothing and cost a
    // comparison per value: keep them for time, kind, school and the other small columns.
    Ok(NO_STATISTICS
        .iter()
        .fold(props, |p, c| p.set_column_statistics_enabled(ColumnPath::from(*c), EnabledStatistics::None))
        .build())
}

/// Copies the store file `src` to `dst` (a new file) without the rows of one data subject: those
/// whose `participant` is one of `participants` or whose `session` is one of `sessions`
/// (DESIGN.md: the right to erasure). The copy has the store's schema and writer settings; `src`
/// is not changed (published files are shared between generations by hard links). Returns the
/// rows kept and the rows removed. The pseudonyms are not personal data; no value of a row
/// reaches an error.
pub fn remove_store_rows(
    src: &Path,
    dst: &Path,
    participants: &BTreeSet<String>,
    sessions: &BTreeSet<String>,
) -> Result<(u64, u64)> {
    use arrow::array::{Array, BooleanBuilder, StringArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let reader = File::open(src).map_err(io(src))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(reader)
        .map_err(parquet_err(src))?
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(parquet_err(src))?;
    let out = File::create(dst).map_err(io(dst))?;
    let mut writer =
        ArrowWriter::try_new(out, store_schema(), Some(writer_properties(dst)?)).map_err(parquet_err(dst))?;
    let arrow_err = |path: &Path, e: arrow::error::ArrowError| Error::Io {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    };
    let (mut kept, mut removed) = (0u64, 0u64);
    for batch in reader {
        let batch = batch.map_err(|e| arrow_err(src, e))?;
        // The file's batches, re-labelled with the store schema (this checks the column types).
        let batch = RecordBatch::try_new(store_schema(), batch.columns().to_vec()).map_err(|e| arrow_err(src, e))?;
        let column = |name: &str| -> Result<&StringArray> {
            batch.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<StringArray>()).ok_or_else(|| Error::Io {
                path: src.to_owned(),
                source: std::io::Error::other(format!("column `{name}` is not a string column")),
            })
        };
        let (participant, session) = (column(columns::PARTICIPANT)?, column(columns::SESSION)?);
        let mut keep = BooleanBuilder::with_capacity(batch.num_rows());
        for i in 0..batch.num_rows() {
            let hit = (participant.is_valid(i) && participants.contains(participant.value(i)))
                || (session.is_valid(i) && sessions.contains(session.value(i)));
            keep.append_value(!hit);
        }
        let keep = keep.finish();
        let filtered = arrow::compute::filter_record_batch(&batch, &keep).map_err(|e| arrow_err(src, e))?;
        removed += (batch.num_rows() - filtered.num_rows()) as u64;
        kept += filtered.num_rows() as u64;
        if filtered.num_rows() > 0 {
            writer.write(&filtered).map_err(parquet_err(dst))?;
        }
    }
    writer.close().map_err(parquet_err(dst))?;
    Ok((kept, removed))
}

fn p(x: &Option<crate::Pseudonym>) -> Option<&str> {
    x.as_ref().map(crate::Pseudonym::as_str)
}

fn flush(p: &mut Partition) -> Result<()> {
    if p.buffer.is_empty() {
        return Ok(());
    }
    let batch =
        to_batch(&p.buffer).map_err(|e| Error::Io { path: p.path.clone(), source: std::io::Error::other(e) })?;
    p.writer.write(&batch).map_err(parquet_err(&p.path))?;
    p.rows += p.buffer.len() as u64;
    p.buffer.clear();
    Ok(())
}

/// Converts records to an Arrow batch in schema order.
pub(crate) fn to_batch(rows: &[StoreRecord]) -> Result<RecordBatch, arrow::error::ArrowError> {
    let n = rows.len();
    let mut time = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    for r in rows {
        time.append_value(r.time.timestamp_micros());
    }
    let text = |f: &dyn Fn(&StoreRecord) -> Option<&str>| -> ArrayRef {
        let mut b = StringBuilder::with_capacity(n, n * 8);
        for r in rows {
            b.append_option(f(r));
        }
        Arc::new(b.finish())
    };
    let mut major = UInt32Builder::with_capacity(n);
    for r in rows {
        major.append_option(r.browser_major);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(time.finish()),
        text(&|r| Some(&r.server)),
        text(&|r| Some(r.source)),
        text(&|r| Some(r.kind)),
        text(&|r| Some(&r.school)),
        text(&|r| p(&r.participant)),
        text(&|r| p(&r.session)),
        text(&|r| p(&r.meeting)),
        text(&|r| p(&r.parent_meeting)),
        text(&|r| p(&r.room)),
        text(&|r| r.role),
        text(&|r| r.client_type),
        text(&|r| r.audio_mode),
        text(&|r| r.browser),
        Arc::new(major.finish()),
        text(&|r| r.os),
        text(&|r| r.device),
        text(&|r| r.ip_version),
        text(&|r| p(&r.network)),
        text(&|r| r.error_code.as_deref()),
        text(&|r| r.log_code.as_deref()),
        text(&|r| r.level),
        text(&|r| r.text.as_deref()),
    ];
    RecordBatch::try_new(store_schema(), columns)
}

/// Moves staged files into `DATA/store/date=…/`. For every (date, server) staged, the files a
/// previous run wrote for that server and date are removed first, so re-running the same input
/// replaces its rows and never duplicates them. Returns the (date, server) pairs committed.
pub fn commit(store_dir: &Path, parts: &[StagedPart]) -> Result<BTreeSet<(NaiveDate, String)>> {
    let replaced: BTreeSet<(NaiveDate, String)> = parts.iter().map(|p| (p.date, p.server.clone())).collect();
    for (date, server) in &replaced {
        let dir = store_dir.join(format!("date={date}"));
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let stem = file_stem(server);
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if server_of_file(name) == Some(stem.as_str()) {
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
    }
    for part in parts {
        let dir = store_dir.join(format!("date={}", part.date));
        let target = dir.join(part.path.file_name().unwrap_or_default());
        std::fs::rename(&part.path, &target).map_err(io(&target))?;
    }
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_of_a_store_file_is_its_name_before_the_part() {
        assert_eq!(server_of_file("bbb1-0.parquet"), Some("bbb1"));
        assert_eq!(server_of_file("bbb-2-15.parquet"), Some("bbb-2"));
        assert_eq!(server_of_file(&format!("{}-3.parquet", file_stem("bbb 7/ost"))), Some("bbb_7_ost"));
        for other in ["bbb1.parquet", "bbb1-.parquet", "-3.parquet", "bbb1-x.parquet", "bbb1-0.csv", "sessions.parquet"]
        {
            assert_eq!(server_of_file(other), None, "{other}");
        }
    }
}
