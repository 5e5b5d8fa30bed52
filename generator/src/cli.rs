//! The command line of `new-client`, shared by the `new-client` binary and
//! `cargo clientwall new`: arguments, prompts on a TTY, and what is printed.

use crate::{Error, Options};
use camino::Utf8PathBuf;
use std::io::{BufRead, IsTerminal, Write};

/// Stamp out an isolated client crate from the template and register it in the workspace.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The client's name: a kebab-case crate name (`acme`, `acme-corp`).
    pub name: String,
    /// The consultancy workspace (default: the workspace of the current directory).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<Utf8PathBuf>,
    /// The client's name for people (default: the name in title case).
    #[arg(long, value_name = "TEXT")]
    pub display_name: Option<String>,
    /// The shop's domain (default: NAME.myshopify.com).
    #[arg(long, value_name = "DOMAIN")]
    pub shop: Option<String>,
    /// The client's own database (default: sqlite).
    #[arg(long, value_parser = ["sqlite", "postgres"])]
    pub database: Option<String>,
    /// Give the client its own workspace, excluded from the root's.
    #[arg(long)]
    pub standalone: bool,
    /// Render this template directory instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    pub template: Option<Utf8PathBuf>,
    /// Print the files and the root manifest diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not run `cargo clientwall check` after generating.
    #[arg(long)]
    pub no_check: bool,
}

/// Generate the client the arguments describe (prompting on a TTY for what is missing), and
/// print what was done.
pub fn run(mut cli: NewArgs) -> Result<(), Error> {
    if std::io::stdin().is_terminal() && !cli.dry_run {
        prompt_missing(&mut cli);
    }
    let workspace = match cli.workspace {
        Some(dir) => dir,
        None => clientwall_lint::discover::expected_root(None).ok_or_else(|| {
            Error::Workspace(
                "no Cargo.toml with a [workspace] table here or above; make this directory a consultancy workspace with `cargo clientwall init`, or pass --workspace".into(),
            )
        })?,
    };
    let options = Options {
        name: cli.name,
        workspace,
        display_name: cli.display_name,
        shop: cli.shop,
        database: cli.database,
        standalone: cli.standalone,
        template: cli.template,
        check: !cli.no_check,
    };
    if cli.dry_run {
        let plan = crate::plan(&options)?;
        println!(
            "new-client: would create {} from {} (nothing written):",
            plan.relative_dir, plan.source
        );
        for file in &plan.files {
            println!("  {}/{}", plan.relative_dir, file.path);
        }
        if plan.manifest_before == plan.manifest_after {
            println!(
                "Cargo.toml: unchanged (a `members` glob already covers {})",
                plan.relative_dir
            );
        } else {
            print!(
                "{}",
                clientwall_template::merge::unified_diff(
                    "Cargo.toml",
                    &plan.manifest_before,
                    &plan.manifest_after
                )
            );
        }
        return Ok(());
    }
    install_interrupt_handler();
    let outcome = crate::generate(&options)?;
    let plan = &outcome.plan;
    println!(
        "new-client: created {} ({} files) from {}",
        plan.relative_dir,
        plan.files.len(),
        plan.source
    );
    if plan.manifest_before == plan.manifest_after {
        println!("  Cargo.toml unchanged: a `members` glob already covers it");
    } else {
        println!("  registered in Cargo.toml");
    }
    if let Some(summary) = &outcome.check_summary {
        println!("  {summary}");
    }
    // The template's own onboarding steps for the client (what they must do before a sync).
    if let Some(onboarding) = plan.files.iter().find(|f| f.path == "ONBOARDING.md") {
        println!();
        print!("{}", String::from_utf8_lossy(&onboarding.contents));
    }
    Ok(())
}

/// On a TTY, ask for what was not given; Enter keeps the default.
fn prompt_missing(cli: &mut NewArgs) {
    let ask = |question: &str, default: String| -> String {
        print!("{question} [{default}]: ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        let answer = line.trim();
        if answer.is_empty() {
            default
        } else {
            answer.to_owned()
        }
    };
    if cli.display_name.is_none() {
        cli.display_name = Some(ask("Display name", crate::name::title(&cli.name)));
    }
    if cli.shop.is_none() {
        cli.shop = Some(ask("Shop domain", format!("{}.myshopify.com", cli.name)));
    }
    if cli.database.is_none() {
        cli.database = Some(ask("Database (sqlite or postgres)", "sqlite".to_owned()));
    }
}

/// Ctrl-C or SIGTERM: finish the current step, roll back, exit with an error.
pub fn install_interrupt_handler() {
    let _ =
        ctrlc::set_handler(|| crate::INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst));
}
