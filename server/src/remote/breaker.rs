//! A circuit breaker for Remote: after a run of consecutive failures (5xx, timeouts, network
//! errors) calls fail fast for a cool-down, then one probe call decides whether to close again.
//! It keeps a struggling Remote from tying up every request for the full upstream timeout.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// Consecutive failures that open the circuit.
const THRESHOLD: u32 = 5;
/// How long it stays open.
const COOL_DOWN: Duration = Duration::from_secs(10);

/// Shared by every call to one Remote environment.
#[derive(Debug, Default)]
pub(super) struct CircuitBreaker {
    state: Mutex<BreakerState>,
}

#[derive(Debug, Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
}

impl CircuitBreaker {
    /// `Err(seconds)` while open; when the cool-down is over, lets one probe through.
    pub(super) fn admit(&self) -> Result<(), u64> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match state.open_until {
            Some(until) if Instant::now() < until => {
                Err(until.duration_since(Instant::now()).as_secs().max(1))
            }
            Some(_) => {
                // Half-open: this call probes; further calls wait until it reports.
                state.open_until = Some(Instant::now() + COOL_DOWN);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Records a call that reached Remote and got a non-5xx answer.
    pub(super) fn success(&self) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.failures = 0;
        state.open_until = None;
    }

    /// Records a 5xx, timeout or network failure.
    pub(super) fn failure(&self) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.failures += 1;
        if state.failures >= THRESHOLD {
            state.open_until = Some(Instant::now() + COOL_DOWN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_consecutive_failures_and_a_success_closes_it() {
        let breaker = CircuitBreaker::default();
        for _ in 0..THRESHOLD - 1 {
            breaker.failure();
        }
        assert!(breaker.admit().is_ok());
        breaker.failure();
        assert!(breaker.admit().is_err());
        breaker.success();
        assert!(breaker.admit().is_ok());
    }

    #[test]
    fn a_success_between_failures_resets_the_count() {
        let breaker = CircuitBreaker::default();
        for _ in 0..THRESHOLD - 1 {
            breaker.failure();
        }
        breaker.success();
        breaker.failure();
        assert!(breaker.admit().is_ok());
    }
}
