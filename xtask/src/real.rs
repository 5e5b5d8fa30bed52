//! `cargo xtask bench --workspace PATH`: P1, P2 and P8 on a real workspace (a fetched clone with
//! a policy), against the same baselines as the synthetic rows: `cargo metadata`, `rg` with the
//! library's own patterns, `git log -p --all` piped into `rg`. Nothing is fetched here and
//! nothing is written to the repository: the rows are printed, and written to
//! `target/bench/real.md`, for `docs/BENCHMARKS.md`'s section on real workspaces.

use crate::measure::{Sample, run_timed};
use crate::{Row, alternate, git_log_search};
use anyhow::{Context, Result};
use camino::Utf8Path;
use std::process::Command;
use std::time::Instant;

/// The rows for the workspace at `root`, measured with the release binary `bin`.
pub fn rows(root: &Utf8Path, bin: &Utf8Path, runs: usize, history: bool) -> Result<Vec<Row>> {
    let name = root.file_name().unwrap_or("workspace").to_owned();
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let label = format!("{name} at {commit}");
    run_timed(&mut metadata(root), &[0]).context("cargo metadata in the real workspace")?;
    let mut rows = vec![p1(root, &label, bin, runs)?, p2(root, &label, runs)?];
    if history {
        rows.push(p8(root, &label, bin, runs.min(3))?);
    }
    Ok(rows)
}

/// `cargo metadata` in `root`: P1's baseline.
pub fn metadata(root: &Utf8Path) -> Command {
    let mut c = Command::new(env!("CARGO"));
    c.args(["metadata", "--format-version", "1"])
        .current_dir(root);
    c
}

fn check(root: &Utf8Path, bin: &Utf8Path, extra: &[&str]) -> Command {
    let mut c = Command::new(bin);
    c.args(["clientwall", "check", "--format", "json"])
        .args(extra)
        .current_dir(root);
    c
}

/// P1: the check against `cargo metadata` (resolved once before, so both see a `Cargo.lock`).
pub fn p1(root: &Utf8Path, label: &str, bin: &Utf8Path, runs: usize) -> Result<Row> {
    let (base, ours) = alternate(
        runs,
        || run_timed(&mut metadata(root), &[0]),
        || run_timed(&mut check(root, bin, &[]), &[0, 1]),
    )?;
    let ratio = ours.seconds / base.seconds;
    Ok(Row {
        id: "P1",
        what: format!("`cargo clientwall check`, {label}"),
        measured: format!("{:.0} ms", ours.seconds * 1e3),
        baseline: format!("{:.0} ms `cargo metadata`", base.seconds * 1e3),
        ratio: Some(ratio),
        target: "≤ 1.5×",
        met: ratio <= 1.5,
        peak_rss_kib: Some(ours.peak_rss_kib),
    })
}

/// P2: the scan in-process against `rg` with the library's own patterns.
pub fn p2(root: &Utf8Path, label: &str, runs: usize) -> Result<Row> {
    let workspace = clientwall::workspace::Workspace::load(root)?;
    let layout = clientwall::layout::Layout::from_globs(&workspace)?;
    let targets = clientwall::TargetDirs::predicted(&layout);
    let pattern = format!(
        "{}|{}",
        clientwall::secrets::PATTERN_SOURCE,
        clientwall::REFERENCE_HINT_SOURCE
    );
    let rg = || {
        let mut c = Command::new("rg");
        c.args(["--hidden", "--count", "-e", &pattern, "."])
            .current_dir(root);
        c
    };
    let mut files = 0;
    let (base, ours) = alternate(
        runs,
        || run_timed(&mut rg(), &[0, 1]),
        || {
            let started = Instant::now();
            let out = clientwall::scan_workspace(&layout, &targets, false, &|_| true, true)?;
            files = out.files;
            Ok(Sample {
                seconds: started.elapsed().as_secs_f64(),
                peak_rss_kib: crate::measure::self_peak_rss_kib(),
            })
        },
    )?;
    let ratio = ours.seconds / base.seconds;
    Ok(Row {
        id: "P2",
        what: format!("full source/secret scan, {label}, {files} files"),
        measured: format!("{:.0} ms", ours.seconds * 1e3),
        baseline: format!("{:.0} ms `rg` same patterns", base.seconds * 1e3),
        ratio: Some(ratio),
        target: "≤ 1.5×",
        met: ratio <= 1.5,
        peak_rss_kib: None,
    })
}

/// P8: `check --history` against `git log -p --all` piped into `rg`, same patterns.
pub fn p8(root: &Utf8Path, label: &str, bin: &Utf8Path, runs: usize) -> Result<Row> {
    let (base, ours) = alternate(
        runs,
        || git_log_search(root, true),
        || run_timed(&mut check(root, bin, &["--history"]), &[0, 1]),
    )?;
    let ratio = ours.seconds / base.seconds;
    Ok(Row {
        id: "P8",
        what: format!("`check --history`, {label}"),
        measured: format!("{:.1} s", ours.seconds),
        baseline: format!(
            "{:.1} s `git log -p --all` piped into `rg`, same patterns",
            base.seconds
        ),
        ratio: Some(ratio),
        target: "≤ 2×, memory bounded",
        met: ratio <= 2.0,
        peak_rss_kib: Some(ours.peak_rss_kib),
    })
}
