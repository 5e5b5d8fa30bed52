//! `{{ client }}`: {{ display_name }}'s Shopify audit. This file only parses arguments and
//! prints; the work is in the library.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use {{ crate_name }} as client;

use client::clock::SystemClock;
use client::config::{self, ClientConfig, Credentials};
use client::shopify::Shopify;
use client::store::{Resource, Store};
use client::{backfill, offboard, onboarding, report, revoke, scopes, sync};

/// A Shopify audit with read-only access, a 24-hour in-memory token and its own database.
#[derive(Debug, Parser)]
#[command(name = "{{ client }}", version)]
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
    /// Revenue by month and currency, order count, average order, and the dates covered.
    Report {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
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
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if err.downcast_ref::<revoke::NoCredentials>().is_some() {
                return ExitCode::from(revoke::EXIT_NO_CREDENTIALS);
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let config = match &cli.config {
        Some(path) => ClientConfig::load(path)?,
        None => ClientConfig::embedded()?,
    };
    match cli.command {
        Command::Scopes => show_scopes(&config),
        Command::Sync { backfill: false } => run_sync(&config),
        Command::Sync { backfill: true } => run_backfill(&config),
        Command::Report { format } => show_report(&config, format),
        Command::Revoke { yes, json } => offboard::revoke_command(&config, yes, json),
        Command::Export { dir, json } => offboard::export_command(&config, &dir, json),
        Command::Destroy { yes, json } => offboard::destroy_command(&config, yes, json),
    }
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
    println!(
        "synced {} orders and {} customers in {} pages{resumed}",
        stats.orders, stats.customers, stats.pages
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
    let history = store.meta(sync::HISTORY_KEY)?;
    let report = report::build(
        &store.revenue_by_month()?,
        store.order_dates()?,
        history.as_deref(),
    )?;
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
