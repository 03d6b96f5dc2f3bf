//! How the element's attributes become the component's inputs.

use hwr_widget::{ElementConfig, Lang, Redirect};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn the_candidate_is_read_from_the_five_candidate_attributes() {
    let config = ElementConfig::from_attributes([
        ("backend", "https://hire.example.com/"),
        ("token", " abc.def.ghi "),
        ("full-name", "Ana Silva"),
        ("job-title", "Backend Engineer"),
        ("personal-email", "ana@example.com"),
        ("provisional-start-date", "2027-03-01"),
        ("country-code", "PT"),
    ]);

    assert_eq!(config.backend, "https://hire.example.com");
    assert_eq!(config.token, "abc.def.ghi");
    assert_eq!(config.candidate.full_name, "Ana Silva");
    assert_eq!(config.candidate.job_title, "Backend Engineer");
    assert_eq!(config.candidate.personal_email, "ana@example.com");
    assert_eq!(config.candidate.provisional_start_date, "2027-03-01");
    assert_eq!(config.candidate.country_code, "PT");
    assert_eq!(config.redirect, Redirect::Auto);
    assert_eq!(config.lang, None);
}

#[wasm_bindgen_test]
fn redirect_none_turns_navigation_off_and_anything_else_keeps_it() {
    assert_eq!(Redirect::from_attribute(Some("none")), Redirect::None);
    assert_eq!(Redirect::from_attribute(Some(" NONE ")), Redirect::None);
    assert_eq!(Redirect::from_attribute(Some("auto")), Redirect::Auto);
    assert_eq!(Redirect::from_attribute(Some("")), Redirect::Auto);
    assert_eq!(Redirect::from_attribute(None), Redirect::Auto);
}

#[wasm_bindgen_test]
fn lang_picks_the_language_by_its_primary_subtag_and_falls_back_to_english() {
    assert_eq!(Lang::from_tag("pt-BR"), Lang::Pt);
    assert_eq!(Lang::from_tag("de"), Lang::De);
    assert_eq!(Lang::from_tag("DE_at"), Lang::De);
    assert_eq!(Lang::from_tag("fr"), Lang::En);
    assert_eq!(Lang::from_tag(""), Lang::En);
    let config = ElementConfig::from_attributes([("lang", "pt")]);
    assert_eq!(config.lang, Some(Lang::Pt));
}

#[wasm_bindgen_test]
fn removing_an_attribute_clears_its_field_and_unknown_attributes_are_ignored() {
    let mut config = ElementConfig::from_attributes([("country-code", "PT"), ("redirect", "none")]);

    assert!(config.apply("country-code", None));
    assert!(config.apply("redirect", None));
    assert!(!config.apply("class", Some("fancy")));

    assert_eq!(config.candidate.country_code, "");
    assert_eq!(config.redirect, Redirect::Auto);
}
