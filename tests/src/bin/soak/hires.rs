//! The workers: each hires one new candidate after another (unique email, fresh
//! `Idempotency-Key`) and retries each hire as the widget does, always with the same key: on no
//! answer, a 5xx, a 429 (after its `Retry-After`, capped) or a 409 `hire_in_progress`, back off
//! 200 ms – 2 s and try again, up to 15 attempts. Any other 4xx is the hire's final answer: a
//! "clear error" when the body has our error shape. After the run, hires still without an
//! answer are retried the same way (faults off) until they have one.

use std::{
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use hwr_protocol::IDEMPOTENCY_KEY_HEADER;
use reqwest::{header, Client};
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::{consent::SiteUser, observe::Observer, ORIGIN};

/// Attempts per hire during the run.
const RUN_ATTEMPTS: u32 = 15;
/// Attempts per unresolved hire after the run.
const RESOLVE_ATTEMPTS: u32 = 25;
/// How long the reconciliation may take in all.
const RESOLVE_WINDOW: Duration = Duration::from_secs(150);
/// Hires retried at once after the run.
const RESOLVE_CONCURRENCY: usize = 32;
/// Shortest and longest back-off between attempts.
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// The longest `Retry-After` honoured.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(3);

/// Where a hire ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No final answer (yet).
    Pending,
    /// 201 with its ids.
    Created {
        hire_id: String,
        employment_id: String,
    },
    /// A 4xx in our error shape.
    ClearError { status: u16, code: String },
    /// A final answer that is neither: a 4xx without our shape, a 201 without the ids, a 2xx/3xx.
    Unclear { status: u16, body: String },
}

impl Outcome {
    /// True once the hire has a final answer.
    pub(crate) fn is_final(&self) -> bool {
        !matches!(self, Outcome::Pending)
    }
}

/// Everything known about one hire.
#[derive(Debug, Clone)]
pub(crate) struct HireRecord {
    pub(crate) key: String,
    pub(crate) email: String,
    pub(crate) user: String,
    token: String,
    candidate: Value,
    pub(crate) outcome: Outcome,
    /// Every status seen, in order; 0 for a request that got no answer.
    pub(crate) statuses: Vec<u16>,
    /// How long the attempt that gave the final answer took.
    pub(crate) final_latency: Option<Duration>,
    /// True when the answer came only after the run, during reconciliation.
    pub(crate) resolved_after_run: bool,
    /// Onboarding links the backend answered with (for the leak scan).
    pub(crate) redirect_urls: Vec<String>,
    /// The last non-final answer, for the report when the hire never resolves.
    pub(crate) last_answer: String,
}

impl HireRecord {
    /// A record with `outcome`, for the verdict's tests.
    #[cfg(test)]
    pub(crate) fn for_test(email: &str, outcome: Outcome, statuses: Vec<u16>) -> HireRecord {
        HireRecord {
            key: uuid::Uuid::new_v4().to_string(),
            email: email.to_owned(),
            user: "u1".to_owned(),
            token: String::new(),
            candidate: Value::Null,
            outcome,
            statuses,
            final_latency: Some(Duration::from_millis(10)),
            resolved_after_run: false,
            redirect_urls: Vec::new(),
            last_answer: String::new(),
        }
    }
}

/// What the workers share.
pub(crate) struct Shared {
    client: Client,
    backend: String,
    users: Vec<SiteUser>,
    observer: Arc<Observer>,
    requests: AtomicU64,
    in_flight: AtomicUsize,
    next: AtomicUsize,
    /// Employments answered 201 so far: their hires are recorded, so Remote's webhooks about
    /// them reach a hire (the status mover picks from these).
    told: Mutex<Vec<String>>,
    run_tag: String,
    start_date: String,
    countries: Vec<&'static str>,
}

impl Shared {
    pub(crate) fn new(
        client: Client,
        backend: String,
        users: Vec<SiteUser>,
        observer: Arc<Observer>,
    ) -> Shared {
        let start_date = (chrono::Utc::now().date_naive() + chrono::Days::new(45))
            .format("%Y-%m-%d")
            .to_string();
        let countries: Vec<&'static str> = hwr_sandbox::countries()
            .iter()
            .filter(|c| c.eor_onboarding)
            .map(|c| c.alpha_2_code)
            .take(8)
            .collect();
        Shared {
            client,
            backend,
            users,
            observer,
            requests: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            told: Mutex::new(Vec::new()),
            run_tag: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            start_date,
            countries,
        }
    }

    /// Hire requests sent so far.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Hire requests waiting for their answer right now.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Employments answered 201 so far, in the order they were told.
    pub(crate) fn told_employments(&self) -> Vec<String> {
        self.told.lock().map(|t| t.clone()).unwrap_or_default()
    }

    fn new_hire(&self) -> HireRecord {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let user = &self.users[n % self.users.len()];
        let email = format!("soak.{}.{n}@example.com", self.run_tag);
        let country = self
            .countries
            .get(n % self.countries.len().max(1))
            .copied()
            .unwrap_or("PT");
        HireRecord {
            key: uuid::Uuid::new_v4().to_string(),
            user: user.id.clone(),
            token: user.token.clone(),
            candidate: json!({
                "full_name": format!("Soak Candidate {n}"),
                "job_title": "Software Engineer",
                "personal_email": email,
                "provisional_start_date": self.start_date,
                "country_code": country,
            }),
            email,
            outcome: Outcome::Pending,
            statuses: Vec::new(),
            final_latency: None,
            resolved_after_run: false,
            redirect_urls: Vec::new(),
            last_answer: String::new(),
        }
    }
}

/// One worker: new hires until `deadline`; a hire still retrying at the deadline is left for
/// the reconciliation.
pub(crate) async fn worker(
    shared: Arc<Shared>,
    index: usize,
    deadline: Instant,
) -> Vec<HireRecord> {
    let mut records = Vec::new();
    // Spread the first requests over 200 ms rather than all at once.
    tokio::time::sleep(Duration::from_millis((index as u64 * 7) % 200)).await;
    while Instant::now() < deadline && records.len() < 100_000 {
        let mut record = shared.new_hire();
        pursue(&shared, &mut record, RUN_ATTEMPTS, deadline).await;
        records.push(record);
    }
    records
}

/// Retries every hire without a final answer (faults are off by now) until it has one, within
/// [`RESOLVE_WINDOW`].
pub(crate) async fn resolve(shared: Arc<Shared>, records: Vec<HireRecord>) -> Vec<HireRecord> {
    let deadline = Instant::now() + RESOLVE_WINDOW;
    let (mut done, pending): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|r| r.outcome.is_final());
    let gate = Arc::new(tokio::sync::Semaphore::new(RESOLVE_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for mut record in pending {
        let shared = Arc::clone(&shared);
        let gate = Arc::clone(&gate);
        tasks.spawn(async move {
            let _permit = gate.acquire().await;
            pursue(&shared, &mut record, RESOLVE_ATTEMPTS, deadline).await;
            if record.outcome.is_final() {
                record.resolved_after_run = true;
            }
            record
        });
    }
    while let Some(record) = tasks.join_next().await {
        match record {
            Ok(record) => done.push(record),
            Err(error) => eprintln!("soak: a reconciliation task failed: {error}"),
        }
    }
    done
}

/// What to do after an attempt.
enum Next {
    Done,
    Wait(Duration),
    BackOff,
}

/// Attempts the hire until it has a final answer, `max_attempts` are spent or `deadline` passes.
async fn pursue(shared: &Shared, record: &mut HireRecord, max_attempts: u32, deadline: Instant) {
    let mut attempt = 0u32;
    while attempt < max_attempts && !record.outcome.is_final() && Instant::now() < deadline {
        attempt += 1;
        let wait = match once(shared, record).await {
            Next::Done => return,
            Next::Wait(wait) => wait.clamp(BACKOFF_MIN, RETRY_AFTER_CAP),
            Next::BackOff => backoff(attempt),
        };
        tokio::time::sleep(wait).await;
    }
}

/// 200 ms × 2^(attempt-1), capped at 2 s, with full jitter above 200 ms.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_MIN
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(8))
        .min(BACKOFF_MAX);
    let spread = ceiling.saturating_sub(BACKOFF_MIN).as_millis() as u64;
    let jitter = if spread == 0 {
        0
    } else {
        (uuid::Uuid::new_v4().as_u128() as u64) % (spread + 1)
    };
    BACKOFF_MIN + Duration::from_millis(jitter)
}

/// One `POST /api/v1/hires`.
async fn once(shared: &Shared, record: &mut HireRecord) -> Next {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    shared.in_flight.fetch_add(1, Ordering::Relaxed);
    let sent = shared
        .client
        .post(format!("{}/api/v1/hires", shared.backend))
        .header(header::ORIGIN, ORIGIN)
        .bearer_auth(&record.token)
        .header(IDEMPOTENCY_KEY_HEADER, &record.key)
        .json(&record.candidate)
        .send()
        .await;
    shared.in_flight.fetch_sub(1, Ordering::Relaxed);
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            shared.observer.network_error(&error);
            record.statuses.push(0);
            record.last_answer = format!("no answer: {error}");
            return Next::BackOff;
        }
    };
    let answer = shared.observer.read("POST /api/v1/hires", response).await;
    let latency = started.elapsed();
    record.statuses.push(answer.status);
    let code = answer.error_code().map(str::to_owned);
    match answer.status {
        201 => {
            let json = answer.json.as_ref();
            let field = |name: &str| {
                json.and_then(|j| j.get(name))
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            };
            match (
                field("hire_id"),
                field("employment_id"),
                field("redirect_url"),
            ) {
                (Some(hire_id), Some(employment_id), Some(redirect_url)) => {
                    record.redirect_urls.push(redirect_url);
                    if let Ok(mut told) = shared.told.lock() {
                        told.push(employment_id.clone());
                    }
                    record.outcome = Outcome::Created {
                        hire_id,
                        employment_id,
                    };
                }
                _ => {
                    record.outcome = Outcome::Unclear {
                        status: 201,
                        body: excerpt(&answer.body),
                    };
                }
            }
            record.final_latency = Some(latency);
            Next::Done
        }
        429 => {
            record.last_answer = excerpt(&answer.body);
            answer
                .retry_after
                .map_or(Next::BackOff, |s| Next::Wait(Duration::from_secs(s)))
        }
        409 if code.as_deref() == Some("hire_in_progress") => {
            record.last_answer = excerpt(&answer.body);
            answer
                .retry_after
                .map_or(Next::BackOff, |s| Next::Wait(Duration::from_secs(s)))
        }
        500..=599 => {
            record.last_answer = excerpt(&answer.body);
            Next::BackOff
        }
        status @ 400..=499 => {
            record.outcome = match code {
                Some(code) => Outcome::ClearError { status, code },
                None => Outcome::Unclear {
                    status,
                    body: excerpt(&answer.body),
                },
            };
            record.final_latency = Some(latency);
            Next::Done
        }
        status => {
            record.outcome = Outcome::Unclear {
                status,
                body: excerpt(&answer.body),
            };
            record.final_latency = Some(latency);
            Next::Done
        }
    }
}

fn excerpt(body: &str) -> String {
    body.chars().take(300).collect()
}
