//! `new-client`: the binary; the command line is [`generator::cli`], the work the library's.

use clap::Parser;
use std::process::ExitCode;

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
            eprintln!("error: {:#}", anyhow::Error::new(err));
            ExitCode::from(2)
        }
    }
}
