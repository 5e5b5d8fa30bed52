//! `cargo clientwall`: argument parsing and printing; the work is in the `clientwall` library.

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};
use clientwall::check::{CheckOptions, FileSelection};
use clientwall::exit_codes;
use clientwall::report::{self, Report};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Keep every client's crate an island: no client reaches another client's code or a shared
/// credential helper.
#[derive(Debug, Parser)]
#[command(name = "cargo-clientwall", bin_name = "cargo clientwall", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the workspace against every rule (exit 0 clean, 1 violations, 2 error).
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Only report findings about this client (repeatable).
    #[arg(long = "client", value_name = "NAME")]
    clients: Vec<String>,
    /// Colour the human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Check only the files staged in git (for pre-commit); cargo runs only if a Cargo.toml or
    /// Cargo.lock is staged.
    #[arg(long, conflicts_with = "files")]
    staged: bool,
    /// Check only these files; cargo runs only if a Cargo.toml or Cargo.lock is among them.
    #[arg(value_name = "FILES")]
    files: Vec<Utf8PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    // `cargo clientwall ..` runs `cargo-clientwall clientwall ..`; accept both spellings.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "clientwall") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let options = CheckOptions {
        manifest_path: args.manifest_path,
        clients: args.clients,
        files: if args.staged {
            FileSelection::Staged
        } else if args.files.is_empty() {
            FileSelection::All
        } else {
            FileSelection::Only(args.files)
        },
        ..CheckOptions::default()
    };
    match clientwall::run(&options) {
        Ok(report) => {
            print(&render(&report, args.format, args.color));
            ExitCode::from(report.exit_code() as u8)
        }
        Err(err) => {
            let help = err.help().map(str::to_owned);
            eprintln!("error: {:#}", anyhow::Error::new(err));
            if let Some(help) = help {
                eprintln!("  help: {help}");
            }
            ExitCode::from(exit_codes::ERROR as u8)
        }
    }
}

fn render(report: &Report, format: Format, color: Color) -> String {
    match format {
        Format::Human => {
            let color = match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            report::human::render(report, color)
        }
        Format::Json => report::json::render(report),
        Format::Sarif => report::sarif::render(report),
        Format::Github => report::github::render(report),
    }
}

/// Print to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
