//! The small inline form that asks for missing or invalid candidate fields before anything is
//! sent, and shows the server's field errors next to their fields.

use std::collections::BTreeMap;

use hwr_protocol::{
    Candidate, CandidateField, Country, CountryForm, ExtraValue, FieldErrors, FieldType, FormField,
};
use js_sys::Reflect;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use crate::attributes::set_field;
use crate::browser::today;
use crate::dom::{self, Scope};
use crate::extra_fields::{extra_field_view, typed_extra};
use crate::flow::Flow;
use crate::i18n::{Lang, TOO_EARLY_FIELD};

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

/// The field's first message, if it has one.
fn first_message(errors: &FieldErrors, field: CandidateField) -> Option<&String> {
    errors.get(field.as_str())?.first()
}

/// The hireable countries for the country `<select>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum CountryList {
    /// Not asked for yet.
    #[default]
    NotLoaded,
    /// Being fetched; a text input stands in.
    Loading,
    /// From `GET /api/v1/countries`.
    Loaded(Vec<Country>),
    /// The fetch failed; a text input for the ISO code stands in for good.
    Unavailable,
}

/// The fieldset with one labelled control per shown field, in `root` before `before` (the
/// button) while there is something to ask. `id_prefix` keeps element ids unique when several
/// widgets share a document; the fieldset is disabled while a request is in flight.
pub(crate) fn inline_form(
    scope: &mut Scope,
    root: &Element,
    before: &Element,
    flow: Flow,
    id_prefix: String,
) {
    let (form, phase, lang) = (flow.form, flow.phase, flow.lang);
    let fieldset = dom::create("fieldset", "hwr-form");
    let legend = dom::child(&fieldset, "legend", "hwr-form__legend");
    scope.effect(move || legend.set_text_content(Some(lang.get().strings().form_legend)));
    let disabled = fieldset.clone();
    scope.effect(move || dom::flag(&disabled, "disabled", phase.get().is_busy()));
    // One listener for every control; capture, because `input` from a script need not bubble.
    scope.listen(&fieldset, &["input", "change"], true, move |event| {
        let Some(target) = event.target() else {
            return;
        };
        if let Some((field, value)) = typed_value(&target) {
            form.typed(field, value);
        } else if let Some((name, value)) = typed_extra(&target, form) {
            form.typed_extra(&name, value);
        }
    });

    let (root, before) = (root.clone(), before.clone());
    let mut fields = Scope::default();
    let mut field_elements: Vec<Element> = Vec::new();
    scope.effect(move || {
        let (shown, extras) = (form.shown.get(), form.extra_shown.get());
        for element in field_elements.drain(..) {
            element.remove();
        }
        fields.clear();
        if shown.is_empty() && extras.is_empty() {
            fieldset.remove();
            return;
        }
        // The fields track their own signals; this effect only follows which are shown.
        untrack(|| {
            for field in shown {
                let element = field_view(&mut fields, &fieldset, field, flow, &id_prefix);
                field_elements.push(element);
            }
            for field in extras {
                let element = extra_field_view(&mut fields, &fieldset, field, flow, &id_prefix);
                field_elements.push(element);
            }
        });
        if fieldset.parent_node().is_none() {
            let _ = root.insert_before(&fieldset, Some(&before));
        }
    });
}

/// The field and value of an `input` or `change` event from one of the form's controls.
fn typed_value(target: &web_sys::EventTarget) -> Option<(CandidateField, String)> {
    let text = |name: &str| {
        Reflect::get(target, &JsValue::from_str(name))
            .ok()?
            .as_string()
    };
    let name = text("name")?;
    let field = CandidateField::ALL
        .into_iter()
        .find(|field| field.as_str() == name)?;
    Some((field, text("value")?))
}

/// One field: label, control (a `<select>` of hireable countries once loaded) and message.
fn field_view(
    scope: &mut Scope,
    fieldset: &Element,
    field: CandidateField,
    flow: Flow,
    id_prefix: &str,
) -> Element {
    let (form, lang) = (flow.form, flow.lang);
    let name = field.as_str();
    let id = [id_prefix, "-", name].concat();
    let error_id = [id.as_str(), "-error"].concat();
    let wrapper = dom::child(fieldset, "div", "hwr-field");
    let label = dom::child(&wrapper, "label", "hwr-field__label");
    dom::attributes(&label, &[("for", &id)]);
    scope.effect(move || label.set_text_content(Some(lang.get().strings().label(field))));
    let message = dom::child(&wrapper, "p", "hwr-field__error");
    dom::attributes(&message, &[("id", &error_id)]);
    let (shown_on, text) = (wrapper.clone(), message.clone());
    scope.effect(move || {
        let error = first_message(&form.errors.get(), field).cloned();
        shown_on.set_class_name(if error.is_some() {
            "hwr-field hwr-field--invalid"
        } else {
            "hwr-field"
        });
        dom::flag(&text, "hidden", error.is_none());
        text.set_text_content(
            error
                .as_deref()
                .map(|m| lang.get().strings().field_message(m)),
        );
    });

    let control = Control {
        field,
        form,
        id,
        error_id,
    };
    match field {
        CandidateField::CountryCode => {
            // No list (yet): the ISO code by hand still works, the server checks it.
            let (wrapper, mut controls, mut current) = (wrapper.clone(), Scope::default(), None);
            scope.effect(move || {
                let countries = flow.countries();
                controls.clear();
                let element = untrack(|| match countries {
                    CountryList::Loaded(list) => {
                        country_select(&mut controls, &control, list, lang)
                    }
                    _ => input_control(&mut controls, &control, "text"),
                });
                let _ = match current.replace(element.clone()) {
                    Some(old) => old.replace_with_with_node_1(&element),
                    None => wrapper.insert_before(&element, Some(&message)).map(drop),
                };
            });
        }
        CandidateField::ProvisionalStartDate => {
            let input = input_control(scope, &control, "date");
            // Today, or the country form's earliest start when that is later.
            let bounded = input.clone();
            scope.effect(move || {
                let today = today().to_string();
                let min = form.min_start.get().max(today);
                dom::attributes(&bounded, &[("min", &min)]);
            });
            let _ = wrapper.insert_before(&input, Some(&message));
        }
        CandidateField::PersonalEmail | CandidateField::FullName | CandidateField::JobTitle => {
            let kind = if field == CandidateField::PersonalEmail {
                "email"
            } else {
                "text"
            };
            let input = input_control(scope, &control, kind);
            let _ = wrapper.insert_before(&input, Some(&message));
        }
    }
    wrapper
}

/// What every control of one field shares.
struct Control {
    field: CandidateField,
    form: FormState,
    id: String,
    error_id: String,
}

impl Control {
    /// The control element with its id, name and accessibility attributes.
    fn element(&self, scope: &mut Scope, tag: &str, class: &str) -> Element {
        let element = dom::create(tag, class);
        dom::attributes(
            &element,
            &[
                ("id", &self.id),
                ("name", self.field.as_str()),
                ("required", ""),
                ("aria-describedby", &self.error_id),
            ],
        );
        let (errors, field, invalid) = (self.form.errors, self.field, element.clone());
        scope.effect(move || {
            let on = first_message(&errors.get(), field).is_some();
            let _ = invalid.set_attribute("aria-invalid", dom::aria(on));
        });
        element
    }
}

fn input_control(scope: &mut Scope, control: &Control, kind: &str) -> Element {
    let input = control.element(scope, "input", "hwr-field__input");
    dom::attributes(&input, &[("type", kind)]);
    let (values, field) = (control.form.values, control.field);
    let typed: HtmlInputElement = input.clone().unchecked_into();
    scope.effect(move || typed.set_value(values.get().get(field)));
    input
}

fn country_select(
    scope: &mut Scope,
    control: &Control,
    list: Vec<Country>,
    lang: Signal<Lang>,
) -> Element {
    let select = control.element(scope, "select", "hwr-field__input hwr-field__select");
    let placeholder = dom::child(&select, "option", "");
    dom::attributes(&placeholder, &[("value", "")]);
    scope.effect(move || placeholder.set_text_content(Some(lang.get().strings().choose_country)));
    for country in &list {
        let option = dom::child(&select, "option", "");
        dom::attributes(&option, &[("value", &country.alpha_2_code)]);
        option.set_text_content(Some(&country.name));
    }
    let (values, field) = (control.form.values, control.field);
    let chosen: HtmlSelectElement = select.clone().unchecked_into();
    scope.effect(move || {
        let current = values.get().get(field).trim().to_ascii_uppercase();
        let option = list
            .iter()
            .find(|c| c.alpha_2_code == current || c.code == current)
            .map_or("", |c| c.alpha_2_code.as_str());
        chosen.set_value(option);
    });
    select
}
