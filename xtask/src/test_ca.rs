//! `cargo xtask test-ca DIR`: a throwaway certificate authority and a server certificate it
//! signed, for the test PostgreSQL's TLS (`.ci/postgres`), made in-process with rcgen so that no
//! `openssl` binary is needed. Writes `DIR/ca.pem`, `DIR/server.pem` and `DIR/server.key`
//! (0600). The server certificate names `localhost`, `127.0.0.1` and `::1`.

use anyhow::{Context, Result};
use camino::Utf8Path;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

/// The names the server certificate is valid for.
pub const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A throwaway CA and a server certificate it signed, in memory.
pub struct TestCa {
    pub ca_pem: String,
    pub server_pem: String,
    /// The server certificate, DER.
    pub server_der: Vec<u8>,
    /// The server's private key, PKCS#8 DER.
    pub server_key_der: Vec<u8>,
    pub server_key_pem: String,
}

/// Make a new CA and a server certificate for [`SERVER_NAMES`].
pub fn generate() -> Result<TestCa> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "clientwall throwaway test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut server = CertificateParams::new(vec!["localhost".to_owned()])?;
    for ip in &SERVER_NAMES[1..] {
        server
            .subject_alt_names
            .push(SanType::IpAddress(ip.parse()?));
    }
    server
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_key = KeyPair::generate()?;
    let server_cert = server.signed_by(&server_key, &Issuer::new(ca, ca_key))?;
    Ok(TestCa {
        ca_pem: ca_cert.pem(),
        server_pem: server_cert.pem(),
        server_der: server_cert.der().to_vec(),
        server_key_der: server_key.serialize_der(),
        server_key_pem: server_key.serialize_pem(),
    })
}

/// Write `ca.pem`, `server.pem` and `server.key` (0600) into `dir`.
pub fn write(dir: &Utf8Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {dir}"))?;
    let ca = generate()?;
    write_file(&dir.join("ca.pem"), &ca.ca_pem, 0o644)?;
    write_file(&dir.join("server.pem"), &ca.server_pem, 0o644)?;
    write_file(&dir.join("server.key"), &ca.server_key_pem, 0o600)?;
    Ok(())
}

fn write_file(path: &Utf8Path, text: &str, mode: u32) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("failed to create {path}"))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("failed to write {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_ca_and_a_server_certificate_it_signed() {
        let dir = tempfile::tempdir().unwrap();
        let dir = Utf8Path::from_path(dir.path()).unwrap();
        write(dir).unwrap();
        let ca = std::fs::read_to_string(dir.join("ca.pem")).unwrap();
        let server = std::fs::read_to_string(dir.join("server.pem")).unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(server.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_ne!(ca, server);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("server.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
