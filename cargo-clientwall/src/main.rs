//! `cargo clientwall`: argument parsing and printing; the work is in the `clientwall` library.

use camino::Utf8PathBuf;
use clap::{Parser, Subcommand, ValueEnum};
use clientwall::check::{CheckOptions, FileSelection};
use clientwall::exit_codes;
use clientwall::generator;
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
    /// `cargo check --message-format=json`, then the check, as one stream of cargo JSON
    /// messages: for rust-analyzer's `check.overrideCommand`.
    Flycheck(FlycheckArgs),
    /// Write a git pre-commit hook that runs `check --staged`.
    InstallHook(InstallHookArgs),
    /// Make (or complete) a consultancy workspace: the root policy, .gitignore, the pre-commit
    /// configuration and the CI workflow. Running it again changes nothing.
    Init(InitArgs),
    /// Stamp out a new isolated client crate from the template (the same as `new-client`).
    ///
    /// On a terminal, values not given as flags are asked for (Enter keeps the default);
    /// without a terminal (CI, scripts) every value comes from the flags and their defaults.
    New(generator::cli::NewArgs),
    /// Bring clients to the current template: locked files replaced, managed files merged
    /// three-way, migrations run (exit 0 done, 1 behind/conflicts, 2 refused or error).
    Upgrade(UpgradeArgs),
    /// End an engagement: revoke the app, optionally export the data, destroy it, remove the
    /// crate and its registration, re-check, and write offboarded/CLIENT-DATE.md and .json, a
    /// deletion certificate with a SHA-256 checksum. Without --yes it only prints the plan.
    ///
    /// Resumable: a run killed at any step is continued by the same command. The client's own
    /// binary does what needs its credentials or its database (`revoke`, `export`, `destroy`),
    /// so run it in the environment that holds them.
    Offboard(OffboardArgs),
}

#[derive(Debug, clap::Args)]
struct OffboardArgs {
    /// The client to offboard.
    client: String,
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    /// Do it. Without this flag the plan is printed and nothing is touched.
    #[arg(long)]
    yes: bool,
    /// Before destroying the data, export the client's tables to DIR (outside the workspace)
    /// as JSONL, with a manifest of row counts and SHA-256 sums.
    #[arg(long, value_name = "DIR")]
    export: Option<Utf8PathBuf>,
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// The workspace directory (default: the current directory).
    #[arg(value_name = "DIR")]
    dir: Option<Utf8PathBuf>,
    /// Say what would be written; write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
struct UpgradeArgs {
    /// The clients to upgrade (default: every client).
    #[arg(value_name = "CLIENT")]
    clients: Vec<String>,
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    /// Print what the upgrade would do to every file; write nothing.
    #[arg(long, conflicts_with = "check")]
    dry_run: bool,
    /// Exit 1 when any client is behind the current template, listing them; write nothing.
    #[arg(long)]
    check: bool,
    /// Upgrade clients that have uncommitted changes too.
    #[arg(long)]
    allow_dirty: bool,
    /// Take the template versions from this directory (one subdirectory per version, the
    /// highest current) instead of the built-in ones; for testing templates.
    #[arg(long, value_name = "DIR", hide = true)]
    template_releases: Option<Utf8PathBuf>,
}

#[derive(Debug, clap::Args)]
struct GraphArgs {
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    /// Output format: Graphviz DOT, a Mermaid flowchart, or SVG drawn in-process (no Graphviz
    /// needed).
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// Draw only this client's island and the crates it reaches.
    #[arg(long, value_name = "NAME")]
    client: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// Graphviz DOT (`| dot -Tsvg` draws it).
    Dot,
    /// A Mermaid flowchart (GitHub renders it in Markdown).
    Mermaid,
    /// An SVG picture, laid out in-process.
    Svg,
}

#[derive(Debug, clap::Args)]
struct AttestArgs {
    /// The client to attest.
    client: String,
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    /// Output format: Markdown to hand over, JSON to process, or one self-contained HTML page
    /// (inline CSS and SVG, no script, no external request) to show and print.
    #[arg(long, value_enum, default_value_t = AttestFormat::Md)]
    format: AttestFormat,
    /// Write the attestation to FILE (instead of standard output).
    #[arg(long, value_name = "FILE")]
    output: Option<Utf8PathBuf>,
    /// Sign it with this OpenSSH private key: FILE.sig gets an SSH signature (namespace
    /// `clientwall-attest`) that `ssh-keygen -Y verify` checks.
    #[arg(long, value_name = "KEY", requires = "output")]
    sign: Option<Utf8PathBuf>,
    /// Also run the client's own `self-check` (built by cargo, run from the workspace root in
    /// this environment) and put what it observed at run time beside what is declared: a
    /// difference fails; without the client's credentials the live part says it was not run.
    /// `CLIENTWALL_LIVE_TIMEOUT=SECONDS` bounds the self-check (300 by default; exit 2).
    #[arg(long)]
    live: bool,
}

#[derive(Debug, clap::Args)]
struct FlycheckArgs {
    /// Path to the workspace's Cargo.toml (default: the workspace of the current directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<Utf8PathBuf>,
    /// Only report findings about this client (repeatable).
    #[arg(long = "client", value_name = "NAME")]
    clients: Vec<String>,
    /// `json-diagnostic-rendered-ansi` colours the `rendered` text of every message.
    #[arg(long, value_enum, default_value_t = MessageFormat::Json)]
    message_format: MessageFormat,
    /// Arguments for `cargo check` (default: `--workspace --all-targets`).
    #[arg(last = true, value_name = "CARGO_CHECK_ARGS")]
    cargo_args: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AttestFormat {
    /// Markdown, for people.
    Md,
    /// JSON, for programs.
    Json,
    /// One self-contained HTML page (prints on A4 or Letter).
    Html,
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
    /// Print cargo `compiler-message` JSON lines (rustc diagnostics) for editors, as
    /// `cargo check --message-format` does.
    #[arg(long, value_enum, value_name = "FMT", conflicts_with = "format")]
    message_format: Option<MessageFormat>,
    /// Check only this client (repeatable): its files, its client.toml, the findings about it.
    #[arg(long = "client", value_name = "NAME")]
    clients: Vec<String>,
    /// Check only the K-th of N shares of the clients (for a CI job matrix); the N shares
    /// together are the full check.
    #[arg(long, value_name = "K/N")]
    shard: Option<clientwall::check::Shard>,
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
    /// Take the template versions from this directory instead of the built-in ones (as
    /// `upgrade --template-releases`); for testing templates.
    #[arg(long, value_name = "DIR", hide = true)]
    template_releases: Option<Utf8PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Json,
    JsonDiagnosticRenderedAnsi,
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
        Command::Flycheck(args) => return flycheck(args),
        Command::InstallHook(args) => install_hook(args),
        Command::Init(args) => return init(args),
        Command::New(args) => return new(args),
        Command::Upgrade(args) => return upgrade(args),
        Command::Offboard(args) => return offboard(args),
    };
    result.unwrap_or_else(fail)
}

fn fail(err: clientwall::Error) -> ExitCode {
    fail_colored(&err, stderr_color(Color::Auto))
}

/// Print an error (config problems as diagnostics, then the chain of causes and the help,
/// redacted) and exit 2.
fn fail_colored(err: &(dyn std::error::Error + 'static), color: bool) -> ExitCode {
    let text = report::error::render(err, color);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    ExitCode::from(exit_codes::ERROR as u8)
}

/// Whether to colour what goes to stderr.
fn stderr_color(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn graph(args: GraphArgs) -> Result<ExitCode, clientwall::Error> {
    let checked = clientwall::check::run_detailed(&CheckOptions {
        manifest_path: args.manifest_path,
        ..CheckOptions::default()
    })?;
    print(&match args.format {
        GraphFormat::Dot => clientwall::map::dot(&checked, args.client.as_deref())?,
        GraphFormat::Mermaid => clientwall::map::mermaid(&checked, args.client.as_deref())?,
        GraphFormat::Svg => clientwall::map::svg(&checked, args.client.as_deref())?,
    });
    Ok(ExitCode::SUCCESS)
}

fn attest(args: AttestArgs) -> Result<ExitCode, clientwall::Error> {
    use clientwall::signing;
    let options = clientwall::attest::AttestOptions { live: args.live };
    let attestation =
        clientwall::attest::attest_any_with(args.manifest_path, &args.client, options)?;
    let text = match args.format {
        AttestFormat::Md => attestation.markdown(),
        AttestFormat::Json => attestation.json(),
        AttestFormat::Html => attestation.html(),
    };
    // What is written and signed is what would be printed: redacted.
    let text = redact::text(&text).into_owned();
    match (&args.output, &args.sign) {
        (Some(output), Some(key_path)) => {
            let key = signing::load_private_key(key_path, || ask_passphrase(key_path))?;
            let signature = signing::write_signed(output, &text, &key)?;
            print(&signing::handover(output, &signature, key.public_key())?);
        }
        (Some(output), None) => {
            signing::write_atomically(output, &text)?;
            print(&format!("wrote {output}\n"));
        }
        (None, _) => print(&text),
    }
    Ok(ExitCode::from(if attestation.passed() {
        exit_codes::CLEAN
    } else {
        exit_codes::VIOLATIONS
    } as u8))
}

/// The passphrase of an encrypted key, asked on the terminal (never read from a pipe).
fn ask_passphrase(key: &camino::Utf8Path) -> Result<String, clientwall::Error> {
    rpassword::prompt_password(format!("passphrase for {key}: ")).map_err(|e| {
        clientwall::Error::Signature {
            message: format!("{key} is encrypted and its passphrase could not be read: {e}"),
            help: Some(
                "run it in a terminal, or sign with `ssh-keygen -Y sign -n clientwall-attest`"
                    .into(),
            ),
        }
    })
}

fn flycheck(args: FlycheckArgs) -> ExitCode {
    let options = clientwall::flycheck::FlycheckOptions {
        check: CheckOptions {
            manifest_path: args.manifest_path,
            clients: args.clients,
            ..CheckOptions::default()
        },
        cargo_args: args.cargo_args,
        color: args.message_format == MessageFormat::JsonDiagnosticRenderedAnsi,
    };
    match clientwall::flycheck::run(&options, &mut std::io::stdout().lock()) {
        Ok(outcome) if outcome.success() => ExitCode::from(exit_codes::CLEAN as u8),
        Ok(_) => ExitCode::from(exit_codes::VIOLATIONS as u8),
        Err(err) => fail(err),
    }
}

fn init(args: InitArgs) -> ExitCode {
    let dir = args.dir.unwrap_or_else(|| ".".into());
    match generator::init::init(&dir, args.dry_run) {
        Ok(actions) => {
            let prefix = if args.dry_run { "would " } else { "" };
            for action in &actions {
                match action {
                    generator::init::Action::Keep(..) => println!("  {action}"),
                    _ => println!("  {prefix}{action}"),
                }
            }
            if args.dry_run {
                println!("clientwall init: dry run, nothing written");
            } else {
                println!(
                    "clientwall init: done; next: `new-client NAME`, then `cargo clientwall check`"
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => fail_with(err),
    }
}

fn offboard(args: OffboardArgs) -> ExitCode {
    use generator::offboard;
    let workspace = match workspace_root(args.manifest_path.clone()) {
        Ok(root) => root,
        Err(err) => return fail(err),
    };
    let options = offboard::Options {
        client: args.client,
        workspace: workspace.clone(),
        export: args.export,
    };
    let result = if args.yes {
        generator::install_interrupt_handler();
        offboard::run(&options, &mut std::io::stdout()).map(|outcome| {
            print(&offboard::render_outcome(&outcome, &workspace));
            let check = &outcome.certificate.check;
            if check.ran && !check.passed {
                exit_codes::VIOLATIONS
            } else {
                exit_codes::CLEAN
            }
        })
    } else {
        offboard::preview(&options).map(|preview| {
            print(&offboard::render_preview(&preview));
            exit_codes::CLEAN
        })
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => fail_with(err),
    }
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

fn new(args: generator::cli::NewArgs) -> ExitCode {
    match generator::cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail_with(err),
    }
}

fn upgrade(args: UpgradeArgs) -> ExitCode {
    let run = || -> Result<generator::upgrade::Report, generator::Error> {
        let workspace = workspace_root(args.manifest_path.clone())
            .map_err(|e| generator::Error::Workspace(report::error::message(&e)))?;
        let templates = args
            .template_releases
            .as_deref()
            .map(scaffold_catalog)
            .transpose()?;
        let mode = if args.check {
            generator::upgrade::Mode::Check
        } else if args.dry_run {
            generator::upgrade::Mode::DryRun
        } else {
            generator::cli::install_interrupt_handler();
            generator::upgrade::Mode::Apply
        };
        generator::upgrade::run(&generator::upgrade::Options {
            workspace,
            clients: args.clients.clone(),
            mode,
            allow_dirty: args.allow_dirty,
            templates,
            check: true,
        })
    };
    match run() {
        Ok(report) => {
            let mut out = report.details();
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&report.table());
            match &report.post_check {
                Some(generator::upgrade::PostCheck::Passed(summary)) => {
                    out.push_str(&format!("check after the upgrade: {summary}\n"));
                }
                Some(generator::upgrade::PostCheck::Violations(n, human)) => {
                    eprint!("{human}");
                    out.push_str(&format!("check after the upgrade: {n} violation(s)\n"));
                }
                Some(generator::upgrade::PostCheck::Failed(why)) => {
                    out.push_str(&format!("check after the upgrade could not run: {why}\n"));
                }
                None => {}
            }
            print(&out);
            ExitCode::from(report.exit_code())
        }
        Err(err) => fail_with(err),
    }
}

fn scaffold_catalog(
    dir: &camino::Utf8Path,
) -> Result<std::sync::Arc<clientwall::clientwall_template::Catalog>, generator::Error> {
    Ok(std::sync::Arc::new(
        clientwall::clientwall_template::Catalog::from_dir(dir)?,
    ))
}

/// The workspace root: `--manifest-path`'s directory, or the workspace of the current directory.
fn workspace_root(manifest_path: Option<Utf8PathBuf>) -> Result<Utf8PathBuf, clientwall::Error> {
    clientwall::discover::expected_root(manifest_path.as_deref()).ok_or_else(|| {
        clientwall::Error::Layout {
            message: "no Cargo.toml with a [workspace] table here or above".into(),
            help: Some("pass --manifest-path".into()),
        }
    })
}

fn fail_with(err: generator::Error) -> ExitCode {
    fail_colored(&err, stderr_color(Color::Auto))
}

fn check(args: CheckArgs) -> ExitCode {
    let templates = match args
        .template_releases
        .as_deref()
        .map(scaffold_catalog)
        .transpose()
    {
        Ok(templates) => templates,
        Err(err) => return fail_with(err),
    };
    let options = CheckOptions {
        templates,
        manifest_path: args.manifest_path,
        clients: args.clients,
        shard: args.shard,
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
    if let Some(message_format) = args.message_format {
        return match clientwall::check::run_detailed(&options) {
            Ok(checked) => {
                let color = message_format == MessageFormat::JsonDiagnosticRenderedAnsi;
                print(&report::message_format::render(&checked, color));
                // stdout holds only JSON; what the human format prints after the diagnostics
                // goes to stderr.
                for note in &checked.report.notes {
                    eprintln!("note: {}", redact::text(note));
                }
                eprintln!("{}", checked.report.summary.line());
                ExitCode::from(checked.report.exit_code() as u8)
            }
            Err(err) => fail_colored(&err, stderr_color(args.color)),
        };
    }
    match clientwall::run(&options) {
        Ok(report) => {
            print(&render(&report, args.format, args.color));
            ExitCode::from(report.exit_code() as u8)
        }
        Err(err) => fail_colored(&err, stderr_color(args.color)),
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
