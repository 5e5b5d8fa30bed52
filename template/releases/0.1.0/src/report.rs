//! `report`: revenue by month and currency, order count and average order value, from this
//! client's own database.

use crate::store::MonthRevenue;
use serde::Serialize;

/// The report's rows plus totals per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub months: Vec<Row>,
    pub totals: Vec<Row>,
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

pub fn build(months: &[MonthRevenue]) -> Report {
    let mut totals: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
    for m in months {
        let t = totals.entry(&m.currency).or_default();
        t.0 += m.orders;
        t.1 += m.revenue_minor;
    }
    Report {
        months: months.iter().map(|m| row(&m.month, &m.currency, m.orders, m.revenue_minor)).collect(),
        totals: totals.into_iter().map(|(currency, (orders, minor))| row("total", currency, orders, minor)).collect(),
    }
}

fn row(month: &str, currency: &str, orders: i64, minor: i64) -> Row {
    let average = if orders == 0 { 0 } else { minor / orders };
    Row { month: month.to_owned(), currency: currency.to_owned(), orders, revenue: money(minor), average_order: money(average) }
}

/// 1234 → `12.34`.
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

pub fn table(report: &Report) -> String {
    let mut out = format!("{:<8} {:<8} {:>8} {:>14} {:>14}\n", "month", "currency", "orders", "revenue", "avg order");
    for r in report.months.iter().chain(&report.totals) {
        out.push_str(&format!("{:<8} {:<8} {:>8} {:>14} {:>14}\n", r.month, r.currency, r.orders, r.revenue, r.average_order));
    }
    out
}

pub fn csv(report: &Report) -> String {
    let mut out = String::from("month,currency,orders,revenue,average_order\n");
    for r in report.months.iter().chain(&report.totals) {
        out.push_str(&format!("{},{},{},{},{}\n", r.month, r.currency, r.orders, r.revenue, r.average_order));
    }
    out
}

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("report serializes") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_and_averages() {
        let months = [
            MonthRevenue { month: "2026-01".into(), currency: "EUR".into(), orders: 2, revenue_minor: 1001 },
            MonthRevenue { month: "2026-02".into(), currency: "EUR".into(), orders: 1, revenue_minor: 500 },
        ];
        let r = build(&months);
        assert_eq!(r.totals[0].orders, 3);
        assert_eq!(r.totals[0].revenue, "15.01");
        assert_eq!(r.months[0].average_order, "5.00");
        assert_eq!(money(-5), "-0.05");
        assert!(csv(&r).contains("total,EUR,3,15.01,5.00"));
    }
}
