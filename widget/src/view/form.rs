//! The small inline form that asks for missing or invalid candidate fields before anything is
//! sent, and shows the server's field errors next to their fields.

use hwr_protocol::{CandidateField, Country, FieldErrors};
use js_sys::Reflect;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use crate::flow::browser::today;
use crate::flow::form_state::FormState;
use crate::flow::page::CountryList;
use crate::flow::Flow;
use crate::i18n::Lang;
use crate::view::dom::{self, Scope};
use crate::view::extra_fields::{extra_field_view, typed_extra};

/// The field's first message, if it has one.
fn first_message(errors: &FieldErrors, field: CandidateField) -> Option<&String> {
    errors.get(field.as_str())?.first()
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
