//! Timing a child process with its peak memory, and medians.

use anyhow::{Result, bail};
use std::process::Command;
use std::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub seconds: f64,
    pub peak_rss_kib: u64,
}

impl Sample {
    /// The sample with the median time.
    pub fn median(samples: &mut [Sample]) -> Sample {
        samples.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        samples[samples.len() / 2]
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Run `command` to completion, silently; its exit code must be one of `ok_codes`.
pub fn run_timed(command: &mut Command, ok_codes: &[i32]) -> Result<Sample> {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let started = Instant::now();
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; the pointers are valid for the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    if waited != pid {
        bail!("wait4 failed for {command:?}");
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    if !ok_codes.contains(&code) {
        bail!("{command:?} exited with {code}");
    }
    Ok(Sample {
        seconds,
        peak_rss_kib: usage.ru_maxrss as u64,
    })
}

/// This process's own peak resident set so far.
pub fn self_peak_rss_kib() -> u64 {
    // SAFETY: as above.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as u64
}

/// CPU model, cores and memory, for the results table.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    format!(
        "{}, {cores} cores, {:.0} GiB memory, {}",
        model.unwrap_or_else(|| "unknown CPU".into()),
        mem_kib as f64 / 1024.0 / 1024.0,
        std::env::consts::OS
    )
}
