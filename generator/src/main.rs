//! `new-client`: the binary; the command line is [`generator::cli`], the work the library's.

use clap::Parser;
use std::process::ExitCode;

/// Stamp out an isolated client crate from the template and register it in the workspace.
///
/// On a terminal, values not given as flags are asked for (Enter keeps the default); without a
/// terminal (CI, scripts) every value comes from the flags and their defaults.
#[derive(Debug, Parser)]
#[command(name = "new-client", version)]
struct Cli {
    #[command(flatten)]
    args: generator::cli::NewArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match generator::cli::run(cli.args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            use std::io::IsTerminal;
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", clientwall_lint::report::error::render(&err, color));
            ExitCode::from(2)
        }
    }
}
