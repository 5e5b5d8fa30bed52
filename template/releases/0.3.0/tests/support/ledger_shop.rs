//! The synthetic shop of the sales report's tests: a shop in Los Angeles (UTC−8 in winter,
//! UTC−7 from 8 March 2026) that sells in USD, with one order for each case Shopify's
//! definitions have to get right. `tests/ledger.rs` works the report out from it by hand.

use super::shop::{agreement_json, money_bag, sale_json};
use serde_json::{Value, json};

pub const ZONE: &str = "America/Los_Angeles";
pub const CURRENCY: &str = "USD";

/// The index (in `orders()`) of the order that Shopify deletes after the first sync.
pub const DELETED: usize = 6;
/// The index of the order with more sales than a page of orders carries.
pub const MANY_SALES: usize = 8;

fn order(
    n: usize,
    placed: &str,
    test: bool,
    cancelled: Option<&str>,
    total: i64,
    agreements: Vec<Value>,
) -> Value {
    json!({
        "id": format!("gid://shopify/Order/{}", 9000 + n),
        "name": format!("#L{n}"),
        "createdAt": placed,
        "updatedAt": format!("2026-03-20T00:00:{n:02}Z"),
        "processedAt": placed,
        "cancelledAt": cancelled,
        "test": test,
        "customer": null,
        "totalPriceSet": money_bag(CURRENCY, total),
        "agreements": { "pageInfo": { "hasNextPage": false }, "nodes": agreements }
    })
}

fn agreement(kind: &str, n: usize, k: usize, at: &str, sales: Vec<Value>) -> Value {
    agreement_json(&format!("gid://shopify/{kind}/{}", n * 10 + k), at, sales)
}

/// A sale of order `n`: the `k`-th of its kind.
fn sale(
    kind: &str,
    n: usize,
    k: usize,
    action: &str,
    line: &str,
    q: Option<i64>,
    a: [i64; 3],
) -> Value {
    sale_json(
        &format!("gid://shopify/{kind}/{}", n * 100 + k),
        action,
        line,
        q,
        CURRENCY,
        a,
    )
}

/// The shop's orders, oldest change first (the order the mock serves them in).
pub fn orders() -> Vec<Value> {
    vec![
        // 1: 2 × 50.00 with 10.00 off, 8% tax (7.20), shipping 5.00 with 0.40 tax, on 10
        // January; one item (45.00 after its discount, 3.60 tax) refunded on 12 February.
        order(
            1,
            "2026-01-10T18:00:00Z",
            false,
            None,
            10260,
            vec![
                agreement(
                    "OrderAgreement",
                    1,
                    1,
                    "2026-01-10T18:00:00Z",
                    vec![
                        sale(
                            "ProductSale",
                            1,
                            1,
                            "ORDER",
                            "PRODUCT",
                            Some(2),
                            [9720, 1000, 720],
                        ),
                        sale(
                            "ShippingLineSale",
                            1,
                            2,
                            "ORDER",
                            "SHIPPING",
                            None,
                            [540, 0, 40],
                        ),
                    ],
                ),
                agreement(
                    "RefundAgreement",
                    1,
                    2,
                    "2026-02-12T20:00:00Z",
                    vec![sale(
                        "ProductSale",
                        1,
                        3,
                        "RETURN",
                        "PRODUCT",
                        Some(-1),
                        [-4860, -500, -360],
                    )],
                ),
            ],
        ),
        // 2: 30.00 with 2.40 tax and 5.00 shipping on 20 January, cancelled the next day with
        // everything refunded.
        order(
            2,
            "2026-01-20T17:00:00Z",
            false,
            Some("2026-01-21T17:00:00Z"),
            3740,
            vec![
                agreement(
                    "OrderAgreement",
                    2,
                    1,
                    "2026-01-20T17:00:00Z",
                    vec![
                        sale(
                            "ProductSale",
                            2,
                            1,
                            "ORDER",
                            "PRODUCT",
                            Some(1),
                            [3240, 0, 240],
                        ),
                        sale(
                            "ShippingLineSale",
                            2,
                            2,
                            "ORDER",
                            "SHIPPING",
                            None,
                            [500, 0, 0],
                        ),
                    ],
                ),
                agreement(
                    "RefundAgreement",
                    2,
                    2,
                    "2026-01-21T17:00:00Z",
                    vec![
                        sale(
                            "ProductSale",
                            2,
                            3,
                            "RETURN",
                            "PRODUCT",
                            Some(-1),
                            [-3240, 0, -240],
                        ),
                        sale(
                            "ShippingLineSale",
                            2,
                            4,
                            "RETURN",
                            "SHIPPING",
                            None,
                            [-500, 0, 0],
                        ),
                    ],
                ),
            ],
        ),
        // 3: a test order: in no figure.
        order(
            3,
            "2026-01-15T18:00:00Z",
            true,
            None,
            99900,
            vec![agreement(
                "OrderAgreement",
                3,
                1,
                "2026-01-15T18:00:00Z",
                vec![sale(
                    "ProductSale",
                    3,
                    1,
                    "ORDER",
                    "PRODUCT",
                    Some(1),
                    [99900, 0, 0],
                )],
            )],
        ),
        // 4: 20.00 at 23:30 on 31 January in Los Angeles (1 February in UTC): January.
        order(
            4,
            "2026-02-01T07:30:00Z",
            false,
            None,
            2000,
            vec![agreement(
                "OrderAgreement",
                4,
                1,
                "2026-02-01T07:30:00Z",
                vec![sale(
                    "ProductSale",
                    4,
                    1,
                    "ORDER",
                    "PRODUCT",
                    Some(1),
                    [2000, 0, 0],
                )],
            )],
        ),
        // 5: paid in EUR (a second presentment currency): the shop's money is USD, 40.00, and
        // a 50.00 gift card bought with it is no sale.
        order(
            5,
            "2026-02-05T12:00:00Z",
            false,
            None,
            9000,
            vec![agreement(
                "OrderAgreement",
                5,
                1,
                "2026-02-05T12:00:00Z",
                vec![
                    sale_json(
                        "gid://shopify/ProductSale/501",
                        "ORDER",
                        "PRODUCT",
                        Some(1),
                        CURRENCY,
                        [4000, 0, 0],
                    ),
                    sale(
                        "GiftCardSale",
                        5,
                        2,
                        "ORDER",
                        "GIFT_CARD",
                        Some(1),
                        [5000, 0, 0],
                    ),
                ],
            )],
        ),
        // 6: 60.00 with 4.80 tax on 10 February, refunded whole at 22:00 on 28 February in Los
        // Angeles (1 March in UTC): February.
        order(
            6,
            "2026-02-10T18:00:00Z",
            false,
            None,
            6480,
            vec![
                agreement(
                    "OrderAgreement",
                    6,
                    1,
                    "2026-02-10T18:00:00Z",
                    vec![sale(
                        "ProductSale",
                        6,
                        1,
                        "ORDER",
                        "PRODUCT",
                        Some(1),
                        [6480, 0, 480],
                    )],
                ),
                agreement(
                    "RefundAgreement",
                    6,
                    2,
                    "2026-03-01T06:00:00Z",
                    vec![sale(
                        "ProductSale",
                        6,
                        2,
                        "RETURN",
                        "PRODUCT",
                        Some(-1),
                        [-6480, 0, -480],
                    )],
                ),
            ],
        ),
        // 7 (DELETED): 15.00 on 12 January; Shopify deletes it after the first sync.
        order(
            7,
            "2026-01-12T18:00:00Z",
            false,
            None,
            1500,
            vec![agreement(
                "OrderAgreement",
                7,
                1,
                "2026-01-12T18:00:00Z",
                vec![sale(
                    "ProductSale",
                    7,
                    1,
                    "ORDER",
                    "PRODUCT",
                    Some(1),
                    [1500, 0, 0],
                )],
            )],
        ),
        // 8: 25.00 and a 3.00 duty on 15 February; an item of 25.00 added by an order edit on
        // 3 March.
        order(
            8,
            "2026-02-15T18:00:00Z",
            false,
            None,
            5300,
            vec![
                agreement(
                    "OrderAgreement",
                    8,
                    1,
                    "2026-02-15T18:00:00Z",
                    vec![
                        sale(
                            "ProductSale",
                            8,
                            1,
                            "ORDER",
                            "PRODUCT",
                            Some(1),
                            [2500, 0, 0],
                        ),
                        sale("DutySale", 8, 2, "ORDER", "DUTY", None, [300, 0, 0]),
                    ],
                ),
                agreement(
                    "OrderEditAgreement",
                    8,
                    2,
                    "2026-03-03T18:00:00Z",
                    vec![sale(
                        "ProductSale",
                        8,
                        3,
                        "UPDATE",
                        "PRODUCT",
                        Some(1),
                        [2500, 0, 0],
                    )],
                ),
            ],
        ),
        // 9 (MANY_SALES): seven items of 1.00 on 10 March, more sales than a page carries.
        order(
            9,
            "2026-03-10T18:00:00Z",
            false,
            None,
            700,
            vec![agreement(
                "OrderAgreement",
                9,
                1,
                "2026-03-10T18:00:00Z",
                (1..=7)
                    .map(|k| {
                        sale(
                            "ProductSale",
                            9,
                            k,
                            "ORDER",
                            "PRODUCT",
                            Some(1),
                            [100, 0, 0],
                        )
                    })
                    .collect(),
            )],
        ),
    ]
}
