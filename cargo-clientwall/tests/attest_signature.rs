//! `cargo clientwall attest CLIENT --sign KEY --output FILE`: FILE and FILE.sig, an SSH
//! signature the client verifies with stock `ssh-keygen -Y verify` (the exact command the tool
//! prints), and with the `ssh-key` crate; a changed attestation does not verify.

use crate::support;

use assert_cmd::Command;
use camino::{Utf8Path, Utf8PathBuf};
use clientwall::signing;
use ssh_key::{LineEnding, PrivateKey};
use support::Fixture;

/// `ssh-keygen`, or a one-line failure saying it is missing.
fn ssh_keygen() -> std::process::Command {
    let found = std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_ok();
    assert!(
        found,
        "ssh-keygen is not installed: install OpenSSH's client (apt-get install openssh-client)"
    );
    std::process::Command::new("ssh-keygen")
}

fn run_ok(command: &mut std::process::Command) -> String {
    let output = command.stdin(std::process::Stdio::null()).output().unwrap();
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A key made by ssh-keygen in `dir`, with `passphrase` ("" for none).
fn keygen(dir: &Utf8Path, kind: &str, passphrase: &str) -> Utf8PathBuf {
    let key = dir.join(format!("id_{kind}"));
    run_ok(ssh_keygen().args([
        "-q",
        "-t",
        kind,
        "-N",
        passphrase,
        "-C",
        "consultant@example.com",
        "-f",
        key.as_str(),
    ]));
    key
}

/// A key made by the crate, from a fixed seed.
fn crate_key(dir: &Utf8Path) -> (Utf8PathBuf, PrivateKey) {
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&[42; 32]);
    let key = PrivateKey::new(pair.into(), "consultant@example.com").unwrap();
    let path = dir.join("crate_key");
    key.write_openssh_file(path.as_std_path(), LineEnding::LF)
        .unwrap();
    (path, key)
}

fn attest(dir: &Utf8Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("cargo-clientwall")
        .unwrap()
        .current_dir(dir)
        .args(["clientwall", "attest", "acme"])
        .args(args)
        .output()
        .unwrap()
}

fn signed(fixture: &Fixture, key: &Utf8Path, format: &str) -> (Utf8PathBuf, String) {
    let output_file = fixture.root.join(format!("acme-attestation.{format}"));
    let output = attest(
        &fixture.root,
        &[
            "--format",
            format,
            "--sign",
            key.as_str(),
            "--output",
            output_file.as_str(),
        ],
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output_file, stdout)
}

#[test]
fn the_printed_ssh_keygen_command_verifies_and_a_changed_attestation_fails() {
    printed_command_verifies_and_a_change_fails("md");
}

/// The HTML page is signed and verified the same way.
#[test]
fn a_signed_attestation_page_verifies_and_a_changed_page_fails() {
    printed_command_verifies_and_a_change_fails("html");
}

fn printed_command_verifies_and_a_change_fails(format: &str) {
    let fixture = Fixture::example("clean");
    let key = keygen(&fixture.root, "ed25519", "");
    let (file, stdout) = signed(&fixture, &key, format);
    let signature = signing::signature_path(&file);
    assert!(
        std::fs::read_to_string(&signature)
            .unwrap()
            .starts_with("-----BEGIN SSH SIGNATURE-----\n")
    );
    // What the consultant hands over: the allowed-signers line and the one command.
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    let allowed = lines
        .iter()
        .find(|l| {
            l.starts_with("consultant@example.com namespaces=\"clientwall-attest\" ssh-ed25519 ")
        })
        .unwrap_or_else(|| panic!("no allowed-signers line in {stdout}"));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let public_key_field = public.split_whitespace().nth(1).unwrap();
    assert!(allowed.contains(public_key_field), "{allowed}");
    let command = lines
        .iter()
        .find(|l| l.starts_with("ssh-keygen -Y verify "))
        .unwrap_or_else(|| panic!("no verify command in {stdout}"));
    let client = fixture.root.join("client");
    std::fs::create_dir(&client).unwrap();
    std::fs::write(client.join("allowed_signers"), format!("{allowed}\n")).unwrap();
    for f in [&file, &signature] {
        std::fs::copy(f, client.join(f.file_name().unwrap())).unwrap();
    }
    // The client has ssh-keygen, the two files and the allowed-signers line.
    ssh_keygen();
    let verify = |dir: &Utf8Path| {
        std::process::Command::new("bash")
            .args(["-c", command])
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let good = verify(&client);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains("Good \"clientwall-attest\" signature"));

    let copy = client.join(file.file_name().unwrap());
    let text = std::fs::read_to_string(&copy).unwrap();
    std::fs::write(
        &copy,
        text.replace("every rule passed", "every rule passed!"),
    )
    .unwrap();
    assert!(
        !verify(&client).status.success(),
        "a changed attestation verified"
    );

    // A signature for another purpose (namespace) is not an attestation's.
    std::fs::write(&copy, &text).unwrap();
    let other_namespace = command.replace("-n clientwall-attest", "-n git");
    let output = std::process::Command::new("bash")
        .args(["-c", &other_namespace])
        .current_dir(&client)
        .output()
        .unwrap();
    assert!(!output.status.success());
}

#[test]
fn the_crate_verifies_the_signature_and_rejects_a_changed_attestation() {
    let fixture = Fixture::example("clean");
    let (key_path, key) = crate_key(&fixture.root);
    for format in ["md", "json"] {
        let (file, _) = signed(&fixture, &key_path, format);
        let text = std::fs::read(&file).unwrap();
        let signature = std::fs::read_to_string(signing::signature_path(&file)).unwrap();
        signing::verify(key.public_key(), &text, &signature).unwrap();
        let mut changed = text.clone();
        changed.push(b'\n');
        let err = signing::verify(key.public_key(), &changed, &signature).unwrap_err();
        assert!(
            err.to_string().contains("changed after it was signed"),
            "{err}"
        );
    }
}

#[test]
fn a_failing_client_is_still_signed_and_exits_one() {
    let fixture = Fixture::example("violations");
    let (key_path, key) = crate_key(&fixture.root);
    let file = fixture.root.join("acme.md");
    let output = attest(
        &fixture.root,
        &["--sign", key_path.as_str(), "--output", file.as_str()],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = std::fs::read(&file).unwrap();
    assert!(String::from_utf8_lossy(&text).contains("FAILED"));
    let signature = std::fs::read_to_string(signing::signature_path(&file)).unwrap();
    signing::verify(key.public_key(), &text, &signature).unwrap();
}

#[test]
fn an_encrypted_key_is_decrypted_with_its_passphrase() {
    let fixture = Fixture::example("clean");
    let key = keygen(&fixture.root, "ed25519", "correct horse");
    let loaded = signing::load_private_key(&key, || Ok("correct horse".to_owned())).unwrap();
    let signature = signing::sign(&loaded, b"attestation").unwrap();
    signing::verify(loaded.public_key(), b"attestation", &signature).unwrap();
    let err = signing::load_private_key(&key, || Ok("wrong".to_owned())).unwrap_err();
    assert!(err.to_string().contains("wrong passphrase"), "{err}");

    // Without a terminal to ask on, the command fails and writes nothing.
    let file = fixture.root.join("acme.md");
    let output = std::process::Command::new("setsid")
        .arg("-w")
        .arg(assert_cmd::cargo::cargo_bin("cargo-clientwall"))
        .args([
            "attest",
            "acme",
            "--sign",
            key.as_str(),
            "--output",
            file.as_str(),
        ])
        .current_dir(&fixture.root)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is encrypted and its passphrase could not be read"),
        "{stderr}"
    );
    assert!(!file.exists() && !signing::signature_path(&file).exists());
}

#[test]
fn keys_that_cannot_sign_write_nothing() {
    let fixture = Fixture::example("clean");
    let file = fixture.root.join("acme.md");
    let rsa = keygen(&fixture.root, "rsa", "");
    let public = rsa.with_extension("pub");
    for (key, expected) in [
        (&rsa, "cannot sign with this ssh-rsa key"),
        (&public, "is not an OpenSSH private key"),
    ] {
        let output = attest(
            &fixture.root,
            &["--sign", key.as_str(), "--output", file.as_str()],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!file.exists() && !signing::signature_path(&file).exists());
    }
}

#[test]
fn sign_needs_an_output_file() {
    let fixture = Fixture::example("clean");
    let (key, _) = crate_key(&fixture.root);
    let output = attest(&fixture.root, &["--sign", key.as_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--output <FILE>"));
}

#[test]
fn output_without_sign_writes_the_file_only() {
    let fixture = Fixture::example("clean");
    let file = fixture.root.join("acme.json");
    let output = attest(
        &fixture.root,
        &["--format", "json", "--output", file.as_str()],
    );
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["client"], "acme");
    assert!(!signing::signature_path(&file).exists());
}
