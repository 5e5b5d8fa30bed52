//! PostgreSQL for the tests: the server of scripts/test.sh and `.ci/postgres`, named by
//! `CLIENTWALL_TEST_POSTGRES_URL`, and a role and a database of their own per test.

pub fn postgres_admin_url() -> String {
    match std::env::var("CLIENTWALL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "CLIENTWALL_TEST_POSTGRES_URL is not set: it must name a PostgreSQL admin URL such as postgres://postgres@127.0.0.1:5432/postgres (`.ci/postgres` starts a server; scripts/test.sh sets it)"
        ),
    }
}

/// A role and a database of their own on the test server, dropped at the end.
pub struct PgClient {
    admin_url: String,
    pub role: String,
    pub database: String,
    pub password: String,
}

impl PgClient {
    /// `owner`: the role owns the database (so it may drop it); else the database is the
    /// server admin's, and the role may only create tables in it.
    pub fn new(owner: bool) -> PgClient {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let id = format!("{}_{n}", std::process::id());
        let pg = PgClient {
            admin_url: postgres_admin_url(),
            role: format!("test_role_{id}"),
            database: format!("test_db_{id}"),
            password: format!(
                "pw-{id}-{:x}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ),
        };
        let mut admin = pg.admin();
        admin
            .batch_execute(&format!(
                "CREATE ROLE {} LOGIN PASSWORD '{}'",
                pg.role, pg.password
            ))
            .unwrap();
        let owner_clause = if owner {
            format!(" OWNER {}", pg.role)
        } else {
            String::new()
        };
        admin
            .batch_execute(&format!("CREATE DATABASE {}{owner_clause}", pg.database))
            .unwrap();
        if !owner {
            pg.admin_of_database()
                .batch_execute(&format!(
                    "GRANT USAGE, CREATE ON SCHEMA public TO {}",
                    pg.role
                ))
                .unwrap();
        }
        pg
    }

    pub fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&self.admin_url, postgres::NoTls).unwrap()
    }

    pub fn admin_of_database(&self) -> postgres::Client {
        let mut config: postgres::Config = self.admin_url.parse().unwrap();
        config.dbname(&self.database);
        config.connect(postgres::NoTls).unwrap()
    }

    /// The client's URL: its role, with a password, on the test server.
    pub fn url(&self) -> String {
        let config: postgres::Config = self.admin_url.parse().unwrap();
        let host = match &config.get_hosts()[0] {
            postgres::config::Host::Tcp(host) => host.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        format!(
            "postgres://{}:{}@{host}:{port}/{}",
            self.role, self.password, self.database
        )
    }

    pub fn database_exists(&self) -> bool {
        self.admin()
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&self.database],
            )
            .unwrap()
            .is_some()
    }

    pub fn tables(&self) -> Vec<String> {
        self.admin_of_database()
            .query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

impl Drop for PgClient {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.database
            ));
            let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.role));
        }
    }
}
