//! Reading input files line by line in bounded memory: plain or gzip, any line ending.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// Opens a file for reading, decompressing it when it starts with the gzip magic bytes
/// (whatever its name).
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let n = read_fully(&mut file, &mut magic)?;
    let file = File::open(path)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(256 * 1024, MultiGzDecoder::new(BufReader::new(file)))))
    } else {
        Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
    }
}

fn read_fully(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// One line as read: its bytes (without `\n` or `\r\n`), or the note that it was too long.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line's bytes.
    Text(&'a [u8]),
    /// The line exceeded the maximum length; its bytes were discarded.
    TooLong,
}

/// Reads lines of at most `max` bytes; longer lines are reported as [`Line::TooLong`] and skipped
/// without being held in memory. Memory use is bounded by `max` whatever the file size.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    max: usize,
    number: u64,
}

impl<R: BufRead> LineReader<R> {
    /// A reader of lines of at most `max` bytes.
    pub fn new(inner: R, max: usize) -> Self {
        Self { inner, buf: Vec::new(), max, number: 0 }
    }

    /// The 1-based number of the line last returned.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at the end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (part, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (&chunk[..i], Some(i + 1)),
                None => (chunk, None),
            };
            if !too_long {
                if self.buf.len() + part.len() > self.max {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(part);
                }
            }
            let consumed = done.unwrap_or(chunk.len());
            self.inner.consume(consumed);
            if done.is_some() {
                break;
            }
        }
        self.number += 1;
        if too_long {
            return Ok(Some(Line::TooLong));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(Some(Line::Text(&self.buf)))
    }
}

/// A block of whole lines read by [`BlockReader`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Block {
    /// Whole lines (each ends with `\n`, except the file's last line), the first numbered
    /// `first_line`.
    Lines {
        /// The number of the first line in `data`.
        first_line: u64,
        /// The lines.
        data: Vec<u8>,
    },
    /// A line longer than the maximum; its bytes were discarded.
    TooLong {
        /// Its number.
        line: u64,
    },
}

/// Reads a file in blocks of whole lines (for parallel parsing): one copy of the data, no work
/// per line. A line longer than `max` that does not fit a block is reported as
/// [`Block::TooLong`] and skipped in bounded memory; shorter over-long lines stay in their block
/// and the parser side checks their length.
pub(crate) struct BlockReader<R> {
    inner: R,
    max: usize,
    carry: Vec<u8>,
    /// Lines handed out so far.
    lines: u64,
    /// Inside a too-long line: drop bytes up to the next newline.
    skipping: bool,
    /// A read error met after some whole lines: returned once those lines are handed out.
    failed: Option<io::Error>,
}

impl<R: Read> BlockReader<R> {
    pub(crate) fn new(inner: R, max: usize) -> Self {
        Self { inner, max, carry: Vec::new(), lines: 0, skipping: false, failed: None }
    }

    /// Lines handed out so far (for failure reports).
    pub(crate) fn lines(&self) -> u64 {
        self.lines
    }

    /// The next block of about `target` bytes, or `None` at the end.
    pub(crate) fn next_block(&mut self, target: usize) -> io::Result<Option<Block>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut data = std::mem::take(&mut self.carry);
        loop {
            let want = target.saturating_sub(data.len()).max(64 * 1024) as u64;
            let read = match (&mut self.inner).take(want).read_to_end(&mut data) {
                Ok(n) => n,
                // Hand out the whole lines read before the error (a truncated gzip file), then
                // report the error.
                Err(e) => match memchr::memrchr(b'\n', &data) {
                    Some(last) if !self.skipping => {
                        data.truncate(last + 1);
                        self.failed = Some(e);
                        let first_line = self.lines + 1;
                        self.lines += memchr::memchr_iter(b'\n', &data).count() as u64;
                        return Ok(Some(Block::Lines { first_line, data }));
                    }
                    _ => return Err(e),
                },
            };
            let eof = read == 0;
            if self.skipping {
                match memchr::memchr(b'\n', &data) {
                    Some(i) => {
                        data.drain(..=i);
                        self.skipping = false;
                    }
                    None => {
                        data.clear();
                        if eof {
                            return Ok(None);
                        }
                        continue;
                    }
                }
            }
            if let Some(last) = memchr::memrchr(b'\n', &data) {
                if data.len() >= target || eof {
                    self.carry = data.split_off(last + 1);
                    let first_line = self.lines + 1;
                    self.lines += memchr::memchr_iter(b'\n', &data).count() as u64;
                    return Ok(Some(Block::Lines { first_line, data }));
                }
                continue;
            }
            // No newline: one partial line.
            if data.len() > self.max {
                self.lines += 1;
                self.skipping = !eof;
                return Ok(Some(Block::TooLong { line: self.lines }));
            }
            if eof {
                if data.is_empty() {
                    return Ok(None);
                }
                self.lines += 1;
                return Ok(Some(Block::Lines { first_line: self.lines, data }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Option<Vec<u8>>> {
        let mut r = LineReader::new(BufReader::with_capacity(4, input), max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(match l {
                Line::Text(t) => Some(t.to_vec()),
                Line::TooLong => None,
            });
        }
        out
    }

    #[test]
    fn splits_lf_crlf_and_a_last_line_without_newline() {
        let got = lines(b"a\r\nbb\n\nccc", 100);
        assert_eq!(got, vec![Some(b"a".to_vec()), Some(b"bb".to_vec()), Some(vec![]), Some(b"ccc".to_vec())]);
    }

    #[test]
    fn too_long_lines_are_reported_and_the_next_line_survives() {
        let got = lines(b"short\nthis line is too long\nok\n", 8);
        assert_eq!(got, vec![Some(b"short".to_vec()), None, Some(b"ok".to_vec())]);
    }

    #[test]
    fn gzip_is_detected_by_magic_bytes() {
        use flate2::{Compression, write::GzEncoder};
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.log");
        let mut enc = GzEncoder::new(File::create(&path).unwrap(), Compression::fast());
        enc.write_all(b"one\ntwo\n").unwrap();
        enc.finish().unwrap();
        let mut r = LineReader::new(open(&path).unwrap(), 100);
        assert_eq!(r.next_line().unwrap(), Some(Line::Text(b"one")));
        assert_eq!(r.next_line().unwrap(), Some(Line::Text(b"two")));
        assert_eq!(r.next_line().unwrap(), None);
        assert_eq!(r.number(), 2);
    }

    fn blocks(input: &[u8], max: usize, target: usize) -> Vec<Block> {
        let mut r = BlockReader::new(input, max);
        let mut out = Vec::new();
        while let Some(b) = r.next_block(target).unwrap() {
            out.push(b);
        }
        out
    }

    #[test]
    fn blocks_hold_whole_lines_and_number_them() {
        let got = blocks(b"a\nbb\nccc\nlast", 100, 4);
        let mut lines = Vec::new();
        for b in &got {
            let Block::Lines { first_line, data } = b else { panic!("no too-long line here") };
            for (i, l) in data.split(|c| *c == b'\n').filter(|l| !l.is_empty()).enumerate() {
                lines.push((first_line + i as u64, l.to_vec()));
            }
        }
        assert_eq!(lines, vec![(1, b"a".to_vec()), (2, b"bb".to_vec()), (3, b"ccc".to_vec()), (4, b"last".to_vec())]);
    }

    #[test]
    fn a_line_longer_than_max_and_any_block_is_skipped() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 300_000));
        input.extend(b"\nnext\n");
        let got = blocks(&input, 1000, 4096);
        assert_eq!(got[0], Block::Lines { first_line: 1, data: b"ok\n".to_vec() });
        assert_eq!(got[1], Block::TooLong { line: 2 });
        assert_eq!(got[2], Block::Lines { first_line: 3, data: b"next\n".to_vec() });
        assert_eq!(got.len(), 3);
    }
}
