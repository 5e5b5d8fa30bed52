//! After generating, `new-client` runs the lint on the new client; if it fails, the client is
//! removed again and the root manifest restored.

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};

fn temp_workspace() -> (tempfile::TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(dir.path().canonicalize().unwrap()).unwrap();
    (dir, root)
}

fn example(file: &str) -> Vec<u8> {
    std::fs::read(
        Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/consultancy")
            .join(file),
    )
    .unwrap()
}

#[test]
fn a_generated_client_passes_the_check() {
    let (_dir, root) = temp_workspace();
    std::fs::write(root.join("Cargo.toml"), example("Cargo.toml")).unwrap();
    std::fs::write(root.join("Cargo.lock"), example("Cargo.lock")).unwrap();
    let output = Command::cargo_bin("new-client")
        .unwrap()
        .args(["acme", "--workspace", root.as_str()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("clientwall: ok: no violations"), "{stdout}");
    assert!(root.join("clients/acme/client.toml").is_file());
}

#[test]
fn a_failing_check_removes_the_client_again() {
    let (_dir, root) = temp_workspace();
    let manifest = "[workspace]\nresolver = \"2\"\nmembers = [\"shared/*\", \"clients/*\"]\n\n[workspace.metadata.clientwall]\ncredential-helpers = [\"*-credentials\"]\n";
    std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
    std::fs::create_dir_all(root.join("shared/agency-credentials/src")).unwrap();
    std::fs::write(
        root.join("shared/agency-credentials/Cargo.toml"),
        "[package]\nname = \"agency-credentials\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    std::fs::write(root.join("shared/agency-credentials/src/lib.rs"), "").unwrap();
    // A template that wires every client to the shared credential helper.
    let template = root.join("bad-template");
    std::fs::create_dir_all(template.join("src")).unwrap();
    std::fs::write(
        template.join("Cargo.toml.liquid"),
        "[package]\nname = \"{{ client }}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nagency-credentials = { path = \"../../shared/agency-credentials\" }\n",
    )
    .unwrap();
    std::fs::write(template.join("src/lib.rs"), "").unwrap();
    let output = Command::cargo_bin("new-client")
        .unwrap()
        .args([
            "acme",
            "--template",
            template.as_str(),
            "--workspace",
            root.as_str(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("client-reaches-credential-helper"),
        "{stderr}"
    );
    assert!(stderr.contains("the new client was removed"), "{stderr}");
    assert!(!root.join("clients/acme").exists());
    assert_eq!(
        std::fs::read_to_string(root.join("Cargo.toml")).unwrap(),
        manifest
    );
}
