//! Rule codes are stable, and `docs/rules.md` is generated from the rules' own docs.
//! Regenerate with `CLIENTWALL_BLESS=1 cargo test -p clientwall --test rule_docs`.

mod support;

use clientwall::rules::{RULES, reference_markdown};

#[test]
fn rule_codes_never_change_by_accident() {
    let codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    insta::assert_snapshot!(codes.join("\n"));
}

#[test]
fn every_rule_is_documented_in_the_same_shape() {
    for rule in RULES {
        assert!(
            rule.code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            rule.code
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## How to fix",
        ] {
            assert!(
                rule.doc.contains(section),
                "{} lacks `{section}`",
                rule.code
            );
        }
        assert!(clientwall::rules::rule(rule.code).is_some());
    }
}

#[test]
fn rules_reference_is_current() {
    let path = support::repo_root().join("docs/rules.md");
    let generated = reference_markdown();
    if std::env::var_os("CLIENTWALL_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is out of date; run CLIENTWALL_BLESS=1 cargo test -p clientwall --test rule_docs"
    );
}
