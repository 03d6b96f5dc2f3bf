//! The JSON bodies of the backend contract, read and written with the browser's own `JSON`
//! instead of serde_json: the same shapes as `hwr_protocol`, for a much smaller wasm.

use std::collections::BTreeMap;

use hwr_protocol::{
    Candidate, ConnectResponse, ConnectionStatus, Country, CountryForm, ExtraValue, FieldOption,
    FieldType, FlowError, FlowResponse, FlowStatus, FormField, HireResponse,
};
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::JsValue;

/// The inside of `{"error": {...}}`. The code stays a string so that a code added to the server
/// later still reaches the host's `hwr:error` listener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServerError {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) fields: BTreeMap<String, Vec<String>>,
}

/// A hire of one of the page's candidates: the detail of `hwr:status` and what `on_status`
/// receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HireStatus {
    /// Our id for the hire.
    pub hire_id: String,
    /// Remote's employment id.
    pub employment_id: String,
    /// Remote's employment status (`created`, `invited`, `active`, …, or one Remote adds later).
    pub status: String,
}

/// A parsed body; every reader answers `None` when a required field is missing.
pub(crate) struct Body(JsValue);

impl Body {
    /// Parses response text; `None` for anything that is not a JSON object.
    pub(crate) fn parse(text: &str) -> Option<Body> {
        JSON::parse(text).ok().filter(JsValue::is_object).map(Body)
    }

    fn text(&self, name: &str) -> Option<String> {
        text_field(&self.0, name)
    }

    /// `GET /api/v1/connection`.
    pub(crate) fn connection_status(&self) -> Option<ConnectionStatus> {
        match self.text("status")?.as_str() {
            "connected" => Some(ConnectionStatus::Connected),
            "not_connected" => Some(ConnectionStatus::NotConnected),
            "reconsent_required" => Some(ConnectionStatus::ReconsentRequired),
            _ => None,
        }
    }

    fn list(&self, name: &str) -> Option<Array> {
        let list = Reflect::get(&self.0, &JsValue::from_str(name)).ok()?;
        Array::is_array(&list).then(|| Array::from(&list))
    }

    /// `GET /api/v1/countries`; entries missing a field are skipped.
    pub(crate) fn countries(&self) -> Option<Vec<Country>> {
        let countries = self
            .list("countries")?
            .iter()
            .filter_map(|entry| {
                Some(Country {
                    code: text_field(&entry, "code")?,
                    alpha_2_code: text_field(&entry, "alpha_2_code")?,
                    name: text_field(&entry, "name")?,
                })
            })
            .collect();
        Some(countries)
    }

    /// `GET /api/v1/countries/{code}/form`; fields without a name, a label or a known type are
    /// skipped (a type added to the server later is left to the server's own check), and so are
    /// options missing a field.
    pub(crate) fn country_form(&self) -> Option<CountryForm> {
        let fields = self
            .list("fields")?
            .iter()
            .filter_map(|entry| {
                let field_type = match text_field(&entry, "type")?.as_str() {
                    "text" => FieldType::Text,
                    "select" => FieldType::Select,
                    "multiselect" => FieldType::Multiselect,
                    "date" => FieldType::Date,
                    "number" => FieldType::Number,
                    "radio" => FieldType::Radio,
                    "countries" => FieldType::Countries,
                    _ => return None,
                };
                let options = Reflect::get(&entry, &JsValue::from_str("options"))
                    .ok()
                    .filter(Array::is_array)
                    .map(|list| Array::from(&list).iter().collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|option| {
                        Some(FieldOption {
                            value: text_field(&option, "value")?,
                            label: text_field(&option, "label")?,
                        })
                    })
                    .collect();
                Some(FormField {
                    name: text_field(&entry, "name")?,
                    label: text_field(&entry, "label")?,
                    field_type,
                    required: Reflect::get(&entry, &JsValue::from_str("required"))
                        .ok()
                        .and_then(|flag| flag.as_bool())
                        .unwrap_or(false),
                    options,
                    description: text_field(&entry, "description"),
                })
            })
            .collect();
        Some(CountryForm {
            country_code: self.text("country_code").unwrap_or_default(),
            json_schema_version: Reflect::get(&self.0, &JsValue::from_str("json_schema_version"))
                .ok()
                .and_then(|n| n.as_f64())
                .map_or(0, |n| n as u32),
            fields,
            min_start_date: self.text("min_start_date"),
        })
    }

    /// `POST /api/v1/connect`.
    pub(crate) fn connect_response(&self) -> Option<ConnectResponse> {
        Some(ConnectResponse {
            flow_id: self.text("flow_id")?,
            start_url: self.text("start_url")?,
            start_ticket: self.text("start_ticket")?,
        })
    }

    /// `GET /api/v1/flows/{flow_id}`.
    pub(crate) fn flow(&self) -> Option<FlowResponse> {
        let status = match self.text("status")?.as_str() {
            "pending" => FlowStatus::Pending,
            "connected" => FlowStatus::Connected,
            "denied" => FlowStatus::Denied,
            "expired" => FlowStatus::Expired,
            "failed" => FlowStatus::Failed,
            _ => return None,
        };
        let hire = Reflect::get(&self.0, &JsValue::from_str("hire")).ok();
        Some(FlowResponse {
            status,
            error: self.text("error").as_deref().and_then(FlowError::from_wire),
            message: self.text("message"),
            hire: hire.as_ref().and_then(hire_from),
        })
    }

    /// `POST /api/v1/hires`.
    pub(crate) fn hire(&self) -> Option<HireResponse> {
        hire_from(&self.0)
    }

    /// `GET /api/v1/hires`: `(candidate.personal_email, hire)` in the backend's order; entries
    /// without an id, an employment, a status or an email are skipped. The other fields
    /// (`user`, `company_id`, the dates) are the job site's server's business, not the button's.
    pub(crate) fn hires(&self) -> Option<Vec<(String, HireStatus)>> {
        let hires = self
            .list("hires")?
            .iter()
            .filter_map(|entry| {
                let candidate = Reflect::get(&entry, &JsValue::from_str("candidate")).ok()?;
                let hire = HireStatus {
                    hire_id: text_field(&entry, "hire_id")?,
                    employment_id: text_field(&entry, "employment_id")?,
                    status: text_field(&entry, "status").filter(|s| !s.is_empty())?,
                };
                Some((text_field(&candidate, "personal_email")?, hire))
            })
            .collect();
        Some(hires)
    }

    /// `{"error": {"code", "message", "fields"?}}`.
    pub(crate) fn error(&self) -> Option<ServerError> {
        let error = Reflect::get(&self.0, &JsValue::from_str("error")).ok()?;
        let mut fields = BTreeMap::new();
        if let Ok(map) = Reflect::get(&error, &JsValue::from_str("fields")) {
            if map.is_object() {
                for entry in Object::entries(&Object::from(map)).iter() {
                    let pair = Array::from(&entry);
                    let (Some(name), messages) = (pair.get(0).as_string(), pair.get(1)) else {
                        continue;
                    };
                    let messages: Vec<String> = if Array::is_array(&messages) {
                        Array::from(&messages)
                            .iter()
                            .filter_map(|m| m.as_string())
                            .collect()
                    } else {
                        messages.as_string().into_iter().collect()
                    };
                    fields.insert(name, messages);
                }
            }
        }
        Some(ServerError {
            code: text_field(&error, "code")?,
            message: text_field(&error, "message").unwrap_or_default(),
            fields,
        })
    }
}

/// The candidate as the JSON object the backend expects.
pub(crate) fn candidate_object(candidate: &Candidate) -> Object {
    let object = Object::new();
    set(&object, "full_name", &candidate.full_name);
    set(&object, "job_title", &candidate.job_title);
    set(&object, "personal_email", &candidate.personal_email);
    set(
        &object,
        "provisional_start_date",
        &candidate.provisional_start_date,
    );
    set(&object, "country_code", &candidate.country_code);
    if !candidate.extra.is_empty() {
        let extra = Object::new();
        for (name, value) in &candidate.extra {
            let value = match value {
                ExtraValue::Text(text) => JsValue::from_str(text),
                ExtraValue::Many(items) => items
                    .iter()
                    .map(|i| JsValue::from_str(i))
                    .collect::<Array>()
                    .into(),
                ExtraValue::Number(number) => JsValue::from_f64(*number as f64),
                ExtraValue::Flag(flag) => JsValue::from_bool(*flag),
            };
            let _ = Reflect::set(&extra, &JsValue::from_str(name), &value);
        }
        let _ = Reflect::set(&object, &JsValue::from_str("extra"), &extra);
    }
    object
}

/// An `extra` object (`{name: value}`) as the candidate's extra values: strings, arrays of
/// strings, whole numbers and booleans; anything else is left out.
pub(crate) fn extra_from(value: &JsValue) -> BTreeMap<String, ExtraValue> {
    let mut extra = BTreeMap::new();
    if !value.is_object() || Array::is_array(value) {
        return extra;
    }
    for entry in Object::entries(&Object::from(value.clone())).iter() {
        let pair = Array::from(&entry);
        let (Some(name), item) = (pair.get(0).as_string(), pair.get(1)) else {
            continue;
        };
        let read = if let Some(text) = item.as_string() {
            Some(ExtraValue::Text(text))
        } else if let Some(flag) = item.as_bool() {
            Some(ExtraValue::Flag(flag))
        } else if let Some(number) = item.as_f64().filter(|n| n.fract() == 0.0 && n.abs() < 9e15) {
            Some(ExtraValue::Number(number as i64))
        } else if Array::is_array(&item) {
            Array::from(&item)
                .iter()
                .map(|i| i.as_string())
                .collect::<Option<Vec<_>>>()
                .map(ExtraValue::Many)
        } else {
            None
        };
        if let Some(read) = read {
            extra.insert(name, read);
        }
    }
    extra
}

/// The `extra` attribute's JSON text as extra values; `None` when it is not a JSON object.
pub(crate) fn extra_attribute(text: &str) -> Option<BTreeMap<String, ExtraValue>> {
    let value = JSON::parse(text).ok()?;
    (value.is_object() && !Array::is_array(&value)).then(|| extra_from(&value))
}

/// A hire (`{hire_id, employment_id, redirect_url, status?, already_hired?}`); `None` unless
/// the first three are strings, and when its `redirect_url` is not an http(s) URL, since the
/// widget sends the page there (a `javascript:` or `data:` link is never followed). A backend
/// from before "After the hire" sends neither `status` (then empty) nor `already_hired` (false).
fn hire_from(value: &JsValue) -> Option<HireResponse> {
    let redirect_url = text_field(value, "redirect_url")?;
    let protocol = web_sys::Url::new(&redirect_url).ok()?.protocol();
    if protocol != "https:" && protocol != "http:" {
        return None;
    }
    Some(HireResponse {
        hire_id: text_field(value, "hire_id")?,
        employment_id: text_field(value, "employment_id")?,
        redirect_url,
        status: text_field(value, "status").unwrap_or_default(),
        already_hired: Reflect::get(value, &JsValue::from_str("already_hired"))
            .ok()
            .and_then(|flag| flag.as_bool())
            .unwrap_or(false),
    })
}

/// A candidate object back from JSON; `None` unless every field is a string.
pub(crate) fn candidate_from(value: &JsValue) -> Option<Candidate> {
    Some(Candidate {
        full_name: text_field(value, "full_name")?,
        job_title: text_field(value, "job_title")?,
        personal_email: text_field(value, "personal_email")?,
        provisional_start_date: text_field(value, "provisional_start_date")?,
        country_code: text_field(value, "country_code")?,
        extra: Reflect::get(value, &JsValue::from_str("extra"))
            .map(|extra| extra_from(&extra))
            .unwrap_or_default(),
    })
}

/// `{"mode": "popup", "candidate", "idempotency_key"}`: the callback hires under the key.
pub(crate) fn connect_popup_body(candidate: &Candidate, idempotency_key: &str) -> Option<String> {
    connect_body("popup", None, candidate, idempotency_key)
}

/// `{"mode": "redirect", "return_to", "candidate", "idempotency_key"}`.
pub(crate) fn connect_redirect_body(
    return_to: &str,
    candidate: &Candidate,
    idempotency_key: &str,
) -> Option<String> {
    connect_body("redirect", Some(return_to), candidate, idempotency_key)
}

fn connect_body(
    mode: &str,
    return_to: Option<&str>,
    candidate: &Candidate,
    idempotency_key: &str,
) -> Option<String> {
    let object = Object::new();
    set(&object, "mode", mode);
    if let Some(return_to) = return_to {
        set(&object, "return_to", return_to);
    }
    let _ = Reflect::set(
        &object,
        &JsValue::from_str("candidate"),
        &candidate_object(candidate),
    );
    set(&object, "idempotency_key", idempotency_key);
    stringify(&object)
}

/// The candidate as a request body.
pub(crate) fn candidate_body(candidate: &Candidate) -> Option<String> {
    stringify(&candidate_object(candidate))
}

fn stringify(object: &Object) -> Option<String> {
    JSON::stringify(object).ok()?.as_string()
}

fn set(object: &Object, name: &str, value: &str) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(name), &JsValue::from_str(value));
}

fn text_field(value: &JsValue, name: &str) -> Option<String> {
    if !value.is_object() {
        return None;
    }
    Reflect::get(value, &JsValue::from_str(name))
        .ok()?
        .as_string()
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn a_hire_whose_onboarding_link_is_not_http_is_not_a_hire() {
        let hire = |url: &str| {
            Body::parse(&format!(
                r#"{{"hire_id":"h","employment_id":"e","redirect_url":"{url}"}}"#
            ))
            .and_then(|b| b.hire())
        };

        assert!(hire("https://employ.remote.com/m/1").is_some());
        assert!(hire("http://127.0.0.1:8081/onboarding").is_some());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "not a url",
            "//evil.example",
        ] {
            assert!(hire(bad).is_none(), "{bad}");
        }
    }

    #[wasm_bindgen_test]
    fn an_error_body_is_read_with_its_field_messages() {
        let body = Body::parse(
            r#"{"error":{"code":"validation_failed","message":"Check the fields.",
                "fields":{"personal_email":["must be a valid email address"]}}}"#,
        )
        .expect("an object");

        let error = body.error().expect("an error");

        assert_eq!(error.code, "validation_failed");
        assert_eq!(error.message, "Check the fields.");
        assert_eq!(
            error.fields["personal_email"],
            vec!["must be a valid email address".to_owned()]
        );
    }

    #[wasm_bindgen_test]
    fn a_hire_answer_is_read_and_an_incomplete_one_is_refused() {
        let full = r#"{"hire_id":"h1","employment_id":"e1","redirect_url":"https://x/y"}"#;
        let partial = r#"{"hire_id":"h1","employment_id":"e1"}"#;

        let hire = Body::parse(full).and_then(|b| b.hire()).expect("a hire");

        assert_eq!(hire.redirect_url, "https://x/y");
        assert!(Body::parse(partial).and_then(|b| b.hire()).is_none());
    }

    #[wasm_bindgen_test]
    fn a_hire_answer_says_whether_the_candidate_was_hired_before_and_old_answers_say_not() {
        let read = |text: &str| Body::parse(text).and_then(|b| b.hire()).expect("a hire");
        let url = r#""hire_id":"h1","employment_id":"e1","redirect_url":"https://x/y""#;

        let again = read(&format!(
            r#"{{{url},"status":"invited","already_hired":true}}"#
        ));
        let old = read(&format!("{{{url}}}"));
        let odd = read(&format!(r#"{{{url},"status":7,"already_hired":"yes"}}"#));

        assert_eq!(
            (again.status.as_str(), again.already_hired),
            ("invited", true)
        );
        assert_eq!((old.status.as_str(), old.already_hired), ("", false));
        assert_eq!((odd.status.as_str(), odd.already_hired), ("", false));
    }

    #[wasm_bindgen_test]
    fn a_hires_list_is_read_by_candidate_email_and_incomplete_entries_are_skipped() {
        let body = Body::parse(
            r#"{"hires":[
                {"hire_id":"h1","employment_id":"e1","status":"invited","user":"u",
                 "candidate":{"full_name":"Ana","personal_email":"ana@x.com","country_code":"PRT"}},
                {"hire_id":"h2","employment_id":"e2","candidate":{"personal_email":"b@x.com"}},
                {"hire_id":"h3","employment_id":"e3","status":"active"},
                null, "text", 3
            ]}"#,
        )
        .expect("an object");

        let hires = body.hires().expect("a list");

        assert_eq!(
            hires,
            vec![(
                "ana@x.com".to_owned(),
                HireStatus {
                    hire_id: "h1".into(),
                    employment_id: "e1".into(),
                    status: "invited".into(),
                }
            )]
        );
        assert!(Body::parse(r#"{"hires":{}}"#)
            .and_then(|b| b.hires())
            .is_none());
    }

    #[wasm_bindgen_test]
    fn text_that_is_not_a_json_object_is_not_a_body() {
        for text in [
            "",
            "<html>Bad Gateway</html>",
            "42",
            "\"connected\"",
            "null",
        ] {
            assert!(Body::parse(text).is_none(), "{text}");
        }
    }

    #[wasm_bindgen_test]
    fn flow_and_connection_statuses_are_read_by_their_wire_names() {
        let flow = Body::parse(
            r#"{"status":"failed","error":"consent_elsewhere","message":"Started elsewhere."}"#,
        )
        .and_then(|b| b.flow())
        .expect("a flow");
        let connection =
            Body::parse(r#"{"status":"reconsent_required"}"#).and_then(|b| b.connection_status());

        assert_eq!(flow.status, FlowStatus::Failed);
        assert_eq!(flow.error, Some(FlowError::ConsentElsewhere));
        assert_eq!(flow.message.as_deref(), Some("Started elsewhere."));
        assert_eq!(connection, Some(ConnectionStatus::ReconsentRequired));
        assert!(Body::parse(r#"{"status":"maybe"}"#)
            .and_then(|b| b.flow())
            .is_none());
    }

    #[wasm_bindgen_test]
    fn the_redirect_mode_body_carries_the_candidate_and_the_attempts_key() {
        let candidate = Candidate {
            full_name: "Ana \"A\" Silva".into(),
            ..Candidate::default()
        };

        let body =
            connect_redirect_body("https://jobs.example/c/1", &candidate, "key-1").expect("a body");

        let parsed = JSON::parse(&body).expect("valid JSON");
        let nested = Reflect::get(&parsed, &"candidate".into()).expect("candidate");
        assert_eq!(text_field(&parsed, "mode").as_deref(), Some("redirect"));
        assert_eq!(
            text_field(&parsed, "idempotency_key").as_deref(),
            Some("key-1")
        );
        assert_eq!(
            text_field(&nested, "full_name").as_deref(),
            Some("Ana \"A\" Silva")
        );
        assert_eq!(text_field(&nested, "country_code").as_deref(), Some(""));
    }

    #[wasm_bindgen_test]
    fn the_popup_body_carries_the_attempt_and_no_return_address() {
        let candidate = Candidate {
            full_name: "Ana Silva".into(),
            ..Candidate::default()
        };

        let body = connect_popup_body(&candidate, "key-2").expect("a body");

        let parsed = JSON::parse(&body).expect("valid JSON");
        let nested = Reflect::get(&parsed, &"candidate".into()).expect("candidate");
        assert_eq!(text_field(&parsed, "mode").as_deref(), Some("popup"));
        assert_eq!(
            text_field(&parsed, "idempotency_key").as_deref(),
            Some("key-2")
        );
        assert_eq!(text_field(&parsed, "return_to"), None);
        assert_eq!(
            text_field(&nested, "full_name").as_deref(),
            Some("Ana Silva")
        );
    }

    #[wasm_bindgen_test]
    fn a_connected_flow_brings_the_callbacks_hire_when_it_made_one() {
        let with_hire = Body::parse(
            r#"{"status":"connected","hire":{"hire_id":"h1","employment_id":"e1",
                "redirect_url":"https://remote.example/onboarding/x"}}"#,
        )
        .and_then(|b| b.flow())
        .expect("a flow");
        let without = Body::parse(r#"{"status":"connected"}"#)
            .and_then(|b| b.flow())
            .expect("a flow");
        let incomplete = Body::parse(r#"{"status":"connected","hire":{"hire_id":"h1"}}"#)
            .and_then(|b| b.flow())
            .expect("a flow");

        let hire = with_hire.hire.expect("the hire");
        assert_eq!(hire.employment_id, "e1");
        assert_eq!(hire.redirect_url, "https://remote.example/onboarding/x");
        assert_eq!(without.hire, None);
        assert_eq!(incomplete.hire, None, "a partial hire is no hire");
    }

    #[wasm_bindgen_test]
    fn a_country_form_is_read_and_fields_it_cannot_ask_for_are_skipped() {
        let body = Body::parse(
            r#"{"country_code":"PRT","json_schema_version":3,"min_start_date":"2027-01-04",
                "fields":[
                {"name":"tax_job_category","label":"Job category","type":"select","required":true,
                 "options":[{"value":"eng","label":"Engineering"},{"value":1},null],
                 "description":"As in the contract."},
                {"name":"nationalities","label":"Nationality","type":"countries"},
                {"name":"later","label":"Later","type":"signature","required":true},
                {"label":"No name","type":"text"}, 7]}"#,
        )
        .expect("an object");

        let form = body.country_form().expect("a form");

        assert_eq!(
            (form.country_code.as_str(), form.json_schema_version),
            ("PRT", 3)
        );
        assert_eq!(form.min_start_date.as_deref(), Some("2027-01-04"));
        let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["tax_job_category", "nationalities"]);
        let category = &form.fields[0];
        assert_eq!(category.field_type, FieldType::Select);
        assert!(category.required);
        assert_eq!(category.options.len(), 1);
        assert_eq!(category.description.as_deref(), Some("As in the contract."));
        let nationalities = &form.fields[1];
        assert_eq!(nationalities.field_type, FieldType::Countries);
        assert!(!nationalities.required && nationalities.options.is_empty());
        assert!(Body::parse(r#"{"fields":{}}"#)
            .and_then(|b| b.country_form())
            .is_none());
    }

    #[wasm_bindgen_test]
    fn the_candidates_extra_is_sent_only_when_it_has_answers() {
        let mut candidate = Candidate::default();
        let plain = candidate_body(&candidate).expect("a body");
        candidate.extra = BTreeMap::from([
            ("category".to_owned(), ExtraValue::Text("eng".into())),
            (
                "nationalities".to_owned(),
                ExtraValue::Many(vec!["PRT".into()]),
            ),
            ("salary".to_owned(), ExtraValue::Number(4200000)),
        ]);

        let body = candidate_body(&candidate).expect("a body");

        assert!(!plain.contains("extra"), "{plain}");
        assert!(
            body.ends_with(
                r#""extra":{"category":"eng","nationalities":["PRT"],"salary":4200000}}"#
            ),
            "{body}"
        );
        let parsed = JSON::parse(&body).expect("JSON");
        let extra = Reflect::get(&parsed, &"extra".into()).expect("extra");
        assert_eq!(extra_from(&extra), candidate.extra, "read back the same");
    }

    #[wasm_bindgen_test]
    fn the_extra_attribute_is_a_json_object_or_nothing() {
        let read = extra_attribute(r#"{"a":"x","b":["y"],"c":3,"d":{"nested":1},"e":[1]}"#)
            .expect("an object");

        assert_eq!(
            read,
            BTreeMap::from([
                ("a".to_owned(), ExtraValue::Text("x".into())),
                ("b".to_owned(), ExtraValue::Many(vec!["y".into()])),
                ("c".to_owned(), ExtraValue::Number(3)),
            ])
        );
        for bad in ["{oops", "[1]", "\"text\"", "3", "null"] {
            assert!(extra_attribute(bad).is_none(), "{bad}");
        }
    }
}
