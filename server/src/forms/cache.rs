//! The translated forms, per country and schema version, for `HWR_COUNTRIES_TTL_SECS`; an
//! expired one is still served while Remote fails.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use hwr_protocol::CountryForm;

/// Forms by (alpha-3, version).
pub(super) struct FormCache {
    ttl: Duration,
    forms: Mutex<HashMap<(String, u32), (CountryForm, Instant)>>,
}

impl FormCache {
    /// An empty cache keeping forms fresh for `ttl`.
    pub(super) fn new(ttl: Duration) -> Self {
        FormCache {
            ttl,
            forms: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, alpha3: &str, version: u32, fresh_only: bool) -> Option<CountryForm> {
        let forms = self.forms.lock().unwrap_or_else(|p| p.into_inner());
        let (form, at) = forms.get(&(alpha3.to_owned(), version))?;
        (!fresh_only || at.elapsed() < self.ttl).then(|| form.clone())
    }

    /// A form younger than the TTL.
    pub(super) fn fresh(&self, alpha3: &str, version: u32) -> Option<CountryForm> {
        self.get(alpha3, version, true)
    }

    /// Any form, however old.
    pub(super) fn stale(&self, alpha3: &str, version: u32) -> Option<CountryForm> {
        self.get(alpha3, version, false)
    }

    /// Keeps a form just read.
    pub(super) fn store(&self, alpha3: &str, version: u32, form: CountryForm) {
        self.forms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((alpha3.to_owned(), version), (form, Instant::now()));
    }
}
