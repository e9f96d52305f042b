//! Writing: per server (one thread each) and per day, render the conferences of that day, sort
//! the lines per log file, and write `<name>.log` (last day) or `<name>.log.<k>.gz`.

use crate::model::{self, World};
use crate::render::{self, LOG_NAMES, Line, Log};
use crate::truth;
use crate::{Error, GenerateOptions, GenerateSummary, GeneratedFile, GeneratorEcho, GroundTruth, Result};
use flate2::Compression;
use flate2::GzBuilder;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Generates logs, ground truth and personal values into `opts.out`.
///
/// Same options → byte-identical files. Holds at most one server-day of lines in memory per
/// server (servers are written in parallel).
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary> {
    opts.validate()?;
    let world = model::build(opts);
    let logs = opts.out.join("logs");
    remove_previous_logs(&logs)?;
    fs::create_dir_all(&logs).map_err(io(&logs))?;

    let results: Vec<Result<(Vec<GeneratedFile>, BTreeSet<String>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..world.servers.len())
            .map(|s| {
                let world = &world;
                let dir = logs.join(&world.servers[s].name);
                scope.spawn(move || write_server(world, opts.seed, s, &dir))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(Err(Error::Internal))).collect()
    });
    let mut files = Vec::new();
    let mut pv = BTreeSet::new();
    for r in results {
        let (f, p) = r?;
        files.extend(f);
        pv.extend(p);
    }

    let school_days = truth::compute(&world);
    let gt = GroundTruth {
        generator: GeneratorEcho {
            version: env!("CARGO_PKG_VERSION").to_string(),
            schools: opts.schools,
            days: opts.days,
            start: opts.start.format("%Y-%m-%d").to_string(),
            seed: opts.seed,
            scale: opts.scale,
            servers: opts.servers,
            time_zone: opts.time_zone.name().to_string(),
        },
        school_days,
    };
    let gt_path = opts.out.join("ground-truth.json");
    let mut json =
        serde_json::to_string_pretty(&gt).map_err(|e| Error::Io { path: gt_path.clone(), source: e.into() })?;
    json.push('\n');
    files.push(write_plain(&gt_path, json.as_bytes())?);

    let pv_path = opts.out.join("personal-values.txt");
    let mut text = String::new();
    for v in &pv {
        // One value per line: a value never contains a newline (none is generated with one).
        text.push_str(v);
        text.push('\n');
    }
    files.push(write_plain(&pv_path, text.as_bytes())?);

    Ok(GenerateSummary {
        conferences: gt.school_days.iter().map(|d| d.conferences).sum(),
        participants: gt.school_days.iter().map(|d| d.participants).sum(),
        personal_values: pv.len() as u64,
        bytes: files.iter().map(|f| f.bytes).sum(),
        lines: files.iter().map(|f| f.lines).sum(),
        files,
    })
}

fn write_plain(path: &Path, bytes: &[u8]) -> Result<GeneratedFile> {
    fs::write(path, bytes).map_err(io(path))?;
    Ok(GeneratedFile {
        path: path.to_path_buf(),
        bytes: bytes.len() as u64,
        uncompressed_bytes: bytes.len() as u64,
        lines: bytecount_lines(bytes),
    })
}

fn bytecount_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Removes the log files an earlier run wrote into `logs/<server>/` (and server directories left
/// empty), so that a run with fewer days or servers leaves no stale rotated file behind. Files
/// with other names are left alone.
fn remove_previous_logs(logs: &Path) -> Result<()> {
    let Ok(servers) = fs::read_dir(logs) else { return Ok(()) };
    for server in servers {
        let dir = server.map_err(io(logs))?.path();
        if !dir.is_dir() {
            continue;
        }
        for file in fs::read_dir(&dir).map_err(io(&dir))? {
            let path = file.map_err(io(&dir))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let ours = LOG_NAMES.iter().any(|log| {
                name == *log
                    || name
                        .strip_prefix(log)
                        .and_then(|rest| rest.strip_prefix('.'))
                        .and_then(|rest| rest.strip_suffix(".gz"))
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            });
            if ours {
                fs::remove_file(&path).map_err(io(&path))?;
            }
        }
        // Only succeeds when nothing else is in it.
        let _ = fs::remove_dir(&dir);
    }
    Ok(())
}

fn write_server(world: &World, seed: u64, server: usize, dir: &Path) -> Result<(Vec<GeneratedFile>, BTreeSet<String>)> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    let mut pv = BTreeSet::new();
    let mut files = Vec::new();
    let confs: Vec<usize> = (0..world.confs.len()).filter(|&c| world.confs[c].server == server).collect();
    let days = world.dates.len();
    let v2 = world.servers[server].v2();
    for day in 0..days {
        let (start, end) = (world.day_starts[day], world.day_starts[day + 1]);
        let mut lines: Vec<Line> = Vec::new();
        for &ci in &confs {
            let c = &world.confs[ci];
            if c.create - 60_000 >= end || c.last_activity() < start {
                continue;
            }
            lines.extend(render::conference(world, ci, &mut pv).into_iter().filter(|l| l.ts >= start && l.ts < end));
        }
        lines.extend(render::noise(world, seed, server, day, &mut pv));
        // Stable: lines with equal time keep their rendering order (continuation lines).
        lines.sort_by_key(|l| (l.log, l.ts));
        let rotation = days - 1 - day;
        let mut rest = lines.as_slice();
        for (k, name) in LOG_NAMES.iter().enumerate() {
            let n = rest.iter().take_while(|l| l.log as usize == k).count();
            let (mine, tail) = rest.split_at(n);
            rest = tail;
            if k == Log::Journal as usize && !v2 {
                continue;
            }
            let path = if rotation == 0 { dir.join(name) } else { dir.join(format!("{name}.{rotation}.gz")) };
            files.push(write_lines(&path, rotation > 0, mine)?);
        }
    }
    Ok((files, pv))
}

fn write_lines(path: &Path, gz: bool, lines: &[Line]) -> Result<GeneratedFile> {
    fn body<W: Write>(w: &mut W, lines: &[Line]) -> std::io::Result<u64> {
        let mut n = 0u64;
        for l in lines {
            w.write_all(l.text.as_bytes())?;
            w.write_all(b"\n")?;
            n += l.text.len() as u64 + 1;
        }
        Ok(n)
    }
    let file = File::create(path).map_err(io(path))?;
    let uncompressed = if gz {
        // No file name, mtime 0: the same input gives the same bytes.
        let enc = GzBuilder::new().mtime(0).write(file, Compression::new(6));
        let mut w = BufWriter::with_capacity(1 << 16, enc);
        let n = body(&mut w, lines).map_err(io(path))?;
        let enc = w.into_inner().map_err(|e| Error::Io { path: path.to_path_buf(), source: e.into_error() })?;
        enc.finish().map_err(io(path))?.sync_all().map_err(io(path))?;
        n
    } else {
        let mut w = BufWriter::with_capacity(1 << 16, file);
        let n = body(&mut w, lines).map_err(io(path))?;
        w.flush().map_err(io(path))?;
        n
    };
    let bytes = fs::metadata(path).map_err(io(path))?.len();
    Ok(GeneratedFile { path: PathBuf::from(path), bytes, uncompressed_bytes: uncompressed, lines: lines.len() as u64 })
}
