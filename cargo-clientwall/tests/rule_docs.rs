//! Rule codes are stable, and `docs/rules.md` is generated from the rules' own docs.
//! Regenerate with `CLIENTWALL_BLESS=1 cargo test -p clientwall --test main rule_docs::`.

use crate::support;

use clientwall::rules::{RULES, RuleCode, reference_markdown};
use std::collections::BTreeSet;

#[test]
fn rule_codes_never_change_by_accident() {
    let codes: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
    insta::assert_snapshot!(codes.join("\n"));
}

#[test]
fn every_code_has_exactly_one_rule_in_report_order() {
    let table: Vec<RuleCode> = RULES.iter().map(|r| r.code).collect();
    assert_eq!(
        table,
        RuleCode::ALL,
        "RULES must list every code once, in report order"
    );
    let mut sorted = table.clone();
    sorted.sort();
    assert_eq!(sorted, table, "the enum's order is the report order");
}

#[test]
fn codes_are_unique_kebab_case_and_round_trip() {
    let mut seen = BTreeSet::new();
    for code in RuleCode::ALL {
        let text = code.as_str();
        assert!(seen.insert(text), "`{text}` is used by two rules");
        assert!(
            text.split('-')
                .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase())),
            "`{text}` is not kebab-case"
        );
        assert_eq!(text.parse::<RuleCode>(), Ok(code));
        assert_eq!(serde_json::to_value(code).unwrap(), text);
    }
    assert!("no-such-rule".parse::<RuleCode>().is_err());
}

#[test]
fn every_rule_is_documented_in_the_same_shape() {
    for rule in RULES {
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
        assert!(!rule.summary.is_empty() && !rule.summary.contains('\n'));
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
        "docs/rules.md is out of date; run CLIENTWALL_BLESS=1 cargo test -p clientwall --test main rule_docs::"
    );
}
