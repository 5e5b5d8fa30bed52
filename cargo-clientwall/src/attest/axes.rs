//! The four axes of an attestation, in plain language for the client: **isolated**,
//! **read-only**, **short-lived**, **minimal**. Each is a verdict with its evidence, derived
//! from the attestation's facts (never a separate judgement), so the Markdown, JSON and HTML
//! renderings state the same thing. An axis that cannot be judged (no `client.toml`, a crate
//! clientwall's template did not make) is "not applicable", never met.

use super::live::{LineOutcome, LiveLine};
use super::{Attestation, scopes};
use clientwall_lint::classify::Kind;
use clientwall_lint::rules::RuleCode;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AxisName {
    Isolated,
    ReadOnly,
    ShortLived,
    Minimal,
}

impl AxisName {
    pub fn label(self) -> &'static str {
        match self {
            AxisName::Isolated => "isolated",
            AxisName::ReadOnly => "read-only",
            AxisName::ShortLived => "short-lived",
            AxisName::Minimal => "minimal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Met,
    NotMet,
    NotApplicable,
}

impl Verdict {
    /// How every rendering words the verdict.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "NOT MET",
            Verdict::NotApplicable => "not applicable",
        }
    }
}

/// One axis: its verdict, one sentence for the reader, and the facts it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    pub axis: AxisName,
    pub verdict: Verdict,
    pub summary: String,
    pub evidence: Vec<String>,
}

/// The rules whose failure breaks the client's isolation.
const ISOLATION_RULES: [RuleCode; 5] = [
    RuleCode::ClientDependsOnClient,
    RuleCode::ClientReachesCredentialHelper,
    RuleCode::SharedDependsOnClient,
    RuleCode::CrossClientFileReference,
    RuleCode::SharedDatabase,
];

fn failing(a: &Attestation, codes: &[RuleCode]) -> Vec<String> {
    a.rules
        .iter()
        .filter(|r| codes.contains(&r.rule) && r.applicable && !r.passed)
        .map(|r| format!("rule `{}` fails ({} finding(s))", r.rule, r.findings.len()))
        .collect()
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The line of the live part about `item`, when `--live` ran.
fn live_line<'a>(a: &'a Attestation, item: &str) -> Option<&'a LiveLine> {
    a.live.as_ref()?.lines.iter().find(|l| l.item == item)
}

/// The four axes of `a`, in their fixed order.
pub fn axes(a: &Attestation) -> Vec<Axis> {
    vec![isolated(a), read_only(a), short_lived(a), minimal(a)]
}

fn isolated(a: &Attestation) -> Axis {
    let mut evidence = vec![format!("its own crate: `{}`", a.crate_dir)];
    match &a.database {
        Some(db) => {
            evidence.push(format!(
                "its data: {} database at `{}`",
                db.kind.as_deref().unwrap_or("an undeclared kind of"),
                db.location.as_deref().unwrap_or("(no location declared)")
            ));
            evidence.push(match db.shared_with.is_empty() {
                true => "no other client points at that database".to_owned(),
                false => format!(
                    "that database is also named by: {}",
                    db.shared_with.join("; ")
                ),
            });
        }
        None => evidence.push("no `client.toml`: no database declared".to_owned()),
    }
    let locals = a
        .dependencies
        .iter()
        .filter(|d| d.role != Kind::External)
        .count();
    evidence.push(format!(
        "dependency closure: {} crates ({locals} of them from this workspace)",
        a.dependencies.len()
    ));
    evidence.push(match a.other_clients_in_closure.is_empty() {
        true => "no other client's crate in that closure".to_owned(),
        false => format!(
            "other clients' crates in that closure: {}",
            list(&a.other_clients_in_closure)
        ),
    });
    evidence.push(match a.credential_helpers_in_closure.is_empty() {
        true => "no credential helper in that closure".to_owned(),
        false => format!(
            "credential helpers in that closure: {}",
            list(&a.credential_helpers_in_closure)
        ),
    });
    let failures = failing(a, &ISOLATION_RULES);
    let met = failures.is_empty()
        && a.other_clients_in_closure.is_empty()
        && a.credential_helpers_in_closure.is_empty()
        && a.database.as_ref().is_none_or(|d| d.shared_with.is_empty());
    evidence.extend(failures);
    Axis {
        axis: AxisName::Isolated,
        verdict: if met { Verdict::Met } else { Verdict::NotMet },
        summary: match met {
            true => "Your code and your data are yours alone: nothing of another client is built into your crate, and nothing of yours into theirs.".to_owned(),
            false => "Your crate is NOT isolated: it reaches code or data that is not only yours (see the evidence).".to_owned(),
        },
        evidence,
    }
}

fn no_client_toml(axis: AxisName, what: &str) -> Axis {
    Axis {
        axis,
        verdict: Verdict::NotApplicable,
        summary: format!(
            "Not applicable: this crate has no `client.toml`, so it declares no {what}."
        ),
        evidence: vec!["no `client.toml` in the client's crate".to_owned()],
    }
}

fn read_only(a: &Attestation) -> Axis {
    let Some(access) = &a.access else {
        return no_client_toml(AxisName::ReadOnly, "Shopify access");
    };
    let mut evidence = vec![
        format!("shop: `{}`", access.shop.as_deref().unwrap_or("(not set)")),
        format!("scopes declared in `client.toml`: {}", list(&access.scopes)),
    ];
    let observed_writes = live_line(a, "write scopes granted");
    evidence.push(match (live_line(a, "scopes granted"), observed_writes) {
        (Some(scopes), Some(writes)) => format!(
            "observed from Shopify at run time (`attest --live`): {}; write scopes: {} ({})",
            scopes.observed,
            writes.observed,
            writes.outcome.label()
        ),
        _ => "observed from Shopify at run time: not checked by this attestation".to_owned(),
    });
    let observed_write = observed_writes.is_some_and(|l| l.outcome == LineOutcome::Differs);
    let met = access.write_scopes.is_empty()
        && !observed_write
        && failing(a, &[RuleCode::WriteScopeRequested]).is_empty();
    if !access.write_scopes.is_empty() {
        evidence.push(format!(
            "write or unknown scopes: {}",
            list(&access.write_scopes)
        ));
    }
    evidence.extend(failing(a, &[RuleCode::WriteScopeRequested]));
    Axis {
        axis: AxisName::ReadOnly,
        verdict: if met { Verdict::Met } else { Verdict::NotMet },
        summary: match met {
            true => "The access can only read your shop: every scope is a read scope.".to_owned(),
            false if observed_write && access.write_scopes.is_empty() => {
                "The access holds MORE than reading: the shop granted a write scope at run time."
                    .to_owned()
            }
            false => "The access asks for MORE than reading: a write or unknown scope is declared."
                .to_owned(),
        },
        evidence,
    }
}

fn short_lived(a: &Attestation) -> Axis {
    let Some(access) = &a.access else {
        return no_client_toml(AxisName::ShortLived, "token");
    };
    let failures = failing(a, &[RuleCode::TokenLifetimeTooLong]);
    let observed = live_line(a, "token lifetime");
    let met = failures.is_empty()
        && access.token_lifetime_hours.is_some()
        && observed.is_none_or(|l| l.outcome != LineOutcome::Differs);
    let mut evidence = vec![
        match access.token_lifetime_hours {
            Some(h) => format!("token lifetime: {h} hours"),
            None => "token lifetime: not set in `client.toml`".to_owned(),
        },
        "the token is held in memory only, never written to a file".to_owned(),
    ];
    if let Some(line) = observed {
        evidence.push(format!(
            "observed at run time (`attest --live`): {} ({})",
            line.observed,
            line.outcome.label()
        ));
    }
    evidence.extend(failures);
    Axis {
        axis: AxisName::ShortLived,
        verdict: if met { Verdict::Met } else { Verdict::NotMet },
        summary: match (met, access.token_lifetime_hours) {
            (true, Some(h)) => {
                format!("The access token expires after {h} hours and is never stored.")
            }
            _ => "The token's lifetime is NOT bounded as required (see the evidence).".to_owned(),
        },
        evidence,
    }
}

fn minimal(a: &Attestation) -> Axis {
    let Some(access) = &a.access else {
        return no_client_toml(AxisName::Minimal, "scopes");
    };
    let mut evidence = vec![format!("reconciliation: {}", a.reconciliation.statement)];
    let Some(uses) = &access.scope_uses else {
        evidence.insert(
            0,
            "this crate was not made from clientwall's template: which command needs which scope is not known".to_owned(),
        );
        return Axis {
            axis: AxisName::Minimal,
            verdict: Verdict::NotApplicable,
            summary: "Not applicable: clientwall cannot tell which of this crate's commands needs which scope.".to_owned(),
            evidence,
        };
    };
    let unneeded: Vec<String> = uses
        .iter()
        .filter(|u| u.needed_by.is_empty())
        .map(|u| u.scope.clone())
        .collect();
    let mut per_scope: Vec<String> = uses
        .iter()
        .map(|u| match u.needed_by.is_empty() {
            true => format!("`{}`: needed by no command", u.scope),
            false => format!("`{}`: needed by {}", u.scope, u.needed_by.join(", ")),
        })
        .collect();
    per_scope.append(&mut evidence);
    Axis {
        axis: AxisName::Minimal,
        verdict: if unneeded.is_empty() {
            Verdict::Met
        } else {
            Verdict::NotMet
        },
        summary: match unneeded.is_empty() {
            true => {
                "Every scope is needed by a command that uses it; none is asked for just in case."
                    .to_owned()
            }
            false => format!(
                "NOT minimal: {} asked for but needed by no command.",
                list(&unneeded)
            ),
        },
        evidence: per_scope,
    }
}

/// Which of the template's commands need `scope`, when the crate was made from it.
pub fn scope_uses(scopes_declared: &[String]) -> Vec<ScopeUse> {
    scopes_declared
        .iter()
        .map(|s| ScopeUse {
            scope: s.clone(),
            needed_by: scopes::needed_by(s)
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
        })
        .collect()
}

/// One declared scope and the template's commands that need it.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeUse {
    pub scope: String,
    pub needed_by: Vec<String>,
}
