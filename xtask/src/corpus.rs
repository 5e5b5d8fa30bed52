//! The real-code corpus: the crates pinned by `xtask/corpus/Cargo.toml` and its `Cargo.lock`,
//! vendored from crates.io once into `target/bench-corpus/vendor`, laid out as a consultancy
//! workspace (each pinned crate's published sources as a client crate, its dependencies resolved
//! from the vendored sources through source replacement), and a history that commits those
//! sources over many commits (`git fast-import`).

use anyhow::{Context, Result, bail};
use camino::{Utf8Path, Utf8PathBuf};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Command, Stdio};

/// The vendored sources, fetched with `cargo vendor --locked` unless the copy in `target/` was
/// made from the same `Cargo.lock`. Without the registry this fails, saying so.
pub fn vendor(repo: &Utf8Path) -> Result<Utf8PathBuf> {
    vendor_from(
        &repo.join("xtask/corpus"),
        &repo.join("target/bench-corpus"),
    )
}

/// [`vendor`] of the corpus pinned in `pins` (a manifest and its lock) into `dir/vendor`.
fn vendor_from(pins: &Utf8Path, dir: &Utf8Path) -> Result<Utf8PathBuf> {
    let manifest = pins.join("Cargo.toml");
    let lock = std::fs::read(pins.join("Cargo.lock"))
        .with_context(|| format!("{pins}/Cargo.lock (the corpus's pins)"))?;
    let vendor = dir.join("vendor");
    let stamp = dir.join("vendored-from.lock");
    if vendor.is_dir() && std::fs::read(&stamp).is_ok_and(|s| s == lock) {
        return Ok(vendor);
    }
    std::fs::create_dir_all(dir)?;
    // Vendored beside, then moved in place: a run stopped half-way leaves no vendor directory
    // that looks whole, and two runs at once do not write into one directory.
    let partial = dir.join(format!("vendor.partial-{}", std::process::id()));
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    let _ = std::fs::remove_file(&stamp);
    if vendor.exists() {
        std::fs::remove_dir_all(&vendor)?;
    }
    eprintln!("vendoring the real-code corpus ({manifest}) into {vendor}");
    let out = Command::new(env!("CARGO"))
        .args(["vendor", "--quiet", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg(&partial)
        .stdout(Stdio::null())
        .output()
        .context("running `cargo vendor`")?;
    if !out.status.success() {
        if partial.exists() {
            std::fs::remove_dir_all(&partial)?;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
        bail!(
            "could not vendor the real-code corpus from crates.io (`cargo vendor --locked --manifest-path {manifest}`; is the registry reachable?); the real-code rows cannot be measured:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    std::fs::rename(&partial, &vendor)?;
    std::fs::write(&stamp, &lock)?;
    Ok(vendor)
}

/// What [`workspace`] laid out.
#[derive(Debug)]
pub struct Corpus {
    /// `name version` of each client's crate.
    pub crates: Vec<String>,
    /// The clients' files and their bytes.
    pub files: usize,
    pub bytes: u64,
}

impl Corpus {
    pub fn label(&self) -> String {
        format!(
            "real-code corpus ({} crates from crates.io, {:.0} MB)",
            self.crates.len(),
            self.bytes as f64 / 1e6
        )
    }
}

/// The source replacement that points crates.io at `vendor`, as `--config` values.
fn replacement(vendor: &Utf8Path) -> [String; 2] {
    [
        "source.crates-io.replace-with=\"bench-corpus\"".to_owned(),
        format!("source.bench-corpus.directory={}", quote(vendor.as_str())),
    ]
}

/// Lay out a consultancy workspace at `root` (empty or absent): a policy naming `clients/*`
/// as clients, and under `clients/` one client per pinned crate, made of that crate's vendored
/// sources (every file it published) with a manifest that keeps the dependencies cargo resolved
/// for it in the corpus, pinned to the vendored versions; `.cargo/config.toml` replaces
/// crates.io with the vendored sources, so `cargo metadata --offline` resolves the workspace.
pub fn workspace(repo: &Utf8Path, vendor: &Utf8Path, root: &Utf8Path) -> Result<Corpus> {
    let mut metadata = Command::new(env!("CARGO"));
    metadata
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .arg("--manifest-path")
        .arg(repo.join("xtask/corpus/Cargo.toml"));
    for value in replacement(vendor) {
        metadata.arg("--config").arg(value);
    }
    let out = metadata.stderr(Stdio::inherit()).output()?;
    anyhow::ensure!(
        out.status.success(),
        "cargo metadata of the vendored corpus failed"
    );
    let meta: Value = serde_json::from_slice(&out.stdout)?;
    let packages: BTreeMap<&str, &Value> = meta["packages"]
        .as_array()
        .context("packages")?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .context("resolve")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let corpus_id = meta["resolve"]["root"]
        .as_str()
        .context("the corpus root")?;

    std::fs::create_dir_all(root.join(".cargo"))?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"clients/*\"]\n\n[workspace.metadata.clientwall]\nclients = [\"clients/*\"]\n",
    )?;
    std::fs::write(
        root.join(".cargo/config.toml"),
        format!(
            "# The real-code corpus's dependencies come from its vendored sources, never the network.\n[source.crates-io]\nreplace-with = \"bench-corpus\"\n\n[source.bench-corpus]\ndirectory = {}\n",
            quote(vendor.as_str())
        ),
    )?;
    let mut corpus = Corpus {
        crates: Vec::new(),
        files: 0,
        bytes: 0,
    };
    let node = |id: &str| {
        nodes
            .get(id)
            .copied()
            .with_context(|| format!("no node {id}"))
    };
    let package = |id: &str| {
        packages
            .get(id)
            .copied()
            .with_context(|| format!("no package {id}"))
    };
    for dep in node(corpus_id)?["deps"].as_array().context("deps")? {
        let id = dep["pkg"].as_str().context("pkg")?;
        let package = package(id)?;
        let name = package["name"].as_str().context("name")?;
        let dir = root.join(format!("clients/{name}"));
        let (files, bytes) = copy_sources(package, &dir)?;
        std::fs::write(
            dir.join("Cargo.toml"),
            client_manifest(package, node(id)?, &packages)?,
        )?;
        corpus.files += files;
        corpus.bytes += bytes;
        corpus.crates.push(format!(
            "{name} {}",
            package["version"].as_str().unwrap_or("")
        ));
    }
    anyhow::ensure!(!corpus.crates.is_empty(), "the corpus pins no crate");
    Ok(corpus)
}

/// Copy every file the crate published, but for its manifests and cargo's checksum.
fn copy_sources(package: &Value, dir: &Utf8Path) -> Result<(usize, u64)> {
    let manifest = Utf8Path::new(package["manifest_path"].as_str().context("manifest_path")?);
    let from = manifest.parent().context("crate dir")?;
    let (mut files, mut bytes) = (0, 0);
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry?;
        let rel = entry.path().strip_prefix(from.as_std_path())?;
        let to = dir.as_std_path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to)?;
        } else if entry.file_type().is_file()
            && !matches!(
                rel.to_str(),
                Some(".cargo-checksum.json" | "Cargo.toml" | "Cargo.toml.orig" | "Cargo.lock")
            )
        {
            bytes += std::fs::copy(entry.path(), &to)?;
            files += 1;
        }
    }
    Ok((files, bytes))
}

/// The client's manifest: the crate's targets at their paths, and the normal and build
/// dependencies cargo resolved for it in the corpus (dev-dependencies and optional ones left
/// unresolved there are dropped, being in no vendored source), each pinned to its vendored
/// version with the features it declared.
fn client_manifest(
    package: &Value,
    node: &Value,
    packages: &BTreeMap<&str, &Value>,
) -> Result<String> {
    let name = package["name"].as_str().context("name")?;
    let crate_dir = Utf8Path::new(package["manifest_path"].as_str().context("manifest_path")?)
        .parent()
        .context("crate dir")?
        .to_owned();
    let rel = |path: &str| -> Result<String> {
        Ok(Utf8Path::new(path)
            .strip_prefix(&crate_dir)
            .with_context(|| format!("{path} outside {crate_dir}"))?
            .as_str()
            .to_owned())
    };
    let mut toml = format!(
        "[package]\nname = {}\nversion = {}\nedition = {}\npublish = false\nautolib = false\nautobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n",
        quote(&format!("client-{name}")),
        quote(package["version"].as_str().context("version")?),
        quote(package["edition"].as_str().unwrap_or("2021")),
    );
    let mut sections = String::new();
    for target in package["targets"].as_array().context("targets")? {
        let kinds: Vec<&str> = target["kind"]
            .as_array()
            .map(|k| k.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let path = quote(&rel(target["src_path"].as_str().context("src_path")?)?);
        let tname = quote(target["name"].as_str().context("target name")?);
        let table = match kinds.first().copied() {
            Some("custom-build") => {
                let _ = writeln!(toml, "build = {path}");
                continue;
            }
            Some("bin") => "[[bin]]",
            Some("test") => "[[test]]",
            Some("example") => "[[example]]",
            Some("bench") => "[[bench]]",
            Some(_) => "[lib]",
            None => continue,
        };
        let _ = write!(sections, "\n{table}\nname = {tname}\npath = {path}\n");
        if kinds.contains(&"proc-macro") {
            sections.push_str("proc-macro = true\n");
        }
    }
    toml.push_str(&sections);
    // Dependency tables by (kind, target): the resolved package's id for each declared one.
    let mut tables: BTreeMap<(String, String), String> = BTreeMap::new();
    let resolved = node["deps"].as_array().context("node deps")?;
    for declared in package["dependencies"].as_array().context("dependencies")? {
        let kind = declared["kind"].as_str().unwrap_or("normal").to_owned();
        if kind == "dev" {
            continue;
        }
        let dep_name = declared["name"].as_str().context("dependency name")?;
        let target = declared["target"].as_str().unwrap_or("").to_owned();
        let rename = declared["rename"].as_str();
        let matches = |r: &&Value| {
            let pkg = r["pkg"].as_str().and_then(|id| packages.get(id));
            pkg.is_some_and(|p| p["name"].as_str() == Some(dep_name))
                && r["dep_kinds"].as_array().is_some_and(|ks| {
                    ks.iter().any(|k| {
                        k["kind"].as_str().unwrap_or("normal") == kind
                            && k["target"].as_str().unwrap_or("") == target
                    })
                })
        };
        let candidates: Vec<&Value> = resolved.iter().filter(matches).collect();
        let chosen = candidates
            .iter()
            .find(|r| rename.is_some_and(|n| r["name"].as_str() == Some(&n.replace('-', "_"))))
            .or(candidates.first());
        let Some(chosen) = chosen else { continue };
        let pkg = chosen["pkg"].as_str().context("pkg")?;
        let version = packages
            .get(pkg)
            .with_context(|| format!("no package {pkg}"))?["version"]
            .as_str()
            .context("version")?;
        let features: Vec<String> = declared["features"]
            .as_array()
            .map(|f| f.iter().filter_map(Value::as_str).map(quote).collect())
            .unwrap_or_default();
        let line = format!(
            "{} = {{ package = {}, version = {}, default-features = {}, features = [{}] }}\n",
            quote(rename.unwrap_or(dep_name)),
            quote(dep_name),
            quote(&format!("={version}")),
            declared["uses_default_features"].as_bool().unwrap_or(true),
            features.join(", ")
        );
        tables.entry((kind, target)).or_default().push_str(&line);
    }
    for ((kind, target), lines) in tables {
        let table = if kind == "build" {
            "build-dependencies"
        } else {
            "dependencies"
        };
        if target.is_empty() {
            let _ = write!(toml, "\n[{table}]\n{lines}");
        } else {
            let _ = write!(toml, "\n[target.{}.{table}]\n{lines}", quote(&target));
        }
    }
    Ok(toml)
}

/// A TOML basic string (JSON's escapes are TOML's).
fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The corpus's history for P8, in a new repository at `root` holding the workspace laid out
/// there: a first commit with the workspace's manifests, then the clients' files added a few at
/// a time, then revisions (each re-commits one Rust file of the corpus, in turn, with a changed
/// comment line) until there are `commits` commits; checked out at the end. Ten commits, evenly spread,
/// plant a token in the file they revise; the file's next revision takes it out again.
pub fn history_repo(root: &Utf8Path, commits: usize) -> Result<History> {
    use std::io::Write as _;
    std::fs::write(root.join(".gitignore"), "/target\nCargo.lock\n")?;
    let git = |args: &[&str]| -> Result<()> {
        let status = Command::new("git")
            .args(args)
            .current_dir(root)
            .stdout(Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "git {args:?} failed");
        Ok(())
    };
    git(&["init", "-q"])?;
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry?;
        let rel = entry.path().strip_prefix(root.as_std_path())?;
        if entry.file_type().is_file() && !rel.starts_with(".git") && !rel.starts_with("target") {
            let rel = rel.to_str().context("a UTF-8 path")?.to_owned();
            anyhow::ensure!(!rel.contains('\n'), "a path with a newline: {rel:?}");
            files.push(rel);
        }
    }
    let (manifests, sources): (Vec<String>, Vec<String>) = files
        .into_iter()
        .partition(|f| f.ends_with("Cargo.toml") || f.starts_with('.'));
    let mut import = Command::new("git")
        .args(["fast-import", "--quiet", "--done"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .spawn()?;
    let mut stream = std::io::BufWriter::new(import.stdin.take().context("piped")?);
    let mut time = 1_700_000_000u64;
    let mut header = |stream: &mut dyn std::io::Write, message: &str| -> Result<()> {
        time += 60;
        writeln!(stream, "commit refs/heads/main")?;
        writeln!(stream, "committer Bench <bench@example.com> {time} +0000")?;
        writeln!(stream, "data {}\n{message}", message.len())?;
        Ok(())
    };
    let blob = |stream: &mut dyn std::io::Write, path: &str, data: &[u8]| -> Result<()> {
        // A path is taken to the end of the line unless it starts with a quote.
        anyhow::ensure!(
            !path.starts_with('"'),
            "a path starting with a quote: {path}"
        );
        writeln!(stream, "M 100644 inline {path}\ndata {}", data.len())?;
        stream.write_all(data)?;
        writeln!(stream)?;
        Ok(())
    };
    header(&mut stream, "the workspace")?;
    for file in &manifests {
        blob(&mut stream, file, &std::fs::read(root.join(file))?)?;
    }
    // The sources arrive over a tenth of the commits (at least one file each).
    let adding = (commits / 10).clamp(1, sources.len().max(1));
    let per_commit = sources.len().div_ceil(adding);
    let mut count = 1;
    for chunk in sources.chunks(per_commit.max(1)) {
        count += 1;
        header(&mut stream, &format!("add {}", chunk[0]))?;
        for file in chunk {
            blob(&mut stream, file, &std::fs::read(root.join(file))?)?;
        }
    }
    // Revisions change Rust files only (a comment line), which keeps every file parseable.
    let rust: Vec<&String> = sources.iter().filter(|f| f.ends_with(".rs")).collect();
    anyhow::ensure!(!rust.is_empty(), "no Rust file in the corpus");
    let revisions = commits.saturating_sub(count);
    count += revisions;
    let every = (revisions / 10).max(2);
    let mut planted: Option<String> = None;
    let mut plants = 0;
    for n in 0..revisions {
        // Files in turn, spread across the clients by a stride coprime to most counts.
        let file = rust[(n * 7919) % rust.len()];
        let mut text = std::fs::read(root.join(file))?;
        if let Some(prev) = planted.take() {
            // The previous plant is taken out: its file back as it is in the work tree.
            header(&mut stream, &format!("revise {prev}"))?;
            blob(&mut stream, &prev, &std::fs::read(root.join(&prev))?)?;
            continue;
        }
        header(&mut stream, &format!("revise {file} ({n})"))?;
        text.extend_from_slice(format!("\n// revision {n}\n").as_bytes());
        if n > 0 && n % every == 0 && n + 1 < revisions {
            // Assembled here so the repository itself holds no token-shaped string.
            let token = format!("{}{}_{n:032x}", "shp", "at");
            text.extend_from_slice(format!("// {token}\n").as_bytes());
            planted = Some(file.to_owned());
            plants += 1;
        }
        blob(&mut stream, file, &text)?;
    }
    // The last revision leaves its file as the work tree has it.
    writeln!(stream, "done")?;
    stream.flush()?;
    drop(stream);
    anyhow::ensure!(import.wait()?.success(), "git fast-import failed");
    git(&["checkout", "-q", "-f", "main"])?;
    Ok(History {
        commits: count,
        plants,
    })
}

/// What [`history_repo`] committed.
#[derive(Debug)]
pub struct History {
    pub commits: usize,
    /// Tokens planted in one commit and taken out in the next.
    pub plants: usize,
}

/// How many of the planted tokens a `check --history --format json` report names (as
/// committed in the history, no longer at HEAD).
pub fn planted_found(report: &[u8]) -> Result<usize> {
    let report: Value = serde_json::from_slice(report).context("the check's JSON report")?;
    let prefix = ["shp", "at_"].concat();
    Ok(report["violations"]
        .as_array()
        .context("violations")?
        .iter()
        .filter(|v| {
            v["rule"] == "hardcoded-secret"
                && v["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&prefix) && m.contains("committed in"))
        })
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the registry cannot be reached the corpus is not measured: the bench stops with an
    /// error that says so, and leaves no vendor directory or stamp behind.
    #[test]
    fn an_unreachable_registry_stops_the_bench_saying_so() -> Result<()> {
        let scratch = tempfile::tempdir()?;
        let root = Utf8Path::from_path(scratch.path()).context("UTF-8")?;
        let pins = root.join("pins");
        std::fs::create_dir_all(&pins)?;
        let source = "http://127.0.0.1:9/unreachable.git";
        std::fs::write(
            pins.join("Cargo.toml"),
            format!(
                "[package]\nname = \"clientwall-bench-corpus\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[lib]\npath = \"lib.rs\"\n\n[workspace]\n\n[dependencies]\nunreachable = {{ git = \"{source}\" }}\n"
            ),
        )?;
        std::fs::write(pins.join("lib.rs"), "")?;
        std::fs::write(
            pins.join("Cargo.lock"),
            format!(
                "version = 4\n\n[[package]]\nname = \"clientwall-bench-corpus\"\nversion = \"0.0.0\"\ndependencies = [\n \"unreachable\",\n]\n\n[[package]]\nname = \"unreachable\"\nversion = \"0.1.0\"\nsource = \"git+{source}#0123456789abcdef0123456789abcdef01234567\"\n"
            ),
        )?;
        let dir = root.join("target/bench-corpus");
        let err = vendor_from(&pins, &dir).expect_err("vendored from an unreachable source");
        let message = format!("{err:#}");
        assert!(
            message.contains("could not vendor the real-code corpus")
                && message.contains("is the registry reachable?"),
            "{message}"
        );
        let left: Vec<_> = std::fs::read_dir(&dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()?;
        assert!(left.is_empty(), "left behind: {left:?}");
        Ok(())
    }

    /// Vendors the corpus once into `target/bench-corpus` (the registry must be reachable), lays
    /// it out, and asks cargo, offline, to resolve it: every pinned crate is a client.
    #[test]
    fn the_corpus_is_laid_out_as_a_workspace_cargo_resolves_offline() -> Result<()> {
        let repo = Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("repo")?;
        let vendor = vendor(repo)?;
        let scratch = tempfile::tempdir()?;
        let root = Utf8Path::from_path(scratch.path())
            .context("UTF-8")?
            .join("corpus");
        let corpus = workspace(repo, &vendor, &root)?;
        let pinned = std::fs::read_to_string(repo.join("xtask/corpus/Cargo.toml"))?;
        let pinned = pinned
            .split("[dependencies]")
            .nth(1)
            .context("[dependencies]")?
            .lines()
            .filter(|l| l.contains('='))
            .count();
        assert_eq!(corpus.crates.len(), pinned, "{:?}", corpus.crates);
        assert!(
            corpus.files > 1000,
            "only {} files in the corpus",
            corpus.files
        );
        let out = Command::new(env!("CARGO"))
            .args(["metadata", "--format-version", "1", "--offline"])
            .current_dir(&root)
            .output()?;
        assert!(
            out.status.success(),
            "cargo metadata --offline: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: Value = serde_json::from_slice(&out.stdout)?;
        let mut members: Vec<String> = meta["workspace_members"]
            .as_array()
            .context("members")?
            .iter()
            .filter_map(|id| {
                meta["packages"]
                    .as_array()?
                    .iter()
                    .find(|p| p["id"] == *id)?["name"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        members.sort();
        let mut expected: Vec<String> = corpus
            .crates
            .iter()
            .map(|c| format!("client-{}", c.split(' ').next().unwrap_or("")))
            .collect();
        expected.sort();
        assert_eq!(members, expected);
        // Every dependency outside the workspace comes from the vendored sources.
        for p in meta["packages"].as_array().context("packages")? {
            if let Some(source) = p["source"].as_str() {
                assert!(
                    source.starts_with("registry+"),
                    "{} from {source}",
                    p["name"]
                );
                let manifest = p["manifest_path"].as_str().unwrap_or("");
                assert!(manifest.starts_with(vendor.as_str()), "{manifest}");
            }
        }
        // The policy names the clients, and the lint reads the workspace as such.
        let workspace = clientwall::workspace::Workspace::load(&root)?;
        let layout = clientwall::layout::Layout::from_globs(&workspace)?;
        assert_eq!(layout.clients.len(), expected.len());
        Ok(())
    }
}
