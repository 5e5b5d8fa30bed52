//! The Admin GraphQL API, with the token renewed as needed and Shopify's rate limits honoured:
//! the cost-aware limiter paces queries, a `THROTTLED` error (with HTTP 200 or 429) waits for
//! the bucket and retries, a plain 429 waits for `Retry-After`, a 5xx backs off, an HTTP 401 (a
//! token that expired early) renews the token once, and a redirect is an error. A query Shopify
//! prices over its single-query limit is a `MaxCostExceeded` error, for the caller to shrink.

use crate::clock::Clock;
use crate::config::{ClientConfig, Credentials, Endpoint};
use crate::http;
use crate::limiter::{self, Limiter};
use crate::token::{self, AccessToken, GrantPolicy};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::io::Read;
use std::time::Duration;

/// Retries of one request before giving up (throttling, 429, 5xx).
pub const MAX_RETRIES: u32 = 8;

/// Counters for tests and progress output.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub tokens_requested: u32,
    pub throttled: u32,
    pub rate_limited: u32,
    pub unauthorized: u32,
    /// Waits the limiter chose before a query, so that it would not be throttled.
    pub paced: u32,
}

/// A connection to one shop with one client's credentials.
pub struct Shopify<'c> {
    agent: ureq::Agent,
    endpoint: Endpoint,
    api_version: String,
    credentials: Credentials,
    scopes: Vec<String>,
    lifetime_hours: u64,
    clock: &'c dyn Clock,
    token: Option<AccessToken>,
    limiter: Limiter,
    pub stats: Stats,
}

impl std::fmt::Debug for Shopify<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shopify")
            .field("base", &self.endpoint.base)
            .field("credentials", &self.credentials)
            .field("token", &self.token)
            .finish_non_exhaustive()
    }
}

impl<'c> Shopify<'c> {
    /// The clock this connection waits on.
    pub fn clock(&self) -> &'c dyn Clock {
        self.clock
    }

    /// Now by this connection's clock (seconds since the epoch).
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    pub fn new(
        config: &ClientConfig,
        endpoint: Endpoint,
        credentials: Credentials,
        clock: &'c dyn Clock,
    ) -> Result<Shopify<'c>> {
        Ok(Shopify {
            agent: http::agent(config, &endpoint)?,
            endpoint,
            api_version: config.shopify.api_version.clone(),
            credentials,
            scopes: config.shopify.scopes.clone(),
            lifetime_hours: config.shopify.token_lifetime_hours,
            clock,
            token: None,
            limiter: Limiter::default(),
            stats: Stats::default(),
        })
    }

    /// A fresh token, requested (and scope-checked) when there is none or it is due for renewal.
    pub fn token(&mut self) -> Result<&AccessToken> {
        let fresh = self.token.as_ref().is_some_and(|t| t.is_fresh(self.clock));
        if !fresh {
            self.token = None;
            self.stats.tokens_requested += 1;
            let policy = GrantPolicy {
                configured_scopes: &self.scopes,
                lifetime_hours: self.lifetime_hours,
            };
            let token = token::request(
                &self.agent,
                &self.endpoint.base,
                &self.credentials,
                policy,
                self.clock,
            )?;
            self.token = Some(token);
        }
        self.token.as_ref().context("no token")
    }

    /// Run a GraphQL query and return its `data`.
    pub fn graphql(&mut self, query: &str, variables: Value) -> Result<Value> {
        let url = format!(
            "{}/admin/api/{}/graphql.json",
            self.endpoint.base, self.api_version
        );
        let body = json!({ "query": query, "variables": variables });
        let mut renewed = false;
        for attempt in 0..=MAX_RETRIES {
            let pace = self.limiter.wait_before(query, self.clock.now());
            if !pace.is_zero() {
                self.stats.paced += 1;
                self.clock.sleep(pace);
            }
            self.token()?;
            let token = self.token.as_ref().context("no token")?;
            let mut response = self
                .agent
                .post(&url)
                .header("X-Shopify-Access-Token", token.token.expose())
                .send_json(&body)
                .context("failed to reach the Admin API")?;
            let status = response.status().as_u16();
            http::refuse_redirect("the Admin API", status)?;
            match status {
                200 | 429 => {
                    let retry_after = http::retry_after(&response);
                    let reply: Option<Value> = response.body_mut().read_json().ok();
                    let reply = reply.unwrap_or(Value::Null);
                    self.limiter.observe(query, &reply, self.clock.now());
                    if limiter::is_throttled(&reply) {
                        self.stats.throttled += 1;
                        let wait = self.limiter.wait_after_throttle(query, self.clock.now());
                        self.clock.sleep(retry_after.map_or(wait, |r| r.max(wait)));
                        continue;
                    }
                    if status == 429 {
                        self.stats.rate_limited += 1;
                        self.clock
                            .sleep(retry_after.unwrap_or(Duration::from_secs(2)));
                        continue;
                    }
                    return data(reply);
                }
                401 if !renewed => {
                    self.stats.unauthorized += 1;
                    self.token = None;
                    renewed = true;
                }
                500..=599 if attempt < MAX_RETRIES => {
                    self.clock.sleep(Duration::from_secs(1 << attempt.min(5)));
                }
                status => bail!("the Admin API answered HTTP {status}"),
            }
        }
        bail!("the Admin API kept throttling after {MAX_RETRIES} retries")
    }

    /// Open a bulk operation's result file, from byte `offset` on. The file lives on Shopify's
    /// storage, not the shop: no token is sent with it. `Ok(None)` when the URL has expired.
    pub fn open_result(&self, url: &str, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        let allowed = if self.endpoint.loopback {
            url.starts_with("http://127.0.0.1:") || url.starts_with("http://[::1]:")
        } else {
            url.starts_with("https://")
        };
        if !allowed {
            // The query of a signed URL is what grants access to the file: never shown.
            let shown = url.split(['?', '#']).next().unwrap_or_default();
            bail!("refusing a bulk result URL that does not match the shop's transport: {shown}");
        }
        let mut request = self.agent.get(url);
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        let response = request
            .call()
            .context("failed to reach the bulk result file")?;
        let status = response.status().as_u16();
        http::refuse_redirect("the bulk result file", status)?;
        match status {
            200 if offset == 0 => Ok(Some(Box::new(response.into_body().into_reader()))),
            206 => Ok(Some(Box::new(response.into_body().into_reader()))),
            // Everything was read before: the range starts at the end of the file.
            416 => Ok(Some(Box::new(std::io::empty()))),
            200 => bail!("the bulk result file ignored the byte range (HTTP 200 instead of 206)"),
            400 | 403 | 404 | 410 => Ok(None),
            status => bail!("the bulk result file answered HTTP {status}"),
        }
    }
}

/// Shopify refused a query whose requested cost is over its single-query limit
/// (`MAX_COST_EXCEEDED`): the caller may ask again for a smaller page.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxCostExceeded {
    pub cost: f64,
    pub max_cost: f64,
}

impl std::fmt::Display for MaxCostExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the Admin API refused a query costing {} points (at most {} per query)",
            self.cost, self.max_cost
        )
    }
}

impl std::error::Error for MaxCostExceeded {}

fn max_cost_exceeded(errors: &Value) -> Option<MaxCostExceeded> {
    let extensions = errors
        .as_array()?
        .iter()
        .map(|e| &e["extensions"])
        .find(|x| x["code"] == "MAX_COST_EXCEEDED")?;
    Some(MaxCostExceeded {
        cost: extensions["cost"].as_f64().unwrap_or(f64::NAN),
        max_cost: extensions["maxCost"].as_f64().unwrap_or(f64::NAN),
    })
}

fn data(mut reply: Value) -> Result<Value> {
    if let Some(errors) = reply.get("errors") {
        if let Some(refused) = max_cost_exceeded(errors) {
            return Err(refused.into());
        }
        bail!("the Admin API returned errors: {errors}");
    }
    reply
        .get_mut("data")
        .map(Value::take)
        .context("a GraphQL reply without data")
}
