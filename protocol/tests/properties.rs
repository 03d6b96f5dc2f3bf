//! Property tests for the wire types: `CalendarDate` parses exactly the real days and prints them
//! back as written, and candidate normalization is idempotent and never changes a verdict.

use hwr_protocol::{country_code_shape_is_valid, CalendarDate, Candidate, CandidateField};
use proptest::prelude::*;

/// Days in a month, computed independently of `CalendarDate`.
fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A real day: year 1..=9999, any month, a day that exists in it.
fn real_day() -> impl Strategy<Value = (u16, u8, u8)> {
    (1u16..=9999, 1u8..=12)
        .prop_flat_map(|(year, month)| (Just(year), Just(month), 1u8..=days_in_month(year, month)))
}

fn today() -> CalendarDate {
    CalendarDate::parse("2026-11-29").expect("a real date")
}

/// Text that is not a well-formed value for any field: blank, control characters, or anything.
fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ \t\n]{0,3}",
        "[a-z]{0,3}[\x00-\x1f][a-z]{0,3}",
        "\\PC{0,40}",
        any::<String>(),
    ]
}

/// A well-formed value three times in four, surrounded by whitespace now and then; junk otherwise.
fn field(well_formed: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let padded = ("[ \t\n]{0,2}", well_formed, "[ \t\n]{0,2}")
        .prop_map(|(before, value, after)| format!("{before}{value}{after}"));
    prop_oneof![3 => padded, 1 => junk()]
}

/// Candidates that pass validation often enough to matter and fail in every way a field can.
fn candidate() -> impl Strategy<Value = Candidate> {
    let name = "[A-Za-z\u{e0}-\u{ff}][A-Za-z\u{e0}-\u{ff} .'-]{0,30}";
    let email = "[a-z0-9.+-]{1,10}@[a-z0-9-]{1,10}\\.[a-z]{2,4}";
    let date = real_day().prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    (
        field(name),
        field(name),
        field(email),
        field(date),
        field("[A-Za-z]{2,3}"),
    )
        .prop_map(
            |(full_name, job_title, personal_email, provisional_start_date, country_code)| {
                Candidate {
                    full_name,
                    job_title,
                    personal_email,
                    provisional_start_date,
                    country_code,
                    extra: Default::default(),
                }
            },
        )
}

proptest! {
    #[test]
    fn every_real_day_parses_and_prints_back_as_written((year, month, day) in real_day()) {
        let text = format!("{year:04}-{month:02}-{day:02}");

        let parsed = CalendarDate::parse(&text);

        prop_assert_eq!(parsed, Some(CalendarDate { year, month, day }));
        prop_assert_eq!(parsed.map(|date| date.to_string()), Some(text));
    }

    #[test]
    fn a_day_past_the_end_of_its_month_is_refused(
        (year, month) in (1u16..=9999, 1u8..=12),
        past_end in 1u8..=68,
    ) {
        let day = days_in_month(year, month) + past_end;

        prop_assert_eq!(CalendarDate::parse(&format!("{year:04}-{month:02}-{day:02}")), None);
        prop_assert_eq!(CalendarDate::parse(&format!("{year:04}-{month:02}-00")), None);
    }

    #[test]
    fn month_zero_month_thirteen_on_and_year_zero_are_refused(
        year in 1u16..=9999,
        month in prop_oneof![Just(0u8), 13u8..=99],
        day in 1u8..=28,
    ) {
        prop_assert_eq!(CalendarDate::parse(&format!("{year:04}-{month:02}-{day:02}")), None);
        prop_assert_eq!(CalendarDate::parse(&format!("0000-01-{day:02}")), None);
    }

    #[test]
    fn dates_order_like_their_text(a in real_day(), b in real_day()) {
        let text = |(y, m, d): (u16, u8, u8)| format!("{y:04}-{m:02}-{d:02}");
        let (a_text, b_text) = (text(a), text(b));

        let (a_date, b_date) = (CalendarDate::parse(&a_text), CalendarDate::parse(&b_text));

        prop_assert_eq!(a_date.cmp(&b_date), a_text.cmp(&b_text));
    }

    #[test]
    fn any_text_that_parses_as_a_date_prints_back_unchanged(
        text in prop_oneof!["[0-9+ -]{8,12}", "[0-9]{4}-[0-9]{2}-[0-9]{2}", "\\PC{0,12}"],
    ) {
        if let Some(date) = CalendarDate::parse(&text) {
            prop_assert_eq!(date.to_string(), text);
        }
    }

    #[test]
    fn normalizing_a_candidate_twice_changes_nothing(candidate in candidate()) {
        let once = candidate.normalized();

        prop_assert_eq!(once.normalized(), once);
    }

    #[test]
    fn normalizing_a_candidate_never_changes_its_verdict(candidate in candidate()) {
        let verdict = candidate.validate(today());

        prop_assert_eq!(candidate.normalized().validate(today()), verdict);
    }

    #[test]
    fn a_passing_candidate_has_every_field_and_a_start_date_from_today_on(
        candidate in candidate(),
    ) {
        if candidate.validate(today()).is_ok() {
            for field in CandidateField::ALL {
                prop_assert!(!candidate.get(field).trim().is_empty(), "{:?}", field);
            }
            let start = CalendarDate::parse(candidate.provisional_start_date.trim());
            prop_assert!(start.is_some_and(|start| start >= today()));
            prop_assert!(country_code_shape_is_valid(candidate.country_code.trim()));
        }
    }

    #[test]
    fn a_candidate_survives_a_json_round_trip(candidate in candidate()) {
        let json = serde_json::to_string(&candidate).expect("serializes");

        let parsed: Candidate = serde_json::from_str(&json).expect("its own JSON parses");

        prop_assert_eq!(parsed, candidate);
    }
}
