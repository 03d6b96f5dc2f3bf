//! The country's extra fields in the inline form (DESIGN.md "Country-specific fields"): one
//! control per schema type, labelled from the schema, with the same messages as the five
//! candidate fields. Choices with several answers are checkbox groups: keyboard usable and read
//! out as a group, unlike a `<select multiple>`.

use hwr_protocol::{ExtraValue, FieldOption, FieldType, FormField};
use js_sys::Reflect;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, EventTarget, HtmlInputElement, HtmlSelectElement};

use crate::flow::form_state::FormState;
use crate::flow::page::CountryList;
use crate::flow::Flow;
use crate::view::dom::{self, Scope};

/// One extra field: label (a legend for a group of choices), control, help text and message.
pub(crate) fn extra_field_view(
    scope: &mut Scope,
    fieldset: &Element,
    field: FormField,
    flow: Flow,
    id_prefix: &str,
) -> Element {
    let (form, lang) = (flow.form, flow.lang);
    let id = [id_prefix, "-x-", &field.name].concat();
    let error_id = [id.as_str(), "-error"].concat();
    let hint_id = [id.as_str(), "-hint"].concat();
    let group = matches!(
        field.field_type,
        FieldType::Radio | FieldType::Multiselect | FieldType::Countries
    );
    let base = match (group, field.required) {
        (false, false) => "hwr-field",
        (false, true) => "hwr-field hwr-field--required",
        (true, false) => "hwr-field hwr-field--group",
        (true, true) => "hwr-field hwr-field--group hwr-field--required",
    };
    let wrapper = dom::child(fieldset, if group { "fieldset" } else { "div" }, base);
    let label = dom::child(
        &wrapper,
        if group { "legend" } else { "label" },
        "hwr-field__label",
    );
    if !group {
        dom::attributes(&label, &[("for", &id)]);
    }
    label.set_text_content(Some(&field.label));
    let described_by = match &field.description {
        Some(description) => {
            let hint = dom::child(&wrapper, "p", "hwr-field__hint");
            dom::attributes(&hint, &[("id", &hint_id)]);
            hint.set_text_content(Some(description));
            [error_id.as_str(), " ", &hint_id].concat()
        }
        None => error_id.clone(),
    };

    let control = if group {
        let choices = dom::child(&wrapper, "div", "hwr-choices");
        dom::attributes(&wrapper, &[("aria-describedby", &described_by)]);
        // A radio group is a `radiogroup`, which takes `aria-invalid` and `aria-required`.
        if field.field_type == FieldType::Radio {
            dom::attributes(&wrapper, &[("role", "radiogroup")]);
            if field.required {
                dom::attributes(&wrapper, &[("aria-required", "true")]);
            }
        }
        choices_control(scope, &choices, &field, flow, &id);
        wrapper.clone()
    } else {
        let control = single_control(scope, &field, form, lang);
        dom::attributes(
            &control,
            &[
                ("id", &id),
                ("name", &field.name),
                ("aria-describedby", &described_by),
            ],
        );
        if field.required {
            dom::attributes(&control, &[("required", "")]);
        }
        let _ = wrapper.insert_before(&control, label.next_sibling().as_ref());
        control
    };

    let message = dom::child(&wrapper, "p", "hwr-field__error");
    dom::attributes(&message, &[("id", &error_id)]);
    let (shown_on, name) = (wrapper.clone(), field.name.clone());
    scope.effect(move || {
        let error = form
            .errors
            .get()
            .get(&name)
            .and_then(|m| m.first())
            .cloned();
        let class = if error.is_some() {
            [base, " hwr-field--invalid"].concat()
        } else {
            base.to_owned()
        };
        shown_on.set_class_name(&class);
        let _ = control.set_attribute("aria-invalid", dom::aria(error.is_some()));
        dom::flag(&message, "hidden", error.is_none());
        message.set_text_content(
            error
                .as_deref()
                .map(|m| lang.get().strings().field_message(m)),
        );
    });
    wrapper
}

/// A text, date or number input, or a `<select>` with an empty first choice.
fn single_control(
    scope: &mut Scope,
    field: &FormField,
    form: FormState,
    lang: Signal<crate::i18n::Lang>,
) -> Element {
    let name = field.name.clone();
    if field.field_type == FieldType::Select {
        let select = dom::create("select", "hwr-field__input hwr-field__select");
        let placeholder = dom::child(&select, "option", "");
        dom::attributes(&placeholder, &[("value", "")]);
        scope.effect(move || {
            placeholder.set_text_content(Some(lang.get().strings().choose_option));
        });
        for option in &field.options {
            let element = dom::child(&select, "option", "");
            dom::attributes(&element, &[("value", &option.value)]);
            element.set_text_content(Some(&option.label));
        }
        let chosen: HtmlSelectElement = select.clone().unchecked_into();
        scope.effect(move || chosen.set_value(&text_of(form.extra_values.get().get(&name))));
        return select;
    }
    let input = dom::create("input", "hwr-field__input");
    match field.field_type {
        FieldType::Date => {
            dom::attributes(&input, &[("type", "date")]);
            let bounded = input.clone();
            scope.effect(move || dom::attributes(&bounded, &[("min", &form.min_start.get())]));
        }
        FieldType::Number => dom::attributes(&input, &[("type", "number"), ("step", "1")]),
        _ => dom::attributes(&input, &[("type", "text")]),
    }
    let typed: HtmlInputElement = input.clone().unchecked_into();
    scope.effect(move || typed.set_value(&text_of(form.extra_values.get().get(&name))));
    input
}

/// Radio buttons, or checkboxes for several answers; a countries field without options offers
/// the page's hireable countries (alpha-3 values), rebuilt once they arrive.
fn choices_control(scope: &mut Scope, choices: &Element, field: &FormField, flow: Flow, id: &str) {
    let form = flow.form;
    let (field, id, choices) = (field.clone(), id.to_owned(), choices.clone());
    let mut inner = Scope::default();
    scope.effect(move || {
        let options: Vec<FieldOption> =
            if field.field_type == FieldType::Countries && field.options.is_empty() {
                match flow.countries() {
                    CountryList::Loaded(list) => list
                        .into_iter()
                        .map(|c| FieldOption {
                            value: c.code,
                            label: c.name,
                        })
                        .collect(),
                    _ => Vec::new(),
                }
            } else {
                field.options.clone()
            };
        inner.clear();
        choices.set_text_content(None);
        let kind = if field.field_type == FieldType::Radio {
            "radio"
        } else {
            "checkbox"
        };
        untrack(|| {
            for (index, option) in options.iter().enumerate() {
                let label = dom::child(&choices, "label", "hwr-choice");
                let input = dom::child(&label, "input", "hwr-choice__input");
                let option_id = [id.as_str(), "-", &index.to_string()].concat();
                dom::attributes(
                    &input,
                    &[
                        ("type", kind),
                        ("id", &option_id),
                        ("name", &field.name),
                        ("value", &option.value),
                    ],
                );
                if field.required && kind == "radio" {
                    dom::attributes(&input, &[("required", "")]);
                }
                let text = dom::child(&label, "span", "hwr-choice__label");
                text.set_text_content(Some(&option.label));
                let (checkbox, name, value): (HtmlInputElement, _, _) = (
                    input.unchecked_into(),
                    field.name.clone(),
                    option.value.clone(),
                );
                inner.effect(move || {
                    let on = match form.extra_values.get().get(&name) {
                        Some(ExtraValue::Text(text)) => *text == value,
                        Some(ExtraValue::Many(items)) => items.contains(&value),
                        _ => false,
                    };
                    checkbox.set_checked(on);
                });
            }
        });
    });
}

/// An answer as the text of an input or select.
fn text_of(value: Option<&ExtraValue>) -> String {
    match value {
        Some(ExtraValue::Text(text)) => text.clone(),
        Some(ExtraValue::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

/// The extra field and answer of an `input` or `change` event from one of its controls: a
/// checkbox's answer is every checked box of its group.
pub(crate) fn typed_extra(target: &EventTarget, form: FormState) -> Option<(String, ExtraValue)> {
    let text = |name: &str| {
        Reflect::get(target, &JsValue::from_str(name))
            .ok()?
            .as_string()
    };
    let name = text("name")?;
    let shown = form.extra_shown.get_untracked();
    shown.iter().find(|f| f.name == name)?;
    if text("type").as_deref() != Some("checkbox") {
        return Some((name, ExtraValue::Text(text("value")?)));
    }
    let group = target
        .dyn_ref::<Element>()?
        .closest(".hwr-choices")
        .ok()??;
    let checked = group.query_selector_all("input:checked").ok()?;
    let values = (0..checked.length())
        .filter_map(|i| checked.item(i))
        .filter_map(|node| node.dyn_into::<HtmlInputElement>().ok())
        .map(|input| input.value())
        .collect();
    Some((name, ExtraValue::Many(values)))
}
