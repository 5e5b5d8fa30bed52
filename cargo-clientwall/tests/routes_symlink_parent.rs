//! A `..` after a symlink climbs from where the symlink points, as the operating system (and so
//! rustc) resolves it: `src/up -> ../data` makes `up/../../globex` name `clients/globex`, where
//! a lexical reading sees `clients/acme/globex`. The breach and its clean twin, each checked
//! with the real binary and built with real `cargo check`.

use crate::support;

use support::Fixture;
use support::compiler::{all_inside, canonical, check_for_real, check_json, rows};

const XREF: &str = "cross-client-file-reference";

#[test]
fn a_parent_after_a_symlink_that_leaves_the_client() {
    let fixture = Fixture::new("symlink-parent");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(1), "{}", checked.stderr);
    assert_eq!(
        checked.rows(),
        rows(&[
            (
                XREF,
                "clients/acme/src/lib.rs",
                4,
                "client `acme` pulls in client `globex`'s file `clients/globex/rates.csv` through `include_str!`",
            ),
            (
                XREF,
                "clients/acme/src/lib.rs",
                5,
                "client `acme` pulls in client `globex`'s file `clients/globex/src/pricing.rs` through `#[path]`",
            ),
            (
                XREF,
                "clients/acme/src/linked.rs",
                1,
                "client `acme` pulls in client `globex`'s file `clients/globex/src/pricing.rs` through a symlink",
            ),
        ])
    );

    // rustc really compiles globex's files into acme, by all three routes.
    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    for file in ["clients/globex/rates.csv", "clients/globex/src/pricing.rs"] {
        assert!(
            compiled.contains(&canonical(&fixture.root.join(file))),
            "{file}: {compiled:?}"
        );
    }
}

#[test]
fn a_parent_after_a_symlink_that_lands_back_in_the_client_is_clean() {
    let fixture = Fixture::new("symlink-parent-clean");
    let checked = check_json(&fixture.root);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
    assert_eq!(checked.rows(), rows(&[]));

    let compiled = check_for_real(&fixture.root, &["-p", "acme"]);
    let acme = canonical(&fixture.root.join("clients/acme"));
    assert!(
        compiled.contains(&canonical(
            &fixture.root.join("clients/acme/data/rates.csv")
        )),
        "{compiled:?}"
    );
    assert!(all_inside(&compiled, &fixture.root, &acme), "{compiled:?}");
}
