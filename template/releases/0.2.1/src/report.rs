//! `report`: revenue by month and currency, order count and average order value, from this
//! client's own database, with the dates it covers. Amounts are shown with each currency's own
//! number of decimals. A report built from a sync that could not see the whole order history
//! says so.

use crate::money;
use crate::store::MonthRevenue;
use crate::sync::{HISTORY_60_DAYS, HISTORY_ALL};
use anyhow::Result;
use serde::Serialize;

/// The report's rows plus totals per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The first and last order date covered, if there are orders.
    pub covers: Option<Covers>,
    /// Whether the last sync saw every order, not only the last 60 days.
    pub complete_history: bool,
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

/// One line: a month (or `total`) in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub month: String,
    pub currency: String,
    pub orders: i64,
    pub revenue: String,
    pub average_order: String,
}

/// The warning of a report whose sync lacked `read_all_orders`.
pub const TRUNCATED: &str = "the last sync's grant lacked read_all_orders: Shopify showed only \
     the last 60 days of orders, so this report does not cover the whole history";

/// Build the report. `dates` is the first and last order timestamp, `history` what the last
/// sync recorded (`sync::HISTORY_*`).
pub fn build(
    months: &[MonthRevenue],
    dates: Option<(String, String)>,
    history: Option<&str>,
) -> Result<Report> {
    let mut totals: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
    for m in months {
        let t = totals.entry(&m.currency).or_default();
        t.0 += m.orders;
        t.1 += m.revenue_minor;
    }
    let mut warnings = Vec::new();
    match history {
        Some(HISTORY_ALL) => {}
        Some(HISTORY_60_DAYS) => warnings.push(TRUNCATED.to_owned()),
        Some(other) => warnings.push(format!(
            "the last sync recorded an unknown history `{other}`"
        )),
        None => warnings.push("nothing has been synced yet: run `sync` first".to_owned()),
    }
    Ok(Report {
        covers: dates.map(|(first, last)| Covers {
            first_order: day(&first),
            last_order: day(&last),
        }),
        complete_history: history == Some(HISTORY_ALL),
        warnings,
        months: months
            .iter()
            .map(|m| row(&m.month, &m.currency, m.orders, m.revenue_minor))
            .collect::<Result<_>>()?,
        totals: totals
            .into_iter()
            .map(|(currency, (orders, minor))| row("total", currency, orders, minor))
            .collect::<Result<_>>()?,
    })
}

fn day(timestamp: &str) -> String {
    timestamp.get(..10).unwrap_or(timestamp).to_owned()
}

fn row(month: &str, currency: &str, orders: i64, minor: i64) -> Result<Row> {
    let exponent = money::exponent(currency)?;
    let average = if orders == 0 { 0 } else { minor / orders };
    Ok(Row {
        month: month.to_owned(),
        currency: currency.to_owned(),
        orders,
        revenue: money::format(minor, exponent),
        average_order: money::format(average, exponent),
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
    for warning in &report.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}

pub fn table(report: &Report) -> String {
    let mut out = preamble(report);
    out.push_str(&format!(
        "{:<8} {:<8} {:>8} {:>16} {:>16}\n",
        "month", "currency", "orders", "revenue", "avg order"
    ));
    for r in report.months.iter().chain(&report.totals) {
        out.push_str(&format!(
            "{:<8} {:<8} {:>8} {:>16} {:>16}\n",
            r.month, r.currency, r.orders, r.revenue, r.average_order
        ));
    }
    out
}

/// Rows only (the preamble goes to stderr), so the output stays a plain CSV file.
pub fn csv(report: &Report) -> String {
    let mut out = String::from("month,currency,orders,revenue,average_order\n");
    for r in report.months.iter().chain(&report.totals) {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            r.month, r.currency, r.orders, r.revenue, r.average_order
        ));
    }
    out
}

pub fn json(report: &Report) -> Result<String> {
    Ok(serde_json::to_string_pretty(report)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(month: &str, currency: &str, orders: i64, revenue_minor: i64) -> MonthRevenue {
        MonthRevenue {
            month: month.into(),
            currency: currency.into(),
            orders,
            revenue_minor,
        }
    }

    #[test]
    fn totals_and_averages() {
        let months = [
            month("2026-01", "EUR", 2, 1001),
            month("2026-02", "EUR", 1, 500),
        ];
        let r = build(&months, None, Some(HISTORY_ALL)).unwrap();
        assert_eq!(r.totals[0].orders, 3);
        assert_eq!(r.totals[0].revenue, "15.01");
        assert_eq!(r.months[0].average_order, "5.00");
        assert!(csv(&r).contains("total,EUR,3,15.01,5.00"));
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn each_currency_keeps_its_own_decimals() {
        let months = [
            month("2026-01", "JPY", 3, 10_000),
            month("2026-01", "KWD", 2, 12_345),
            month("2026-01", "USD", 1, 1_999),
        ];
        let r = build(&months, None, Some(HISTORY_ALL)).unwrap();
        let by = |c: &str| r.totals.iter().find(|t| t.currency == c).unwrap().clone();
        assert_eq!(
            (by("JPY").revenue, by("JPY").average_order),
            ("10000".into(), "3333".into())
        );
        assert_eq!(
            (by("KWD").revenue, by("KWD").average_order),
            ("12.345".into(), "6.172".into())
        );
        assert_eq!(
            (by("USD").revenue, by("USD").average_order),
            ("19.99".into(), "19.99".into())
        );
        let table = table(&r);
        assert!(
            table.contains("10000") && table.contains("12.345"),
            "{table}"
        );
    }

    #[test]
    fn the_dates_covered_and_truncated_history_are_stated() {
        let dates = Some((
            "2026-01-15T10:00:00Z".to_owned(),
            "2026-03-15T10:00:00Z".to_owned(),
        ));
        let full = build(
            &[month("2026-01", "USD", 1, 100)],
            dates.clone(),
            Some(HISTORY_ALL),
        )
        .unwrap();
        assert!(
            table(&full).starts_with("orders from 2026-01-15 to 2026-03-15 (the whole history)\n")
        );
        let partial = build(
            &[month("2026-01", "USD", 1, 100)],
            dates,
            Some(HISTORY_60_DAYS),
        )
        .unwrap();
        assert!(!partial.complete_history);
        assert!(table(&partial).contains(&format!("warning: {TRUNCATED}")));
        assert!(json(&partial).unwrap().contains("read_all_orders"));
    }
}
