//! Records leave memory as scenarios finish. Each finished scenario's whole record
//! (evidence included) is appended to `results.ndjson` by a writer thread, and the run
//! keeps only an index entry: the record without its exchanges, which name the line
//! that holds them. Exchanges stay in memory only where the reports show them (failed,
//! deviating, drifting or blocked scenarios), and for at most [`EMBED_LIMIT`]
//! scenarios, so a run's memory does not grow with what passed.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use super::{ConfigError, Outcome, ScenarioRecord};

/// The machine-readable stream of every record, one JSON object per line.
pub const NDJSON: &str = "results.ndjson";

/// Scenarios whose exchanges the reports embed; beyond this, a report names the
/// `results.ndjson` line instead (a fleet where every tenant fails must not turn into
/// a report no browser opens).
pub const EMBED_LIMIT: usize = 200;

/// True for a record whose exchanges the reports show.
pub fn shows_evidence(r: &ScenarioRecord) -> bool {
    matches!(
        r.outcome,
        Outcome::Failed { .. } | Outcome::KnownDeviation { .. } | Outcome::Blocked { .. }
    ) || r.has_drift()
}

/// The index of a run and the writer of its stream.
pub struct RecordStream {
    path: PathBuf,
    sender: Option<mpsc::Sender<Vec<u8>>>,
    writer: Option<JoinHandle<Result<(), String>>>,
    lines: usize,
    embedded: usize,
    index: Vec<ScenarioRecord>,
}

impl RecordStream {
    /// Creates `results.ndjson` in `dir` (replacing an older one).
    pub fn create(dir: &Path) -> Result<Self, ConfigError> {
        let path = dir.join(NDJSON);
        let file = std::fs::File::create(&path)
            .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
        let (sender, receiver) = mpsc::channel::<Vec<u8>>();
        let shown = path.display().to_string();
        // Writing happens off the cucumber executor's thread; each line is flushed, so
        // a run killed mid-way keeps every record that finished.
        let writer = std::thread::Builder::new()
            .name("results-writer".into())
            .spawn(move || {
                let mut out = BufWriter::new(file);
                for line in receiver {
                    out.write_all(&line)
                        .and_then(|()| out.flush())
                        .map_err(|e| format!("cannot write {shown}: {e}"))?;
                }
                Ok(())
            })
            .map_err(|e| ConfigError(format!("cannot start the results writer: {e}")))?;
        Ok(Self {
            path,
            sender: Some(sender),
            writer: Some(writer),
            lines: 0,
            embedded: 0,
            index: Vec::new(),
        })
    }

    /// Streams `record` and keeps its index entry.
    pub fn push(&mut self, mut record: ScenarioRecord) {
        record.evidence_line = None;
        let mut line = serde_json::to_vec(&record).unwrap_or_default();
        line.push(b'\n');
        if let Some(sender) = &self.sender
            && sender.send(line).is_ok()
        {
            self.lines += 1;
            record.evidence_line = Some(self.lines);
        }
        self.keep(record);
    }

    /// Keeps an index entry for a record already in the stream at `line`.
    pub fn keep_at(&mut self, mut record: ScenarioRecord, line: usize) {
        record.evidence_line = Some(line);
        self.keep(record);
    }

    fn keep(&mut self, mut record: ScenarioRecord) {
        if shows_evidence(&record) && self.embedded < EMBED_LIMIT {
            self.embedded += 1;
        } else {
            record.evidence = Vec::new();
        }
        // A first run records every payload as "no baseline yet"; the reports name
        // those files, they do not show them.
        for d in &mut record.no_baseline {
            d.received = String::new();
        }
        record.shrink();
        self.index.push(record);
    }

    /// Sends raw, already serialised lines (a merge copying shards' streams).
    pub fn copy_line(&mut self, line: &[u8]) -> usize {
        let mut owned = line.to_vec();
        if !owned.ends_with(b"\n") {
            owned.push(b'\n');
        }
        if let Some(sender) = &self.sender
            && sender.send(owned).is_ok()
        {
            self.lines += 1;
        }
        self.lines
    }

    /// Waits for the writer and returns the index, in finishing order.
    pub fn finish(mut self) -> Result<Vec<ScenarioRecord>, ConfigError> {
        self.sender = None;
        if let Some(writer) = self.writer.take() {
            writer
                .join()
                .map_err(|_| ConfigError(format!("writing {} failed", self.path.display())))?
                .map_err(ConfigError)?;
        }
        Ok(std::mem::take(&mut self.index))
    }
}

/// Reads a stream back, one record per line, calling `each` with the line's bytes
/// and its record (a merge, or a test reading evidence). A line that is not a record
/// is an error naming it.
pub fn read(
    path: &Path,
    mut each: impl FnMut(&[u8], ScenarioRecord) -> Result<(), String>,
) -> Result<(), String> {
    use std::io::BufRead;
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: ScenarioRecord = serde_json::from_slice(line)
            .map_err(|e| format!("{}:{n}: not a grantcheck record: {e}", path.display()))?;
        each(line, record)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::Finding;

    fn with_evidence(name: &str, outcome: Outcome) -> ScenarioRecord {
        let mut r = ScenarioRecord::sample(name, outcome);
        r.evidence = vec![crate::http::Exchange::sample("GET", "http://x/", 200)];
        r
    }

    #[test]
    fn every_record_is_streamed_and_only_shown_evidence_stays_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RecordStream::create(dir.path()).unwrap();
        s.push(with_evidence("passed", Outcome::Passed));
        s.push(with_evidence(
            "failed",
            Outcome::Failed {
                failures: vec![Finding::problem("x")],
            },
        ));
        let index = s.finish().unwrap();
        assert_eq!(index[0].evidence.len(), 0, "a passed scenario's exchanges");
        assert_eq!(index[1].evidence.len(), 1, "a failed scenario's exchanges");
        assert_eq!(
            (index[0].evidence_line, index[1].evidence_line),
            (Some(1), Some(2))
        );
        let mut back = Vec::new();
        read(&dir.path().join(NDJSON), |_, r| {
            back.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].evidence.len(), 1, "the stream keeps every exchange");
    }

    #[test]
    fn embedded_evidence_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RecordStream::create(dir.path()).unwrap();
        for i in 0..EMBED_LIMIT + 5 {
            s.push(with_evidence(
                &format!("s{i}"),
                Outcome::Blocked { reason: "r".into() },
            ));
        }
        let index = s.finish().unwrap();
        let kept = index.iter().filter(|r| !r.evidence.is_empty()).count();
        assert_eq!(kept, EMBED_LIMIT);
    }

    #[test]
    fn a_broken_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(NDJSON);
        std::fs::write(&path, "{\"nope\":1}\n").unwrap();
        let err = read(&path, |_, _| Ok(())).unwrap_err();
        assert!(
            err.contains("results.ndjson:1: not a grantcheck record"),
            "{err}"
        );
    }
}
