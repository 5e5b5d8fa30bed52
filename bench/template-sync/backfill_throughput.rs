//! Copied into a generated client's `tests/` by `cargo xtask bench`: P6, a backfill of the
//! mock's bulk result (orders with their line items, JSONL) into the client's SQLite database,
//! next to a baseline that only downloads and parses the same file. Each side runs in a child
//! process of this test (the mock stays in the parent), which reports its own time and peak
//! memory (`VmHWM`); the medians of alternating runs are printed as one `BENCH` JSON line.

mod support;

use std::process::Command;
use std::time::Instant;
use support::{Behaviour, MockShopify, TestDb, client_secret, manual_clock, shopify_at};

use acme::backfill::{self, Options};
use acme::store::Resource;

/// This process's peak resident memory, from `/proc/self/status`.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds this process has used (user and system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map_or(0.0, |f| f.iter().filter_map(|t| t.parse::<f64>().ok()).sum());
    ticks / 100.0
}

/// One side of the benchmark, in a child process: the backfill, or the download-and-parse.
fn child(role: &str) {
    let url = std::env::var("BENCH_MOCK_URL").unwrap();
    let (clock, _) = manual_clock();
    let mut client = shopify_at(&url, &clock);
    // The database is checked and removed after the clock stops: neither is the backfill's work.
    let db = TestDb::new();
    let started = Instant::now();
    let (records, store) = match role {
        "backfill" => {
            let mut store = db.store();
            let options = Options { poll_interval: std::time::Duration::from_secs(1), max_polls: 10 };
            let stats = backfill::backfill(&mut client, &mut store, &clock, options, &mut |_, _| {}).unwrap();
            (stats.orders, Some(store))
        }
        _ => {
            let file = std::env::var("BENCH_RESULT_URL").unwrap();
            let body = client.open_result(&file, 0).unwrap().unwrap();
            (backfill::parse_only(body, Resource::Orders).unwrap().0, None)
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds();
    if let Some(mut store) = store {
        assert_eq!(store.counts().unwrap().0 as u64, records);
    }
    println!(
        "BENCH_CHILD {{\"seconds\":{seconds},\"cpu_seconds\":{},\"records\":{records},\"peak_rss_kib\":{}}}",
        cpu,
        peak_rss_kib()
    );
}

fn run_child(role: &str, mock: &str, result: &str) -> (f64, f64, u64, u64) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "backfill_throughput", "--nocapture", "--test-threads", "1"])
        .env("BENCH_ROLE", role)
        .env("BENCH_MOCK_URL", mock)
        .env("BENCH_RESULT_URL", result)
        .env("MOCK_CLIENT_SECRET", client_secret())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{role}: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    let line = stdout.lines().find_map(|l| l.split_once("BENCH_CHILD ").map(|(_, json)| json)).unwrap_or_else(|| panic!("no BENCH_CHILD line: {stdout}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    (
        v["seconds"].as_f64().unwrap(),
        v["cpu_seconds"].as_f64().unwrap(),
        v["records"].as_u64().unwrap(),
        v["peak_rss_kib"].as_u64().unwrap(),
    )
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

#[test]
fn backfill_throughput() {
    if let Ok(role) = std::env::var("BENCH_ROLE") {
        return child(&role);
    }
    let orders: usize = std::env::var("BENCH_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let (_, shared) = manual_clock();
    let mock = MockShopify::start(Behaviour { orders, customers: 0, bulk_polls: 0, ..Behaviour::default() }, shared);
    let (result, bytes) = mock.completed_orders_operation();
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let (mut our_cpu, mut base_cpu) = (Vec::new(), Vec::new());
    let (mut our_rss, mut base_rss) = (0, 0);
    for _ in 0..runs {
        let (seconds, cpu, records, rss) = run_child("baseline", &mock.url, &result);
        assert_eq!(records as usize, orders);
        base.push(seconds);
        base_cpu.push(cpu);
        base_rss = base_rss.max(rss);
        let (seconds, cpu, records, rss) = run_child("backfill", &mock.url, &result);
        assert_eq!(records as usize, orders);
        ours.push(seconds);
        our_cpu.push(cpu);
        our_rss = our_rss.max(rss);
    }
    let (ours, base) = (median(ours), median(base));
    let (our_cpu, base_cpu) = (median(our_cpu), median(base_cpu));
    println!(
        "BENCH {{\"orders\":{orders},\"file_bytes\":{bytes},\"backfill_seconds\":{ours},\"parse_only_seconds\":{base},\"orders_per_second\":{},\"parse_only_orders_per_second\":{},\"peak_rss_kib\":{our_rss},\"parse_only_peak_rss_kib\":{base_rss},\"cpu_seconds\":{our_cpu},\"parse_only_cpu_seconds\":{base_cpu}}}",
        orders as f64 / ours,
        orders as f64 / base
    );
}
