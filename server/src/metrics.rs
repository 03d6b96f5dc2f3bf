//! Prometheus metrics, served on their own listener (`HWR_METRICS_LISTEN`, never on the main
//! one). Every metric is registered at start, and each known label value is created then, so a
//! scrape lists them at 0 before first use. The registry lives in the state (no global recorder),
//! so several backends in one process keep their own.

use std::{fmt, sync::Arc, time::Duration};

use prometheus_client::{
    encoding::{text::encode, EncodeLabelSet},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};

/// `route` and `status` of an HTTP request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteStatus {
    /// The matched route template (`unmatched` for none).
    pub route: String,
    /// The answer's status code.
    pub status: u16,
}

/// One label: what came of it.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    /// The outcome's name.
    pub outcome: String,
}

/// Which Remote endpoint.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Endpoint {
    /// `METHOD /path` with ids as `{id}`.
    pub endpoint: String,
}

/// Webhook direction and outcome.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Delivery {
    /// `in` (from Remote) or `out` (to the job site).
    pub direction: String,
    /// `delivered`, `failed` or `refused`.
    pub outcome: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Hire outcomes.
pub const HIRE_OUTCOMES: [&str; 5] = ["created", "replayed", "already_hired", "rejected", "failed"];
/// Token refresh outcomes.
pub const REFRESH_OUTCOMES: [&str; 3] = ["refreshed", "invalid_grant", "failed"];
/// The Remote endpoints the backend calls.
pub const ENDPOINTS: [&str; 12] = [
    "POST /auth/oauth2/token",
    "POST /v1/employments",
    "GET /v1/employments",
    "GET /v1/employments/{id}",
    "GET /v1/countries",
    "POST /v1/magic-link",
    "GET /v1/sso-url",
    "GET /v1/identity/current",
    "POST /v1/webhook-callbacks",
    "GET /v1/webhook-callbacks",
    "DELETE /v1/webhook-callbacks/{id}",
    "GET /v1/countries/{code}/employment_basic_information",
];

/// Every metric the backend keeps.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// `hwr_http_requests_total{route,status}`.
    pub http_requests: Family<RouteStatus, Counter>,
    /// `hwr_http_request_duration_seconds`.
    pub http_duration: Histogram,
    /// `hwr_hires_total{outcome}`.
    pub hires: Family<Outcome, Counter>,
    /// `hwr_upstream_request_duration_seconds{endpoint}`.
    pub upstream_duration: HistogramFamily<Endpoint>,
    /// `hwr_token_refreshes_total{outcome}`.
    pub token_refreshes: Family<Outcome, Counter>,
    /// `hwr_webhook_deliveries_total{direction,outcome}`.
    pub webhook_deliveries: Family<Delivery, Counter>,
    /// `hwr_breaker_open`: 1 while the circuit to Remote is open.
    pub breaker_open: Gauge,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric, with its known label values at 0.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<RouteStatus, Counter>::default();
        let http_duration = latency_histogram();
        let hires = Family::<Outcome, Counter>::default();
        let upstream_duration: HistogramFamily<Endpoint> =
            Family::new_with_constructor(latency_histogram);
        let token_refreshes = Family::<Outcome, Counter>::default();
        let webhook_deliveries = Family::<Delivery, Counter>::default();
        let breaker_open = Gauge::default();

        registry.register(
            "hwr_http_requests",
            "HTTP requests answered, by route template and status",
            http_requests.clone(),
        );
        registry.register(
            "hwr_http_request_duration_seconds",
            "Time to answer an HTTP request",
            http_duration.clone(),
        );
        registry.register("hwr_hires", "Hire requests, by outcome", hires.clone());
        registry.register(
            "hwr_upstream_request_duration_seconds",
            "Time Remote took to answer, by endpoint",
            upstream_duration.clone(),
        );
        registry.register(
            "hwr_token_refreshes",
            "Access-token refreshes, by outcome",
            token_refreshes.clone(),
        );
        registry.register(
            "hwr_webhook_deliveries",
            "Webhook deliveries, by direction and outcome",
            webhook_deliveries.clone(),
        );
        registry.register(
            "hwr_breaker_open",
            "1 while the circuit breaker to Remote is open",
            breaker_open.clone(),
        );

        for outcome in HIRE_OUTCOMES {
            let _ = hires.get_or_create(&label(outcome));
        }
        for outcome in REFRESH_OUTCOMES {
            let _ = token_refreshes.get_or_create(&label(outcome));
        }
        for endpoint in ENDPOINTS {
            let _ = upstream_duration.get_or_create(&Endpoint {
                endpoint: endpoint.to_owned(),
            });
        }
        for direction in ["in", "out"] {
            for outcome in ["delivered", "failed", "refused"] {
                let _ = webhook_deliveries.get_or_create(&Delivery {
                    direction: direction.to_owned(),
                    outcome: outcome.to_owned(),
                });
            }
        }
        let _ = http_requests.get_or_create(&RouteStatus {
            route: "/healthz".to_owned(),
            status: 200,
        });
        Metrics {
            registry: Arc::new(registry),
            http_requests,
            http_duration,
            hires,
            upstream_duration,
            token_refreshes,
            webhook_deliveries,
            breaker_open,
        }
    }

    /// One answered HTTP request.
    pub fn http_request(&self, route: &str, status: u16, took: Duration) {
        self.http_requests
            .get_or_create(&RouteStatus {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_duration.observe(took.as_secs_f64());
    }

    /// One hire request's outcome (one of [`HIRE_OUTCOMES`]).
    pub fn hire(&self, outcome: &str) {
        self.hires.get_or_create(&label(outcome)).inc();
    }

    /// One refresh's outcome (one of [`REFRESH_OUTCOMES`]).
    pub fn token_refresh(&self, outcome: &str) {
        self.token_refreshes.get_or_create(&label(outcome)).inc();
    }

    /// One webhook: `direction` `in` or `out`, `outcome` `delivered`, `failed` or `refused`.
    pub fn webhook(&self, direction: &str, outcome: &str) {
        self.webhook_deliveries
            .get_or_create(&Delivery {
                direction: direction.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// How long one call to Remote took.
    pub fn upstream(&self, endpoint: &str, took: Duration) {
        self.upstream_duration
            .get_or_create(&Endpoint {
                endpoint: endpoint.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Err(error) = encode(&mut text, &self.registry) {
            tracing::warn!(%error, "encoding the metrics failed");
        }
        text
    }
}

fn label(outcome: &str) -> Outcome {
    Outcome {
        outcome: outcome.to_owned(),
    }
}

/// The metrics listener's router: `GET /metrics`.
pub fn router(metrics: Metrics) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics.render(),
                )
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_listed_before_first_use() {
        let text = Metrics::new().render();
        for name in [
            "hwr_http_requests_total",
            "hwr_http_request_duration_seconds_bucket",
            "hwr_hires_total{outcome=\"created\"} 0",
            "hwr_upstream_request_duration_seconds_count{endpoint=\"POST /v1/employments\"} 0",
            "hwr_token_refreshes_total{outcome=\"invalid_grant\"} 0",
            "hwr_webhook_deliveries_total{direction=\"in\",outcome=\"delivered\"} 0",
            "hwr_breaker_open 0",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }
}
