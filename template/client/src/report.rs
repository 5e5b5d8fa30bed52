//! `report`: the sales report by month, in the shop's own time zone, and currency, from this
//! client's own database, by Shopify's definitions (`ledger`): orders, gross sales, discounts,
//! returns, net sales, shipping, duties, fees, taxes, total sales and average order value.
//! Amounts are shown with each currency's own number of decimals, never through a float. A
//! report built from a sync that could not see the whole order history says so.

use crate::ledger::{self, Figures};
use crate::money;
use crate::store::{LedgerSale, Placed, Store};
use crate::sync::{HISTORY_60_DAYS, HISTORY_ALL, HISTORY_READING, SHOP_ZONE_KEY};
use anyhow::Result;
use serde::Serialize;

/// The report's rows plus totals per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The first and last order date covered, if there are orders.
    pub covers: Option<Covers>,
    /// Whether every order of the shop's history was read.
    pub complete_history: bool,
    /// The shop's IANA time zone, which the months are in.
    pub time_zone: String,
    pub warnings: Vec<String>,
    pub months: Vec<Row>,
    pub totals: Vec<Row>,
}

/// The dates a report covers (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Covers {
    pub first_order: String,
    pub last_order: String,
}

/// One line: a month (or `total`) in one currency, amounts as decimal text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub month: String,
    pub currency: String,
    pub orders: i64,
    pub gross_sales: String,
    pub discounts: String,
    pub returns: String,
    pub net_sales: String,
    pub shipping: String,
    pub duties: String,
    pub fees: String,
    pub taxes: String,
    pub total_sales: String,
    pub average_order_value: String,
}

/// The warning of a report whose sync lacked `read_all_orders`.
pub const TRUNCATED: &str = "the last sync's grant lacked read_all_orders: Shopify showed only \
     the last 60 days of orders, so this report does not cover the whole history";
/// The warning of a report while the whole history is still being read.
pub const READING: &str = "the whole order history is still being read (the grant gained \
     read_all_orders, or the database was upgraded): run `sync` until it finishes";

/// What a report is built from.
pub struct Input<'a> {
    pub sales: &'a [LedgerSale],
    pub placed: &'a [Placed],
    /// The shop's IANA time zone, once a sync recorded it.
    pub time_zone: Option<&'a str>,
    /// The first and last order timestamp.
    pub dates: Option<(String, String)>,
    /// What the last sync recorded (`sync::HISTORY_*`).
    pub history: Option<&'a str>,
}

/// The report of what `store` holds.
pub fn from_store(store: &mut Store) -> Result<Report> {
    let sales = store.ledger()?;
    let placed = store.placed()?;
    let zone = store.meta(SHOP_ZONE_KEY)?;
    let history = store.meta(crate::sync::HISTORY_KEY)?;
    build(&Input {
        sales: &sales,
        placed: &placed,
        time_zone: zone.as_deref(),
        dates: store.order_dates()?,
        history: history.as_deref(),
    })
}

/// Build the report.
pub fn build(input: &Input<'_>) -> Result<Report> {
    let mut warnings = Vec::new();
    match input.history {
        Some(HISTORY_ALL) => {}
        Some(HISTORY_60_DAYS) => warnings.push(TRUNCATED.to_owned()),
        Some(HISTORY_READING) => warnings.push(READING.to_owned()),
        Some(other) => warnings.push(format!(
            "the last sync recorded an unknown history `{other}`"
        )),
        None => warnings.push("nothing has been synced yet: run `sync` first".to_owned()),
    }
    let zone_name = match input.time_zone {
        Some(name) => name,
        None => {
            if !input.placed.is_empty() {
                warnings.push(
                    "the shop's time zone is not recorded yet (run `sync`): months are in UTC"
                        .to_owned(),
                );
            }
            "UTC"
        }
    };
    let zone = ledger::time_zone(zone_name)?;
    let months = ledger::by_month(input.sales, input.placed, &zone)?;
    let mut totals: std::collections::BTreeMap<&str, Figures> = Default::default();
    for ((_, currency), figures) in &months {
        totals.entry(currency).or_default().add(figures);
    }
    Ok(Report {
        covers: input.dates.as_ref().map(|(first, last)| Covers {
            first_order: day(first),
            last_order: day(last),
        }),
        complete_history: input.history == Some(HISTORY_ALL),
        time_zone: zone_name.to_owned(),
        warnings,
        months: months
            .iter()
            .map(|((month, currency), f)| row(month, currency, f))
            .collect::<Result<_>>()?,
        totals: totals
            .into_iter()
            .map(|(currency, f)| row("total", currency, &f))
            .collect::<Result<_>>()?,
    })
}

fn day(timestamp: &str) -> String {
    timestamp.get(..10).unwrap_or(timestamp).to_owned()
}

fn row(month: &str, currency: &str, f: &Figures) -> Result<Row> {
    let exponent = money::exponent(currency)?;
    let m = |minor: i64| money::format(minor, exponent);
    Ok(Row {
        month: month.to_owned(),
        currency: currency.to_owned(),
        orders: f.orders,
        gross_sales: m(f.gross_sales),
        discounts: m(f.discounts),
        returns: m(f.returns),
        net_sales: m(f.net_sales()),
        shipping: m(f.shipping),
        duties: m(f.duties),
        fees: m(f.fees),
        taxes: m(f.taxes),
        total_sales: m(f.total_sales()),
        average_order_value: m(f.average_order_value()),
    })
}

/// The lines that say what a report covers, before its table.
pub fn preamble(report: &Report) -> String {
    let mut out = match &report.covers {
        Some(c) => format!(
            "orders from {} to {}{}\n",
            c.first_order,
            c.last_order,
            if report.complete_history {
                " (the whole history)"
            } else {
                ""
            }
        ),
        None => "no orders\n".to_owned(),
    };
    out.push_str(&format!(
        "months in the shop's time zone, {}\n",
        report.time_zone
    ));
    for warning in &report.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

/// The columns of a row, named as in the CSV and JSON.
const COLUMNS: &[&str] = &[
    "month",
    "currency",
    "orders",
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
    "shipping",
    "duties",
    "fees",
    "taxes",
    "total_sales",
    "average_order_value",
];

fn cells(r: &Row) -> [String; 13] {
    [
        r.month.clone(),
        r.currency.clone(),
        r.orders.to_string(),
        r.gross_sales.clone(),
        r.discounts.clone(),
        r.returns.clone(),
        r.net_sales.clone(),
        r.shipping.clone(),
        r.duties.clone(),
        r.fees.clone(),
        r.taxes.clone(),
        r.total_sales.clone(),
        r.average_order_value.clone(),
    ]
}

/// A table; the duties and fees columns only when some row has them.
pub fn table(report: &Report) -> String {
    let mut out = preamble(report);
    let rows: Vec<&Row> = report.months.iter().chain(&report.totals).collect();
    let zero = |s: &str| {
        s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
    };
    let shown: Vec<usize> = (0..COLUMNS.len())
        .filter(|&i| match COLUMNS[i] {
            "duties" => rows.iter().any(|r| !zero(&r.duties)),
            "fees" => rows.iter().any(|r| !zero(&r.fees)),
            _ => true,
        })
        .collect();
    let header = [
        "month",
        "currency",
        "orders",
        "gross sales",
        "discounts",
        "returns",
        "net sales",
        "shipping",
        "duties",
        "fees",
        "taxes",
        "total sales",
        "avg order",
    ];
    let line = |cells: &[String]| {
        let mut line = String::new();
        for &i in &shown {
            if i < 2 {
                line.push_str(&format!("{:<8} ", cells[i]));
            } else {
                line.push_str(&format!("{:>13} ", cells[i]));
            }
        }
        line.truncate(line.trim_end().len());
        line.push('\n');
        line
    };
    out.push_str(&line(&header.map(str::to_owned)));
    for r in rows {
        out.push_str(&line(&cells(r)));
    }
    out
}

/// Rows only (the preamble goes to stderr), so the output stays a plain CSV file.
pub fn csv(report: &Report) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in report.months.iter().chain(&report.totals) {
        out.push_str(&cells(r).join(","));
        out.push('\n');
    }
    out
}

pub fn json(report: &Report) -> Result<String> {
    Ok(serde_json::to_string_pretty(report)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(at: &str, currency: &str) -> Placed {
        Placed {
            at: at.into(),
            currency: currency.into(),
        }
    }

    fn product(at: &str, currency: &str, total: i64) -> LedgerSale {
        LedgerSale {
            happened_at: at.into(),
            action_type: "ORDER".into(),
            line_type: "PRODUCT".into(),
            currency: currency.into(),
            total_minor: total,
            discount_minor: 0,
            tax_minor: 0,
        }
    }

    fn input<'a>(
        sales: &'a [LedgerSale],
        placed: &'a [Placed],
        history: Option<&'a str>,
    ) -> Input<'a> {
        Input {
            sales,
            placed,
            time_zone: Some("UTC"),
            dates: None,
            history,
        }
    }

    #[test]
    fn each_currency_keeps_its_own_decimals() {
        let at = "2026-01-15T10:00:00Z";
        let placed = [
            placed(at, "JPY"),
            placed(at, "JPY"),
            placed(at, "JPY"),
            placed(at, "KWD"),
            placed(at, "KWD"),
            placed(at, "USD"),
        ];
        let sales = [
            product(at, "JPY", 10_000),
            product(at, "KWD", 12_345),
            product(at, "USD", 1_999),
        ];
        let r = build(&input(&sales, &placed, Some(HISTORY_ALL))).unwrap();
        let by = |c: &str| r.totals.iter().find(|t| t.currency == c).unwrap().clone();
        assert_eq!(
            (by("JPY").total_sales, by("JPY").average_order_value),
            ("10000".into(), "3333".into())
        );
        assert_eq!(
            (by("KWD").gross_sales, by("KWD").average_order_value),
            ("12.345".into(), "6.173".into())
        );
        assert_eq!(
            (by("USD").net_sales, by("USD").average_order_value),
            ("19.99".into(), "19.99".into())
        );
        let table = table(&r);
        assert!(
            table.contains("10000") && table.contains("12.345"),
            "{table}"
        );
        assert!(
            !table.contains("duties"),
            "no duties column without duties: {table}"
        );
        assert!(csv(&r).starts_with(&format!("{}\n", COLUMNS.join(","))));
        assert!(
            csv(&r)
                .contains("\ntotal,USD,1,19.99,0.00,0.00,19.99,0.00,0.00,0.00,0.00,19.99,19.99\n")
        );
    }

    #[test]
    fn the_dates_covered_and_truncated_history_are_stated() {
        let dates = Some((
            "2026-01-15T10:00:00Z".to_owned(),
            "2026-03-15T10:00:00Z".to_owned(),
        ));
        let sales = [product("2026-01-15T10:00:00Z", "USD", 100)];
        let placed = [placed("2026-01-15T10:00:00Z", "USD")];
        let mut full = input(&sales, &placed, Some(HISTORY_ALL));
        full.dates = dates.clone();
        let full = build(&full).unwrap();
        assert!(
            table(&full).starts_with("orders from 2026-01-15 to 2026-03-15 (the whole history)\n")
        );
        for (history, warning) in [(HISTORY_60_DAYS, TRUNCATED), (HISTORY_READING, READING)] {
            let mut partial = input(&sales, &placed, Some(history));
            partial.dates = dates.clone();
            let partial = build(&partial).unwrap();
            assert!(!partial.complete_history);
            assert!(!table(&partial).contains("(the whole history)"));
            assert!(table(&partial).contains(&format!("warning: {warning}")));
        }
        let json = json(&build(&input(&sales, &placed, Some(HISTORY_60_DAYS))).unwrap()).unwrap();
        assert!(json.contains("read_all_orders"), "{json}");
    }

    #[test]
    fn without_a_recorded_time_zone_the_months_are_utc_and_say_so() {
        let sales = [product("2026-01-31T23:30:00Z", "USD", 100)];
        let placed = [placed("2026-01-31T23:30:00Z", "USD")];
        let mut unknown = input(&sales, &placed, Some(HISTORY_ALL));
        unknown.time_zone = None;
        let r = build(&unknown).unwrap();
        assert_eq!(r.months[0].month, "2026-01");
        assert!(r.warnings.iter().any(|w| w.contains("months are in UTC")));
        let mut bad = input(&sales, &placed, Some(HISTORY_ALL));
        bad.time_zone = Some("Nowhere/Else");
        assert!(build(&bad).is_err());
    }
}
