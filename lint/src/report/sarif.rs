//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.

use super::Report;
use crate::location::Location;
use crate::rules::{RULES, Violation};
use camino::Utf8Path;
use serde::Serialize;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    original_uri_base_ids: std::collections::BTreeMap<&'static str, ArtifactLocation>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

impl Message {
    fn text(text: impl Into<String>) -> Message {
        Message {
            text: text.into(),
            markdown: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<ResultLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<ResultLocation>,
    partial_fingerprints: std::collections::BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

/// The report as a SARIF 2.1.0 log with one run.
pub fn render(report: &Report) -> String {
    let root = report.root.as_path();
    let mut base = encode_uri(root.as_str());
    if !base.ends_with('/') {
        base.push('/');
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool { driver: driver() },
            original_uri_base_ids: [(
                SRCROOT,
                ArtifactLocation {
                    uri: format!("file://{base}"),
                    uri_base_id: None,
                },
            )]
            .into_iter()
            .collect(),
            results: report.violations.iter().map(|v| result(v, root)).collect(),
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF types serialize");
    text.push('\n');
    crate::redact::text(&text).into_owned()
}

fn driver() -> Driver {
    Driver {
        name: "clientwall",
        version: env!("CARGO_PKG_VERSION"),
        information_uri: "https://github.com/clientwall/clientwall",
        rules: RULES
            .iter()
            .map(|rule| ReportingDescriptor {
                id: rule.code.as_str(),
                name: pascal_case(rule.code.as_str()),
                short_description: Message::text(rule.summary),
                full_description: Message::text(rule.summary),
                help: Message {
                    text: rule.doc.to_owned(),
                    markdown: Some(rule.doc.to_owned()),
                },
                default_configuration: Configuration {
                    level: rule.level.as_str(),
                },
            })
            .collect(),
    }
}

fn result(v: &Violation, root: &Utf8Path) -> SarifResult {
    let related = v
        .path
        .iter()
        .enumerate()
        .skip(2)
        .filter_map(|(i, hop)| {
            let location = hop.location.as_ref()?;
            Some(ResultLocation {
                id: Some(i),
                physical_location: physical(location, root),
                message: Some(Message::text(format!(
                    "`{}` depends on `{}` here",
                    v.path[i - 1].name,
                    hop.name
                ))),
            })
        })
        .collect();
    SarifResult {
        rule_id: v.rule.code.as_str(),
        rule_index: RULES
            .iter()
            .position(|r| r.code == v.rule.code)
            .unwrap_or(0),
        level: v.level().as_str(),
        message: Message::text(v.full_text()),
        locations: vec![ResultLocation {
            id: None,
            physical_location: physical(&v.location, root),
            message: None,
        }],
        related_locations: related,
        partial_fingerprints: [("clientwall/v1", fingerprint(v))].into_iter().collect(),
    }
}

fn physical(location: &Location, root: &Utf8Path) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: encode_uri(&location.relative_file(root)),
            uri_base_id: Some(SRCROOT),
        },
        region: Region {
            start_line: location.line,
            start_column: location.column,
        },
    }
}

/// A stable identity for a finding across runs: rule, client and path, not line numbers.
fn fingerprint(v: &Violation) -> String {
    let names: Vec<&str> = v.path.iter().map(|h| h.name.as_str()).collect();
    format!("{}:{}:{}", v.rule.code, v.client, names.join(">"))
}

fn pascal_case(code: &str) -> String {
    code.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Percent-encode everything but unreserved characters and `/`.
fn encode_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_names() {
        assert_eq!(
            encode_uri("clients/a b/Cargo.toml"),
            "clients/a%20b/Cargo.toml"
        );
        assert_eq!(
            pascal_case("client-depends-on-client"),
            "ClientDependsOnClient"
        );
    }
}
