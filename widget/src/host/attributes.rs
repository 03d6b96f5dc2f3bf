//! The `<hire-with-remote>` element's attributes and what they mean, parsed without the DOM so the
//! rules (which attribute fills which candidate field, `redirect="none"`, `lang`) live in one place.

use std::collections::BTreeMap;

use hwr_protocol::{Candidate, CandidateField, ExtraValue};
use wasm_bindgen::JsValue;

use crate::backend::wire;
use crate::flow::form_state::set_field;
pub use crate::flow::Redirect;
use crate::i18n::Lang;

/// Every attribute the custom element observes; the loader's `observedAttributes` is this list.
pub const OBSERVED_ATTRIBUTES: [&str; 10] = [
    "backend",
    "token",
    "full-name",
    "job-title",
    "personal-email",
    "provisional-start-date",
    "country-code",
    "extra",
    "redirect",
    "lang",
];

/// The candidate field an attribute fills, if it is one of the five candidate attributes.
pub fn candidate_field(attribute: &str) -> Option<CandidateField> {
    match attribute {
        "full-name" => Some(CandidateField::FullName),
        "job-title" => Some(CandidateField::JobTitle),
        "personal-email" => Some(CandidateField::PersonalEmail),
        "provisional-start-date" => Some(CandidateField::ProvisionalStartDate),
        "country-code" => Some(CandidateField::CountryCode),
        _ => None,
    }
}

/// Everything the element's attributes configure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElementConfig {
    /// Base URL of the backend, without a trailing slash.
    pub backend: String,
    /// The site token, sent as `Authorization: Bearer`.
    pub token: String,
    /// The candidate, field by field from the attributes.
    pub candidate: Candidate,
    /// Navigation after success.
    pub redirect: Redirect,
    /// Display language; `None` when the attribute is absent (the caller picks a fallback).
    pub lang: Option<Lang>,
}

impl ElementConfig {
    /// Builds the configuration from `(name, value)` pairs, as read from the element.
    pub fn from_attributes<'a>(attributes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut config = ElementConfig::default();
        for (name, value) in attributes {
            config.apply(name, Some(value));
        }
        config
    }

    /// Applies one attribute change; `None` means the attribute was removed. Returns whether the
    /// attribute is one the widget cares about.
    pub fn apply(&mut self, name: &str, value: Option<&str>) -> bool {
        match name {
            "backend" => self.backend = normalize_backend(value.unwrap_or_default()),
            "token" => self.token = value.unwrap_or_default().trim().to_owned(),
            "redirect" => self.redirect = Redirect::from_attribute(value),
            "lang" => self.lang = value.filter(|v| !v.trim().is_empty()).map(Lang::from_tag),
            "extra" => self.candidate.extra = extra_attribute(value.unwrap_or_default()),
            _ => match candidate_field(name) {
                Some(field) => set_field(
                    &mut self.candidate,
                    field,
                    value.unwrap_or_default().to_owned(),
                ),
                None => return false,
            },
        }
        true
    }
}

/// The `extra` attribute (`{"tax_job_category":"engineering"}`): the country's extra fields,
/// pre-filled. Anything but a JSON object is ignored, with a warning in the console for the job
/// site's engineers.
fn extra_attribute(text: &str) -> BTreeMap<String, ExtraValue> {
    if text.trim().is_empty() {
        return BTreeMap::new();
    }
    wire::extra_attribute(text).unwrap_or_else(|| {
        web_sys::console::warn_1(&JsValue::from_str(
            "hire-with-remote: the extra attribute is not a JSON object; it is ignored.",
        ));
        BTreeMap::new()
    })
}

/// Trims whitespace and trailing slashes so paths can be appended with one `/`.
pub(crate) fn normalize_backend(value: &str) -> String {
    value.trim().trim_end_matches('/').to_owned()
}
