//! `reconcile`: the local report beside Shopify's own sales report, month by month and metric
//! by metric. Shopify's figures come from `shopifyqlQuery` (ShopifyQL over the `sales` dataset,
//! grouped by month, which Shopify computes in the shop's time zone); that needs the read-only
//! scope `read_reports` and the app's access to protected customer data (level 2). Every figure
//! agrees when it differs by at most one minor unit of the shop's currency.
//!
//! The last reconciliation is recorded (`Record`) in the store's `meta` table under
//! `RECORD_KEY`, and for SQLite also as `last-reconciliation.json` beside the database, for
//! `cargo clientwall attest` to report: when it ran, the months compared, and whether every
//! figure agreed.

use crate::ledger::Figures;
use crate::shopify::Shopify;
use crate::store::Store;
use crate::{ledger, money, sync};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The scope `shopifyqlQuery` needs.
pub const SCOPE: &str = "read_reports";
/// The `meta` key of the last reconciliation (a `Record` as JSON).
pub const RECORD_KEY: &str = "last_reconciliation";
/// The file name of the last reconciliation beside an SQLite database.
pub const RECORD_FILE: &str = "last-reconciliation.json";

/// A local figure of a month.
pub type Figure = fn(&Figures) -> i64;

/// The metrics compared: ShopifyQL's column and the local figure.
pub const METRICS: &[(&str, Figure)] = &[
    ("orders", |f| f.orders),
    ("gross_sales", |f| f.gross_sales),
    ("discounts", |f| f.discounts),
    ("returns", |f| f.returns),
    ("net_sales", |f| f.net_sales()),
    ("shipping_charges", |f| f.shipping),
    ("duties", |f| f.duties),
    ("additional_fees", |f| f.fees),
    ("taxes", |f| f.taxes),
    ("total_sales", |f| f.total_sales()),
];

/// What could not be asked: the reason, for exit code 2.
#[derive(Debug)]
pub struct CouldNotAsk(pub String);

impl std::fmt::Display for CouldNotAsk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CouldNotAsk {}

/// One figure side by side (amounts as decimal text, the order count as a number's text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub month: String,
    pub metric: String,
    pub local: String,
    pub shopify: String,
    pub difference: String,
    pub agrees: bool,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub currency: String,
    pub time_zone: String,
    pub months: Vec<String>,
    pub lines: Vec<Line>,
    pub agreed: bool,
}

/// The last reconciliation, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Record {
    /// When it ran (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub at: String,
    pub months: Vec<String>,
    pub agreed: bool,
}

/// A `YYYY-MM` month, checked.
pub fn month(text: &str) -> Result<String> {
    let ok = text.len() == 7
        && text.as_bytes()[4] == b'-'
        && text[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(text[5..].parse::<u32>(), Ok(1..=12));
    if !ok {
        bail!("`{text}` is not a month (YYYY-MM)");
    }
    Ok(text.to_owned())
}

/// The ShopifyQL query for the months `from` to `to` (inclusive).
pub fn shopifyql(from: &str, to: &str) -> Result<String> {
    let (from, to) = (month(from)?, month(to)?);
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let (year, m): (i32, u32) = (to[..4].parse()?, to[5..].parse()?);
    let last = jiff::civil::Date::new(year as i16, m as i8, 1)
        .context("a month out of range")?
        .last_of_month();
    let columns: Vec<&str> = METRICS.iter().map(|(name, _)| *name).collect();
    Ok(format!(
        "FROM sales SHOW {} GROUP BY month SINCE {from}-01 UNTIL {last} ORDER BY month ASC",
        columns.join(", ")
    ))
}

/// Ask Shopify and compare. `from`/`to` default to the first and last month of the local report.
pub fn reconcile(
    shopify: &mut Shopify,
    store: &mut Store,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Reconciliation> {
    let granted = shopify.token()?.scopes.clone();
    if !granted.iter().any(|s| s == SCOPE) {
        return Err(CouldNotAsk(format!(
            "the grant lacks `{SCOPE}`, which Shopify's sales report (shopifyqlQuery) needs: \
             add it to client.toml [shopify] scopes and to the app's access scopes in the Dev \
             Dashboard (onboarding step: \"Reconciliation\"), release the new app version, and \
             run again"
        ))
        .into());
    }
    let currency = store
        .meta(sync::SHOP_CURRENCY_KEY)?
        .context("the shop's currency is not recorded yet: run `sync` first")?;
    let zone = store
        .meta(sync::SHOP_ZONE_KEY)?
        .context("the shop's time zone is not recorded yet: run `sync` first")?;
    let local = ledger::by_month(
        &store.ledger()?,
        &store.placed()?,
        &ledger::time_zone(&zone)?,
    )?;
    let local: BTreeMap<String, Figures> = local
        .into_iter()
        .filter(|((_, c), _)| *c == currency)
        .map(|((m, _), f)| (m, f))
        .collect();
    let from = match from {
        Some(f) => month(f)?,
        None => local
            .keys()
            .next()
            .cloned()
            .context("no months to reconcile: run `sync` first")?,
    };
    let to = match to {
        Some(t) => month(t)?,
        None => local.keys().last().cloned().unwrap_or_else(|| from.clone()),
    };
    let query = shopifyql(&from, &to)?;
    let data = shopify
        .graphql(crate::graphql::RECONCILE, json!({ "query": query }))
        .map_err(|err| {
            let text = format!("{err:#}");
            if text.contains("protected customer data") || text.contains("ACCESS_DENIED") {
                anyhow::Error::new(CouldNotAsk(format!(
                    "Shopify refused its sales report (shopifyqlQuery): besides `{SCOPE}`, the app \
                 needs access to protected customer data, level 2 (name, email, phone and \
                 address fields), which the client enables in the Dev Dashboard under the \
                 app's API access, \"Protected customer data access\" (onboarding step: \
                 \"Reconciliation\"); nothing was compared"
                )))
            } else {
                anyhow::Error::new(CouldNotAsk(format!(
                    "Shopify's sales report could not be read: {text}"
                )))
            }
        })?;
    let shopify_months = parse_table(&data["shopifyqlQuery"], &currency)?;
    let exponent = money::exponent(&currency)?;
    let mut months: Vec<String> = local
        .keys()
        .chain(shopify_months.keys())
        .filter(|m| **m >= from && **m <= to)
        .cloned()
        .collect();
    months.sort();
    months.dedup();
    let mut lines = Vec::new();
    for m in &months {
        let ours = local.get(m).copied().unwrap_or_default();
        let theirs = shopify_months.get(m).cloned().unwrap_or_default();
        for (metric, figure) in METRICS {
            let a = figure(&ours);
            let b = theirs.get(*metric).copied().unwrap_or(0);
            let count = *metric == "orders";
            let show = |v: i64| {
                if count {
                    v.to_string()
                } else {
                    money::format(v, exponent)
                }
            };
            lines.push(Line {
                month: m.clone(),
                metric: (*metric).to_owned(),
                local: show(a),
                shopify: show(b),
                difference: show(b - a),
                agrees: if count { a == b } else { (b - a).abs() <= 1 },
            });
        }
    }
    let agreed = lines.iter().all(|l| l.agrees);
    Ok(Reconciliation {
        currency,
        time_zone: zone,
        months,
        lines,
        agreed,
    })
}

/// ShopifyQL's table: per month (`YYYY-MM`), each metric in minor units (orders as a count).
/// Rows may be objects keyed by column or arrays in column order; values text or numbers.
fn parse_table(
    response: &Value,
    currency: &str,
) -> Result<BTreeMap<String, BTreeMap<String, i64>>> {
    if let Some(errors) = response["parseErrors"].as_array().filter(|e| !e.is_empty()) {
        bail!(CouldNotAsk(format!(
            "Shopify could not parse the ShopifyQL query: {}",
            json!(errors)
        )));
    }
    let table = &response["tableData"];
    let columns: Vec<String> = table["columns"]
        .as_array()
        .context("Shopify's sales report has no columns")?
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_owned())
        .collect();
    let mut out = BTreeMap::new();
    for row in table["rows"]
        .as_array()
        .context("Shopify's sales report has no rows")?
    {
        let cell = |name: &str| -> Option<&Value> {
            match row {
                Value::Object(o) => o.get(name),
                Value::Array(a) => columns
                    .iter()
                    .position(|c| c == name)
                    .and_then(|i| a.get(i)),
                _ => None,
            }
        };
        let month_text = cell("month")
            .and_then(Value::as_str)
            .context("a row of Shopify's sales report without its month")?;
        let m = month(month_text.get(..7).unwrap_or(month_text))?;
        let mut figures = BTreeMap::new();
        for (metric, _) in METRICS {
            let Some(value) = cell(metric) else { continue };
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Null => continue,
                other => bail!("{m} {metric}: `{other}` is not an amount"),
            };
            let minor = if *metric == "orders" {
                text.parse::<i64>()
                    .with_context(|| format!("{m} orders: `{text}` is not a count"))?
            } else {
                money::parse_minor(&text, currency).with_context(|| format!("{m} {metric}"))?
            };
            figures.insert((*metric).to_owned(), minor);
        }
        out.insert(m, figures);
    }
    Ok(out)
}

/// The comparison as a table.
pub fn table(r: &Reconciliation) -> String {
    let mut out = format!(
        "{} in {}, months in the shop's time zone ({}); Shopify's sales report beside this client's\n",
        r.months.join(", "),
        r.currency,
        r.time_zone
    );
    out.push_str(&format!(
        "{:<8} {:<17} {:>14} {:>14} {:>12}\n",
        "month", "metric", "local", "shopify", "difference"
    ));
    for l in &r.lines {
        out.push_str(&format!(
            "{:<8} {:<17} {:>14} {:>14} {:>12}{}\n",
            l.month,
            l.metric,
            l.local,
            l.shopify,
            l.difference,
            if l.agrees { "" } else { "  DIFFERS" }
        ));
    }
    out.push_str(if r.agreed {
        "every figure agrees within one minor unit\n"
    } else {
        "some figures differ\n"
    });
    out
}

/// The record of this reconciliation, made at `at` (seconds since the epoch).
pub fn record(r: &Reconciliation, at: u64) -> Result<Record> {
    let at = i64::try_from(at)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .context("the clock is out of range")?;
    Ok(Record {
        at: at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        months: r.months.clone(),
        agreed: r.agreed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_covers_whole_months() {
        assert_eq!(
            shopifyql("2026-01", "2026-02").unwrap(),
            "FROM sales SHOW orders, gross_sales, discounts, returns, net_sales, \
             shipping_charges, duties, additional_fees, taxes, total_sales GROUP BY month \
             SINCE 2026-01-01 UNTIL 2026-02-28 ORDER BY month ASC"
        );
        assert!(shopifyql("2026-03", "2026-02").is_err());
        assert!(shopifyql("2026-13", "2026-12").is_err());
        assert!(shopifyql("2026-1'", "2026-12").is_err());
    }

    #[test]
    fn rows_as_objects_or_arrays_in_minor_units() {
        let objects = json!({ "parseErrors": [], "tableData": {
            "columns": [{ "name": "month" }, { "name": "orders" }, { "name": "total_sales" }],
            "rows": [{ "month": "2026-01-01", "orders": "3", "total_sales": "122.6" }] } });
        let arrays = json!({ "parseErrors": [], "tableData": {
            "columns": [{ "name": "month" }, { "name": "orders" }, { "name": "total_sales" }],
            "rows": [["2026-01-01", 3, 122.60]] } });
        for response in [objects, arrays] {
            let t = parse_table(&response, "USD").unwrap();
            assert_eq!(t["2026-01"]["orders"], 3);
            assert_eq!(t["2026-01"]["total_sales"], 12260);
        }
        let refused = json!({ "parseErrors": ["unknown column"], "tableData": null });
        assert!(parse_table(&refused, "USD").is_err());
    }
}
