//! `check --history [--since REV]`: the secret patterns over every blob that a commit reachable
//! from HEAD (or since REV) added, oldest commit first, so each secret is reported once, with the
//! commit that introduced it and its path there. Nothing is checked out: git streams the
//! changed paths of every commit (`git log --raw`) and the content of every new blob
//! (`git cat-file --batch`), each blob read once however many commits carry it. Memory holds
//! one blob at a time and the ids of the blobs already read; binary blobs are skipped with a
//! note, as in the file scan, and so are blobs past what the scan reads of a file (64 MiB): a
//! past commit cannot be changed, so it is a note, where such a file in the tree stops the check. Merges contribute what differs
//! from their first parent (an evil merge's own content).

use crate::error::{Error, IoAction, Result};
use crate::input::git::{self, GitError};
use crate::input::read::{MAX_SOURCE_BYTES, is_binary, too_large};
use crate::location::line_column;
use crate::secrets::{self, SecretKind};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::Arc;
use std::sync::mpsc;

/// Which commits to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Range {
    /// Every commit reachable from HEAD.
    #[default]
    All,
    /// The commits reachable from HEAD and not from this revision (a pull request's own).
    Since(String),
}

/// A commit, as findings name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The full id.
    pub id: String,
    /// The committer date, `YYYY-MM-DD`.
    pub date: String,
}

impl Commit {
    /// The first 12 hex digits.
    pub fn short(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }
}

/// Where the history first has a secret, as findings report it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Introduced {
    pub commit: String,
    pub date: String,
    /// The path at that commit, relative to the workspace root.
    pub path: String,
    /// Whether a file of HEAD's tree still holds the secret.
    pub at_head: bool,
}

impl HistorySecret {
    /// The first occurrence, as findings report it.
    pub fn introduced(&self) -> Introduced {
        let first = &self.occurrences[0];
        Introduced {
            commit: first.commit.id.clone(),
            date: first.commit.date.clone(),
            path: first.path.clone(),
            at_head: self.at_head,
        }
    }
}

/// Where a secret first appeared at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub commit: Arc<Commit>,
    /// The path at that commit, relative to the workspace root, `/`-separated.
    pub path: String,
    pub line: usize,
    pub column: usize,
}

/// One secret of the history, with every path it was added at, oldest first.
#[derive(Debug, Clone)]
pub struct HistorySecret {
    pub kind: SecretKind,
    pub redacted: String,
    /// Identifies the secret (see [`secrets::Secret::digest`]); never printed.
    pub digest: [u8; 32],
    /// One per path, in the order the commits introduced them; never empty.
    pub occurrences: Vec<Occurrence>,
    /// Whether a file of HEAD's tree still holds it.
    pub at_head: bool,
}

/// What reading the history found.
#[derive(Debug, Default)]
pub struct HistoryScan {
    /// `all commits reachable from HEAD` or `commits since <rev>`.
    pub range: String,
    pub commits: usize,
    /// Distinct blobs read.
    pub blobs: usize,
    pub secrets: Vec<HistorySecret>,
    /// Blobs skipped (large, binary), and what could not be read.
    pub notes: Vec<String>,
}

/// Read the history of the repository holding `dir` (the workspace root), limited to the paths
/// below `dir`.
pub fn scan(dir: &Path, range: &Range) -> Result<HistoryScan> {
    let shallow = match git::repository(dir)? {
        git::Repository::None => {
            return Err(Error::Layout {
                message: format!(
                    "--history needs a git repository, and {} is not in one",
                    dir.display()
                ),
                help: None,
            });
        }
        git::Repository::Unborn => {
            return Ok(HistoryScan {
                range: describe(range),
                notes: vec!["history: no commit yet, nothing to read".to_owned()],
                ..HistoryScan::default()
            });
        }
        git::Repository::Head { shallow } => shallow,
    };
    let mut revs = vec!["HEAD".to_owned()];
    match range {
        Range::All if shallow => {
            return Err(Error::Layout {
                message: "--history cannot read the whole history of a shallow clone".to_owned(),
                help: Some(
                    "fetch it all (`git fetch --unshallow`, or actions/checkout with \
                     fetch-depth: 0), or read part of it with --since REV"
                        .to_owned(),
                ),
            });
        }
        Range::All => {}
        Range::Since(rev) => revs.push(format!("^{}", git::resolve_commit(dir, rev)?)),
    }
    let reader = Reader::default().run(dir, &revs)?;
    let head: HashSet<String> = git::head_blobs(dir)?.into_iter().collect();
    let mut scan = reader.finish(&head);
    scan.range = describe(range);
    Ok(scan)
}

fn describe(range: &Range) -> String {
    match range {
        Range::All => "every commit reachable from HEAD".to_owned(),
        Range::Since(rev) => format!("the commits since `{rev}`"),
    }
}

/// `git log`'s arguments: each commit's changed paths, oldest first, merges against their first
/// parent.
fn log_args(revs: &[String]) -> Vec<&str> {
    let mut args = vec![
        "log",
        "--reverse",
        "--topo-order",
        "--no-renames",
        "--raw",
        "-z",
        "--no-abbrev",
        "--root",
        "--diff-merges=first-parent",
        "--no-color",
        "--no-show-signature",
        "--relative",
        "--format=commit %H %cs",
    ];
    args.extend(revs.iter().map(String::as_str));
    args.push("--");
    args
}

const CAT_ARGS: [&str; 2] = ["cat-file", "--batch"];

/// A blob to read, and where it first appeared.
struct Wanted {
    commit: Arc<Commit>,
    path: String,
}

#[derive(Default)]
struct Reader {
    commits: usize,
    blobs: usize,
    by_digest: HashMap<[u8; 32], HistorySecret>,
    /// Digests held by each blob that holds any, to tell which are still at HEAD.
    blob_secrets: HashMap<String, Vec<[u8; 32]>>,
    large: Vec<String>,
    binary: usize,
    binary_example: Option<String>,
}

impl Reader {
    fn run(self, dir: &Path, revs: &[String]) -> Result<Reader> {
        let mut log = git::command(dir)
            .args(log_args(revs))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io(IoAction::Spawn, "git", e))?;
        let mut cat = match git::command(dir)
            .args(CAT_ARGS)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(cat) => cat,
            Err(e) => {
                let _ = log.kill();
                let _ = log.wait();
                return Err(Error::io(IoAction::Spawn, "git", e));
            }
        };
        let (log_out, log_err) = (log.stdout.take(), log.stderr.take());
        let (cat_in, cat_out, cat_err) = (cat.stdin.take(), cat.stdout.take(), cat.stderr.take());
        let (Some(log_out), Some(cat_in), Some(cat_out)) = (log_out, cat_in, cat_out) else {
            unreachable!("every stream is piped");
        };
        let (wanted_tx, wanted_rx) = mpsc::sync_channel::<Wanted>(4096);
        let (listed, read, log_err, cat_err) = std::thread::scope(|scope| {
            let log_err = scope.spawn(move || drain(log_err));
            let cat_err = scope.spawn(move || drain(cat_err));
            let contents = scope.spawn(move || self.read_blobs(cat_out, wanted_rx));
            let listed = list_new_blobs(log_out, cat_in, wanted_tx);
            let join = |h: std::thread::ScopedJoinHandle<'_, String>| h.join().unwrap_or_default();
            (
                listed,
                contents
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                join(log_err),
                join(cat_err),
            )
        });
        let log_status = wait(&mut log)?;
        let cat_status = wait(&mut cat)?;
        if !log_status.success() {
            return Err(GitError::new(log_args(revs), dir, log_status.code(), &log_err).into());
        }
        let mut reader = read?;
        if !cat_status.success() {
            return Err(GitError::new(CAT_ARGS, dir, cat_status.code(), &cat_err).into());
        }
        reader.commits =
            listed.map_err(|e| Error::io(IoAction::Read, "the output of git log", e))?;
        Ok(reader)
    }

    /// Read the blobs `cat-file` sends, in the order they were asked for.
    fn read_blobs(mut self, out: ChildStdout, wanted: mpsc::Receiver<Wanted>) -> Result<Reader> {
        let mut out = BufReader::with_capacity(1 << 16, out);
        match self.read_each(&mut out, &wanted) {
            Ok(()) => Ok(self),
            Err(e) => {
                // Stop the lister (its next send fails, it closes cat-file's input), then let
                // cat-file finish writing, so that no process is left blocked on a pipe.
                drop(wanted);
                let _ = std::io::copy(&mut out, &mut std::io::sink());
                Err(e)
            }
        }
    }

    fn read_each(
        &mut self,
        out: &mut BufReader<ChildStdout>,
        wanted: &mpsc::Receiver<Wanted>,
    ) -> Result<()> {
        let mut header = Vec::new();
        let mut content = Vec::new();
        for blob in wanted.iter() {
            header.clear();
            out.read_until(b'\n', &mut header)
                .map_err(|e| Error::io(IoAction::Read, "the output of git cat-file", e))?;
            let text = String::from_utf8_lossy(&header);
            let mut fields = text.split_whitespace();
            let (id, kind, size) = (fields.next(), fields.next(), fields.next());
            let size: u64 = match (kind, size.and_then(|s| s.parse().ok())) {
                (Some("blob"), Some(size)) => size,
                _ => {
                    return Err(Error::Layout {
                        message: format!(
                            "history is incomplete: blob {} of `{}` at {} could not be read ({})",
                            id.unwrap_or("?"),
                            blob.path,
                            blob.commit.short(),
                            text.trim()
                        ),
                        help: Some(
                            "a partial clone lacks blobs: fetch them (`git fetch --refetch`), \
                             or clone without --filter"
                                .to_owned(),
                        ),
                    });
                }
            };
            self.blobs += 1;
            if size > MAX_SOURCE_BYTES {
                std::io::copy(&mut out.take(size + 1), &mut std::io::sink())
                    .map_err(|e| Error::io(IoAction::Read, "the output of git cat-file", e))?;
                self.large.push(format!(
                    "history: skipped `{}` at {} ({})",
                    blob.path,
                    blob.commit.short(),
                    too_large(size)
                ));
                continue;
            }
            content.clear();
            out.take(size + 1)
                .read_to_end(&mut content)
                .map_err(|e| Error::io(IoAction::Read, "the output of git cat-file", e))?;
            content.pop(); // the newline after the content
            if is_binary(&content) {
                self.binary += 1;
                self.binary_example
                    .get_or_insert_with(|| format!("`{}` at {}", blob.path, blob.commit.short()));
                continue;
            }
            let found = secrets::find(&content);
            if found.is_empty() {
                continue;
            }
            let text = String::from_utf8_lossy(&content);
            let mut digests = Vec::new();
            for secret in found {
                let (line, column) = line_column(&text, secret.start);
                let occurrence = Occurrence {
                    commit: blob.commit.clone(),
                    path: blob.path.clone(),
                    line,
                    column,
                };
                digests.push(secret.digest);
                let entry = self
                    .by_digest
                    .entry(secret.digest)
                    .or_insert_with(|| HistorySecret {
                        kind: secret.kind,
                        redacted: secret.redacted.clone(),
                        digest: secret.digest,
                        occurrences: Vec::new(),
                        at_head: false,
                    });
                if !entry.occurrences.iter().any(|o| o.path == occurrence.path) {
                    entry.occurrences.push(occurrence);
                }
            }
            if let Some(id) = id {
                self.blob_secrets.insert(id.to_owned(), digests);
            }
        }
        Ok(())
    }
}

impl Reader {
    fn finish(self, head: &HashSet<String>) -> HistoryScan {
        let mut reader = self;
        for (blob, digests) in &reader.blob_secrets {
            if head.contains(blob) {
                for digest in digests {
                    if let Some(secret) = reader.by_digest.get_mut(digest) {
                        secret.at_head = true;
                    }
                }
            }
        }
        let mut secrets: Vec<HistorySecret> = reader.by_digest.into_values().collect();
        secrets.sort_by(|a, b| {
            let key = |s: &HistorySecret| {
                let first = &s.occurrences[0];
                (first.path.clone(), first.line, first.column)
            };
            key(a).cmp(&key(b))
        });
        let mut notes = std::mem::take(&mut reader.large);
        if reader.binary > 0 {
            notes.push(format!(
                "history: skipped {} binary blob{} (e.g. {})",
                reader.binary,
                if reader.binary == 1 { "" } else { "s" },
                reader.binary_example.unwrap_or_default()
            ));
        }
        HistoryScan {
            range: String::new(),
            commits: reader.commits,
            blobs: reader.blobs,
            secrets,
            notes,
        }
    }
}

/// Parse `git log --raw -z` and ask `cat-file` for every regular-file blob not asked for yet;
/// returns the number of commits.
fn list_new_blobs(
    log: ChildStdout,
    cat_in: std::process::ChildStdin,
    wanted: mpsc::SyncSender<Wanted>,
) -> std::io::Result<usize> {
    let mut log = BufReader::with_capacity(1 << 16, log);
    let mut cat_in = std::io::BufWriter::new(cat_in);
    let mut seen: HashSet<[u8; 32]> = HashSet::new();
    let mut commit: Option<Arc<Commit>> = None;
    let mut commits = 0;
    let mut token = Vec::new();
    let mut path = Vec::new();
    loop {
        token.clear();
        if log.read_until(0, &mut token)? == 0 {
            break;
        }
        let field = token.strip_suffix(b"\0").unwrap_or(&token);
        let field = field.strip_prefix(b"\n").unwrap_or(field);
        if let Some(header) = field.strip_prefix(b"commit ") {
            let header = String::from_utf8_lossy(header);
            let (id, date) = header.split_once(' ').unwrap_or((&header, ""));
            commit = Some(Arc::new(Commit {
                id: id.to_owned(),
                date: date.trim().to_owned(),
            }));
            commits += 1;
            continue;
        }
        let Some(meta) = field.strip_prefix(b":") else {
            continue;
        };
        // `:old_mode new_mode old_id new_id status`, then the path as the next field.
        path.clear();
        log.read_until(0, &mut path)?;
        let path = path.strip_suffix(b"\0").unwrap_or(&path);
        let meta = String::from_utf8_lossy(meta);
        let fields: Vec<&str> = meta.split(' ').collect();
        let [_, new_mode, _, new_id, status] = fields[..] else {
            continue;
        };
        let regular = new_mode == "100644" || new_mode == "100755";
        if !regular || status.starts_with('D') || new_id.bytes().all(|b| b == b'0') {
            continue;
        }
        let Some(key) = object_key(new_id) else {
            continue;
        };
        let Some(commit) = &commit else {
            continue;
        };
        if !seen.insert(key) {
            continue;
        }
        writeln!(cat_in, "{new_id}")?;
        let sent = wanted.send(Wanted {
            commit: commit.clone(),
            path: String::from_utf8_lossy(path).into_owned(),
        });
        if sent.is_err() {
            // The reader stopped (it hit an error, which it reports); let git log finish.
            std::io::copy(&mut log, &mut std::io::sink())?;
            break;
        }
    }
    cat_in.flush()?;
    Ok(commits)
}

/// An object id (SHA-1 or SHA-256, hex) as bytes, zero-padded.
fn object_key(hex: &str) -> Option<[u8; 32]> {
    let mut key = [0u8; 32];
    if hex.len() > 64 || !hex.len().is_multiple_of(2) {
        return None;
    }
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let digit = |b: u8| (b as char).to_digit(16);
        key[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(key)
}

fn drain(stream: Option<impl Read>) -> String {
    let mut text = String::new();
    if let Some(mut stream) = stream {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
}

fn wait(child: &mut Child) -> Result<std::process::ExitStatus> {
    child
        .wait()
        .map_err(|e| Error::io(IoAction::Wait, "git", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_of_both_hash_functions() {
        let sha1 = "f89d64dab6bbf0db7bfd8b939dfe59b2e7977894";
        assert_eq!(object_key(sha1).unwrap()[..2], [0xf8, 0x9d]);
        assert!(object_key(&"a".repeat(64)).is_some());
        assert!(object_key("xyz0").is_none());
    }
}
