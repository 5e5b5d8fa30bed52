//! The last reconciliation a client recorded (`CLIENT reconcile`, which compares the client's
//! report with Shopify's own): an SQLite client writes it as `last-reconciliation.json` beside
//! its database. The attestation states what that record says, or plainly that there is none;
//! it never claims a reconciliation that is not on file, and a record it cannot read counts as
//! none, with the reason.

use super::{Database, Reconciliation};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The record's file name, beside the client's SQLite database.
pub const RECORD_FILE: &str = "last-reconciliation.json";

/// A record is a few hundred bytes; anything larger is not one.
const LIMIT: u64 = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    at: String,
    months: Vec<String>,
    agreed: bool,
}

/// What the client's record says, read from beside its database.
pub fn read(database: Option<&Database>) -> Reconciliation {
    let Some(database) = database else {
        return Reconciliation::not_recorded();
    };
    match (database.kind.as_deref(), database.location.as_deref()) {
        (Some("postgres"), _) => Reconciliation {
            statement: "not on file here (a PostgreSQL client records its reconciliation in its \
                        own database, which the attestation does not open)"
                .to_owned(),
            ..Reconciliation::not_recorded()
        },
        (_, Some(location)) if !location.starts_with('$') => match record_path(location) {
            Some(path) => from_file(&path),
            None => Reconciliation::not_recorded(),
        },
        _ => Reconciliation::not_recorded(),
    }
}

/// Where the record of a database at `location` (absolute or under `~/`) is.
fn record_path(location: &str) -> Option<PathBuf> {
    let database = PathBuf::from(clientwall_lint::rules::shared_database::normalize_db_path(
        location,
    ));
    if !database.is_absolute() {
        return None;
    }
    Some(database.parent()?.join(RECORD_FILE))
}

fn from_file(path: &Path) -> Reconciliation {
    let unreadable = |why: String| Reconciliation {
        statement: format!(
            "not counted: the record beside the database ({RECORD_FILE}) could not be read: {why}"
        ),
        ..Reconciliation::not_recorded()
    };
    let bytes = match safe_read::read_limited_if_exists(path, LIMIT) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Reconciliation::not_recorded(),
        Err(err) => return unreadable(err.to_string()),
    };
    let record: Record = match serde_json::from_slice(&bytes) {
        Ok(record) => record,
        Err(_) => return unreadable("it is not a reconciliation record".to_owned()),
    };
    if !is_timestamp(&record.at)
        || record.months.is_empty()
        || !record.months.iter().all(|m| is_month(m))
    {
        return unreadable("it is not a reconciliation record".to_owned());
    }
    let span = match (record.months.first(), record.months.last()) {
        (Some(first), Some(last)) if first != last => format!("{first} to {last}"),
        (Some(only), _) => only.clone(),
        _ => unreachable!("months is not empty"),
    };
    let statement = if record.agreed {
        format!(
            "recorded {}: {span}, every figure agreed with Shopify's own sales report within \
             the currency's smallest unit",
            record.at
        )
    } else {
        format!(
            "recorded {}: {span}, DIFFERED from Shopify's own sales report (the client's \
             `reconcile` shows where)",
            record.at
        )
    };
    Reconciliation {
        recorded: true,
        statement,
        at: Some(record.at),
        months: record.months,
        agreed: Some(record.agreed),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// `YYYY-MM`, a real month.
fn is_month(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(text[5..].parse::<u32>(), Ok(1..=12))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_at(dir: &Path) -> Database {
        Database {
            kind: Some("sqlite".to_owned()),
            location: Some(dir.join("acme.sqlite3").to_string_lossy().into_owned()),
            shared_with: Vec::new(),
        }
    }

    #[test]
    fn no_record_is_said_plainly_and_a_record_is_stated_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let database = sqlite_at(dir.path());
        let none = read(Some(&database));
        assert!(!none.recorded && none.statement.starts_with("not recorded"));

        let record = dir.path().join(RECORD_FILE);
        std::fs::write(
            &record,
            r#"{"at":"2026-12-01T10:00:00Z","months":["2026-01","2026-02"],"agreed":true}"#,
        )
        .unwrap();
        let agreed = read(Some(&database));
        assert!(agreed.recorded, "{agreed:?}");
        assert_eq!(agreed.agreed, Some(true));
        assert!(
            agreed
                .statement
                .contains("2026-01 to 2026-02, every figure agreed")
        );

        std::fs::write(
            &record,
            r#"{"at":"2026-12-01T10:00:00Z","months":["2026-03"],"agreed":false}"#,
        )
        .unwrap();
        let differed = read(Some(&database));
        assert_eq!(differed.agreed, Some(false));
        assert!(
            differed.statement.contains("2026-03, DIFFERED"),
            "{differed:?}"
        );
    }

    #[test]
    fn a_record_that_cannot_be_read_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let database = sqlite_at(dir.path());
        let record = dir.path().join(RECORD_FILE);
        for bad in [
            "not json",
            r#"{"at":"yesterday","months":["2026-01"],"agreed":true}"#,
            r#"{"at":"2026-12-01T10:00:00Z","months":[],"agreed":true}"#,
            r#"{"at":"2026-12-01T10:00:00Z","months":["2026-13"],"agreed":true}"#,
            r#"{"at":"2026-12-01T10:00:00Z","months":["<b>"],"agreed":true}"#,
        ] {
            std::fs::write(&record, bad).unwrap();
            let r = read(Some(&database));
            assert!(!r.recorded && r.agreed.is_none(), "{bad}: {r:?}");
            assert!(r.statement.starts_with("not counted"), "{bad}: {r:?}");
        }
        // A directory, or a FIFO, where the record should be: never opened, never counted.
        std::fs::remove_file(&record).unwrap();
        std::fs::create_dir(&record).unwrap();
        let r = read(Some(&database));
        assert!(
            !r.recorded && r.statement.starts_with("not counted"),
            "{r:?}"
        );
    }

    #[test]
    fn a_postgres_client_or_an_environment_location_has_none_on_file_here() {
        let pg = Database {
            kind: Some("postgres".to_owned()),
            location: Some("$GLOBEX_DATABASE_URL".to_owned()),
            shared_with: Vec::new(),
        };
        let r = read(Some(&pg));
        assert!(!r.recorded && r.statement.contains("PostgreSQL"), "{r:?}");
        assert!(!read(None).recorded);
    }
}
