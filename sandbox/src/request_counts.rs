//! How many requests each Remote route received since the last reset, faulted or not, and how
//! many of those a fault fired on (delayed, hung, failed, refused or created-then-failed).
//! Reported under `requests` by `GET /__sandbox/state`.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::faults::ROUTES;

/// The counts, keyed `"METHOD /route/pattern"`.
#[derive(Default)]
pub(crate) struct RequestCounts(HashMap<String, RouteCount>);

/// One route's counts.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RouteCount {
    /// Every request that arrived, whatever answered it (a fault, a 401, the handler).
    pub(crate) received: u64,
    /// Those a fault fired on.
    pub(crate) faulted: u64,
}

impl RequestCounts {
    /// Counts one request on `route`, and whether a fault fired on it.
    pub(crate) fn record(&mut self, route: &str, faulted: bool) {
        let count = self.0.entry(route.to_owned()).or_default();
        count.received += 1;
        if faulted {
            count.faulted += 1;
        }
    }

    /// `{"METHOD /pattern": {"received","faulted"}}` for every route fault injection knows,
    /// zeros included, and any other route that received something.
    pub(crate) fn to_json(&self) -> Value {
        let mut routes = Map::new();
        let known = ROUTES.iter().map(|route| (*route, RouteCount::default()));
        let seen = self.0.iter().map(|(route, count)| (route.as_str(), *count));
        for (route, count) in known.chain(seen) {
            let counts = json!({"received": count.received, "faulted": count.faulted});
            routes.insert(route.to_owned(), counts);
        }
        Value::Object(routes)
    }
}
