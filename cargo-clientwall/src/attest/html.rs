//! The attestation as one self-contained HTML page for the client's CEO: inline CSS and SVG,
//! no script, no external request of any kind, laid out to print on A4 or Letter. The four
//! axes come first as verdicts with their evidence; below them the client's island of the map,
//! every rule's result, the commit, the template version, the checksum and how to verify the
//! signature. Every text goes through the redaction before it is escaped, so a secret cannot
//! slip past it as `&amp;`-escaped text.

use super::live::{LineOutcome, Live};
use super::{Attestation, OffboardedAttestation, Verdict};
use clientwall_lint::classify::Kind;
use clientwall_lint::rules::RuleCode;

/// `text` redacted, then escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let text = clientwall_lint::redact::text(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Markdown-style `code` spans of a sentence as `<code>`, the rest escaped.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        match i % 2 {
            1 => out.push_str(&format!("<code>{}</code>", escape(part))),
            _ => out.push_str(&escape(part)),
        }
    }
    out
}

const STYLE: &str = "
@page { size: auto; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; color: #1b1f24; margin: 0 auto;
  max-width: 180mm; padding: 2mm 0; font-size: 10pt; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 11.5pt; margin: 3.5mm 0 1.5mm; border-bottom: 1px solid #ccd; padding-bottom: 1mm; }
.lead { margin: 0 0 3mm; color: #444; }
.result { font-size: 12pt; font-weight: bold; padding: 2mm 3mm; border-radius: 2mm; margin: 2mm 0 3mm; }
.pass { background: #e3f4e6; color: #14532d; }
.fail { background: #fde2e1; color: #7f1d1d; }
.axes { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; }
.axis { border: 1.5px solid #ccd; border-radius: 2mm; padding: 2mm 3mm; break-inside: avoid; }
.axis h3 { margin: 0 0 1mm; font-size: 11pt; display: flex; justify-content: space-between; }
.axis p { margin: 0 0 1mm; }
.axis ul { margin: 0; padding-left: 4mm; font-size: 8.5pt; color: #333; }
.met { border-color: #2f855a; } .met .verdict { color: #2f855a; }
.not-met { border-color: #c53030; background: #fff5f5; } .not-met .verdict { color: #c53030; }
.not-applicable { border-color: #999; border-style: dashed; } .not-applicable .verdict { color: #666; }
.map { text-align: center; break-inside: avoid; }
.map svg { max-width: 100%; height: auto; max-height: 80mm; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; }
.closure { font-size: 6.5pt; color: #444; line-height: 1.25; }
td, th { border-bottom: 1px solid #e2e2e8; text-align: left; padding: 0.2mm 1.5mm; vertical-align: top; }
.small { font-size: 7.5pt; color: #444; }
code { font-family: 'DejaVu Sans Mono', monospace; font-size: 0.92em; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 7.5pt; background: #f4f4f7; padding: 2mm; }
";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Met => "met",
        Verdict::NotMet => "not-met",
        Verdict::NotApplicable => "not-applicable",
    }
}

fn commit_of(commit: &Option<String>, reason: &str) -> String {
    commit.clone().unwrap_or_else(|| format!("({reason})"))
}

/// The signature paragraph: the `.sig` beside the file, checked with stock OpenSSH.
fn verify_section() -> String {
    "<h2>How to verify this page</h2>\n<p class=\"small\">The checksum above is the SHA-256 of this attestation's content (its JSON form with the checksum empty): two copies with the same checksum say the same thing. Who made it is shown by the signature: when the page came with <code>FILE.sig</code> beside it, check it with OpenSSH (the consultant gives you their <code>allowed_signers</code> line):</p>\n<pre>ssh-keygen -Y verify -f allowed_signers -I SIGNER -n clientwall-attest -s FILE.sig &lt; FILE</pre>\n<p class=\"small\">A changed page, or a signature made for anything else, fails this check.</p>\n".to_owned()
}

/// The attestation page of a client of the workspace.
pub fn client(a: &Attestation) -> String {
    let mut body = format!(
        "<h1>Isolation attestation: <code>{}</code></h1>\n<p class=\"lead\">Made by clientwall {} at commit <code>{}</code> from <code>{}</code>; template version: {}.</p>\n",
        escape(&a.client),
        env!("CARGO_PKG_VERSION"),
        escape(&commit_of(&a.commit, a.no_commit_reason)),
        escape(&a.crate_dir),
        match &a.template_version {
            Some(v) => format!("<code>{}</code>", escape(v)),
            None => "(not made from clientwall's template)".to_owned(),
        }
    );
    body.push_str(&format!(
        "<p class=\"result {}\">Result: {}</p>\n",
        if a.passed { "pass" } else { "fail" },
        escape(&super::result(a))
    ));
    body.push_str("<h2>The four axes</h2>\n<div class=\"axes\">\n");
    for axis in &a.axes {
        body.push_str(&format!(
            "<section class=\"axis {}\">\n<h3><span>{}</span><span class=\"verdict\">{}</span></h3>\n<p>{}</p>\n<ul>\n",
            verdict_class(axis.verdict),
            axis.axis.label(),
            axis.verdict.label(),
            inline(&axis.summary)
        ));
        for evidence in &axis.evidence {
            body.push_str(&format!("<li>{}</li>\n", inline(evidence)));
        }
        body.push_str("</ul>\n</section>\n");
    }
    body.push_str("</div>\n");
    body.push_str(&format!(
        "<p class=\"small\">Reconciliation with Shopify's numbers: {}</p>\n",
        escape(&a.reconciliation.statement)
    ));
    if let Some(live) = &a.live {
        body.push_str(&live_section(live));
    }
    body.push_str(&format!(
        "<h2>Your island of the map</h2>\n<div class=\"map\">\n{}</div>\n",
        a.island_svg
    ));
    body.push_str("<h2>Every rule</h2>\n<table>\n<tr><th>rule</th><th>result</th></tr>\n");
    for r in &a.rules {
        let result = match (r.applicable, r.passed) {
            (false, _) if r.rule == RuleCode::TemplateDrift => {
                "not applicable (not made from clientwall's template)"
            }
            (false, _) => "not applicable (no client.toml)",
            (true, true) => "pass",
            (true, false) => "FAIL",
        };
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}",
            r.rule,
            if r.applicable && !r.passed {
                format!("<strong style=\"color:#c53030\">{result}</strong>")
            } else {
                result.to_owned()
            }
        ));
        for f in &r.findings {
            body.push_str(&format!("<div class=\"small\">{}</div>", escape(f)));
        }
        body.push_str("</td></tr>\n");
    }
    body.push_str("</table>\n");
    body.push_str(&secrets(a));
    body.push_str(&closure(a));
    if !a.offboarded_before.is_empty() {
        body.push_str("<h2>Earlier engagements</h2>\n<ul>\n");
        for c in &a.offboarded_before {
            body.push_str(&format!(
                "<li>Offboarded at {} (<code>{}</code>, SHA-256 <code>{}</code>)</li>\n",
                escape(&c.completed_at),
                escape(&c.file),
                escape(&c.checksum_sha256)
            ));
        }
        body.push_str("</ul>\n");
    }
    body.push_str(&format!(
        "<h2>Checksum</h2>\n<p>SHA-256 checksum of this attestation's content: <code>{}</code></p>\n",
        escape(&a.checksum_sha256)
    ));
    body.push_str(&verify_section());
    page(&format!("Isolation attestation: {}", a.client), &body)
}

/// "Observed at run time": the client's binary's own self-check beside what is declared.
fn live_section(live: &Live) -> String {
    let mut out = format!(
        "<h2>Observed at run time</h2>\n<p class=\"result {}\">{}</p>\n<p class=\"small\">The client's own binary, built and run as the consultant runs it: <code>{}</code></p>\n",
        if live.held() { "pass" } else { "fail" },
        escape(&live.statement()),
        escape(&live.command)
    );
    if !live.lines.is_empty() {
        out.push_str("<table>\n<tr><th>item</th><th>declared</th><th>observed at run time</th><th></th></tr>\n");
        for line in &live.lines {
            let outcome = match line.outcome {
                LineOutcome::Held => line.outcome.label().to_owned(),
                other => format!("<strong style=\"color:#c53030\">{}</strong>", other.label()),
            };
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{outcome}</td></tr>\n",
                inline(&line.item),
                inline(&line.declared),
                inline(&line.observed)
            ));
        }
        out.push_str("</table>\n");
    }
    out
}

fn secrets(a: &Attestation) -> String {
    let mut out = format!(
        "<h2>Secrets</h2>\n<p>No secret in this client's files or in the crates it compiles: {}</p>\n",
        if a.secrets.current.is_empty() {
            "yes"
        } else {
            "<strong>no</strong>"
        }
    );
    for f in &a.secrets.current {
        out.push_str(&format!("<div class=\"small\">{}</div>\n", escape(f)));
    }
    match a.secrets.history_read {
        true => out.push_str(&format!(
            "<p>None in the git history either ({}): {}</p>\n",
            escape(&a.secrets.history),
            if a.secrets.historical.is_empty() {
                "yes"
            } else {
                "<strong>no</strong>"
            }
        )),
        false => out.push_str(&format!(
            "<p>Git history: {}</p>\n",
            escape(&a.secrets.history)
        )),
    }
    for f in &a.secrets.historical {
        out.push_str(&format!("<div class=\"small\">{}</div>\n", escape(f)));
    }
    out
}

/// The dependency closure: the workspace's crates by name and role, the registry and git
/// crates as one compact list.
fn closure(a: &Attestation) -> String {
    let mut out = format!(
        "<h2>Dependency closure ({} crates)</h2>\n<p class=\"closure\">",
        a.dependencies.len()
    );
    let entries: Vec<String> = a
        .dependencies
        .iter()
        .map(|d| {
            let role = match d.role {
                Kind::Client => " <strong>(client)</strong>",
                Kind::Shared => " (shared)",
                Kind::CredentialHelper => " <strong>(credential helper)</strong>",
                Kind::External => "",
            };
            format!(
                "{}&nbsp;{} <span title=\"source\">[{}]</span>{role}",
                escape(&d.name),
                escape(&d.version),
                escape(d.source.label())
            )
        })
        .collect();
    out.push_str(&entries.join(" · "));
    out.push_str("</p>\n");
    out
}

/// The attestation page of an offboarded client: no axis applies to access that ended.
pub fn offboarded(a: &OffboardedAttestation) -> String {
    let mut body = format!(
        "<h1>Offboarding attestation: <code>{}</code></h1>\n<p class=\"lead\">Made by clientwall {} at commit <code>{}</code>. <code>{}</code> is not a client of this workspace: it was offboarded, and these deletion certificates say so.</p>\n",
        escape(&a.client),
        env!("CARGO_PKG_VERSION"),
        escape(&commit_of(&a.commit, a.no_commit_reason)),
        escape(&a.client)
    );
    body.push_str(&format!(
        "<p class=\"result {}\">Result: {}</p>\n",
        if a.passed { "pass" } else { "fail" },
        if a.passed {
            "nothing of the offboarded client is back"
        } else {
            "FAILED: see below"
        }
    ));
    body.push_str("<h2>The four axes</h2>\n<div class=\"axes\">\n");
    for name in ["isolated", "read-only", "short-lived", "minimal"] {
        body.push_str(&format!(
            "<section class=\"axis not-applicable\">\n<h3><span>{name}</span><span class=\"verdict\">not applicable</span></h3>\n<p>Not applicable: the engagement ended; there is no access and no data left to judge.</p>\n</section>\n"
        ));
    }
    body.push_str("</div>\n<h2>Deletion certificates</h2>\n<table>\n<tr><th>certificate</th><th>completed</th><th>data destroyed and verified</th><th>rows destroyed</th><th>check after</th><th>SHA-256</th></tr>\n");
    for c in &a.certificates {
        body.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            escape(&c.file),
            escape(&c.completed_at),
            if c.data_verified { "yes" } else { "<strong>no</strong>" },
            c.rows_destroyed,
            if c.check_passed { "passed" } else { "<strong>not passed</strong>" },
            escape(&c.checksum_sha256)
        ));
    }
    body.push_str("</table>\n<h2>Nothing of it is back</h2>\n<ul>\n");
    body.push_str(&format!(
        "<li>No crate named <code>{}</code> in the workspace: {}</li>\n<li>No client names its destroyed database (<code>shared-database</code>): {}</li>\n",
        escape(&a.client),
        if a.crate_in_workspace { "<strong>no</strong>" } else { "yes" },
        if a.destroyed_data_named_by.is_empty() { "yes" } else { "<strong>no</strong>" }
    ));
    for f in &a.destroyed_data_named_by {
        body.push_str(&format!("<li class=\"small\">{}</li>\n", escape(f)));
    }
    body.push_str("</ul>\n");
    body.push_str(&format!(
        "<h2>Checksum</h2>\n<p>SHA-256 checksum of this attestation's content: <code>{}</code></p>\n",
        escape(&a.checksum_sha256)
    ));
    body.push_str(&verify_section());
    page(&format!("Offboarding attestation: {}", a.client), &body)
}
