//! `globex`: Globex Home's Shopify audit. This file only parses arguments and
//! prints; the work is in the library.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use globex as client;

use client::clock::{Clock, SystemClock};
use client::config::{self, ClientConfig, Credentials};
use client::shopify::Shopify;
use client::store::{Resource, Store};
use client::{backfill, offboard, onboarding, reconcile, report, revoke, scopes, sync};
use client::{sandbox, self_check};

/// A Shopify audit with read-only access, a 24-hour in-memory token and its own database.
#[derive(Debug, Parser)]
#[command(name = "globex", version)]
struct Cli {
    /// Another `client.toml` (default: the one this binary was built with).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// One variant per subcommand, each run by one function below.
#[derive(Debug, Subcommand)]
enum Command {
    /// The client's onboarding checklist, what each scope allows and does not allow, and (with
    /// credentials set) what Shopify grants right now.
    Scopes,
    /// Copy orders and customers into this client's database: what changed since the last
    /// sync, resuming an interrupted one.
    Sync {
        /// The whole history (orders with line items, customers) through Shopify's Bulk
        /// Operations API; resumes a killed backfill.
        #[arg(long)]
        backfill: bool,
    },
    /// The sales report by month (in the shop's time zone) and currency, by Shopify's
    /// definitions: orders, gross sales, discounts, returns, net sales, shipping, duties, fees,
    /// taxes, total sales, average order value; and the dates covered.
    Report {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Shopify's own sales report (ShopifyQL, needs `read_reports`) beside this client's, month
    /// by month and metric by metric. Exit 0 when every figure agrees within one minor unit,
    /// 1 when one differs, 2 when Shopify could not be asked.
    Reconcile {
        /// The first month (YYYY-MM; default: the report's first).
        #[arg(long, value_name = "YYYY-MM")]
        from: Option<String>,
        /// The last month (YYYY-MM; default: the report's last).
        #[arg(long, value_name = "YYYY-MM")]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// End this access: the app uninstalls itself from the shop (`appUninstall`, with a fresh
    /// token), then a token is asked for again and must be refused. Without `--yes` it only
    /// says what it would do. Exit code 3 when the credentials are not set.
    Revoke {
        #[arg(long)]
        yes: bool,
        /// One JSON document (what `cargo clientwall offboard` reads).
        #[arg(long)]
        json: bool,
    },
    /// Every table of this client's database as DIR/TABLE.jsonl, with a manifest.json of row
    /// counts and SHA-256 sums: the data returned to the client before it is destroyed.
    Export {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Destroy this client's data, then verify that nothing of it remains. Without `--yes` it
    /// only counts the rows and says what it would remove.
    Destroy {
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// The run-time sandbox every command runs in: its level, the Landlock ABI, every rule,
    /// and proof that what the rules forbid is refused (exit 1 if it is not).
    Sandbox,
    /// Observed at run time: the scopes Shopify granted (a write scope is exit 1), the token
    /// lifetime it returned, the sandbox and proof that it holds, the database written. Exit
    /// code 3 when the credentials are not set (Shopify was not asked).
    SelfCheck {
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
}

/// The exit code of a command that could not do its work.
const EXIT_ERROR: u8 = 2;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Differs) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.downcast_ref::<revoke::NoCredentials>().is_some() {
                return ExitCode::from(revoke::EXIT_NO_CREDENTIALS);
            }
            if err.downcast_ref::<sandbox::Refused>().is_some() {
                return ExitCode::from(sandbox::EXIT_REFUSED);
            }
            if let Some(Exit(code, _)) = err.downcast_ref::<Exit>() {
                return ExitCode::from(*code);
            }
            // Could not do what was asked (a refusal, bad data, an unreadable store): nothing
            // was half-written, and exit 1 stays free for "ran, and found a difference".
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// How a command that did its work ended.
enum Outcome {
    Done,
    /// `reconcile` found a figure that differs.
    Differs,
}

fn run(cli: Cli) -> Result<Outcome> {
    let config = match &cli.config {
        Some(path) => ClientConfig::load(path)?,
        None => ClientConfig::embedded()?,
    };
    let config = &config;
    // The run-time wall, in force before credentials are read or the database is opened.
    let probe = matches!(cli.command, Command::Sandbox | Command::SelfCheck { .. })
        .then(self_check::Probe::find);
    let wall = sandbox::enter(config, &sandbox_needs(&cli.command))?;
    if let Some(line) = wall.degraded_line() {
        eprintln!("warning: {line}");
    }
    let done = |result: Result<()>| result.map(|()| Outcome::Done);
    match cli.command {
        Command::Scopes => done(show_scopes(config)),
        Command::Sync { backfill: false } => done(run_sync(config)),
        Command::Sync { backfill: true } => done(run_backfill(config)),
        Command::Report { format } => done(show_report(config, format)),
        Command::Reconcile { from, to, json } => {
            run_reconcile(config, from.as_deref(), to.as_deref(), json)
        }
        Command::Revoke { yes, json } => done(offboard::revoke_command(config, yes, json)),
        Command::Export { dir, json } => done(offboard::export_command(config, &dir, json)),
        Command::Destroy { yes, json } => done(offboard::destroy_command(config, yes, json)),
        // The probe was chosen before the wall went up (it lists directories the wall refuses).
        Command::Sandbox => done(show_sandbox(
            &wall,
            &probe.unwrap_or_else(self_check::Probe::find),
        )),
        Command::SelfCheck { format } => done(run_self_check(
            config,
            &wall,
            &probe.unwrap_or_else(self_check::Probe::find),
            format,
        )),
    }
}

/// The run ends with this exit code and message, its report already printed.
#[derive(Debug)]
struct Exit(u8, String);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl std::error::Error for Exit {}

/// What a command needs of the sandbox beyond what every command gets.
fn sandbox_needs(command: &Command) -> sandbox::Needs {
    match command {
        Command::Export { dir, .. } => sandbox::Needs {
            export_dir: Some(dir.clone()),
            ..sandbox::Needs::default()
        },
        Command::Destroy { yes, .. } => sandbox::Needs {
            remove_data_dir: *yes,
            ..sandbox::Needs::default()
        },
        Command::Sync { .. } | Command::Report { .. } => sandbox::Needs {
            create_data_dir: true,
            ..sandbox::Needs::default()
        },
        _ => sandbox::Needs::default(),
    }
}

fn show_sandbox(wall: &sandbox::Wall, probe: &self_check::Probe) -> Result<()> {
    let proof = self_check::prove(probe, wall);
    print!("{}", self_check::describe_wall(wall));
    print!("{}", self_check::describe_proof(&proof));
    if proof.iter().any(|a| !a.refused) {
        return Err(Exit(
            1,
            "the sandbox did not refuse what its rules forbid".to_owned(),
        )
        .into());
    }
    Ok(())
}

fn run_self_check(
    config: &ClientConfig,
    wall: &sandbox::Wall,
    probe: &self_check::Probe,
    format: CheckFormat,
) -> Result<()> {
    let check = self_check::run(config, wall, probe)?;
    match format {
        CheckFormat::Human => print!("{}", self_check::human(&check)),
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&check)?),
    }
    match check.exit_code() {
        0 => Ok(()),
        1 => Err(Exit(
            1,
            format!("self-check failed: {}", check.failures().join("; ")),
        )
        .into()),
        code => Err(Exit(
            code,
            check
                .not_checked
                .unwrap_or_else(|| "Shopify was not asked".to_owned()),
        )
        .into()),
    }
}

fn run_reconcile(
    config: &ClientConfig,
    from: Option<&str>,
    to: Option<&str>,
    json: bool,
) -> Result<Outcome> {
    let clock = SystemClock;
    let mut shopify = connect(config, &clock)?;
    let mut store = Store::open(config)?;
    let result = reconcile::reconcile(&mut shopify, &mut store, from, to)?;
    let record = reconcile::record(&result, clock.now())?;
    let recorded = serde_json::to_string(&record)?;
    store.set_meta(reconcile::RECORD_KEY, &recorded)?;
    if let Some(dir) = store.data_dir() {
        let path = dir.join(reconcile::RECORD_FILE);
        let partial = dir.join(format!("{}.partial", reconcile::RECORD_FILE));
        std::fs::write(&partial, recorded + "\n")?;
        std::fs::rename(&partial, &path)?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", reconcile::table(&result));
    }
    Ok(if result.agreed {
        Outcome::Done
    } else {
        Outcome::Differs
    })
}

fn connect<'c>(config: &ClientConfig, clock: &'c SystemClock) -> Result<Shopify<'c>> {
    let endpoint = config::endpoint(
        &config.shopify.shop,
        config::optional_env("SHOPIFY_BASE_URL").as_deref(),
    )?;
    Shopify::new(config, endpoint, Credentials::from_env()?, clock)
}

fn show_scopes(config: &ClientConfig) -> Result<()> {
    print!("{}", onboarding::checklist(config));
    println!();
    println!("What this access can and cannot do:");
    for scope in &config.shopify.scopes {
        let info = scopes::describe(scope);
        println!("  {scope}");
        let commands = client::graphql::needed_by(scope);
        if commands.is_empty() {
            println!("    needed by:      no command (nothing the client sends needs it)");
        } else {
            println!("    needed by:      {}", commands.join(", "));
        }
        println!("    allows:         {}", info.allows);
        println!("    does not allow: {}", info.does_not_allow);
    }
    println!("  no scope allows writing: the run refuses a grant with any write scope");
    let (id, secret) = (
        config::env_name("SHOPIFY_CLIENT_ID"),
        config::env_name("SHOPIFY_CLIENT_SECRET"),
    );
    if config::optional_env("SHOPIFY_CLIENT_ID").is_none() {
        println!();
        println!("Not verified with Shopify: {id} and {secret} are not set yet.");
        return Ok(());
    }
    let clock = SystemClock;
    let mut shopify = connect(config, &clock)?;
    let token = shopify.token()?;
    println!();
    println!(
        "Granted right now by {} (verified read-only, nothing beyond client.toml):",
        config.shopify.shop
    );
    for scope in &token.scopes {
        println!("  {scope}");
    }
    let missing: Vec<&str> = config
        .shopify
        .scopes
        .iter()
        .filter(|s| !token.scopes.contains(s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        println!(
            "Listed in client.toml but not granted: {}",
            missing.join(", ")
        );
    }
    println!("The token is held in memory only and renewed by repeating the grant.");
    Ok(())
}

fn progress() -> impl FnMut(Resource, u64) {
    let on_tty = std::io::stderr().is_terminal();
    move |resource, count| {
        if on_tty {
            eprint!("\r{}: {count}   ", resource.name());
        }
    }
}

fn warn_history(full: bool) {
    if !full {
        eprintln!("warning: {}", report::TRUNCATED);
    }
}

fn run_sync(config: &ClientConfig) -> Result<()> {
    let clock = SystemClock;
    let mut shopify = connect(config, &clock)?;
    let mut store = Store::open(config)?;
    let stats = sync::sync(&mut shopify, &mut store, &mut progress())?;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    warn_history(stats.full_history);
    let resumed = if stats.resumed.is_empty() {
        String::new()
    } else {
        format!(" (resumed: {})", stats.resumed.join(", "))
    };
    let bulk = if stats.bulk_operations > 0 {
        " (orders through a bulk operation)"
    } else {
        ""
    };
    println!(
        "synced {} orders and {} customers in {} pages{bulk}, removed {} deleted orders{resumed}",
        stats.orders, stats.customers, stats.pages, stats.deleted
    );
    Ok(())
}

fn run_backfill(config: &ClientConfig) -> Result<()> {
    let clock = SystemClock;
    let mut shopify = connect(config, &clock)?;
    let mut store = Store::open(config)?;
    let options = backfill::Options::default();
    let stats = backfill::backfill(&mut shopify, &mut store, &clock, options, &mut progress())?;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    warn_history(stats.full_history);
    let resumed = if stats.resumed.is_empty() {
        String::new()
    } else {
        format!(" (resumed: {})", stats.resumed.join(", "))
    };
    println!(
        "backfilled {} orders, {} line items and {} customers through {} bulk operations{resumed}",
        stats.orders, stats.line_items, stats.customers, stats.operations
    );
    Ok(())
}

fn show_report(config: &ClientConfig, format: Format) -> Result<()> {
    let mut store = Store::open(config)?;
    let report = report::from_store(&mut store)?;
    match format {
        Format::Table => print!("{}", report::table(&report)),
        Format::Json => print!("{}", report::json(&report)?),
        Format::Csv => {
            eprint!("{}", report::preamble(&report));
            print!("{}", report::csv(&report));
        }
    }
    Ok(())
}
