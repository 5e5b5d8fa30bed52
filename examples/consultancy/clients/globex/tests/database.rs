//! The PostgreSQL connection: TLS required, `verify-full` and refused against a server with
//! TLS on and a throwaway CA (`CLIENTWALL_TEST_POSTGRES_TLS_URL`, `CLIENTWALL_TEST_POSTGRES_CA`,
//! set by `.ci/postgres`); plaintext refused to a host that is not this machine; and a database
//! written by template 0.1.0 carried over.

use crate::support;

use support::TestDb;
use support::test_env;

use globex::store::Store;

/// The TLS server's admin URL with `params` added.
fn tls_url(params: &str) -> String {
    let url = test_env(
        "CLIENTWALL_TEST_POSTGRES_TLS_URL",
        "a PostgreSQL admin URL (no sslmode) of a server with TLS on",
    );
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{params}")
}

fn ca() -> String {
    test_env(
        "CLIENTWALL_TEST_POSTGRES_CA",
        "the PEM file of the CA that signed the TLS server's certificate",
    )
}

/// The error of a connection that must fail.
fn refused(url: &str) -> String {
    match globex::connect::connect(url) {
        Ok(_) => panic!("connected to {url}"),
        Err(err) => format!("{err:#}"),
    }
}

/// Whether the session `client` runs over TLS, as the server sees it.
fn server_sees_tls(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn sslmode_require_encrypts() {
    let mut client = globex::connect::connect(&tls_url("sslmode=require")).unwrap();
    assert!(server_sees_tls(&mut client));
}

#[test]
fn sslmode_verify_full_checks_the_ca_and_the_name() {
    let url = tls_url(&format!("sslmode=verify-full&sslrootcert={}", ca()));
    let mut client = globex::connect::connect(&url).unwrap();
    assert!(server_sees_tls(&mut client));
    // A store works over it end to end.
    let db = TestDb::on(&url);
    assert!(db.url.contains("sslmode=verify-full"));
    let mut store = db.store();
    assert_eq!(store.counts().unwrap(), (0, 0, 0));
}

#[test]
fn verify_full_refuses_an_unknown_ca_and_a_wrong_name() {
    let err = refused(&tls_url("sslmode=verify-full"));
    assert!(
        err.contains("UnknownIssuer"),
        "not in the public roots: {err}"
    );

    // The certificate names localhost, 127.0.0.1 and ::1; reach the same server under another name.
    let url = tls_url(&format!("sslmode=verify-full&sslrootcert={}", ca()));
    let policy = globex::connect::policy(&url).unwrap();
    let port = policy.config.get_ports().first().copied().unwrap_or(5432);
    let renamed = format!(
        "postgres://postgres@db.clientwall.invalid:{port}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
        ca()
    );
    let err = refused(&renamed);
    assert!(err.contains("not valid for name"), "{err}");
    // verify-ca checks the chain only, so the same name passes.
    let chain_only = renamed.replace("verify-full", "verify-ca");
    assert!(globex::connect::connect(&chain_only).is_ok());
}

/// A server that answers the TLS request with "no", and records whether the client then sent
/// its startup message (user name, database) in the clear.
fn plaintext_only_server() -> (u16, std::sync::mpsc::Receiver<bool>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .unwrap();
        let mut request = [0u8; 8];
        stream.read_exact(&mut request).unwrap();
        let ssl_request = request == [0, 0, 0, 8, 4, 210, 22, 47];
        let sent_more = if ssl_request {
            stream.write_all(b"N").unwrap();
            let mut more = [0u8; 64];
            matches!(stream.read(&mut more), Ok(n) if n > 0)
        } else {
            true
        };
        let _ = sender.send(sent_more);
    });
    (port, receiver)
}

#[test]
fn plaintext_to_a_host_that_is_not_this_machine_is_refused() {
    let (port, startup_sent) = plaintext_only_server();
    // A remote name (reached here through a loopback address): TLS is required.
    let url =
        format!("postgres://postgres@db.clientwall.invalid:{port}/postgres?hostaddr=127.0.0.1");
    let err = refused(&url);
    assert!(err.to_lowercase().contains("tls"), "{err}");
    assert!(
        !startup_sent.recv().unwrap(),
        "the startup message went out in the clear"
    );

    // Asked for outright, it is allowed.
    let (port, startup_sent) = plaintext_only_server();
    let url = format!(
        "postgres://postgres@db.clientwall.invalid:{port}/postgres?hostaddr=127.0.0.1&sslmode=disable"
    );
    assert!(
        globex::connect::connect(&url).is_err(),
        "the fake server does not log in"
    );
    assert!(startup_sent.recv().unwrap());
}

#[test]
fn a_database_of_template_0_1_is_carried_over() {
    let db = TestDb::new();
    let mut raw = db.raw();
    raw.batch_execute(
        "CREATE TABLE orders (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,
             currency TEXT NOT NULL, total_minor BIGINT NOT NULL, customer_id TEXT);
         CREATE TABLE customers (id TEXT PRIMARY KEY, created_at TEXT NOT NULL,
             orders_count BIGINT NOT NULL, amount_spent_minor BIGINT NOT NULL, currency TEXT NOT NULL);
         CREATE TABLE sync_state (resource TEXT PRIMARY KEY, cursor TEXT, done BIGINT NOT NULL);
         INSERT INTO orders VALUES
             ('gid://shopify/Order/1', '#1001', '2026-01-15T10:00:00Z', 'USD', 1999, 'gid://shopify/Customer/7'),
             ('gid://shopify/Order/2', '#1002', '2026-01-16T10:00:00Z', 'JPY', 120000, NULL),
             ('gid://shopify/Order/3', '#1003', '2026-01-17T10:00:00Z', 'KWD', 1230, NULL);
         INSERT INTO customers VALUES ('gid://shopify/Customer/7', '2025-12-01T09:00:00Z', 1, 1999, 'USD');
         INSERT INTO sync_state VALUES ('orders', NULL, 1);",
    )
    .unwrap();
    let mut store: Store = db.store();
    assert_eq!(store.counts().unwrap(), (3, 0, 1));
    let rows: Vec<(i64, String, i64, Option<i64>)> = raw
        .query(
            "SELECT id, currency, total_minor, customer_id FROM orders ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        rows,
        [
            (1, "USD".into(), 1999, Some(7)),
            (2, "JPY".into(), 1200, None),
            (3, "KWD".into(), 12300, None)
        ]
    );
    assert_eq!(
        store
            .sync_state(globex::store::Resource::Orders)
            .unwrap()
            .watermark,
        None,
        "the next sync reads everything again"
    );
    drop(store);
    assert_eq!(
        db.store().counts().unwrap(),
        (3, 0, 1),
        "migrating twice changes nothing"
    );
}
