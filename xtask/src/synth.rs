//! Synthetic consultancy workspaces: N clients, S shared crates, optional planted violations,
//! F source files per client with or without planted secrets.

use anyhow::Result;
use camino::Utf8Path;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub clients: usize,
    pub shared: usize,
    pub files_per_client: usize,
    /// Every 100th client depends on the next client, every 250th holds a secret.
    pub plant_violations: bool,
}

const BODY_LINES: usize = 40;

/// Write the workspace into `root` (which must be empty or absent).
pub fn generate(root: &Utf8Path, shape: Shape) -> Result<()> {
    std::fs::create_dir_all(root)?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"clients/*\", \"shared/*\"]\n\n[workspace.metadata.clientwall]\ncredential-helpers = [\"*-credentials\"]\n",
    )?;
    for s in 0..shape.shared {
        let dir = root.join(format!("shared/s{s}"));
        std::fs::create_dir_all(dir.join("src"))?;
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"shared-{s}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        )?;
        std::fs::write(dir.join("src/lib.rs"), "pub fn shared() {}\n")?;
    }
    let mut body = String::new();
    for i in 0..BODY_LINES {
        let _ = writeln!(
            body,
            "pub fn f{i}(x: u64) -> u64 {{ let label = \"orders/{i}.csv\"; x * {i} + label.len() as u64 }}"
        );
    }
    for c in 0..shape.clients {
        let dir = root.join(format!("clients/c{c}"));
        std::fs::create_dir_all(dir.join("src"))?;
        let mut manifest = format!(
            "[package]\nname = \"client-{c}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
        );
        for s in (0..shape.shared).filter(|s| (c + s) % 2 == 0) {
            let _ = writeln!(manifest, "shared-{s} = {{ path = \"../../shared/s{s}\" }}");
        }
        let planted = shape.plant_violations && c % 100 == 99 && c + 1 < shape.clients;
        if planted {
            let _ = writeln!(
                manifest,
                "client-{} = {{ path = \"../c{}\" }}",
                c + 1,
                c + 1
            );
        }
        std::fs::write(dir.join("Cargo.toml"), manifest)?;
        let modules: String = (1..shape.files_per_client)
            .map(|f| format!("pub mod m{f};\n"))
            .collect();
        std::fs::write(dir.join("src/lib.rs"), format!("//! client {c}\n{modules}"))?;
        for f in 1..shape.files_per_client {
            let mut text = format!("//! module {f}\n{body}");
            if shape.plant_violations && c % 250 == 249 && f == 1 {
                // Assembled here so the repository itself holds no token-shaped string.
                let token = ["shp", "at_", &"0123456789abcdef".repeat(2)].concat();
                let _ = writeln!(text, "pub const LEAK: &str = \"{token}\";");
            }
            std::fs::write(dir.join(format!("src/m{f}.rs")), text)?;
        }
    }
    Ok(())
}

/// The history of a synthetic workspace for P8: the workspace of `shape` as a first commit,
/// then `commits - 1` commits each changing one module of one client (clients in turn), built
/// with `git fast-import` (no work tree churn) and checked out at the end. Ten commits, evenly
/// spread, each plant a token in the module they change; the next commit to that client takes
/// it out again, so the tokens live in the history only.
pub fn history_repo(root: &Utf8Path, shape: Shape, commits: usize) -> Result<()> {
    use std::io::Write as _;
    generate(root, shape)?;
    std::fs::write(root.join(".gitignore"), "/target\nCargo.lock\n")?;
    let git = |args: &[&str]| -> Result<()> {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "git {args:?} failed");
        Ok(())
    };
    git(&["init", "-q"])?;
    let mut import = std::process::Command::new("git")
        .args(["fast-import", "--quiet", "--done"])
        .current_dir(root)
        .stdin(std::process::Stdio::piped())
        .spawn()?;
    let mut stream = std::io::BufWriter::new(import.stdin.take().expect("piped"));
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry?;
        let rel = entry.path().strip_prefix(root.as_std_path())?;
        if entry.file_type().is_file() && !rel.starts_with(".git") {
            files.push(rel.to_string_lossy().into_owned());
        }
    }
    let mut time = 1_700_000_000u64;
    let mut header = |stream: &mut dyn std::io::Write, message: &str| -> Result<()> {
        time += 60;
        writeln!(stream, "commit refs/heads/main")?;
        writeln!(stream, "committer Bench <bench@example.com> {time} +0000")?;
        writeln!(stream, "data {}\n{message}", message.len())?;
        Ok(())
    };
    let blob = |stream: &mut dyn std::io::Write, path: &str, data: &[u8]| -> Result<()> {
        writeln!(stream, "M 100644 inline {path}\ndata {}", data.len())?;
        stream.write_all(data)?;
        writeln!(stream)?;
        Ok(())
    };
    header(&mut stream, "the workspace")?;
    for file in &files {
        blob(&mut stream, file, &std::fs::read(root.join(file))?)?;
    }
    let mut body = String::new();
    for i in 0..BODY_LINES {
        let _ = writeln!(body, "pub fn f{i}(x: u64) -> u64 {{ x * {i} }}");
    }
    let mut leaked = std::collections::HashSet::new();
    let every = (commits / 10).max(2);
    for n in 1..commits {
        let client = n % shape.clients;
        let module = 1 + (n / shape.clients) % shape.files_per_client.saturating_sub(1).max(1);
        // The k-th plant is at k * every + k: a different client each time, and never so late
        // that the client's next commit (which takes it out) is missing.
        let k = n / every;
        let plant = k > 0 && n == k * every + k && n + shape.clients < commits;
        header(&mut stream, &format!("client {client}: revision {n}"))?;
        if leaked.remove(&client) {
            // A leak is taken out of every module it could be in.
            for m in 1..shape.files_per_client.max(2) {
                if m != module {
                    blob(
                        &mut stream,
                        &format!("clients/c{client}/src/m{m}.rs"),
                        format!("//! module {m}\n{body}").as_bytes(),
                    )?;
                }
            }
        }
        let mut text = format!("//! module {module}, revision {n}\n{body}");
        if plant {
            // Assembled here so the repository itself holds no token-shaped string.
            let token = format!("{}{}_{n:032x}", "shp", "at");
            let _ = writeln!(text, "pub const LEAK: &str = \"{token}\";");
            leaked.insert(client);
        }
        blob(
            &mut stream,
            &format!("clients/c{client}/src/m{module}.rs"),
            text.as_bytes(),
        )?;
    }
    writeln!(stream, "done")?;
    stream.flush()?;
    drop(stream);
    anyhow::ensure!(import.wait()?.success(), "git fast-import failed");
    git(&["checkout", "-q", "-f", "main"])?;
    Ok(())
}
