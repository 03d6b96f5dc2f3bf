//! The hire flow, step by step (DESIGN.md "The flow"): validate, consent when needed (popup, or
//! this window when the popup is blocked), hire with the attempt's idempotency key, and hand over
//! to onboarding. A consent carries the attempt, so the backend hires at the callback and the
//! flow's status brings the hire back: after Allow, one request. Every state change goes through
//! [`Flow`], so the view only renders.
//!
//! Its parts: [`state`] (the phase the view renders), [`form_state`] (what the inline form
//! holds), [`consent`] (the popup), [`redirect_return`] (consent in this window, and the way
//! back), [`page`] and [`hire_lookup`] (what all the page's widgets share), [`browser`] (the
//! window services the flow needs).

pub(crate) mod browser;
pub(crate) mod consent;
pub(crate) mod form_state;
mod hire_lookup;
pub(crate) mod page;
mod redirect_return;
pub(crate) mod state;

use hwr_protocol::{
    Candidate, CandidateField, ConnectionStatus, ErrorCode, FieldErrors, FieldType, FlowError,
    HireResponse,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::Window;

use browser::{country_name, current_url, navigate_top, new_idempotency_key, sleep, today};
use consent::{open_popup, show_consent_page, submit_start_form, wait_for_consent, ConsentOutcome};
use form_state::FormState;
use page::{ConnectionCheck, CountryList};
use redirect_return::Outcome;
use state::{HireError, Notice, Phase};

use crate::backend::api::{Api, ApiError};
use crate::backend::wire::HireStatus;
use crate::i18n::{fill, Lang, Strings, UNSUPPORTED_COUNTRY_FIELD};

/// How often `409 hire_in_progress` (the same key still running on the server) is waited out.
const MAX_IN_PROGRESS_RETRIES: u32 = 10;
const IN_PROGRESS_RETRY_MS: i32 = 1_000;

/// What happens after a successful hire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Redirect {
    /// Navigate the top window to Remote's onboarding page (the default).
    #[default]
    Auto,
    /// Stay on the page; the host handles `hwr:success` itself.
    None,
}

impl Redirect {
    /// `"none"` (any case) turns navigation off; anything else, or no attribute, keeps it on.
    pub fn from_attribute(value: Option<&str>) -> Redirect {
        match value {
            Some(v) if v.trim().eq_ignore_ascii_case("none") => Redirect::None,
            _ => Redirect::Auto,
        }
    }
}

/// One hire attempt: the candidate as sent and its key. Retrying the same candidate reuses the
/// key, so a retry after a lost answer can never create a second employment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attempt {
    candidate: Candidate,
    key: String,
}

/// How a consent the flow ran ended, for the hire waiting on it.
enum AfterConsent {
    /// Connected, and the backend already hired at the callback.
    Hired(HireResponse),
    /// Connected; the hire is still to be posted (the callback's hire failed or was not made).
    Connected,
    /// Not connected; the phase and events already say why.
    Stopped,
}

/// The widget's inputs, state and outputs, all reactive handles (hence `Copy`).
#[derive(Clone, Copy)]
pub(crate) struct Flow {
    pub(crate) backend: Signal<String>,
    pub(crate) token: Signal<String>,
    pub(crate) candidate: Signal<Candidate>,
    pub(crate) redirect: Signal<Redirect>,
    pub(crate) lang: Signal<Lang>,
    pub(crate) phase: RwSignal<Phase>,
    pub(crate) form: FormState,
    attempt: RwSignal<Option<Attempt>>,
    on_success: Option<Callback<HireResponse>>,
    on_error: Option<Callback<HireError>>,
    on_exit: Option<Callback<()>>,
    on_status: Option<Callback<HireStatus>>,
}

/// The component's props, handed to [`Flow::new`].
pub(crate) struct FlowProps {
    pub(crate) backend: Signal<String>,
    pub(crate) token: Signal<String>,
    pub(crate) candidate: Signal<Candidate>,
    pub(crate) redirect: Signal<Redirect>,
    pub(crate) lang: Signal<Lang>,
    pub(crate) phase: RwSignal<Phase>,
    pub(crate) on_success: Option<Callback<HireResponse>>,
    pub(crate) on_error: Option<Callback<HireError>>,
    pub(crate) on_exit: Option<Callback<()>>,
    pub(crate) on_status: Option<Callback<HireStatus>>,
}

impl Flow {
    pub(crate) fn new(props: FlowProps) -> Self {
        Flow {
            backend: props.backend,
            token: props.token,
            candidate: props.candidate,
            redirect: props.redirect,
            lang: props.lang,
            phase: props.phase,
            form: FormState::new(),
            attempt: RwSignal::new(None),
            on_success: props.on_success,
            on_error: props.on_error,
            on_exit: props.on_exit,
            on_status: props.on_status,
        }
    }

    /// The page's hireable countries for this backend and token (shared by every widget on the
    /// page), tracked.
    pub(crate) fn countries(self) -> CountryList {
        api_for(&self.backend.get(), &self.token.get())
            .map_or(CountryList::Unavailable, |api| page::countries(&api).get())
    }

    /// The candidate's hire when the company employs them already (the page's lookup, or this
    /// widget's own hire), tracked.
    pub(crate) fn hired(self) -> Option<HireStatus> {
        let api = api_for(&self.backend.get(), &self.token.get())?;
        hire_lookup::hire(&page::hires(&api), &self.candidate.get().personal_email)
    }

    /// Makes sure the page knows whether the user is connected (so that a connected employer's
    /// click needs no popup), for a complete-looking candidate which countries Remote can hire
    /// in (so that an unsupported one is refused before any popup), and, for a candidate with a
    /// valid email, whether they are hired already. Run in an effect, so again whenever backend,
    /// token or candidate change. The page asks once for all its widgets.
    pub(crate) fn prepare_page(self) {
        let Some(api) = api_for(&self.backend.get(), &self.token.get()) else {
            return;
        };
        page::check_connection(&api);
        let candidate = self.candidate.get().normalized();
        let errors = candidate.validate(today()).err();
        let email = CandidateField::PersonalEmail.as_str();
        if !errors.as_ref().is_some_and(|e| e.contains_key(email)) {
            hire_lookup::want(&page::hires(&api), &candidate.personal_email);
        }
        if errors.is_none() {
            page::load_countries(&api);
            if page::connection(&api) == ConnectionCheck::Known(ConnectionStatus::Connected) {
                page::prefetch_form(&api, &candidate.country_code);
            }
        }
    }

    /// Tells the host the candidate's hire status (`on_status`, `hwr:status`), after the current
    /// render: the listener may touch the widget.
    pub(crate) fn report_status(self, hire: HireStatus) {
        let Some(on_status) = self.on_status else {
            return;
        };
        queue_microtask(move || {
            if self.alive() {
                on_status.try_run(hire);
            }
        });
    }

    /// Shows how a redirect-mode consent this widget started ended, when the backend sent the
    /// person back here instead of to onboarding.
    pub(crate) fn show_redirect_outcome(self) {
        let Some(returned) = redirect_return::claim(&self.candidate.get_untracked()) else {
            return;
        };
        if let Some((candidate, key)) = returned.attempt {
            self.attempt.set(Some(Attempt { candidate, key }));
        }
        // Once mounted, so that listeners on the element hear the events.
        queue_microtask(move || {
            let strings = self.strings();
            match returned.outcome {
                Outcome::Denied => self.exit(Notice::ConsentDenied),
                Outcome::Expired => self.fail("consent_expired", strings.consent_expired),
                Outcome::Failed => self.fail("consent_failed", strings.consent_failed),
                Outcome::Error(code) => self.fail(&code, strings.redirect_failed),
            }
        });
    }

    /// The click (or Enter in the form). Runs synchronously up to the popup: browsers allow
    /// `window.open` only inside the user's gesture, before any `await`.
    pub(crate) fn submit(self) {
        if self.phase.get_untracked().is_busy() {
            return;
        }
        let candidate = self
            .form
            .merge(&self.candidate.get_untracked())
            .normalized();
        if let Err(errors) = candidate.validate(today()) {
            self.show_field_errors(errors, &candidate);
            self.phase.set(Phase::Idle);
            return;
        }
        self.form.errors.set(FieldErrors::new());
        let Some(api) = api_for(&self.backend.get_untracked(), &self.token.get_untracked()) else {
            self.fail("misconfigured", self.strings().misconfigured);
            return;
        };
        if let Some(message) = self.unsupported_country(&api, &candidate.country_code) {
            let field = CandidateField::CountryCode.as_str().to_owned();
            let errors = FieldErrors::from([(field, vec![UNSUPPORTED_COUNTRY_FIELD.to_owned()])]);
            self.show_field_errors(errors, &candidate);
            self.fail(ErrorCode::UnsupportedCountry.as_str(), &message);
            return;
        }
        match page::connection(&api) {
            ConnectionCheck::Known(ConnectionStatus::Connected) => {
                self.phase.set(Phase::Submitting);
                spawn_local(self.check_country_form_then_hire(api, candidate));
            }
            ConnectionCheck::Failed(ApiError::Network) => {
                // A popup would only show an error page: say what is wrong instead, and ask
                // again in the background so that the next click works once it is fixed.
                self.fail_unreachable(&api);
                page::check_connection(&api);
            }
            _ => {
                let key = self.key_for(&candidate);
                let popup = open_popup();
                self.phase.set(Phase::Connecting);
                spawn_local(self.connect_then_hire(api, candidate, key, popup));
            }
        }
    }

    /// With the page's country list loaded, a country outside it: the sentence to show. Nothing
    /// is sent and no popup opens; the server would refuse the hire anyway.
    fn unsupported_country(self, api: &Api, country: &str) -> Option<String> {
        let hireable = match page::countries(api).get_untracked() {
            CountryList::Loaded(list) => Some(list.iter().any(|c| {
                c.code.eq_ignore_ascii_case(country) || c.alpha_2_code.eq_ignore_ascii_case(country)
            })),
            _ => None,
        }?;
        if hireable {
            return None;
        }
        let lang = self.lang.try_get_untracked().unwrap_or_default();
        let name = country_name(country, lang.tag()).unwrap_or_else(|| country.to_owned());
        Some(fill(lang.strings().unsupported_country, &name))
    }

    /// Connected: the country's extra fields are known (the page fetches each country's form
    /// once), so a missing one is asked for before anything is sent. A form the backend cannot
    /// give leaves the check to the server's `validation_failed`.
    async fn check_country_form_then_hire(self, api: Api, candidate: Candidate) {
        if let Some(form) = page::country_form(&api, &candidate.country_code).await {
            if !self.alive() {
                return;
            }
            let errors = FormState::check_country_form(&form, &candidate);
            self.form.show_extras(&form, &errors, &candidate);
            if !errors.is_empty() {
                self.show_field_errors(errors, &candidate);
                return self.set_phase(Phase::Idle);
            }
        }
        let key = self.key_for(&candidate);
        self.hire(api, candidate, key).await
    }

    async fn connect_then_hire(
        self,
        api: Api,
        candidate: Candidate,
        key: String,
        popup: Option<Window>,
    ) {
        let Some(popup) = popup else {
            return self.consent_in_this_window(api, candidate, key).await;
        };
        if !matches!(page::connection(&api), ConnectionCheck::Known(_)) {
            // The page's check has not answered (or failed): wait for it, or ask again, and
            // spare the employer a consent page they do not need.
            match page::connection_status(&api).await {
                Ok(ConnectionStatus::Connected) => {
                    let _ = popup.close();
                    return self.hire(api, candidate, key).await;
                }
                Ok(_) => {}
                Err(ApiError::Network) => {
                    let _ = popup.close();
                    return self.fail_unreachable(&api);
                }
                Err(error) => {
                    let _ = popup.close();
                    return self.fail_api(error);
                }
            }
        }
        match self.run_consent(&api, popup, &candidate, &key).await {
            AfterConsent::Hired(hire) => self.succeed(&api, &candidate, hire),
            AfterConsent::Connected => self.hire(api, candidate, key).await,
            AfterConsent::Stopped => {}
        }
    }

    /// Shows consent in the popup and waits for it. The attempt goes with the flow, so that the
    /// backend hires at the callback and the flow's status brings the hire back.
    async fn run_consent(
        self,
        api: &Api,
        popup: Window,
        candidate: &Candidate,
        key: &str,
    ) -> AfterConsent {
        self.set_phase(Phase::Connecting);
        let outcome = match api.connect_popup(candidate, key).await {
            Ok(started) => match show_consent_page(&popup, &started) {
                Ok(()) => wait_for_consent(api, &started.flow_id, &popup).await,
                Err(_) => Ok(ConsentOutcome::Closed),
            },
            Err(error) => Err(error),
        };
        if !popup.closed().unwrap_or(true) {
            let _ = popup.close();
        }
        if !self.alive() {
            return AfterConsent::Stopped;
        }
        let strings = self.strings();
        match outcome {
            Ok(ConsentOutcome::Connected(hire)) => {
                page::set_connection(api, ConnectionStatus::Connected);
                return hire.map_or(AfterConsent::Connected, AfterConsent::Hired);
            }
            Ok(ConsentOutcome::Denied) => self.exit(Notice::ConsentDenied),
            Ok(ConsentOutcome::Closed) => self.exit(Notice::PopupClosed),
            Ok(ConsentOutcome::Expired) => self.fail("consent_expired", strings.consent_expired),
            Ok(ConsentOutcome::Failed(error, message)) => self.fail(
                match error {
                    // The flow's own code when it tells the host something it can act on.
                    Some(code @ FlowError::ConsentElsewhere) => code.as_str(),
                    _ => "consent_failed",
                },
                message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .unwrap_or(strings.consent_failed),
            ),
            Err(error) => self.fail_api(error),
        }
        AfterConsent::Stopped
    }

    /// Popup blocked: the backend runs consent in this window and completes the hire with this
    /// attempt's key itself, then sends the employer to onboarding.
    async fn consent_in_this_window(self, api: Api, candidate: Candidate, key: String) {
        self.set_phase(Phase::ConsentInThisWindow);
        match api.connect_redirect(&current_url(), &candidate, &key).await {
            Ok(started) if self.alive() => {
                redirect_return::remember(&self.candidate.get_untracked(), &candidate, &key);
                if submit_start_form(&started, "_top").is_err() {
                    self.fail("consent_failed", self.strings().consent_failed);
                }
            }
            Ok(_) => {}
            Err(error) => self.fail_api(error),
        }
    }

    async fn hire(self, api: Api, candidate: Candidate, key: String) {
        let mut in_progress_retries = 0;
        let mut consented_again = false;
        loop {
            self.set_phase(Phase::Submitting);
            let answer = api.hire(&candidate, &key).await;
            if !self.alive() {
                return;
            }
            let error = match answer {
                Ok(hire) => return self.succeed(&api, &candidate, hire),
                Err(ApiError::Server(error)) => error,
                Err(other) => return self.fail_api(other),
            };
            let code = error.code.as_str();
            if code == ErrorCode::HireInProgress.as_str()
                && in_progress_retries < MAX_IN_PROGRESS_RETRIES
            {
                in_progress_retries += 1;
                sleep(IN_PROGRESS_RETRY_MS, None).await;
                continue;
            }
            let lost_connection = if code == ErrorCode::ReconsentRequired.as_str() {
                ConnectionStatus::ReconsentRequired
            } else if code == ErrorCode::NotConnected.as_str() {
                ConnectionStatus::NotConnected
            } else {
                return self.fail_api(ApiError::Server(error));
            };
            page::set_connection(&api, lost_connection);
            if consented_again {
                return self.fail_api(ApiError::Server(error));
            }
            consented_again = true;
            // Still within the click's activation window this opens; otherwise one more click
            // does (the next submit sees the lost connection and opens the popup synchronously).
            let Some(popup) = open_popup() else {
                return self.set_phase(Phase::Notice(Notice::ReconsentNeeded));
            };
            match self.run_consent(&api, popup, &candidate, &key).await {
                AfterConsent::Hired(hire) => return self.succeed(&api, &candidate, hire),
                AfterConsent::Connected => {}
                AfterConsent::Stopped => return,
            }
        }
    }

    fn succeed(self, api: &Api, candidate: &Candidate, hire: HireResponse) {
        if !self.alive() {
            return;
        }
        self.attempt.set(None);
        let redirect = self.redirect.try_get_untracked().unwrap_or_default();
        self.set_phase(match (redirect, hire.already_hired) {
            (Redirect::Auto, _) => Phase::Redirecting,
            (Redirect::None, false) => Phase::Notice(Notice::Hired),
            (Redirect::None, true) => Phase::Notice(Notice::AlreadyHired),
        });
        hire_lookup::record(&page::hires(api), &candidate.personal_email, &hire);
        let redirect_url = hire.redirect_url.clone();
        if let Some(on_success) = self.on_success {
            on_success.try_run(hire);
        }
        if redirect == Redirect::Auto {
            navigate_top(&redirect_url);
        }
    }

    fn fail_api(self, error: ApiError) {
        if !self.alive() {
            return;
        }
        let strings = self.strings();
        match error {
            ApiError::Network => self.fail("network_error", strings.network),
            ApiError::Unexpected => self.fail("unexpected_response", strings.unexpected_answer),
            ApiError::Server(error) => {
                let mut fields = error.fields;
                if error.code == ErrorCode::UnsupportedCountry.as_str() && fields.is_empty() {
                    fields.insert("country_code".to_owned(), vec![error.message.clone()]);
                }
                if !fields.is_empty() {
                    let current = self.form.merge(&self.candidate.get_untracked());
                    self.show_field_errors(fields, &current);
                }
                let message = if error.message.is_empty() {
                    strings.unexpected_answer
                } else {
                    &error.message
                };
                self.fail(&error.code, message);
            }
        }
    }

    /// The backend did not answer at all: down, or (most often, on a new site) refusing this
    /// page's origin, which the browser reports as a failed request.
    fn fail_unreachable(self, api: &Api) {
        let message = fill(self.strings().unreachable, api.backend());
        self.fail("backend_unreachable", &message);
    }

    fn fail(self, code: &str, message: &str) {
        if !self.alive() {
            return;
        }
        self.set_phase(Phase::Failed {
            code: code.to_owned(),
            message: message.to_owned(),
        });
        if let Some(on_error) = self.on_error {
            on_error.try_run(HireError {
                code: code.to_owned(),
                message: message.to_owned(),
            });
        }
    }

    fn exit(self, notice: Notice) {
        if !self.alive() {
            return;
        }
        self.set_phase(Phase::Notice(notice));
        if let Some(on_exit) = self.on_exit {
            on_exit.try_run(());
        }
    }

    fn show_field_errors(self, errors: FieldErrors, current: &Candidate) {
        // A message for a field that is not one of the five (nor shown yet) is about one of the
        // country's extra fields: the country's form says how to ask for it.
        let shown = self.form.extra_shown.get_untracked();
        let unknown = errors.keys().any(|name| {
            !CandidateField::ALL.iter().any(|f| f.as_str() == name)
                && !shown.iter().any(|f| f.name == *name)
        });
        if let Some(api) = unknown
            .then(|| api_for(&self.backend.get_untracked(), &self.token.get_untracked()))
            .flatten()
        {
            let (errors, current) = (errors.clone(), current.clone());
            spawn_local(async move {
                if let Some(form) = page::country_form(&api, &current.country_code).await {
                    if self.alive() {
                        self.form.show_extras(&form, &errors, &current);
                        if form
                            .fields
                            .iter()
                            .any(|f| f.field_type == FieldType::Countries && f.options.is_empty())
                        {
                            page::load_countries(&api);
                        }
                    }
                }
            });
        }
        self.form.show_errors(errors, current);
        if self.form.shows_country() {
            if let Some(api) = api_for(&self.backend.get_untracked(), &self.token.get_untracked()) {
                page::load_countries(&api);
            }
        }
    }

    /// The attempt's key: kept while the candidate is unchanged, new otherwise (the server
    /// refuses one key with two different bodies).
    fn key_for(self, candidate: &Candidate) -> String {
        let kept = self
            .attempt
            .get_untracked()
            .filter(|a| a.candidate == *candidate)
            .map(|a| a.key);
        kept.unwrap_or_else(|| {
            let key = new_idempotency_key();
            self.attempt.set(Some(Attempt {
                candidate: candidate.clone(),
                key: key.clone(),
            }));
            key
        })
    }

    fn strings(self) -> &'static Strings {
        self.lang.try_get_untracked().unwrap_or_default().strings()
    }

    /// False once the widget was unmounted while a request was in flight (the attempt signal
    /// is the flow's own, so it goes with the component's owner).
    fn alive(self) -> bool {
        !self.attempt.is_disposed()
    }

    fn set_phase(self, phase: Phase) {
        self.phase.try_set(phase);
    }
}

fn api_for(backend: &str, token: &str) -> Option<Api> {
    (!backend.is_empty() && !token.is_empty())
        .then(|| Api::new(backend.to_owned(), token.to_owned()))
}
