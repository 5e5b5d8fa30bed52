//! Synthetic test data shared by every client's tests; holds no real client data.

pub fn sample_orders() -> Vec<(u32, i64)> {
    vec![(1, 1_000), (1, 2_500), (2, 700)]
}
