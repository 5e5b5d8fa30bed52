//! `cargo xtask tls-front --upstream URL --dir DIR`: TLS for a PostgreSQL server that has none
//! (the `pgserver` wheel's build), for the tests that need `CLIENTWALL_TEST_POSTGRES_TLS_URL`
//! and `CLIENTWALL_TEST_POSTGRES_CA`. It makes a throwaway CA and a server certificate for
//! `localhost`, `127.0.0.1` and `::1` (written to `DIR/ca.pem`), listens on a free loopback
//! port, answers PostgreSQL's `SSLRequest` with `S`, terminates TLS and forwards the session to
//! the upstream server in plain text. When it is ready it writes the TLS URL to `DIR/url`. It
//! runs until killed.

use anyhow::{Context, Result, bail};
use camino::Utf8Path;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// PostgreSQL's `SSLRequest` and `GSSENCRequest` codes.
const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;

pub fn run(upstream_url: &str, dir: &Utf8Path) -> Result<()> {
    let (host_port, rebuild) = split_url(upstream_url)?;
    let upstream: SocketAddr = host_port
        .to_socket_addrs()
        .with_context(|| format!("resolve {host_port}"))?
        .next()
        .with_context(|| format!("no address for {host_port}"))?;
    if !upstream.ip().is_loopback() {
        bail!("the upstream {upstream} is not on loopback");
    }
    let config = Arc::new(server_config(dir)?);
    let listener = TcpListener::bind("127.0.0.1:0").context("listen on loopback")?;
    let port = listener.local_addr()?.port();
    let url = rebuild(&format!("127.0.0.1:{port}"));
    std::fs::write(dir.join("url.tmp"), &url)?;
    std::fs::rename(dir.join("url.tmp"), dir.join("url"))?;
    eprintln!("tls-front: {url} -> {upstream}");
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        let config = config.clone();
        std::thread::spawn(move || {
            if let Err(e) = serve(client, upstream, config) {
                eprintln!("tls-front: session ended: {e:#}");
            }
        });
    }
    Ok(())
}

/// `postgres://user@host:port/db?x` → ("host:port", a function putting another host:port in).
fn split_url(url: &str) -> Result<(String, impl Fn(&str) -> String + use<>)> {
    let (scheme, rest) = url.split_once("://").context("the upstream is not a URL")?;
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((user, host_port)) => (format!("{user}@"), host_port.to_owned()),
        None => (String::new(), authority.to_owned()),
    };
    let (scheme, tail) = (scheme.to_owned(), tail.to_owned());
    Ok((host_port, move |hp: &str| {
        format!("{scheme}://{user}{hp}{tail}")
    }))
}

/// A throwaway CA (written to `DIR/ca.pem`) and a loopback server certificate it signed.
fn server_config(dir: &Utf8Path) -> Result<ServerConfig> {
    let ca = crate::test_ca::generate()?;
    std::fs::write(dir.join("ca.pem"), &ca.ca_pem).context("write ca.pem")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(ca.server_der)],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ca.server_key_der)),
        )?)
}

/// One client session: the `SSLRequest` exchange, then TLS both ways to the plain upstream.
fn serve(mut client: TcpStream, upstream: SocketAddr, config: Arc<ServerConfig>) -> Result<()> {
    loop {
        let mut head = [0u8; 8];
        client.read_exact(&mut head)?;
        let length = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let code = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        match (length, code) {
            (8, SSL_REQUEST) => {
                client.write_all(b"S")?;
                break;
            }
            (8, GSSENC_REQUEST) => client.write_all(b"N")?,
            _ => bail!("the client did not ask for TLS"),
        }
    }
    let mut upstream = TcpStream::connect(upstream)?;
    let tick = Some(Duration::from_millis(2));
    client.set_read_timeout(tick)?;
    upstream.set_read_timeout(tick)?;
    client.set_nodelay(true)?;
    upstream.set_nodelay(true)?;
    let mut tls = StreamOwned::new(ServerConnection::new(config)?, client);
    let mut buffer = vec![0u8; 64 * 1024];
    let idle = |e: &std::io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    loop {
        match tls.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => upstream.write_all(&buffer[..n])?,
            Err(e) if idle(&e) => {}
            Err(e) => return Err(e.into()),
        }
        match upstream.read(&mut buffer) {
            Ok(0) => {
                tls.conn.send_close_notify();
                let _ = tls.flush();
                return Ok(());
            }
            Ok(n) => {
                tls.write_all(&buffer[..n])?;
                tls.flush()?;
            }
            Err(e) if idle(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
}
