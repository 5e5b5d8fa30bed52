//! SARIF output validates against the published SARIF 2.1.0 JSON schema.
//!
//! The schema is taken from the `serde-sarif` crate's published sources (it ships the OASIS
//! schema as `src/schema.json`), fetched by cargo into a throwaway project: nothing is vendored.

use crate::support;

use std::process::Command;
use support::Fixture;

const SCHEMA_CRATE: &str = "serde-sarif = \"=0.8.0\"";

fn published_schema() -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!("[package]\nname = \"schema-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n{SCHEMA_CRATE}\n"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let manifest = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .unwrap()["manifest_path"]
        .as_str()
        .unwrap()
        .to_owned();
    let schema = std::path::Path::new(&manifest)
        .parent()
        .unwrap()
        .join("src/schema.json");
    serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap()
}

fn sarif_of(example: &str) -> serde_json::Value {
    let fixture = Fixture::example(example);
    let report = fixture.report();
    serde_json::from_str(&clientwall::report::sarif::render(&report)).unwrap()
}

#[test]
fn sarif_validates_against_the_published_schema() {
    let schema = published_schema();
    let url = schema["$id"].as_str().unwrap().to_owned();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource(&url, schema).unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(&url, &mut schemas).unwrap();

    for example in ["clean", "violations"] {
        let log = sarif_of(example);
        if let Err(error) = schemas.validate(&log, index) {
            panic!("{example}: SARIF does not validate:\n{error:#}");
        }
    }

    // The validator is not a rubber stamp: a log with a wrong version fails.
    let mut broken = sarif_of("violations");
    broken["version"] = "2.0.0".into();
    assert!(schemas.validate(&broken, index).is_err());
}

#[test]
fn sarif_results_point_at_the_dependency_key() {
    let log = sarif_of("violations");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "clients/acme/Cargo.toml"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 11);
    assert_eq!(results[0]["ruleId"], "client-depends-on-client");
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(
        rules[results[0]["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "client-depends-on-client"
    );
}
