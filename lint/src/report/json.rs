//! `--format json`: one document with `violations[]` and `summary`.

use super::{Report, Summary};
use crate::location::{Location, relative_path};
use crate::rules::{Level, RuleCode, Violation};
use camino::Utf8Path;
use serde::Serialize;

#[derive(Serialize)]
struct Document<'a> {
    violations: Vec<JsonViolation<'a>>,
    summary: &'a Summary,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JsonViolation<'a> {
    rule: RuleCode,
    /// Only for a warning: every other finding is an error.
    #[serde(skip_serializing_if = "Level::is_error")]
    level: Level,
    client: &'a str,
    path: Vec<JsonHop<'a>>,
    file: String,
    line: usize,
    column: usize,
    message: &'a str,
    help: &'a str,
}

#[derive(Serialize)]
struct JsonHop<'a> {
    #[serde(rename = "crate")]
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
}

/// The report as pretty-printed JSON, paths relative to the workspace root.
pub fn render(report: &Report) -> String {
    let root = report.root.as_path();
    let document = Document {
        violations: report
            .violations
            .iter()
            .map(|v| violation(v, root))
            .collect(),
        summary: &report.summary,
        notes: &report.notes,
    };
    let mut text = serde_json::to_string_pretty(&document).expect("report types serialize");
    text.push('\n');
    crate::redact::text(&text).into_owned()
}

fn violation<'a>(v: &'a Violation, root: &Utf8Path) -> JsonViolation<'a> {
    JsonViolation {
        rule: v.rule.code,
        level: v.level(),
        client: &v.client,
        path: v
            .path
            .iter()
            .map(|hop| JsonHop {
                name: &hop.name,
                kind: hop.kind.map(crate::model::graph::kind_name),
                target: hop.target.as_deref(),
                file: hop.location.as_ref().map(|l| relative_path(&l.file, root)),
                line: hop.location.as_ref().map(|l: &Location| l.line),
            })
            .collect(),
        file: v.location.relative_file(root),
        line: v.location.line,
        column: v.location.column,
        message: &v.message,
        help: &v.help,
    }
}
