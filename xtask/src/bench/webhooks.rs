//! Remote's webhooks → the backend: how fast `POST /webhooks/remote` is answered while Remote is
//! slow to answer the employment re-read (300 ms) and the job site's webhook endpoint hangs for
//! 2 s and then fails; the budget is p99 ≤ 50 ms. The bench binary measures it; this renders its
//! budget row.

use super::measurements::WebhookLatency;

/// The budget: p99 of the backend's answer to a delivery.
pub(crate) const BUDGET_P99_MS: f64 = 50.0;

/// The budget row.
pub(crate) fn budget_row(latency: &WebhookLatency) -> String {
    let met = latency.p99_ms <= BUDGET_P99_MS && latency.refused == 0;
    format!(
        "| a webhook from Remote answered ≤ {BUDGET_P99_MS:.0} ms p99, with Remote 300 ms slow and the job site hanging 2 s | p99 {:.1} ms (p50 {:.1}, max {:.1}) over {} deliveries, {} not answered 200 | {} |\n",
        latency.p99_ms,
        latency.p50_ms,
        latency.max_ms,
        latency.answered,
        latency.refused,
        if met { "met" } else { "**missed**" }
    )
}
