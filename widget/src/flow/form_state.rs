//! The inline form's state: which fields it shows, what the employer typed and the messages per
//! field. The flow fills and reads it; the view (`view/form.rs`, `view/extra_fields.rs`) renders
//! it.

use std::collections::BTreeMap;

use hwr_protocol::{
    Candidate, CandidateField, CountryForm, ExtraValue, FieldErrors, FieldType, FormField,
};
use leptos::prelude::*;

use crate::i18n::TOO_EARLY_FIELD;

/// The form's state: which fields it shows, what the employer typed, and the messages per field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormState {
    /// Fields on display, in form order. Empty: no form.
    pub(crate) shown: RwSignal<Vec<CandidateField>>,
    /// What was typed; only the shown fields count.
    pub(crate) values: RwSignal<Candidate>,
    /// Messages by field wire name, from local validation or the server.
    pub(crate) errors: RwSignal<FieldErrors>,
    /// The country's extra fields on display, in the country form's order. Empty: none.
    pub(crate) extra_shown: RwSignal<Vec<FormField>>,
    /// What was chosen or typed into them, by field name (a number as typed, converted when sent).
    pub(crate) extra_values: RwSignal<BTreeMap<String, ExtraValue>>,
    /// The earliest start date the country's form allows; empty when it does not say.
    pub(crate) min_start: RwSignal<String>,
}

impl FormState {
    pub(crate) fn new() -> Self {
        FormState {
            shown: RwSignal::new(Vec::new()),
            values: RwSignal::new(Candidate::default()),
            errors: RwSignal::new(FieldErrors::new()),
            extra_shown: RwSignal::new(Vec::new()),
            extra_values: RwSignal::new(BTreeMap::new()),
            min_start: RwSignal::new(String::new()),
        }
    }

    /// The candidate to send: typed values for the shown fields, the host's values elsewhere.
    pub(crate) fn merge(&self, from_host: &Candidate) -> Candidate {
        let shown = self.shown.get_untracked();
        let typed = self.values.get_untracked();
        let mut merged = from_host.clone();
        for field in shown {
            set_field(&mut merged, field, typed.get(field).to_owned());
        }
        // The shown extra fields' answers replace the host's; an emptied one is left out. (A
        // new map filled by `insert`: collecting one, or `remove`, costs the bundle kilobytes.)
        let extra_shown = self.extra_shown.get_untracked();
        let extra_values = self.extra_values.get_untracked();
        let mut extra = BTreeMap::new();
        for (name, value) in &merged.extra {
            if !extra_shown.iter().any(|f| f.name == *name) {
                extra.insert(name.clone(), value.clone());
            }
        }
        for field in &extra_shown {
            let value = match extra_values.get(&field.name) {
                Some(ExtraValue::Text(text)) if field.field_type == FieldType::Number => text
                    .trim()
                    .parse()
                    .map_or_else(|_| ExtraValue::Text(text.clone()), ExtraValue::Number),
                Some(other) => other.clone(),
                None => continue,
            };
            if !is_empty(&value) {
                extra.insert(field.name.clone(), value);
            }
        }
        merged.extra = extra;
        merged
    }

    /// What the country's form needs that `candidate` lacks: its required extra fields without
    /// an answer, and a start date before the form's earliest one.
    pub(crate) fn check_country_form(form: &CountryForm, candidate: &Candidate) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for field in form.fields.iter().filter(|f| f.required) {
            if candidate.extra.get(&field.name).is_none_or(is_empty) {
                errors.insert(field.name.clone(), vec![REQUIRED.to_owned()]);
            }
        }
        if let Some(min) = &form.min_start_date {
            // `YYYY-MM-DD` (already validated) sorts as dates do.
            if candidate.provisional_start_date.as_str() < min.as_str() {
                let field = CandidateField::ProvisionalStartDate.as_str().to_owned();
                errors.insert(field, vec![TOO_EARLY_FIELD.to_owned()]);
            }
        }
        errors
    }

    /// Shows the country form's fields named in `errors` (keeping those of this form already
    /// shown; another country's go), starting from the candidate's answers, and honours the
    /// form's earliest start date.
    pub(crate) fn show_extras(
        &self,
        form: &CountryForm,
        errors: &FieldErrors,
        current: &Candidate,
    ) {
        let already = self.extra_shown.get_untracked();
        let shown: Vec<FormField> = form
            .fields
            .iter()
            .filter(|f| errors.contains_key(&f.name) || already.iter().any(|a| a.name == f.name))
            .cloned()
            .collect();
        let mut values = self.extra_values.get_untracked();
        for field in shown
            .iter()
            .filter(|f| !already.iter().any(|a| a.name == f.name))
        {
            if let Some(value) = current.extra.get(&field.name) {
                let value = match value {
                    ExtraValue::Number(number) => ExtraValue::Text(number.to_string()),
                    other => other.clone(),
                };
                values.insert(field.name.clone(), value);
            }
        }
        self.extra_values.set(values);
        if shown != already {
            self.extra_shown.set(shown);
        }
        let min_start = form.min_start_date.clone().unwrap_or_default();
        if self.min_start.get_untracked() != min_start {
            self.min_start.set(min_start);
        }
    }

    /// Stores an extra field's answer and clears its message, as [`FormState::typed`] does.
    pub(crate) fn typed_extra(&self, name: &str, value: ExtraValue) {
        let mut values = self.extra_values.get_untracked();
        values.insert(name.to_owned(), value);
        self.extra_values.set(values);
        let mut errors = self.errors.get_untracked();
        if let Some(messages) = errors.get_mut(name).filter(|m| !m.is_empty()) {
            messages.clear();
            self.errors.set(errors);
        }
    }

    /// Shows the fields named in `errors` (keeping those already shown) with their messages;
    /// a newly shown field starts from the current value so a bad email can be corrected in place.
    pub(crate) fn show_errors(&self, errors: FieldErrors, current: &Candidate) {
        let named: Vec<CandidateField> = CandidateField::ALL
            .into_iter()
            .filter(|field| errors.contains_key(field.as_str()))
            .collect();
        let already = self.shown.get_untracked();
        let mut values = self.values.get_untracked();
        for field in named.iter().filter(|f| !already.contains(f)) {
            set_field(&mut values, *field, current.get(*field).to_owned());
        }
        self.values.set(values);
        let shown: Vec<CandidateField> = CandidateField::ALL
            .into_iter()
            .filter(|field| already.contains(field) || named.contains(field))
            .collect();
        if shown != already {
            self.shown.set(shown);
        }
        self.errors.set(errors);
    }

    /// Stores what was typed into `field` and clears its message: it is about the old value.
    /// (Emptied rather than removed: `BTreeMap::remove` alone costs the bundle about 3 KB.)
    pub(crate) fn typed(&self, field: CandidateField, value: String) {
        let mut values = self.values.get_untracked();
        set_field(&mut values, field, value);
        self.values.set(values);
        let mut errors = self.errors.get_untracked();
        if let Some(messages) = errors.get_mut(field.as_str()).filter(|m| !m.is_empty()) {
            messages.clear();
            self.errors.set(errors);
        }
    }

    /// True when some field has a message (untracked).
    pub(crate) fn has_errors(&self) -> bool {
        self.errors
            .get_untracked()
            .values()
            .any(|messages| !messages.is_empty())
    }

    /// True when the country field is on display (the country list is then worth fetching).
    pub(crate) fn shows_country(&self) -> bool {
        self.shown
            .get_untracked()
            .contains(&CandidateField::CountryCode)
    }
}

/// The message `Candidate::validate` gives a missing field.
const REQUIRED: &str = "is required";

/// An unanswered extra field (an empty text, no choice).
fn is_empty(value: &ExtraValue) -> bool {
    match value {
        ExtraValue::Text(text) => text.trim().is_empty(),
        ExtraValue::Many(items) => items.is_empty(),
        ExtraValue::Number(_) | ExtraValue::Flag(_) => false,
    }
}

/// Sets one candidate field.
pub(crate) fn set_field(candidate: &mut Candidate, field: CandidateField, value: String) {
    let slot = match field {
        CandidateField::FullName => &mut candidate.full_name,
        CandidateField::JobTitle => &mut candidate.job_title,
        CandidateField::PersonalEmail => &mut candidate.personal_email,
        CandidateField::ProvisionalStartDate => &mut candidate.provisional_start_date,
        CandidateField::CountryCode => &mut candidate.country_code,
    };
    *slot = value;
}
