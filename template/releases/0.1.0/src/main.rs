//! `{{ client }}`: {{ display_name }}'s Shopify audit.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use {{ crate_name }}::clock::SystemClock;
use {{ crate_name }}::config::{self, ClientConfig, Credentials};
use {{ crate_name }}::shopify::Shopify;
use {{ crate_name }}::store::Store;
use {{ crate_name }}::{report, scopes, sync};

/// {{ display_name }}'s Shopify audit: read-only access, a 24-hour in-memory token, its own
/// database.
#[derive(Debug, Parser)]
#[command(name = "{{ client }}", version)]
struct Cli {
    /// The client's `client.toml` (default: the one beside this crate's Cargo.toml).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what this access can and cannot do, as granted by Shopify right now.
    Scopes,
    /// Copy orders and customers into this client's database (resumes after an interruption).
    Sync,
    /// Revenue by month and currency, order count and average order value.
    Report {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
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
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let config = ClientConfig::load(&cli.config.unwrap_or_else(ClientConfig::default_path))?;
    match cli.command {
        Command::Scopes => show_scopes(&config),
        Command::Sync => run_sync(&config),
        Command::Report { format } => {
            let mut store = Store::open(&config)?;
            let report = report::build(&store.revenue_by_month()?);
            print!(
                "{}",
                match format {
                    Format::Table => report::table(&report),
                    Format::Json => report::json(&report),
                    Format::Csv => report::csv(&report),
                }
            );
            Ok(())
        }
    }
}

fn connect<'c>(config: &ClientConfig, clock: &'c SystemClock) -> Result<Shopify<'c>> {
    let base = config::base_url(&config.shopify.shop, config::optional_env("SHOPIFY_BASE_URL").as_deref())?;
    Ok(Shopify::new(config, base, Credentials::from_env()?, clock))
}

fn show_scopes(config: &ClientConfig) -> Result<()> {
    let clock = SystemClock;
    let mut shopify = connect(config, &clock)?;
    let token = shopify.token()?;
    println!("{} ({}): what this access can and cannot do", "{{ display_name }}", config.shopify.shop);
    println!("can:");
    for scope in &token.scopes {
        println!("  {scope:<16} {}", scopes::describe(scope));
    }
    println!("cannot:");
    println!("  write, change or delete anything in the shop: the grant holds no write scope (verified)");
    let missing: Vec<&str> =
        config.shopify.scopes.iter().filter(|s| !token.scopes.contains(s)).map(String::as_str).collect();
    if !missing.is_empty() {
        println!("  use scopes that client.toml lists but the grant lacks: {}", missing.join(", "));
    }
    println!("  reach any other client: its credentials come only from {}_* variables", {{ crate_name }}::ENV_PREFIX);
    println!("token: held in memory only, renewed by repeating the grant before it expires");
    Ok(())
}

fn run_sync(config: &ClientConfig) -> Result<()> {
    let clock = SystemClock;
    let mut shopify = connect(config, &clock)?;
    let mut store = Store::open(config)?;
    let on_tty = std::io::stderr().is_terminal();
    let stats = sync::sync(&mut shopify, &mut store, &mut |resource, count| {
        if on_tty {
            eprint!("\r{}: {count}   ", resource.name());
        }
    })?;
    if on_tty {
        eprintln!();
    }
    println!(
        "synced {} orders and {} customers in {} pages{}",
        stats.orders,
        stats.customers,
        stats.pages,
        if stats.resumed.is_empty() { String::new() } else { format!(" (resumed: {})", stats.resumed.join(", ")) }
    );
    Ok(())
}
