//! The OAuth callback's query parser on arbitrary input: it never panics, every value it keeps
//! is non-empty and at most 4096 bytes, and a parameter given twice is refused (parameter
//! pollution), whatever the copies hold.

#![no_main]

use hire_with_remote::consent::CallbackQuery;
use libfuzzer_sys::fuzz_target;

/// A value the parser keeps: non-empty and at most 4096 bytes.
fn is_keepable(value: &str) -> bool {
    !value.is_empty() && value.len() <= 4096
}

fuzz_target!(|input: &[u8]| {
    let raw = String::from_utf8_lossy(input);
    let parsed = CallbackQuery::parse(&raw);

    for name in ["code", "state", "error"] {
        let copies = url::form_urlencoded::parse(raw.as_bytes())
            .filter(|(key, _)| key == name)
            .count();
        assert!(
            copies < 2 || parsed.is_err(),
            "{raw:?} has `{name}` twice and was accepted"
        );
    }

    let Ok(query) = parsed else {
        return;
    };
    for value in [&query.code, &query.state, &query.error]
        .into_iter()
        .flatten()
    {
        assert!(
            is_keepable(value),
            "{raw:?} kept a value of {} bytes",
            value.len()
        );
    }
});
