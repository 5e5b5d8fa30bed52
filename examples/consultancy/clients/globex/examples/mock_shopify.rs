//! The mock Shopify of this crate's tests, as a program: try the client without a shop, or
//! drive it from another process (`cargo clientwall offboard`'s tests do). It prints one line of
//! JSON with its URL and the credentials it accepts, serves on 127.0.0.1 until its standard
//! input closes, then prints what it saw as one more line of JSON.
//!
//! ```sh
//! cargo run --example globex-mock-shopify -- --orders 500 --customers 80
//! cargo run --example globex-mock-shopify -- --installation-scopes read_orders,write_orders
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use globex::clock::SystemClock;
use serde_json::json;
use std::io::Read;
use std::sync::Arc;
use support::{Behaviour, CLIENT_ID, MockShopify, client_secret};

fn main() {
    let mut behaviour = Behaviour::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next();
        let count = value.as_deref().and_then(|v| v.parse::<usize>().ok());
        match (flag.as_str(), count, value) {
            ("--orders", Some(n), _) => behaviour.orders = n,
            ("--customers", Some(n), _) => behaviour.customers = n,
            // What `currentAppInstallation.accessScopes` answers (a shop whose installation
            // holds other scopes than the grant names), comma-separated.
            ("--installation-scopes", _, Some(scopes)) => {
                behaviour.installation_scopes = Some(scopes)
            }
            _ => {
                eprintln!(
                    "usage: mock-shopify [--orders N] [--customers N] [--installation-scopes A,B]"
                );
                std::process::exit(2);
            }
        }
    }
    let mock = MockShopify::start(behaviour, Arc::new(SystemClock));
    println!(
        "{}",
        json!({ "url": mock.url, "client_id": CLIENT_ID, "client_secret": client_secret() })
    );
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    let log = mock.log(|log| {
        json!({
            "token_requests": log.token_requests,
            "refused_grants": log.refused_grants,
            "uninstalls": log.uninstalls,
            "graphql_requests": log.graphql_requests,
            "issued": log.issued,
        })
    });
    println!("{log}");
}
