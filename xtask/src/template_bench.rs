//! P5 and P6: the generated client itself. `acme` is generated into a scratch consultancy
//! workspace, the benchmark tests of `bench/template-sync/` are copied into its `tests/`, and
//! they run in release against the client's own mock Shopify on loopback, each printing one
//! `BENCH` JSON line with the measurement and its baseline from the same run.

use crate::{Row, new_client};
use anyhow::{Context, Result};
use camino::Utf8Path;
use std::process::Command;

/// The P5 and P6 rows.
pub fn run(repo: &Utf8Path, scratch: &Utf8Path, smoke: bool) -> Result<Vec<Row>> {
    let ws = scratch.join("template");
    std::fs::create_dir_all(&ws)?;
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(repo.join("examples/consultancy").join(file), ws.join(file))?;
    }
    generator::generate(&new_client("acme", &ws))?;
    // The client declares its test binaries (`autotests = false`): each benchmark is one more.
    let manifest = ws.join("clients/acme/Cargo.toml");
    let mut declared = std::fs::read_to_string(&manifest)?;
    for test in ["sync_throughput", "backfill_throughput"] {
        std::fs::copy(
            repo.join("bench/template-sync").join(format!("{test}.rs")),
            ws.join("clients/acme/tests").join(format!("{test}.rs")),
        )?;
        declared.push_str(&format!(
            "\n[[test]]\nname = \"{test}\"\npath = \"tests/{test}.rs\"\n"
        ));
    }
    std::fs::write(&manifest, declared)?;

    let orders = if smoke { 10_000 } else { 100_000 };
    let sync = bench(repo, &ws, "sync_throughput", &[("BENCH_ORDERS", orders)])?;
    let (sync_rate, fetch_rate) = (
        rate(&sync, "orders_per_second")?,
        rate(&sync, "fetch_only_orders_per_second")?,
    );
    let p5 = Row {
        id: "P5",
        what: format!(
            "template `sync`, {orders} changed orders (a bulk operation from the watermark) into SQLite from the loopback mock"
        ),
        measured: format!("{sync_rate:.0} orders/s"),
        baseline: format!(
            "{fetch_rate:.0} orders/s fetch and parse only of the same requests (count, bulk operation, result file)"
        ),
        ratio: Some(sync_rate / fetch_rate),
        target: "≥ 50,000 orders/s",
        met: sync_rate >= 50_000.0,
        peak_rss_kib: None,
    };

    let (orders, runs) = if smoke { (50_000, 1) } else { (1_000_000, 3) };
    let backfill = bench(
        repo,
        &ws,
        "backfill_throughput",
        &[("BENCH_ORDERS", orders), ("BENCH_RUNS", runs)],
    )?;
    let (ours, base) = (
        rate(&backfill, "orders_per_second")?,
        rate(&backfill, "parse_only_orders_per_second")?,
    );
    let rss = backfill["peak_rss_kib"].as_u64().context("peak_rss_kib")?;
    let base_rss = backfill["parse_only_peak_rss_kib"]
        .as_u64()
        .context("parse_only_peak_rss_kib")?;
    let cpu = backfill["cpu_seconds"].as_f64().unwrap_or(0.0);
    let base_cpu = backfill["parse_only_cpu_seconds"].as_f64().unwrap_or(0.0);
    let mib = backfill["file_bytes"].as_f64().unwrap_or(0.0) / 1024.0 / 1024.0;
    let p6 = Row {
        id: "P6",
        what: format!(
            "template `sync --backfill`, {orders} orders with line items ({mib:.0} MiB of bulk JSONL) into SQLite"
        ),
        measured: format!("{ours:.0} orders/s ({cpu:.1} s CPU)"),
        baseline: format!(
            "{base:.0} orders/s download and parse only ({base_cpu:.1} s CPU, {:.0} MiB peak)",
            base_rss as f64 / 1024.0
        ),
        ratio: Some(ours / base),
        target: "≥ 300,000 orders/s, ≤ 64 MiB",
        met: ours >= 300_000.0 && rss <= 64 * 1024,
        peak_rss_kib: Some(rss),
    };
    Ok(vec![p5, p6])
}

fn rate(result: &serde_json::Value, key: &str) -> Result<f64> {
    result[key]
        .as_f64()
        .with_context(|| format!("no `{key}` in {result}"))
}

/// Run one benchmark test of the generated client in release; its `BENCH` line.
fn bench(
    repo: &Utf8Path,
    ws: &Utf8Path,
    test: &str,
    env: &[(&str, usize)],
) -> Result<serde_json::Value> {
    let mut command = Command::new(env!("CARGO"));
    command
        .args([
            "test",
            "--quiet",
            "--release",
            "-p",
            "acme",
            "--test",
            test,
            "--",
            "--nocapture",
        ])
        .env("CARGO_TARGET_DIR", repo.join("target/bench-template"))
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
        .current_dir(ws);
    for (name, value) in env {
        command.env(name, value.to_string());
    }
    let output = command.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "the {test} benchmark failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .with_context(|| format!("no BENCH line from {test}"))?;
    Ok(serde_json::from_str(line)?)
}
