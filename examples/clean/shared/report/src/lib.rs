//! Pure report helpers shared by every client; knows no client.

pub fn sum_by_month(orders: &[(u32, i64)]) -> Vec<(u32, i64)> {
    let mut totals = std::collections::BTreeMap::new();
    for (month, cents) in orders {
        *totals.entry(*month).or_insert(0) += cents;
    }
    totals.into_iter().collect()
}
