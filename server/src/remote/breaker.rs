//! A circuit breaker for Remote, shared by the REST calls and the token endpoint of one
//! environment. It opens when at least half of the last 30 seconds' calls failed (5xx, timeouts,
//! network errors), counting only once 20 calls were made: a few failures in a row under load
//! are noise, a Remote that fails most calls is down. While open, calls fail fast for a
//! cool-down; then one probe call decides whether to close again.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use prometheus_client::metrics::gauge::Gauge;

/// Fewest calls in the window before the ratio counts.
const MIN_CALLS: u32 = 20;
/// The window is this many buckets …
const BUCKETS: usize = 6;
/// … of this many seconds each.
const BUCKET_SECS: u64 = 5;
/// How long it stays open.
const COOL_DOWN: Duration = Duration::from_secs(10);

/// Shared by every call to one Remote environment.
#[derive(Debug)]
pub struct CircuitBreaker {
    started: Instant,
    state: Mutex<BreakerState>,
    /// 1 while open (`hwr_breaker_open`).
    open_gauge: Gauge,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::new(Gauge::default())
    }
}

#[derive(Debug, Default)]
struct BreakerState {
    /// Per bucket: (its number since start, calls, failures).
    window: [(u64, u32, u32); BUCKETS],
    open_until: Option<Instant>,
    /// A half-open probe is out: its answer closes or reopens the circuit.
    probing: bool,
}

impl BreakerState {
    fn record(&mut self, bucket: u64, failed: bool) {
        let slot = &mut self.window[(bucket % BUCKETS as u64) as usize];
        if slot.0 != bucket {
            *slot = (bucket, 0, 0);
        }
        slot.1 += 1;
        if failed {
            slot.2 += 1;
        }
    }

    /// Calls and failures in the buckets still inside the window.
    fn totals(&self, bucket: u64) -> (u32, u32) {
        self.window
            .iter()
            .filter(|(number, _, _)| bucket.saturating_sub(*number) < BUCKETS as u64)
            .fold((0, 0), |(calls, failures), (_, c, f)| {
                (calls + c, failures + f)
            })
    }
}

impl CircuitBreaker {
    /// A closed breaker that reports its state in `open_gauge`.
    pub fn new(open_gauge: Gauge) -> Self {
        CircuitBreaker {
            started: Instant::now(),
            state: Mutex::new(BreakerState::default()),
            open_gauge,
        }
    }

    fn bucket(&self, at: Instant) -> u64 {
        at.duration_since(self.started).as_secs() / BUCKET_SECS
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(seconds)` while open; when the cool-down is over, lets one probe through.
    pub fn admit(&self) -> Result<(), u64> {
        let mut state = self.lock();
        let now = Instant::now();
        match state.open_until {
            Some(until) if now < until => Err(until.duration_since(now).as_secs().max(1)),
            Some(_) => {
                // Half-open: this call probes; further calls wait until it reports.
                state.open_until = Some(now + COOL_DOWN);
                state.probing = true;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records a call that reached Remote and got a non-5xx answer.
    pub fn success(&self) {
        let mut state = self.lock();
        let bucket = self.bucket(Instant::now());
        if std::mem::take(&mut state.probing) {
            // The probe says Remote is back: start counting afresh.
            state.window = Default::default();
            state.open_until = None;
            self.open_gauge.set(0);
        }
        state.record(bucket, false);
    }

    /// Records a 5xx, timeout or network failure.
    pub fn failure(&self) {
        let mut state = self.lock();
        let now = Instant::now();
        let bucket = self.bucket(now);
        state.record(bucket, true);
        let (calls, failures) = state.totals(bucket);
        if std::mem::take(&mut state.probing) || (calls >= MIN_CALLS && failures * 2 >= calls) {
            state.open_until = Some(now + COOL_DOWN);
            self.open_gauge.set(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_a_row_do_not_open_the_circuit() {
        let breaker = CircuitBreaker::default();
        for _ in 0..5 {
            breaker.failure();
        }
        assert!(breaker.admit().is_ok());
    }

    #[test]
    fn the_circuit_opens_when_half_of_at_least_twenty_calls_failed() {
        let breaker = CircuitBreaker::default();
        for _ in 0..10 {
            breaker.success();
        }
        for _ in 0..9 {
            breaker.failure();
        }
        assert!(breaker.admit().is_ok(), "19 calls: too few to judge");
        breaker.failure();
        assert!(breaker.admit().is_err(), "10 of 20 failed");
    }

    #[test]
    fn a_mostly_healthy_remote_keeps_the_circuit_closed() {
        let breaker = CircuitBreaker::default();
        for _ in 0..100 {
            breaker.success();
            breaker.success();
            breaker.failure();
        }
        assert!(breaker.admit().is_ok(), "a third failing is not down");
    }

    #[test]
    fn a_successful_probe_closes_the_circuit_and_a_failed_one_reopens_it() {
        let breaker = CircuitBreaker::default();
        for _ in 0..20 {
            breaker.failure();
        }
        assert!(breaker.admit().is_err());
        assert_eq!(breaker.open_gauge.get(), 1, "the gauge says open");
        // The cool-down is over: one probe goes through.
        breaker.lock().open_until = Some(Instant::now());
        assert!(breaker.admit().is_ok());
        breaker.failure();
        assert!(breaker.admit().is_err(), "a failed probe reopens at once");
        breaker.lock().open_until = Some(Instant::now());
        assert!(breaker.admit().is_ok());
        breaker.success();
        assert!(breaker.admit().is_ok());
        breaker.failure();
        assert!(
            breaker.admit().is_ok(),
            "counting starts afresh after the probe"
        );
    }
}
