//! `cargo clientwall`: argument parsing and printing; the work is in the `clientwall` library.

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};
use clientwall::check::{CheckOptions, FileSelection};
use clientwall::exit_codes;
use clientwall::redact;
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
    /// Draw the isolation map: clients as islands, shared crates between, violations in red.
    Graph(GraphArgs),
    /// The report to hand a client: its access, its data, its dependency closure, every rule.
    Attest(AttestArgs),
    /// Write a git pre-commit hook that runs `check --staged`.
    InstallHook(InstallHookArgs),
}

#[derive(Debug, clap::Args)]
struct GraphArgs {
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, clap::Args)]
struct AttestArgs {
    /// The client to attest.
    client: String,
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    #[arg(long, value_enum, default_value_t = AttestFormat::Md)]
    format: AttestFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AttestFormat {
    Md,
    Json,
}

#[derive(Debug, clap::Args)]
struct InstallHookArgs {
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    /// Replace a pre-commit hook that clientwall did not install.
    #[arg(long)]
    force: bool,
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
    /// Also read the git history: every commit reachable from HEAD, for secrets (each reported
    /// once, with the commit that introduced it).
    #[arg(long, conflicts_with_all = ["staged", "files"])]
    history: bool,
    /// With --history, read only the commits since REV (not reachable from it), e.g. a pull
    /// request's merge base.
    #[arg(long, value_name = "REV", requires = "history")]
    since: Option<String>,
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
    let result = match cli.command {
        Command::Check(args) => return check(args),
        Command::Graph(args) => graph(args),
        Command::Attest(args) => attest(args),
        Command::InstallHook(args) => install_hook(args),
    };
    result.unwrap_or_else(fail)
}

fn fail(err: clientwall::Error) -> ExitCode {
    let mut text = match err.help().map(str::to_owned) {
        Some(help) => format!("error: {:#}\n  help: {help}\n", anyhow::Error::new(err)),
        None => format!("error: {:#}\n", anyhow::Error::new(err)),
    };
    text = redact::text(&text).into_owned();
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    ExitCode::from(exit_codes::ERROR as u8)
}

fn graph(args: GraphArgs) -> Result<ExitCode, clientwall::Error> {
    let checked = clientwall::check::run_detailed(&CheckOptions {
        manifest_path: args.manifest_path,
        ..CheckOptions::default()
    })?;
    print(&match args.format {
        GraphFormat::Dot => clientwall::map::dot(&checked),
        GraphFormat::Mermaid => clientwall::map::mermaid(&checked),
    });
    Ok(ExitCode::SUCCESS)
}

fn attest(args: AttestArgs) -> Result<ExitCode, clientwall::Error> {
    let attestation = clientwall::attest::attest(args.manifest_path, &args.client)?;
    print(&match args.format {
        AttestFormat::Md => clientwall::attest::markdown(&attestation),
        AttestFormat::Json => clientwall::attest::json(&attestation),
    });
    Ok(ExitCode::from(if attestation.passed {
        exit_codes::CLEAN
    } else {
        exit_codes::VIOLATIONS
    } as u8))
}

fn install_hook(args: InstallHookArgs) -> Result<ExitCode, clientwall::Error> {
    let root = match args.manifest_path {
        Some(path) => path
            .parent()
            .map(|p| {
                if p.as_str().is_empty() {
                    ".".into()
                } else {
                    p.to_owned()
                }
            })
            .unwrap_or_else(|| ".".into()),
        None => {
            clientwall::discover::expected_root(None).ok_or_else(|| clientwall::Error::Layout {
                message: "no Cargo.toml with a [workspace] table here or above".into(),
                help: Some("pass --manifest-path".into()),
            })?
        }
    };
    match clientwall::hook::install(root.as_std_path(), args.force)? {
        clientwall::hook::Installed::New(path) => print(&format!("installed {}\n", path.display())),
        clientwall::hook::Installed::Unchanged(path) => {
            print(&format!("{} is already installed\n", path.display()))
        }
        clientwall::hook::Installed::Replaced(path) => {
            print(&format!("replaced {}\n", path.display()))
        }
    }
    Ok(ExitCode::SUCCESS)
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
        history: args.history.then_some(match args.since {
            Some(rev) => clientwall::history::Range::Since(rev),
            None => clientwall::history::Range::All,
        }),
        ..CheckOptions::default()
    };
    match clientwall::run(&options) {
        Ok(report) => {
            print(&render(&report, args.format, args.color));
            ExitCode::from(report.exit_code() as u8)
        }
        Err(err) => fail(err),
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

/// Print to stdout, through the redaction every printed text goes through; a closed pipe
/// (`| head`) is not an error worth a panic.
fn print(text: &str) {
    let text = redact::text(text);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}
