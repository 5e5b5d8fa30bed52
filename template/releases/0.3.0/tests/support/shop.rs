//! The mock shop's data, made from the record's index so that tests can compute what a sync
//! must store: orders spread over twelve months in four currencies (USD, EUR, JPY with no minor
//! unit, KWD with three decimals), each with one to three line items; and customers.

use serde_json::{Value, json};

/// `updatedAt` of record 0; record `i` was updated `i` seconds later.
pub const UPDATED_BASE: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// `2026-01-01T00:00:00Z` + `seconds`, as Shopify writes timestamps.
pub fn timestamp(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Seconds since the epoch of a `timestamp`.
pub fn unix(timestamp: &str) -> Option<u64> {
    let (date, time) = timestamp.trim_end_matches('Z').split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.split(':').map(|p| p.parse::<u64>());
    let (hh, mm, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days as u64 * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Order `i`: (created month `YYYY-MM`, currency, total in the currency's minor units).
pub fn order(i: usize) -> (String, &'static str, i64) {
    let month = format!("2026-{:02}", i % 12 + 1);
    let (currency, minor) = match i % 10 {
        0 => ("EUR", (i % 97) as i64 * 100 + 99),
        3 => ("JPY", (i % 97) as i64 * 10 + 5),
        7 => ("KWD", (i % 97) as i64 * 1000 + 125),
        _ => ("USD", (i % 97) as i64 * 100 + 99),
    };
    (month, currency, minor)
}

/// An amount as Shopify writes it, independently of the crate's own formatting.
pub fn amount(currency: &str, minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.abs();
    match currency {
        "JPY" => format!("{sign}{minor}.0"),
        "KWD" => format!("{sign}{}.{:03}", minor / 1000, minor % 1000),
        _ => format!("{sign}{}.{:02}", minor / 100, minor % 100),
    }
}

pub fn created_at(i: usize) -> String {
    format!("{}-15T10:00:00Z", order(i).0)
}

pub fn updated_at(i: usize) -> String {
    timestamp(UPDATED_BASE + i as u64)
}

/// The customer of order `i`, if it has one.
pub fn order_customer(i: usize, customers: usize) -> Option<usize> {
    (!i.is_multiple_of(5) && customers > 0).then(|| i % customers)
}

/// Line items of order `i`: (index, title, quantity, total in minor units).
pub fn line_items(i: usize) -> Vec<(usize, String, i64, i64)> {
    (0..i % 3 + 1)
        .map(|j| {
            let title = if j == 1 {
                "Tea \"Sencha\" \u{2014} 100 g".to_owned()
            } else {
                format!("Item {j}")
            };
            (i * 4 + j, title, j as i64 + 1, (j as i64 + 1) * 100)
        })
        .collect()
}

/// A `MoneyBag` in the shop's money.
pub fn money_bag(currency: &str, minor: i64) -> Value {
    json!({ "shopMoney": { "amount": amount(currency, minor), "currencyCode": currency } })
}

/// A sale as Shopify sends it: (type, action, line, quantity, total, discount, tax).
pub fn sale_json(
    id: &str,
    action: &str,
    line: &str,
    quantity: Option<i64>,
    currency: &str,
    [total, discount, tax]: [i64; 3],
) -> Value {
    let typename = id.split('/').nth(3).unwrap_or("ProductSale");
    json!({
        "__typename": typename, "id": id, "actionType": action, "lineType": line,
        "quantity": quantity,
        "totalAmount": money_bag(currency, total),
        "totalDiscountAmountBeforeTaxes": money_bag(currency, discount),
        "totalTaxAmount": money_bag(currency, tax)
    })
}

/// An agreement with its sales, as a connection node.
pub fn agreement_json(id: &str, happened_at: &str, sales: Vec<Value>) -> Value {
    let typename = id.split('/').nth(3).unwrap_or("OrderAgreement");
    json!({ "__typename": typename, "id": id, "happenedAt": happened_at,
        "sales": { "pageInfo": { "hasNextPage": false }, "nodes": sales } })
}

/// Order `i`'s one agreement: a product sale of the whole total, when it was placed.
pub fn order_agreement(i: usize) -> Value {
    let (_, currency, minor) = order(i);
    agreement_json(
        &format!("gid://shopify/OrderAgreement/{}", i + 1),
        &created_at(i),
        vec![sale_json(
            &format!("gid://shopify/ProductSale/{}", i + 1),
            "ORDER",
            "PRODUCT",
            Some(1),
            currency,
            [minor, 0, 0],
        )],
    )
}

pub fn order_json(i: usize, customers: usize) -> Value {
    let (_, currency, minor) = order(i);
    json!({
        "id": format!("gid://shopify/Order/{}", i + 1),
        "name": format!("#{}", 1001 + i),
        "createdAt": created_at(i),
        "updatedAt": updated_at(i),
        "processedAt": created_at(i),
        "cancelledAt": null,
        "test": false,
        "customer": order_customer(i, customers).map_or(Value::Null, |c| json!({ "id": format!("gid://shopify/Customer/{}", c + 1) })),
        "totalPriceSet": money_bag(currency, minor),
        "agreements": { "pageInfo": { "hasNextPage": false }, "nodes": [order_agreement(i)] }
    })
}

/// An order of a page as a bulk result's lines: the order without its connections, then its
/// line items, agreements and sales, each with `__parentId`.
pub fn bulk_lines(order: &Value, line_items: &[Value], out: &mut String) {
    let mut top = order.clone();
    let id = top["id"].clone();
    let agreements = top["agreements"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    top.as_object_mut().unwrap().remove("agreements");
    out.push_str(&top.to_string());
    out.push('\n');
    for item in line_items {
        out.push_str(&item.to_string());
        out.push('\n');
    }
    for mut agreement in agreements {
        let sales = agreement["sales"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let agreement_id = agreement["id"].clone();
        let fields = agreement.as_object_mut().unwrap();
        fields.remove("sales");
        fields.insert("__parentId".into(), id.clone());
        out.push_str(&agreement.to_string());
        out.push('\n');
        for mut sale in sales {
            sale["__parentId"] = agreement_id.clone();
            out.push_str(&sale.to_string());
            out.push('\n');
        }
    }
}

/// Order `i` and its line items as bulk JSONL lines (grouped: children follow their parent).
pub fn order_jsonl(i: usize, customers: usize, out: &mut String) {
    let (_, currency, _) = order(i);
    let mut items = Vec::new();
    for (id, title, quantity, minor) in line_items(i) {
        let line = json!({
            "id": format!("gid://shopify/LineItem/{}", id + 1),
            "title": title,
            "quantity": quantity,
            "originalTotalSet": { "shopMoney": { "amount": amount(currency, minor), "currencyCode": currency } },
            "__parentId": format!("gid://shopify/Order/{}", i + 1)
        });
        items.push(line);
    }
    bulk_lines(&order_json(i, customers), &items, out);
}

pub fn customer_json(i: usize) -> Value {
    json!({
        "id": format!("gid://shopify/Customer/{}", i + 1),
        "createdAt": "2025-12-01T09:00:00Z",
        "updatedAt": timestamp(UPDATED_BASE + i as u64),
        "numberOfOrders": format!("{}", i % 7),
        "amountSpent": { "amount": format!("{}.50", i % 7 * 10), "currencyCode": "USD" }
    })
}

/// Expected revenue per currency over the given orders: (count, minor units).
pub fn expected_totals(
    orders: impl IntoIterator<Item = usize>,
) -> std::collections::BTreeMap<&'static str, (i64, i64)> {
    let mut totals = std::collections::BTreeMap::new();
    for i in orders {
        let (_, currency, minor) = order(i);
        let t = totals.entry(currency).or_insert((0, 0));
        t.0 += 1;
        t.1 += minor;
    }
    totals
}

/// Line items of the given orders.
pub fn expected_line_items(orders: impl IntoIterator<Item = usize>) -> i64 {
    orders.into_iter().map(|i| line_items(i).len() as i64).sum()
}
