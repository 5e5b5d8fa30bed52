//! `api-version-retiring`

use super::{ConfigContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;
use crate::date::Date;

/// How long before the end of support the rule warns.
pub const WARNING_DAYS: i64 = 90;

/// Shopify's guaranteed support of a stable version, in months from its release.
pub const SUPPORT_MONTHS: u8 = 12;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::ApiVersionRetiring,
    level: Level::Error,
    pass: Pass::ClientConfig(check),
    summary: "a client's pinned Shopify `api_version` is within 90 days of its end of support (warning) or past it (error)",
    doc: r#"## What it does
Reads `[shopify] api_version` in each client's `client.toml` (`YYYY-MM`) and computes the
version's end of support from its name: Shopify releases a stable Admin API version each
quarter, on the first day of January, April, July and October, named after that month
(`2026-10` is released on 2026-10-01), and supports each for at least 12 months. So the end
of support is the first day of the same month a year later (`2026-10` ends on 2027-10-01).
From 90 days before that day the rule warns (exit code unchanged); from that day on it fails.

A value that is not a released version's name (`2026-02`, `2026-10-01`, `unstable`, not a
string) stops the check (exit 2) naming the file and line: the tool cannot tell how long it
is supported. A client without `api_version` is not checked.

## Why is this bad?
When a version leaves support, Shopify answers requests for it with the oldest supported
version instead: fields change or vanish under the client's feet, and its numbers change
without anyone deciding it. The pin must move (with the template's schema test run against the
new version) before that day, not after.

## Example
```toml
[shopify]
api_version = "2025-07"   # supported until 2026-07-01
```

## How to fix
Move the client to a newer version: upgrade it to a template release that pins one
(`cargo clientwall upgrade`), or set `api_version` to a supported version once the client's
queries are validated against that version's schema.
"#,
};

/// A stable Admin API version: the year and the month of its release (1, 4, 7 or 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    pub year: i32,
    pub month: u8,
}

impl ApiVersion {
    /// Parse `YYYY-MM` where the month is a quarter's first (01, 04, 07, 10).
    pub fn parse(text: &str) -> Result<ApiVersion, String> {
        let wrong = || {
            format!(
                "`api_version` must name a stable Shopify API version, `YYYY-MM` with the month 01, 04, 07 or 10 (e.g. `2026-10`), not `{text}`"
            )
        };
        let (year, month) = text.split_once('-').ok_or_else(wrong)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(wrong());
        }
        let version = ApiVersion {
            year: year.parse().map_err(|_| wrong())?,
            month: month.parse().map_err(|_| wrong())?,
        };
        match version.month {
            1 | 4 | 7 | 10 => Ok(version),
            _ => Err(wrong()),
        }
    }

    /// The release day: the first of the version's month.
    pub fn released(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }

    /// The first day it may no longer be supported: [`SUPPORT_MONTHS`] after the release.
    pub fn end_of_support(self) -> Date {
        let months = i32::from(self.month) - 1 + i32::from(SUPPORT_MONTHS);
        Date {
            year: self.year + months / 12,
            month: (months % 12 + 1) as u8,
            day: 1,
        }
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

pub fn check(ctx: &ConfigContext) -> Result<Vec<Violation>> {
    let today = ctx.today;
    Ok(ctx
        .selected
        .iter()
        .filter_map(|config| {
            let pinned = config.api_version.as_ref()?;
            let version = pinned.value;
            let end = version.end_of_support();
            let days_left = end.days_since_epoch() - today.days_since_epoch();
            if days_left > WARNING_DAYS {
                return None;
            }
            let client = &config.client;
            let message = if days_left > 0 {
                format!(
                    "client `{client}` pins Shopify API version {version}, whose support ends on {end} (in {days_left} day{})",
                    if days_left == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "client `{client}` pins Shopify API version {version}, whose support ended on {end}"
                )
            };
            Some(Violation {
                rule: &RULE,
                subject: Subject::ApiVersion {
                    version: version.to_string(),
                    end_of_support: end.to_string(),
                    days_left,
                },
                client: client.clone(),
                path: Vec::new(),
                location: pinned.location.clone(),
                message,
                help: format!(
                    "move `api_version` to a version released after {} (a template release that pins one: `cargo clientwall upgrade`)",
                    version.released()
                ),
                allow_key: None,
                show_source: true,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_quarterly_versions() {
        assert_eq!(
            ApiVersion::parse("2026-10"),
            Ok(ApiVersion {
                year: 2026,
                month: 10
            })
        );
        for bad in [
            "2026-02",
            "2026-1",
            "26-01",
            "2026-10-01",
            "unstable",
            "",
            "2026_10",
            "+026-01",
            "2026-00",
            "2026-13",
        ] {
            assert!(ApiVersion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn support_ends_twelve_months_after_the_release() {
        let end = |v: &str| ApiVersion::parse(v).unwrap().end_of_support().to_string();
        assert_eq!(end("2026-01"), "2027-01-01");
        assert_eq!(end("2026-04"), "2027-04-01");
        assert_eq!(end("2026-07"), "2027-07-01");
        assert_eq!(end("2026-10"), "2027-10-01");
    }
}
