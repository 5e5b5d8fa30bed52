//! The sales ledger summed by Shopify's definitions (its sales reports are built from the same
//! agreements and sales): each sale counts in the month, in the shop's IANA time zone, when its
//! agreement happened; an order counts in the month it was placed. Test orders never reach
//! here (the store leaves them out).
//!
//! - gross sales: product sales of orders and order edits, price × quantity before discounts;
//! - discounts: the discounts of those sales, negative;
//! - returns: product sales of returns and refunds (negative, net of their discounts) and
//!   refund adjustments, dated when they happen;
//! - net sales = gross + discounts + returns;
//! - shipping, duties, fees: those sales before tax (refunded ones negative);
//! - taxes: the tax of every sale counted;
//! - total sales = net + shipping + duties + fees + taxes;
//! - gift cards and tips are not sales: they count nowhere;
//! - average order value = (gross + discounts) ÷ orders.
//!
//! Every amount is an integer in the currency's minor unit; a line or action type this client
//! cannot place is an error, never a silent zero.

use crate::store::{LedgerSale, Placed};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;

/// The sale line types Shopify sends (`SaleLineType`) and the action types (`SaleActionType`)
/// a sale may have; anything else is refused when it is synced.
pub const LINE_TYPES: &[&str] = &[
    "PRODUCT",
    "SHIPPING",
    "DUTY",
    "FEE",
    "ADDITIONAL_FEE",
    "ADJUSTMENT",
    "GIFT_CARD",
    "TIP",
];
pub const ACTION_TYPES: &[&str] = &["ORDER", "UPDATE", "RETURN"];

/// `value` as the entry of `known` it equals, if any.
pub fn known(known: &[&'static str], value: &str) -> Option<&'static str> {
    known.iter().copied().find(|k| *k == value)
}

/// The figures of one month in one currency, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub orders: i64,
    pub gross_sales: i64,
    pub discounts: i64,
    pub returns: i64,
    pub shipping: i64,
    pub duties: i64,
    pub fees: i64,
    pub taxes: i64,
}

impl Figures {
    pub fn net_sales(&self) -> i64 {
        self.gross_sales + self.discounts + self.returns
    }

    pub fn total_sales(&self) -> i64 {
        self.net_sales() + self.shipping + self.duties + self.fees + self.taxes
    }

    /// (gross + discounts) ÷ orders, rounded half away from zero to the minor unit; 0 without
    /// orders.
    pub fn average_order_value(&self) -> i64 {
        if self.orders == 0 {
            return 0;
        }
        let (value, orders) = (self.gross_sales + self.discounts, self.orders);
        let (quotient, remainder) = (value / orders, value % orders);
        if 2 * remainder.abs() >= orders {
            quotient + value.signum()
        } else {
            quotient
        }
    }

    pub fn add(&mut self, other: &Figures) {
        self.orders += other.orders;
        self.gross_sales += other.gross_sales;
        self.discounts += other.discounts;
        self.returns += other.returns;
        self.shipping += other.shipping;
        self.duties += other.duties;
        self.fees += other.fees;
        self.taxes += other.taxes;
    }

    /// Count one sale.
    pub fn add_sale(&mut self, sale: &LedgerSale) -> Result<()> {
        let before_tax = sale.total_minor - sale.tax_minor;
        match (sale.line_type.as_str(), sale.action_type.as_str()) {
            ("GIFT_CARD" | "TIP", _) => return Ok(()),
            ("PRODUCT", "ORDER" | "UPDATE") => {
                self.gross_sales += before_tax + sale.discount_minor;
                self.discounts -= sale.discount_minor;
            }
            ("PRODUCT", "RETURN") | ("ADJUSTMENT", _) => self.returns += before_tax,
            ("SHIPPING", _) => self.shipping += before_tax,
            ("DUTY", _) => self.duties += before_tax,
            ("FEE" | "ADDITIONAL_FEE", _) => self.fees += before_tax,
            (line, action) => {
                bail!(
                    "a sale with lineType `{line}` and actionType `{action}` has no place in the report"
                )
            }
        }
        self.taxes += sale.tax_minor;
        Ok(())
    }
}

/// The month (`YYYY-MM`) of a Shopify timestamp in time zone `zone`.
pub fn local_month(timestamp: &str, zone: &jiff::tz::TimeZone) -> Result<String> {
    let instant: jiff::Timestamp = timestamp
        .parse()
        .with_context(|| format!("`{timestamp}` is not a timestamp"))?;
    let local = instant.to_zoned_datetime(zone.clone());
    Ok(format!("{:04}-{:02}", local.year(), local.month()))
}

/// The shop's time zone by its IANA name (from the bundled time zone database, so that a
/// report does not depend on the machine it runs on).
pub fn time_zone(name: &str) -> Result<jiff::tz::TimeZone> {
    jiff::tz::db()
        .get(name)
        .with_context(|| format!("the shop's time zone `{name}` is not an IANA time zone"))
}

/// Sum the ledger by (month, currency) in time zone `zone`.
pub fn by_month(
    sales: &[LedgerSale],
    placed: &[Placed],
    zone: &jiff::tz::TimeZone,
) -> Result<BTreeMap<(String, String), Figures>> {
    let mut months: BTreeMap<(String, String), Figures> = BTreeMap::new();
    // Many sales share an hour: convert each distinct hour once.
    let mut cache: std::collections::HashMap<String, String> = Default::default();
    let mut month = |at: &str| -> Result<String> {
        let hour = at.get(..13).unwrap_or(at);
        if at.ends_with('Z')
            && let Some(known) = cache.get(hour)
        {
            return Ok(known.clone());
        }
        let m = local_month(at, zone)?;
        if at.ends_with('Z') {
            cache.insert(hour.to_owned(), m.clone());
        }
        Ok(m)
    };
    for order in placed {
        months
            .entry((month(&order.at)?, order.currency.clone()))
            .or_default()
            .orders += 1;
    }
    for sale in sales {
        months
            .entry((month(&sale.happened_at)?, sale.currency.clone()))
            .or_default()
            .add_sale(sale)?;
    }
    Ok(months)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale(line: &str, action: &str, total: i64, discount: i64, tax: i64) -> LedgerSale {
        LedgerSale {
            happened_at: "2026-01-31T12:00:00Z".into(),
            action_type: action.into(),
            line_type: line.into(),
            currency: "USD".into(),
            total_minor: total,
            discount_minor: discount,
            tax_minor: tax,
        }
    }

    #[test]
    fn an_order_and_its_full_refund_net_to_nothing() {
        let mut f = Figures::default();
        // 2 × 50.00, 10.00 off, 7.20 tax, 5.00 shipping with 0.40 tax.
        f.add_sale(&sale("PRODUCT", "ORDER", 9720, 1000, 720))
            .unwrap();
        f.add_sale(&sale("SHIPPING", "ORDER", 540, 0, 40)).unwrap();
        assert_eq!(
            (f.gross_sales, f.discounts, f.net_sales()),
            (10000, -1000, 9000)
        );
        assert_eq!((f.shipping, f.taxes, f.total_sales()), (500, 760, 10260));
        f.add_sale(&sale("PRODUCT", "RETURN", -9720, -1000, -720))
            .unwrap();
        f.add_sale(&sale("SHIPPING", "RETURN", -540, 0, -40))
            .unwrap();
        assert_eq!(f.returns, -9000);
        assert_eq!((f.net_sales(), f.total_sales(), f.taxes), (0, 0, 0));
    }

    #[test]
    fn the_average_order_is_rounded_to_the_minor_unit() {
        let aov = |orders, gross| {
            Figures {
                orders,
                gross_sales: gross,
                ..Figures::default()
            }
            .average_order_value()
        };
        assert_eq!(aov(3, 14000), 4667);
        assert_eq!(aov(3, 10000), 3333);
        assert_eq!(aov(2, 5), 3);
        assert_eq!(aov(2, -5), -3);
        assert_eq!(aov(0, 100), 0);
    }

    #[test]
    fn gift_cards_and_tips_are_not_sales() {
        let mut f = Figures::default();
        f.add_sale(&sale("GIFT_CARD", "ORDER", 5000, 0, 0)).unwrap();
        f.add_sale(&sale("TIP", "ORDER", 300, 0, 0)).unwrap();
        assert_eq!(f, Figures::default());
    }

    #[test]
    fn an_unknown_line_type_is_an_error() {
        let mut f = Figures::default();
        let err = f
            .add_sale(&sale("UNKNOWN", "ORDER", 100, 0, 0))
            .unwrap_err();
        assert!(err.to_string().contains("`UNKNOWN`"), "{err}");
        assert!(f.add_sale(&sale("PRODUCT", "UNKNOWN", 100, 0, 0)).is_err());
    }

    #[test]
    fn months_are_the_shops_own() {
        let la = time_zone("America/Los_Angeles").unwrap();
        // 23:30 on 31 January in Los Angeles is 07:30 on 1 February in UTC.
        assert_eq!(local_month("2026-02-01T07:30:00Z", &la).unwrap(), "2026-01");
        assert_eq!(local_month("2026-02-01T08:00:00Z", &la).unwrap(), "2026-02");
        let tokyo = time_zone("Asia/Tokyo").unwrap();
        assert_eq!(
            local_month("2026-01-31T15:00:00Z", &tokyo).unwrap(),
            "2026-02"
        );
        assert!(time_zone("Mars/Olympus").is_err());
        assert!(local_month("yesterday", &la).is_err());
    }
}
