//! Finding input files, detecting their formats and parsing them into events.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono_tz::Tz;

use crate::parse::{Ctx, Parser, Reject};
use crate::reader::{Block, BlockReader, Line, LineReader, open};
use crate::{
    Error, FileFailure, IngestSummary, LogFormat, MeetingMap, QuarantineEntry, QuarantineReason, RawEvent, Result,
    SchoolRule, SkipReason, detect_format,
};

/// How many leading lines format detection looks at.
const DETECT_LINES: usize = 64;

/// Where a server's logs are and what to call it. Not personal data.
#[derive(Debug, Clone)]
pub struct ServerRule {
    /// A directory (or file); every input under it belongs to this server.
    pub path: PathBuf,
    /// The server's name; default: the name of the directory holding the file.
    pub name: Option<String>,
    /// The server's time zone, for logs without a zone (FreeSWITCH).
    pub time_zone: Option<Tz>,
}

/// Settings of an ingest.
///
/// **Holds personal data**: [`IngestOptions::opt_out`] lists account ids.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Default time zone of servers and of local dates (default `Europe/Berlin`).
    pub time_zone: Tz,
    /// Per-server names and time zones; the longest matching path wins.
    pub servers: Vec<ServerRule>,
    /// How the school is derived from an external meeting id.
    pub school_rule: SchoolRule,
    /// Force one format for every file instead of detecting it.
    pub format: Option<LogFormat>,
    /// Lines longer than this are quarantined as `line_too_long` (default 16 MiB).
    pub max_line_bytes: usize,
    /// Worker threads for the bulk (non-lifecycle) files; 0 = all cores.
    pub threads: usize,
    /// Accounts whose holders withdrew consent: their events are dropped right after parsing.
    pub opt_out: HashSet<String>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            time_zone: chrono_tz::Europe::Berlin,
            servers: Vec::new(),
            school_rule: SchoolRule::default(),
            format: None,
            max_line_bytes: 16 * 1024 * 1024,
            threads: 0,
            opt_out: HashSet::new(),
        }
    }
}

/// One input file with its server and detected format. Not personal data (the provider's paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file.
    pub path: PathBuf,
    /// The conference server it belongs to.
    pub server: String,
    /// The server's time zone.
    pub time_zone: Tz,
    /// The detected (or forced) format; `None` when nothing matched.
    pub format: Option<LogFormat>,
    /// Size on disk in bytes (compressed size for gzip files).
    pub size: u64,
}

/// Receives what an ingest produces. Each worker thread has its own sink.
pub trait Sink {
    /// One event (school and meeting resolved; opted-out events never arrive here).
    fn event(&mut self, event: RawEvent);
    /// One quarantined line (file, line number, reason).
    fn quarantine(&mut self, entry: QuarantineEntry) {
        let _ = entry;
    }
}

/// A sink that drops everything: for counting only.
#[derive(Debug, Default)]
pub struct CountOnly;

impl Sink for CountOnly {
    fn event(&mut self, _: RawEvent) {}
}

/// Expands files and directories (recursively, in name order) into input files, with their
/// server, time zone and format (detected from the first lines unless forced).
pub fn discover(inputs: &[PathBuf], opts: &IngestOptions) -> Result<Vec<InputFile>> {
    let mut paths = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::Missing { path: input.clone() },
            _ => Error::Read { path: input.clone(), source: e },
        })?;
        if meta.is_dir() {
            walk(input, &mut paths)?;
        } else {
            paths.push(input.clone());
        }
    }
    paths.dedup();
    paths
        .into_iter()
        .map(|path| {
            let size = std::fs::metadata(&path).map_err(|e| Error::Read { path: path.clone(), source: e })?.len();
            let (server, time_zone) = server_of(&path, opts);
            let format = match opts.format {
                Some(f) => Some(f),
                None => sniff(&path, opts.max_line_bytes)?,
            };
            Ok(InputFile { path, server, time_zone, format, size })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let read = std::fs::read_dir(dir).map_err(|e| Error::Read { path: dir.to_owned(), source: e })?;
    let mut entries: Vec<PathBuf> = read
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::Read { path: dir.to_owned(), source: e })?;
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

fn server_of(path: &Path, opts: &IngestOptions) -> (String, Tz) {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let rule = opts
        .servers
        .iter()
        .filter(|r| {
            let base = std::path::absolute(&r.path).unwrap_or_else(|_| r.path.clone());
            abs.starts_with(&base)
        })
        .max_by_key(|r| r.path.components().count());
    let dir_name = abs.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("unknown").to_owned();
    let name = rule.and_then(|r| r.name.clone()).unwrap_or(dir_name);
    let tz = rule.and_then(|r| r.time_zone).unwrap_or(opts.time_zone);
    (name, tz)
}

fn sniff(path: &Path, max_line: usize) -> Result<Option<LogFormat>> {
    let read_err = |e| Error::Read { path: path.to_owned(), source: e };
    let mut reader = LineReader::new(open(path).map_err(read_err)?, max_line.min(4 << 20));
    let mut lines = Vec::new();
    while lines.len() < DETECT_LINES {
        match reader.next_line() {
            Ok(Some(Line::Text(t))) => lines.push(t.to_vec()),
            Ok(Some(Line::TooLong)) => {}
            Ok(None) => break,
            // A broken file is reported when it is read; detect from what could be read.
            Err(_) => break,
        }
    }
    Ok(detect_format(lines.iter().map(Vec::as_slice)))
}

/// What the meeting map does while a file is parsed.
enum MapUse<'a> {
    /// First pass over the lifecycle files: resolve each event, then learn from it (events whose
    /// meeting is unknown to this file's map are deferred).
    Learn(&'a mut MeetingMap, &'a mut Vec<crate::school::Deferred>),
    /// Second pass over the lifecycle files, and the bulk files: resolve only.
    Read(&'a MeetingMap),
}

/// Parses one file into `sink`, counting every line into `summary`. A file that cannot be read
/// to its end is recorded in [`IngestSummary::failed_files`]; its lines read so far count.
fn parse_file(
    file: &InputFile,
    opts: &IngestOptions,
    mut map: MapUse<'_>,
    sink: &mut dyn Sink,
    summary: &mut IngestSummary,
) {
    summary.files += 1;
    let mut reader = match open(&file.path) {
        Ok(r) => BlockReader::new(r, opts.max_line_bytes),
        Err(e) => {
            summary.failed_files.push(FileFailure { file: file.path.clone(), lines_read: 0, error: e.to_string() });
            return;
        }
    };
    // One parser for the whole file: FreeSWITCH's keeps state across lines.
    let mut parser = file.format.map(Parser::new);
    let mut events = Vec::new();
    loop {
        match reader.next_block(CHUNK_BYTES) {
            Ok(Some(block)) => {
                parse_block(&block, file, opts, &mut map, parser.as_mut(), &mut events, sink, summary);
            }
            Ok(None) => break,
            Err(e) => {
                summary.failed_files.push(FileFailure {
                    file: file.path.clone(),
                    lines_read: reader.lines(),
                    error: e.to_string(),
                });
                break;
            }
        }
    }
}

/// Parses the lines of one block (or reports its one too-long line).
#[allow(clippy::too_many_arguments)]
fn parse_block(
    block: &Block,
    file: &InputFile,
    opts: &IngestOptions,
    map: &mut MapUse<'_>,
    mut parser: Option<&mut Parser>,
    events: &mut Vec<RawEvent>,
    sink: &mut dyn Sink,
    summary: &mut IngestSummary,
) {
    let (first_line, data) = match block {
        Block::TooLong { line } => {
            process_line(file, opts, map, parser, *line, None, events, sink, summary);
            return;
        }
        Block::Lines { first_line, data } => (*first_line, data.as_slice()),
    };
    // Every line ends with a newline, except perhaps the file's last one.
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = (line.len() <= opts.max_line_bytes).then_some(line);
        process_line(file, opts, map, parser.as_deref_mut(), first_line + i as u64, line, events, sink, summary);
    }
}

/// Parses one line (`None`: it was too long) and hands its events to the sink.
#[allow(clippy::too_many_arguments)]
fn process_line(
    file: &InputFile,
    opts: &IngestOptions,
    map: &mut MapUse<'_>,
    parser: Option<&mut Parser>,
    number: u64,
    line: Option<&[u8]>,
    events: &mut Vec<RawEvent>,
    sink: &mut dyn Sink,
    summary: &mut IngestSummary,
) {
    let quarantine = |summary: &mut IngestSummary, sink: &mut dyn Sink, reason, field| {
        summary.quarantined(reason);
        sink.quarantine(QuarantineEntry { file: file.path.clone(), line: number, reason, field });
    };
    let Some(bytes) = line else {
        summary.line(file.format, opts.max_line_bytes);
        quarantine(summary, sink, QuarantineReason::LineTooLong, None);
        return;
    };
    summary.line(file.format, bytes.len());
    let Some(parser) = parser else {
        summary.skipped(SkipReason::UnknownFormat);
        return;
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let ctx = Ctx { server: &file.server, tz: file.time_zone, format: parser_format(file), line: number };
    events.clear();
    // A parser bug must not stop the run: the line is quarantined as an internal error.
    // (The panic hook decides what is printed; the CLI's hook withholds the message, which
    // could quote the line.)
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(&text, &ctx, events)))
        .unwrap_or_else(|_| {
            events.clear();
            Err(Reject::Quarantine(QuarantineReason::InternalError, None))
        });
    match parsed {
        Ok(()) if events.is_empty() => summary.skipped(SkipReason::NotAnEvent),
        Ok(()) => {
            summary.parsed += 1;
            for mut e in events.drain(..) {
                let opted_out = match map {
                    MapUse::Learn(m, deferred) => {
                        m.resolve(&opts.school_rule, &mut e);
                        m.observe_or_defer(&e, deferred);
                        m.is_opted_out(&opts.opt_out, &e)
                    }
                    MapUse::Read(m) => {
                        m.resolve(&opts.school_rule, &mut e);
                        m.is_opted_out(&opts.opt_out, &e)
                    }
                };
                if opted_out {
                    summary.opted_out += 1;
                    continue;
                }
                summary.events += 1;
                summary.event_kind(e.kind);
                sink.event(e);
            }
        }
        Err(Reject::Skip(reason)) => summary.skipped(reason),
        Err(Reject::Quarantine(reason, field)) => quarantine(summary, sink, reason, field),
    }
}

/// Runs `f`, returning whether it finished without panicking.
fn catch(f: impl FnOnce()) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_ok()
}

/// Lines of one file handed to a worker: the bulk of a large file is parsed by all workers.
struct Chunk {
    file: usize,
    block: Block,
}

/// What a worker does next.
enum Work {
    /// Parse a whole file (formats whose parser keeps state across lines, e.g. FreeSWITCH).
    File(usize),
    /// Parse a block of lines.
    Chunk(Chunk),
}

/// Bytes of line data per chunk.
const CHUNK_BYTES: usize = 1 << 20;

/// Reads the stateless bulk files and sends their lines in blocks; whole-file work for the
/// others goes first. Counts files and read failures into `summary`.
fn feed(
    files: &[&InputFile],
    opts: &IngestOptions,
    tx: &std::sync::mpsc::SyncSender<Work>,
    summary: &mut IngestSummary,
) {
    let chunked = |f: &InputFile| f.format.is_some_and(|fmt| fmt != LogFormat::FreeSwitch);
    for (i, f) in files.iter().enumerate() {
        if !chunked(f) && tx.send(Work::File(i)).is_err() {
            return;
        }
    }
    for (i, f) in files.iter().enumerate().filter(|(_, f)| chunked(f)) {
        summary.files += 1;
        let mut reader = match open(&f.path) {
            Ok(r) => BlockReader::new(r, opts.max_line_bytes),
            Err(e) => {
                summary.failed_files.push(FileFailure { file: f.path.clone(), lines_read: 0, error: e.to_string() });
                continue;
            }
        };
        loop {
            match reader.next_block(CHUNK_BYTES) {
                Ok(Some(block)) => {
                    if tx.send(Work::Chunk(Chunk { file: i, block })).is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    summary.failed_files.push(FileFailure {
                        file: f.path.clone(),
                        lines_read: reader.lines(),
                        error: e.to_string(),
                    });
                    break;
                }
            }
        }
    }
}

/// Parses the lines of one chunk of a stateless file.
fn parse_chunk(
    chunk: &Chunk,
    file: &InputFile,
    opts: &IngestOptions,
    map: &MeetingMap,
    sink: &mut dyn Sink,
    summary: &mut IngestSummary,
) {
    let mut parser = file.format.map(Parser::new);
    let mut events = Vec::new();
    parse_block(&chunk.block, file, opts, &mut MapUse::Read(map), parser.as_mut(), &mut events, sink, summary);
}

fn parser_format(file: &InputFile) -> LogFormat {
    file.format.unwrap_or(LogFormat::Canonical)
}

/// The first pass: reads the lifecycle logs (bbb-web, webhooks, akka-apps, nginx, canonical)
/// and learns the batch's meetings, schools, users, first joins and personal vocabulary. Reads
/// nothing into a sink; failures are reported by [`emit`].
///
/// The files are read in parallel (`opts.threads`), each into a map of its own; the maps are
/// merged in file order, and the events a file could not place in a meeting are learnt last,
/// against the merged map.
pub fn learn(files: &[InputFile], opts: &IngestOptions) -> MeetingMap {
    let lifecycle: Vec<&InputFile> = files.iter().filter(|f| f.format.is_some_and(LogFormat::is_lifecycle)).collect();
    /// One file's map and deferred events.
    type Learnt = Mutex<Option<(MeetingMap, Vec<crate::school::Deferred>)>>;
    let learnt: Vec<Learnt> = lifecycle.iter().map(|_| Mutex::new(None)).collect();
    // Largest files first, so that no thread is left alone with a large file at the end (a
    // server has only a few lifecycle logs); the maps are still merged in file order.
    let mut order: Vec<usize> = (0..lifecycle.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lifecycle[i].size));
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..opts.worker_threads().min(lifecycle.len()) {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((i, f)) = order.get(n).and_then(|&i| Some((i, lifecycle.get(i)?))) else { break };
                    let mut map = MeetingMap::new();
                    let mut deferred = Vec::new();
                    // A parser bug leaves this file's map partial; `emit` reports the file.
                    let _ = catch(|| {
                        parse_file(
                            f,
                            opts,
                            MapUse::Learn(&mut map, &mut deferred),
                            &mut CountOnly,
                            &mut IngestSummary::default(),
                        );
                    });
                    if let Ok(mut slot) = learnt[i].lock() {
                        *slot = Some((map, deferred));
                    }
                }
            });
        }
    });
    let mut map = MeetingMap::new();
    let mut deferred = Vec::new();
    for slot in learnt {
        if let Some((m, d)) = slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
            map.merge(m);
            deferred.extend(d);
        }
    }
    map.apply_deferred(deferred);
    map
}

impl IngestOptions {
    /// The worker threads in use: [`IngestOptions::threads`], `0` meaning the available cores.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }
}

/// The second pass: parses all files with the complete `map` in parallel, each worker with its
/// own sink from `new_sink` (the map resolves every event, so the order of files does not
/// matter). Returns the summary and the sinks.
pub fn emit<S, F>(files: &[InputFile], opts: &IngestOptions, map: &MeetingMap, new_sink: F) -> (IngestSummary, Vec<S>)
where
    S: Sink + Send,
    F: Fn() -> S + Sync,
{
    let mut summary = IngestSummary::default();
    let mut bulk: Vec<&InputFile> = files.iter().collect();
    bulk.sort_by_key(|f| std::cmp::Reverse(f.size));
    let threads = opts.worker_threads();
    // One reader feeds chunks of lines (and whole stateful files) to the workers through a
    // bounded queue, so that a single large file keeps every core busy and memory stays bounded.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Work>(threads * 2);
    let rx = Mutex::new(rx);
    let results = Mutex::new(Vec::new());
    let mut reader_summary = IngestSummary::default();
    std::thread::scope(|scope| {
        for worker in 0..threads {
            let (rx, results, bulk, new_sink) = (&rx, &results, &bulk, &new_sink);
            scope.spawn(move || {
                let mut sink = new_sink();
                let mut s = IngestSummary::default();
                loop {
                    let work = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let (file, done) = match work {
                        Ok(Work::File(i)) => {
                            (bulk[i], catch(|| parse_file(bulk[i], opts, MapUse::Read(map), &mut sink, &mut s)))
                        }
                        Ok(Work::Chunk(c)) => {
                            (bulk[c.file], catch(|| parse_chunk(&c, bulk[c.file], opts, map, &mut sink, &mut s)))
                        }
                        Err(_) => break,
                    };
                    // A bug in a sink must neither kill the worker (the reader would wait for it
                    // forever) nor pass unnoticed: the file is reported as not read completely.
                    if !done {
                        s.failed_files.push(FileFailure {
                            file: file.path.clone(),
                            lines_read: 0,
                            error: "internal error while processing (a bug in confstats)".into(),
                        });
                    }
                }
                if let Ok(mut r) = results.lock() {
                    r.push((worker, s, sink));
                }
            });
        }
        feed(&bulk, opts, &tx, &mut reader_summary);
        drop(tx);
    });
    summary.merge(reader_summary);
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(w, _, _)| *w);
    let mut sinks = Vec::with_capacity(results.len());
    for (_, s, sink) in results {
        summary.merge(s);
        sinks.push(sink);
    }
    summary.failed_files.sort_by(|a, b| a.file.cmp(&b.file));
    (summary, sinks)
}

/// [`learn`] then [`emit`]. The lifecycle logs are read twice, so that every event is resolved
/// whichever file (or rotation: `x.log` sorts before the older `x.log.1`) created its meeting or
/// named its user, while memory stays bounded.
pub fn ingest<S, F>(files: &[InputFile], opts: &IngestOptions, new_sink: F) -> (IngestSummary, Vec<S>)
where
    S: Sink + Send,
    F: Fn() -> S + Sync,
{
    let map = learn(files, opts);
    emit(files, opts, &map, new_sink)
}
