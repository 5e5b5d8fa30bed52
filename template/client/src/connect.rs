{% if database == "postgres" %}//! The connection to this client's PostgreSQL database, over TLS (rustls). `sslmode` and
//! `sslrootcert` in the URL are honoured as libpq defines them, with one rule on top: a
//! plaintext connection is made only to a loopback host (or a Unix socket), or when the URL
//! says `sslmode=disable` outright. Without an `sslmode`, any other host gets `verify-full`.
//!
//! | `sslmode` | loopback host | other host |
//! |---|---|---|
//! | (none), `allow`, `prefer` | plaintext | TLS, `verify-full` (none) or `require` |
//! | `disable` | plaintext | plaintext (asked for) |
//! | `require` | TLS, certificate not checked (checked against `sslrootcert` if given) | same |
//! | `verify-ca` | TLS, certificate chain checked | same |
//! | `verify-full` | TLS, chain and host name checked | same |
//!
//! Certificates are checked against `sslrootcert=PATH` (PEM) when given, else against the
//! Mozilla root store (`webpki-roots`).

use anyhow::{Context, Result, bail};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plaintext.
    Disable,
    /// TLS; the certificate is not checked (unless a root certificate is given).
    Require,
    /// TLS; the certificate chain is checked, the host name is not.
    VerifyCa,
    /// TLS; the certificate chain and the host name are checked.
    VerifyFull,
}

/// What `connect` will do with a URL.
#[derive(Debug)]
pub struct Policy {
    pub tls: Tls,
    pub root_cert: Option<PathBuf>,
    /// The URL's connection settings, without the TLS parameters read here.
    pub config: postgres::Config,
}

/// Decide how to connect to `url`, refusing a plaintext connection the rules do not allow.
pub fn policy(url: &str) -> Result<Policy> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    if !(base.starts_with("postgres://") || base.starts_with("postgresql://")) {
        bail!("the database URL must start with postgres:// or postgresql://");
    }
    let (mut sslmode, mut root_cert, mut rest) = (None, None, Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => sslmode = Some(decode(value)?),
            "sslrootcert" => root_cert = Some(PathBuf::from(decode(value)?)),
            _ => rest.push(pair),
        }
    }
    let stripped = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let config = postgres::Config::from_str(&stripped)
        .map_err(|e| anyhow::anyhow!("the database URL does not parse: {e}"))?;
    let loopback = is_loopback(&config);
    let tls = match sslmode.as_deref() {
        Some("disable") => Tls::Disable,
        None | Some("allow") | Some("prefer") if loopback => Tls::Disable,
        None => Tls::VerifyFull,
        Some("allow") | Some("prefer") | Some("require") => Tls::Require,
        Some("verify-ca") => Tls::VerifyCa,
        Some("verify-full") => Tls::VerifyFull,
        Some(other) => bail!(
            "sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, \
             verify-full"
        ),
    };
    if tls == Tls::Disable && root_cert.is_some() && sslmode.as_deref() == Some("disable") {
        bail!("sslmode=disable contradicts sslrootcert");
    }
    Ok(Policy {
        tls,
        root_cert,
        config,
    })
}

/// Every host the URL names is this machine: `localhost`, a loopback address, a Unix socket.
fn is_loopback(config: &postgres::Config) -> bool {
    let hosts_local = config.get_hosts().iter().all(|host| match host {
        postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .trim_matches(|c| c == '[' || c == ']')
                    .parse::<IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        postgres::config::Host::Unix(_) => true,
    });
    let addrs_local = config.get_hostaddrs().iter().all(IpAddr::is_loopback);
    hosts_local && addrs_local && !config.get_hosts().is_empty()
}

/// `%XX` escapes of a URL parameter.
fn decode(value: &str) -> Result<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .context("a bad %-escape in the database URL")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("a database URL parameter is not UTF-8")
}

/// Connect as `policy` decides.
pub fn connect(url: &str) -> Result<postgres::Client> {
    let policy = policy(url)?;
    let mut config = policy.config.clone();
    let client = match policy.tls {
        Tls::Disable => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(postgres::NoTls)
        }
        tls => {
            config.ssl_mode(postgres::config::SslMode::Require);
            let rustls = client_config(tls, policy.root_cert.as_deref())?;
            config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(rustls))
        }
    };
    client.map_err(|e| {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        anyhow::anyhow!(
            "failed to connect to the database ({:?}): {message}",
            policy.tls
        )
    })
}

fn client_config(tls: Tls, root_cert: Option<&std::path::Path>) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .context("failed to set up TLS")?;
    let roots = match root_cert {
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(path)
                .with_context(|| format!("failed to read sslrootcert {}", path.display()))?
            {
                let cert =
                    cert.with_context(|| format!("failed to read sslrootcert {}", path.display()))?;
                roots.add(cert).with_context(|| {
                    format!("sslrootcert {} holds a bad certificate", path.display())
                })?;
            }
            if roots.is_empty() {
                bail!("sslrootcert {} holds no certificate", path.display());
            }
            Some(roots)
        }
        None => None,
    };
    let webpki_roots = || RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let verifier: Arc<dyn ServerCertVerifier> = match (tls, roots) {
        (Tls::Require, None) => Arc::new(AnyCertificate(provider)),
        (Tls::VerifyFull, roots) => WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots.unwrap_or_else(webpki_roots)),
            provider,
        )
        .build()?,
        (_, roots) => Arc::new(ChainOnly(
            WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots.unwrap_or_else(webpki_roots)),
                provider,
            )
            .build()?,
        )),
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `sslmode=require` without a root certificate: encrypted, the server not authenticated
/// (as libpq does); the handshake's signatures are still verified.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must lead to a trusted root; the name is not compared.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(url: &str) -> Tls {
        policy(url).unwrap_or_else(|e| panic!("{url}: {e:#}")).tls
    }

    #[test]
    fn plaintext_only_to_loopback_or_when_asked() {
        assert_eq!(tls("postgres://u@127.0.0.1:5432/db"), Tls::Disable);
        assert_eq!(tls("postgres://u@localhost/db"), Tls::Disable);
        assert_eq!(tls("postgres://u@[::1]:5432/db"), Tls::Disable);
        assert_eq!(
            tls("postgres://u@localhost/db?sslmode=prefer"),
            Tls::Disable
        );
        assert_eq!(tls("postgres://u@db.example.com/db"), Tls::VerifyFull);
        assert_eq!(
            tls("postgres://u@db.example.com/db?sslmode=prefer"),
            Tls::Require
        );
        assert_eq!(
            tls("postgres://u@db.example.com/db?sslmode=allow"),
            Tls::Require
        );
        assert_eq!(
            tls("postgres://u@db.example.com/db?sslmode=disable"),
            Tls::Disable
        );
        assert_eq!(
            tls("postgres://u@db.example.com/db?hostaddr=127.0.0.1"),
            Tls::VerifyFull,
            "a remote name reached through a loopback address is not loopback"
        );
        assert_eq!(
            tls("postgres://u@localhost/db?hostaddr=10.1.2.3"),
            Tls::VerifyFull,
            "nor is localhost pointed at another machine"
        );
    }

    #[test]
    fn sslmode_is_honoured_everywhere() {
        for host in ["127.0.0.1", "db.example.com"] {
            let url = |mode: &str| format!("postgres://u@{host}/db?sslmode={mode}");
            assert_eq!(tls(&url("require")), Tls::Require);
            assert_eq!(tls(&url("verify-ca")), Tls::VerifyCa);
            assert_eq!(tls(&url("verify-full")), Tls::VerifyFull);
        }
        let with_root = policy(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(with_root.root_cert, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(with_root.config.get_application_name(), Some("x"));
        assert!(policy("postgres://u@h/db?sslmode=sometimes").is_err());
        assert!(policy("mysql://u@h/db").is_err());
{% else %}//! Where this client's SQLite database lives, and making its place private: the directories
//! the tool creates for it get 0700, the file 0600. A directory that already exists (the home
//! directory, a shared data directory) is never changed.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A configured database path: absolute, or under `~/`. A relative path would depend on the
/// directory the tool runs from, so it is refused; `origin` names where it was configured.
pub fn resolve(path: &str, origin: &str) -> Result<PathBuf> {
    if let Some(rest) = path.strip_prefix("~/") {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .context("HOME is not set, so `~/` cannot be resolved")?;
        return Ok(PathBuf::from(home).join(rest));
    }
    let path = PathBuf::from(path);
    if !path.is_absolute() {
        bail!(
            "{origin} `{}` is relative; give an absolute path or one under ~/",
            path.display()
        );
    }
    Ok(path)
}

/// Create what is missing of `path`'s directories (0700 each) and the file itself (0600).
pub fn prepare(path: &Path) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .context("the database path has no directory")?;
    let mut missing = Vec::new();
    let mut cursor = Some(dir);
    while let Some(d) = cursor {
        if d.exists() {
            break;
        }
        missing.push(d);
        cursor = d.parent();
    }
    for d in missing.into_iter().rev() {
        create_private_dir(d)?;
    }
    create_private_file(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("failed to chmod {}", dir.display())),
        // Someone else made it meanwhile: it is theirs, and left as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("failed to create {}", dir.display())),
    }
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("failed to chmod {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("failed to create {}", path.display())),
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("failed to create {}", dir.display()))
}

#[cfg(not(unix))]
fn create_private_file(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn only_directories_it_creates_are_made_private() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = shared.join("new/deeper/client.sqlite3");
        prepare(&file).unwrap();
        assert_eq!(mode(&shared), 0o755, "an existing directory keeps its mode");
        assert_eq!(mode(&shared.join("new")), 0o700);
        assert_eq!(mode(&shared.join("new/deeper")), 0o700);
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn relative_paths_are_refused() {
        let err = resolve("data/acme.sqlite3", "client.toml [database] path").unwrap_err();
        assert!(format!("{err}").contains("is relative"), "{err}");
        assert!(resolve("/var/lib/acme.sqlite3", "x").is_ok());
{% endif %}    }
}
