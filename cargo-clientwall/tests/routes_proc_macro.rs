//! A proc macro is code rustc runs while it compiles the crate that uses it: a file it reads
//! is read at build time, into that crate, as a build script's is. Relative paths are read
//! from where cargo runs rustc (the workspace root, for a member), and
//! `std::env::var("CARGO_MANIFEST_DIR")` is the using crate's directory. The breach and its
//! clean twin, each checked with the real binary and built with real `cargo check`: the
//! fixtures' `const` assertions compile only with the values of the file the macro really read.

use crate::support;

use support::Fixture;
use support::compiler::{check_for_real, check_json, rows};

const XREF: &str = "cross-client-file-reference";

#[test]
fn a_proc_macro_reading_another_clients_files() {
    let fixture = Fixture::new("proc-macro-reads");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                XREF,
                "clients/acme/macros/src/lib.rs",
                7,
                "client `acme` pulls in client `globex`'s file `clients/globex/src/pricing.rs` through proc macro call `read_to_string`",
            ),
            (
                XREF,
                "clients/acme/macros/src/lib.rs",
                15,
                "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through proc macro call `read_to_string`",
            ),
        ])
    );
    // acme's `PRICE == 7` and globex's rates hold: rustc compiled globex's files into acme.
    check_for_real(&fixture.root, &["-p", "acme"]);
}

#[test]
fn a_proc_macro_reading_its_own_clients_files_is_clean() {
    let fixture = Fixture::new("proc-macro-reads-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));
    // acme's `PRICE == 3` and its own rates hold: the macros read acme's files.
    check_for_real(&fixture.root, &["-p", "acme"]);
}
