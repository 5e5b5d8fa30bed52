//! The client lifecycle. `new-client`: render the client template into `clients/NAME` and
//! register it in the consultancy workspace's root `Cargo.toml`, all or nothing. `offboard`:
//! end an engagement with access revoked, data destroyed, the crate removed and a deletion
//! certificate written, resumably.

pub mod cli;
pub mod error;
pub mod existing;
pub mod init;
pub mod name;
pub mod offboard;
pub mod register;
pub mod transaction;
pub mod upgrade;

/// The template and its variables live in the clientwall-template crate (the template as data).
pub use clientwall_template::{template, variables};

mod generate;

pub use error::Error;
pub use generate::{INTERRUPTED, Options, Outcome, Plan, generate, plan};
pub use transaction::recover;

/// Ctrl-C or SIGTERM: set [`INTERRUPTED`], so that `new-client` rolls back and `offboard` stops
/// between two steps (its journal keeps what was done).
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst));
}
