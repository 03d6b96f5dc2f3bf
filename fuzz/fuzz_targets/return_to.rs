//! The `return_to` validator on arbitrary input: whatever it accepts is on an allowed origin,
//! was written plainly (no whitespace, control characters or backslashes) and starts with that
//! origin exactly, so no user info, encoded host or spelled-out port can slip through.

#![no_main]

use std::sync::OnceLock;

use hire_with_remote::origin::AllowedOrigins;
use libfuzzer_sys::fuzz_target;

const ALLOWED: [&str; 2] = ["https://jobs.example.com", "http://127.0.0.1:8082"];

fn allowed_origins() -> &'static AllowedOrigins {
    static ORIGINS: OnceLock<AllowedOrigins> = OnceLock::new();
    ORIGINS.get_or_init(|| {
        AllowedOrigins::parse(&ALLOWED.join(",")).expect("the fuzz origins are valid")
    })
}

/// True when `target` begins with `origin` (ASCII case aside) and the authority ends there.
fn is_written_on(target: &str, origin: &str) -> bool {
    let Some(head) = target.get(..origin.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(origin)
        && matches!(
            target[origin.len()..].chars().next(),
            None | Some('/' | '?' | '#')
        )
}

fuzz_target!(|input: &[u8]| {
    let target = String::from_utf8_lossy(input);
    let Some(url) = allowed_origins().check_return_to(&target) else {
        return;
    };

    let origin = url.origin().ascii_serialization();
    assert!(
        ALLOWED.contains(&origin.as_str()),
        "{target:?} was accepted with the foreign origin {origin}"
    );
    assert!(
        !target
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\'),
        "{target:?} was accepted with whitespace, a control character or a backslash"
    );
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "{target:?} was accepted with user info"
    );
    assert!(
        is_written_on(&target, &origin),
        "{target:?} was accepted but is not written as {origin}"
    );
});
