//! The cost-aware limiter. Every Admin API reply reports the app's query-cost bucket in
//! `extensions.cost.throttleStatus` (`maximumAvailable`, `currentlyAvailable`, `restoreRate`)
//! and what the query asked for (`requestedQueryCost`). Before each query the limiter waits
//! until the bucket has refilled enough for that query's last known cost, so a long sync runs
//! at the bucket's pace instead of into `THROTTLED` errors.

use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// The bucket as last reported, and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

impl ThrottleStatus {
    /// `extensions.cost.throttleStatus` of a reply, when it has one.
    pub fn from_reply(reply: &Value) -> Option<ThrottleStatus> {
        let status = &reply["extensions"]["cost"]["throttleStatus"];
        Some(ThrottleStatus {
            maximum_available: status["maximumAvailable"].as_f64()?,
            currently_available: status["currentlyAvailable"].as_f64()?,
            restore_rate: status["restoreRate"].as_f64()?,
        })
    }
}

/// `extensions.cost.requestedQueryCost` of a reply.
pub fn requested_cost(reply: &Value) -> Option<f64> {
    reply["extensions"]["cost"]["requestedQueryCost"].as_f64()
}

/// Waits before queries so that the bucket never runs dry.
#[derive(Debug, Default)]
pub struct Limiter {
    /// The bucket, and the clock second it was reported at.
    last: Option<(ThrottleStatus, u64)>,
    /// The last requested cost of each query text.
    costs: HashMap<String, f64>,
}

impl Limiter {
    /// How long to wait at `now` before sending `query`.
    pub fn wait_before(&self, query: &str, now: u64) -> Duration {
        // A query not sent before is assumed to cost as much as the dearest one so far.
        let cost = self
            .costs
            .get(query)
            .copied()
            .or_else(|| self.costs.values().copied().reduce(f64::max));
        let (Some((status, at)), Some(cost)) = (self.last, cost) else {
            return Duration::ZERO;
        };
        let cost = cost.min(status.maximum_available);
        let elapsed = now.saturating_sub(at) as f64;
        let available = (status.currently_available + elapsed * status.restore_rate)
            .min(status.maximum_available);
        if available >= cost || status.restore_rate <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(((cost - available) / status.restore_rate).min(60.0))
    }

    /// Learn from a reply to `query` received at `now` (a success or a `THROTTLED` error).
    pub fn observe(&mut self, query: &str, reply: &Value, now: u64) {
        if let Some(status) = ThrottleStatus::from_reply(reply) {
            self.last = Some((status, now));
        }
        if let Some(cost) = requested_cost(reply) {
            match self.costs.get_mut(query) {
                Some(known) => *known = cost,
                None => {
                    self.costs.insert(query.to_owned(), cost);
                }
            }
        }
    }

    /// How long to wait after a `THROTTLED` reply before retrying it: until the bucket holds
    /// the requested cost, at least a second.
    pub fn wait_after_throttle(&self, query: &str, now: u64) -> Duration {
        self.wait_before(query, now).max(Duration::from_secs(1))
    }
}

/// Whether a reply is Shopify's `THROTTLED` error (it comes with HTTP 200 or HTTP 429).
pub fn is_throttled(reply: &Value) -> bool {
    reply["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .any(|e| e["extensions"]["code"] == "THROTTLED")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(available: f64, requested: f64) -> Value {
        json!({ "extensions": { "cost": { "requestedQueryCost": requested, "throttleStatus": {
            "maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0 } } } })
    }

    #[test]
    fn waits_for_the_bucket_to_refill_to_the_query_cost() {
        let mut limiter = Limiter::default();
        assert_eq!(
            limiter.wait_before("q", 0),
            Duration::ZERO,
            "nothing known yet"
        );
        limiter.observe("q", &reply(1500.0, 502.0), 10);
        assert_eq!(
            limiter.wait_before("q", 10),
            Duration::ZERO,
            "1500 available, 502 asked"
        );
        limiter.observe("q", &reply(202.0, 502.0), 20);
        assert_eq!(limiter.wait_before("q", 20), Duration::from_secs(3));
        assert_eq!(
            limiter.wait_before("q", 22),
            Duration::from_secs(1),
            "refilling meanwhile"
        );
        assert_eq!(limiter.wait_before("q", 23), Duration::ZERO);
        assert_eq!(
            limiter.wait_before("other", 20),
            Duration::from_secs(3),
            "assumed as dear"
        );
        limiter.observe("other", &reply(202.0, 2.0), 20);
        assert_eq!(
            limiter.wait_before("other", 20),
            Duration::ZERO,
            "known to be cheap"
        );
    }

    #[test]
    fn throttled_errors_are_recognised_and_waited_out() {
        let mut throttled = reply(2.0, 502.0);
        throttled["errors"] =
            json!([{ "message": "Throttled", "extensions": { "code": "THROTTLED" } }]);
        assert!(is_throttled(&throttled));
        assert!(!is_throttled(&reply(2.0, 502.0)));
        let mut limiter = Limiter::default();
        limiter.observe("q", &throttled, 5);
        assert_eq!(limiter.wait_after_throttle("q", 5), Duration::from_secs(5));
        limiter.observe("q", &reply(2000.0, 10.0), 6);
        assert_eq!(limiter.wait_after_throttle("q", 6), Duration::from_secs(1));
    }
}
