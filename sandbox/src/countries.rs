//! The country list behind `GET /v1/countries` and the `country_code` check on employments.
//! Realistic, not exhaustive: enough countries to exercise search, sorting and unhireable ones.

use axum::{routing::get, Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::state::AppState;

/// A country as Remote lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Country {
    /// ISO 3166-1 alpha-3 code, the one Remote's API takes (`"PRT"`).
    pub code: &'static str,
    /// ISO 3166-1 alpha-2 code (`"PT"`).
    pub alpha_2_code: &'static str,
    /// English name.
    pub name: &'static str,
    /// Continent-level region.
    pub region: &'static str,
    /// UN subregion.
    pub subregion: &'static str,
    /// Whether Remote can hire there as employer of record.
    pub eor_onboarding: bool,
}

const fn country(
    code: &'static str,
    alpha_2_code: &'static str,
    name: &'static str,
    region: &'static str,
    subregion: &'static str,
    eor_onboarding: bool,
) -> Country {
    Country {
        code,
        alpha_2_code,
        name,
        region,
        subregion,
        eor_onboarding,
    }
}

/// Sorted by name, as Remote answers.
static COUNTRIES: [Country; 41] = [
    country("AFG", "AF", "Afghanistan", "Asia", "Southern Asia", false),
    country("ARG", "AR", "Argentina", "Americas", "South America", true),
    country(
        "AUS",
        "AU",
        "Australia",
        "Oceania",
        "Australia and New Zealand",
        true,
    ),
    country("AUT", "AT", "Austria", "Europe", "Western Europe", true),
    country("BLR", "BY", "Belarus", "Europe", "Eastern Europe", false),
    country("BEL", "BE", "Belgium", "Europe", "Western Europe", true),
    country("BRA", "BR", "Brazil", "Americas", "South America", true),
    country("CAN", "CA", "Canada", "Americas", "Northern America", true),
    country("CHL", "CL", "Chile", "Americas", "South America", true),
    country("COL", "CO", "Colombia", "Americas", "South America", true),
    country("CUB", "CU", "Cuba", "Americas", "Caribbean", false),
    country("DNK", "DK", "Denmark", "Europe", "Northern Europe", true),
    country("FRA", "FR", "France", "Europe", "Western Europe", true),
    country("DEU", "DE", "Germany", "Europe", "Western Europe", true),
    country("IND", "IN", "India", "Asia", "Southern Asia", true),
    country("IRN", "IR", "Iran", "Asia", "Southern Asia", false),
    country("IRL", "IE", "Ireland", "Europe", "Northern Europe", true),
    country("ITA", "IT", "Italy", "Europe", "Southern Europe", true),
    country("JPN", "JP", "Japan", "Asia", "Eastern Asia", true),
    country("MEX", "MX", "Mexico", "Americas", "Central America", true),
    country("NLD", "NL", "Netherlands", "Europe", "Western Europe", true),
    country(
        "NZL",
        "NZ",
        "New Zealand",
        "Oceania",
        "Australia and New Zealand",
        true,
    ),
    country("NGA", "NG", "Nigeria", "Africa", "Western Africa", true),
    country("PRK", "KP", "North Korea", "Asia", "Eastern Asia", false),
    country("NOR", "NO", "Norway", "Europe", "Northern Europe", true),
    country(
        "PHL",
        "PH",
        "Philippines",
        "Asia",
        "South-eastern Asia",
        true,
    ),
    country("POL", "PL", "Poland", "Europe", "Eastern Europe", true),
    country("PRT", "PT", "Portugal", "Europe", "Southern Europe", true),
    country("RUS", "RU", "Russia", "Europe", "Eastern Europe", false),
    country("SGP", "SG", "Singapore", "Asia", "South-eastern Asia", true),
    country(
        "ZAF",
        "ZA",
        "South Africa",
        "Africa",
        "Southern Africa",
        true,
    ),
    country("KOR", "KR", "South Korea", "Asia", "Eastern Asia", true),
    country("ESP", "ES", "Spain", "Europe", "Southern Europe", true),
    country("SWE", "SE", "Sweden", "Europe", "Northern Europe", true),
    country("CHE", "CH", "Switzerland", "Europe", "Western Europe", true),
    country("SYR", "SY", "Syria", "Asia", "Western Asia", false),
    country("UKR", "UA", "Ukraine", "Europe", "Eastern Europe", true),
    country(
        "ARE",
        "AE",
        "United Arab Emirates",
        "Asia",
        "Western Asia",
        true,
    ),
    country(
        "GBR",
        "GB",
        "United Kingdom",
        "Europe",
        "Northern Europe",
        true,
    ),
    country(
        "USA",
        "US",
        "United States",
        "Americas",
        "Northern America",
        true,
    ),
    country("VEN", "VE", "Venezuela", "Americas", "South America", false),
];

/// Every country the sandbox knows, sorted by name.
pub fn countries() -> &'static [Country] {
    &COUNTRIES
}

/// The country with this alpha-3 code (exact, upper case: Remote does not guess).
pub(crate) fn by_alpha_3(code: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|country| country.code == code)
}

/// `GET /v1/countries`.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/countries", get(list_countries))
}

async fn list_countries() -> Json<Value> {
    Json(json!({ "data": countries() }))
}
