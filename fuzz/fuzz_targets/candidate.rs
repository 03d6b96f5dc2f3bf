//! Candidate parsing and validation on arbitrary JSON: it never panics; a candidate that passes
//! has every field filled in and a real start date no earlier than today; normalizing never
//! changes the verdict; and any string `CalendarDate` accepts prints back exactly as written.

#![no_main]

use hwr_protocol::{country_code_shape_is_valid, CalendarDate, Candidate, CandidateField};
use libfuzzer_sys::fuzz_target;

fn today() -> CalendarDate {
    CalendarDate::parse("2026-11-29").expect("a real date")
}

/// A date `parse` accepts prints back as exactly the text it came from.
fn assert_date_round_trips(text: &str) {
    if let Some(date) = CalendarDate::parse(text) {
        assert_eq!(date.to_string(), text);
    }
}

fuzz_target!(|input: &[u8]| {
    assert_date_round_trips(&String::from_utf8_lossy(input));

    let Ok(candidate) = serde_json::from_slice::<Candidate>(input) else {
        return;
    };
    assert_date_round_trips(&candidate.provisional_start_date);

    let verdict = candidate.validate(today());
    if verdict.is_ok() {
        for field in CandidateField::ALL {
            assert!(
                !candidate.get(field).trim().is_empty(),
                "{candidate:?} passed with an empty {field:?}"
            );
        }
        let start = CalendarDate::parse(candidate.provisional_start_date.trim());
        assert!(
            start.is_some_and(|start| start >= today()),
            "{candidate:?} passed without a start date from today on"
        );
        assert!(country_code_shape_is_valid(candidate.country_code.trim()));
    }

    let normalized = candidate.normalized();
    assert_eq!(
        normalized.normalized(),
        normalized,
        "normalizing twice changed it"
    );
    assert_eq!(
        normalized.validate(today()),
        verdict,
        "normalizing changed the verdict"
    );

    let json = serde_json::to_vec(&candidate).expect("a candidate serializes");
    let reparsed: Candidate = serde_json::from_slice(&json).expect("its own JSON parses");
    assert_eq!(
        reparsed, candidate,
        "the JSON round trip changed the candidate"
    );
});
