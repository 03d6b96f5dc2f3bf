//! The small inline form that asks for missing or invalid candidate fields before anything is
//! sent, and shows the server's field errors next to their fields.

use hwr_protocol::{Candidate, CandidateField, Country, FieldErrors};
use leptos::prelude::*;

use crate::attributes::set_field;
use crate::browser::today;
use crate::i18n::Strings;

/// The form's state: which fields it shows, what the employer typed, and the messages per field.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormState {
    /// Fields on display, in form order. Empty: no form.
    pub(crate) shown: RwSignal<Vec<CandidateField>>,
    /// What was typed; only the shown fields count.
    pub(crate) values: RwSignal<Candidate>,
    /// Messages by field wire name, from local validation or the server.
    pub(crate) errors: RwSignal<FieldErrors>,
}

impl FormState {
    pub(crate) fn new() -> Self {
        FormState {
            shown: RwSignal::new(Vec::new()),
            values: RwSignal::new(Candidate::default()),
            errors: RwSignal::new(FieldErrors::new()),
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
        merged
    }

    /// Shows the fields named in `errors` (keeping those already shown) with their messages;
    /// a newly shown field starts from the current value so a bad email can be corrected in place.
    pub(crate) fn show_errors(&self, errors: FieldErrors, current: &Candidate) {
        let named: Vec<CandidateField> = CandidateField::ALL
            .into_iter()
            .filter(|field| errors.contains_key(field.as_str()))
            .collect();
        let already = self.shown.get_untracked();
        self.values.update(|values| {
            for field in named.iter().filter(|f| !already.contains(f)) {
                set_field(values, *field, current.get(*field).to_owned());
            }
        });
        let shown: Vec<CandidateField> = CandidateField::ALL
            .into_iter()
            .filter(|field| already.contains(field) || named.contains(field))
            .collect();
        if shown != already {
            self.shown.set(shown);
        }
        self.errors.set(errors);
    }

    /// True when the country field is on display (the country list is then worth fetching).
    pub(crate) fn shows_country(&self) -> bool {
        self.shown
            .with_untracked(|shown| shown.contains(&CandidateField::CountryCode))
    }
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

/// The fieldset with one labelled control per shown field; `id_prefix` keeps element ids unique
/// when several widgets share a document, `disabled` is true while a request is in flight.
pub(crate) fn inline_form(
    form: FormState,
    countries: Signal<CountryList>,
    strings: Signal<&'static Strings>,
    id_prefix: String,
    disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <Show when=move || form.shown.with(|shown| !shown.is_empty())>
            <fieldset class="hwr-form" disabled=disabled>
                <legend class="hwr-form__legend">{move || strings.get().form_legend}</legend>
                {
                    let id_prefix = id_prefix.clone();
                    move || {
                        form.shown
                            .get()
                            .into_iter()
                            .map(|field| {
                                field_view(field, form, countries, strings, &id_prefix)
                            })
                            .collect_view()
                    }
                }
            </fieldset>
        </Show>
    }
}

fn field_view(
    field: CandidateField,
    form: FormState,
    countries: Signal<CountryList>,
    strings: Signal<&'static Strings>,
    id_prefix: &str,
) -> impl IntoView {
    let id = format!("{id_prefix}-{}", field.as_str());
    let error_id = format!("{id}-error");
    let error = move || {
        form.errors
            .with(|errors| errors.get(field.as_str()).and_then(|m| m.first().cloned()))
    };
    let control = Control {
        field,
        form,
        id: id.clone(),
        error_id: error_id.clone(),
    };
    let input = match field {
        CandidateField::CountryCode => {
            (move || country_control(control.clone(), countries, strings)).into_any()
        }
        CandidateField::ProvisionalStartDate => {
            input_control(control, "date", Some(today().to_string())).into_any()
        }
        CandidateField::PersonalEmail => input_control(control, "email", None).into_any(),
        CandidateField::FullName | CandidateField::JobTitle => {
            input_control(control, "text", None).into_any()
        }
    };
    view! {
        <div class="hwr-field" class:hwr-field--invalid=move || error().is_some()>
            <label class="hwr-field__label" for=id>
                {move || strings.get().label(field)}
            </label>
            {input}
            <p class="hwr-field__error" id=error_id hidden=move || error().is_none()>
                {move || error().map(|m| strings.get().field_message(&m).to_owned())}
            </p>
        </div>
    }
}

/// What every control of one field shares.
#[derive(Clone)]
struct Control {
    field: CandidateField,
    form: FormState,
    id: String,
    error_id: String,
}

impl Control {
    fn invalid(&self) -> impl Fn() -> &'static str + Send + Sync + Copy + 'static {
        let (errors, name) = (self.form.errors, self.field.as_str());
        move || {
            if errors.with(|e| e.contains_key(name)) {
                "true"
            } else {
                "false"
            }
        }
    }

    fn value(&self) -> impl Fn() -> String + Send + Sync + Copy + 'static {
        let (values, field) = (self.form.values, self.field);
        move || values.with(|c| c.get(field).to_owned())
    }

    /// Stores what was typed and clears the field's message: it is about the old value.
    fn on_input(&self) -> impl Fn(String) + Send + Sync + Copy + 'static {
        let (form, field) = (self.form, self.field);
        move |value: String| {
            form.values.update(|c| set_field(c, field, value));
            if form
                .errors
                .with_untracked(|e| e.contains_key(field.as_str()))
            {
                form.errors.update(|e| {
                    e.remove(field.as_str());
                });
            }
        }
    }
}

fn input_control(control: Control, kind: &'static str, min: Option<String>) -> impl IntoView {
    let on_input = control.on_input();
    view! {
        <input
            class="hwr-field__input"
            id=control.id.clone()
            name=control.field.as_str()
            type=kind
            min=min
            required=true
            aria-invalid=control.invalid()
            aria-describedby=control.error_id.clone()
            prop:value=control.value()
            on:input=move |ev| on_input(event_target_value(&ev))
        />
    }
}

fn country_control(
    control: Control,
    countries: Signal<CountryList>,
    strings: Signal<&'static Strings>,
) -> AnyView {
    let CountryList::Loaded(list) = countries.get() else {
        // No list (yet): the ISO code by hand still works, the server checks it.
        return input_control(control, "text", None).into_any();
    };
    let on_input = control.on_input();
    let value = control.value();
    let options = list
        .into_iter()
        .map(
            |Country {
                 code,
                 alpha_2_code,
                 name,
             }| {
                let option_value = alpha_2_code.clone();
                let selected = move || {
                    let current = value().trim().to_ascii_uppercase();
                    current == alpha_2_code || current == code
                };
                view! { <option value=option_value selected=selected>{name}</option> }
            },
        )
        .collect_view();
    view! {
        <select
            class="hwr-field__input hwr-field__select"
            id=control.id.clone()
            name=control.field.as_str()
            required=true
            aria-invalid=control.invalid()
            aria-describedby=control.error_id.clone()
            on:change=move |ev| on_input(event_target_value(&ev))
        >
            <option value="">{move || strings.get().choose_country}</option>
            {options}
        </select>
    }
    .into_any()
}
