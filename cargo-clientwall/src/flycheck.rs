//! `cargo clientwall flycheck`: `cargo check --message-format=json`, then the check, on one
//! stream, so an editor (rust-analyzer's `check.overrideCommand`) shows compiler errors and
//! isolation errors together.
//!
//! Cargo's messages pass through unchanged, in order, as cargo prints them, except its closing
//! `build-finished`: a stream has one, last, so it is held back and written after the check's
//! messages, with `success` only when cargo succeeded and the check found nothing. Cargo's
//! stderr (progress, `Compiling ..`) goes to the caller's stderr. Every line, on both streams,
//! goes through the redaction every printed text goes through ([`clientwall_lint::redact`]): a compiler
//! message quoting a source line must not show a secret whole either.

use clientwall_lint::check::{self, CheckOptions};
use clientwall_lint::error::{Error, IoAction, Result};
use clientwall_lint::report::message_format;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// What to run.
#[derive(Debug, Clone)]
pub struct FlycheckOptions {
    /// The check after cargo (its `manifest_path` is passed to cargo too).
    pub check: CheckOptions,
    /// Arguments for `cargo check` after `--message-format`; empty means
    /// `--workspace --all-targets`.
    pub cargo_args: Vec<String>,
    /// Render `rendered` with ANSI colours (`--message-format=json-diagnostic-rendered-ansi`).
    pub color: bool,
}

/// How a flycheck run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `cargo check` exited successfully.
    pub cargo_succeeded: bool,
    /// Violations the check found (errors; warnings do not fail it).
    pub violations: usize,
}

impl Outcome {
    /// Both cargo and the check were clean.
    pub fn success(&self) -> bool {
        self.cargo_succeeded && self.violations == 0
    }
}

/// Run `cargo check`, then the check, writing every message to `out`. An `Err` (the check could
/// not run) comes after a closing `build-finished` with `success: false` has been written.
pub fn run(options: &FlycheckOptions, out: &mut dyn Write) -> Result<Outcome> {
    let cargo_succeeded = cargo_check(options, out)?;
    let checked = match check::run_detailed(&options.check) {
        Ok(checked) => checked,
        Err(err) => {
            write(out, &message_format::build_finished(false))?;
            return Err(err);
        }
    };
    let outcome = Outcome {
        cargo_succeeded,
        violations: checked.report.summary.violations,
    };
    write(
        out,
        &message_format::compiler_messages(&checked, options.color),
    )?;
    write(out, &message_format::build_finished(outcome.success()))?;
    Ok(outcome)
}

/// `cargo check`, its stdout copied to `out` without its `build-finished`; whether it succeeded.
fn cargo_check(options: &FlycheckOptions, out: &mut dyn Write) -> Result<bool> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(&cargo);
    command.arg("check").arg(if options.color {
        "--message-format=json-diagnostic-rendered-ansi"
    } else {
        "--message-format=json"
    });
    if let Some(manifest) = &options.check.manifest_path {
        command.arg("--manifest-path").arg(manifest);
    }
    if options.cargo_args.is_empty() {
        command.args(["--workspace", "--all-targets"]);
    } else {
        command.args(&options.cargo_args);
    }
    let spawn_error = |source| Error::io(IoAction::Spawn, format!("{cargo} check"), source);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    // Cargo's stderr, line by line as it comes (progress stays live), redacted.
    let relay = std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        // Bytes, not `lines()`: a line that is not UTF-8 must not stop the draining (cargo
        // would block on a full pipe).
        while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(&line);
            let _ = std::io::stderr().write_all(clientwall_lint::redact::text(&text).as_bytes());
            line.clear();
        }
    });
    let mut copied = Ok(());
    for line in BufReader::new(stdout).lines() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                copied = Err(spawn_error(e));
                break;
            }
        };
        if is_build_finished(&line) {
            continue;
        }
        if let Err(e) = write(out, &format!("{line}\n")) {
            copied = Err(e);
            break;
        }
    }
    if copied.is_err() {
        // Nobody reads cargo's output any more: stop it rather than wait on a full pipe.
        let _ = child.kill();
    }
    let status = child.wait().map_err(spawn_error)?;
    let _ = relay.join();
    copied?;
    Ok(status.success())
}

fn is_build_finished(line: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Reason<'a> {
        reason: &'a str,
    }
    line.contains("\"build-finished\"")
        && serde_json::from_str::<Reason>(line).is_ok_and(|m| m.reason == "build-finished")
}

fn write(out: &mut dyn Write, text: &str) -> Result<()> {
    out.write_all(clientwall_lint::redact::text(text).as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| Error::io(IoAction::Write, "standard output", source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_cargos_closing_message() {
        assert!(is_build_finished(
            r#"{"reason":"build-finished","success":false}"#
        ));
        assert!(!is_build_finished(
            r#"{"reason":"compiler-message","message":{"message":"\"build-finished\""}}"#
        ));
        assert!(!is_build_finished("build-finished"));
    }
}
