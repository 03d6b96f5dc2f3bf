//! Site-token verification on arbitrary input: it never panics and accepts nothing the fuzzer
//! makes up (forging HS256 needs the secret), and a token minted for a valid user id verifies
//! as exactly that user, while one minted for an invalid id is refused.

#![no_main]

use std::{sync::OnceLock, time::Duration};

use hire_with_remote::site_token::{SiteTokens, SiteUser};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

/// The verifier's rule for `sub`: non-empty, at most 256 bytes, no control characters and no
/// bidirectional-formatting ones (marks, embeddings, overrides, isolates), which could make one
/// user id display as another.
fn is_valid_user(user: &str) -> bool {
    !user.is_empty()
        && user.len() <= 256
        && !user.chars().any(|c| c.is_control() || is_bidi_format(c))
}

/// Unicode's bidirectional formatting characters (`Bidi_Class` LRM, RLM, ALM, LRE, RLE, PDF,
/// LRO, RLO, LRI, RLI, FSI, PDI).
fn is_bidi_format(c: char) -> bool {
    matches!(
        c,
        '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

fn site_tokens() -> &'static SiteTokens {
    static TOKENS: OnceLock<SiteTokens> = OnceLock::new();
    TOKENS.get_or_init(|| {
        SiteTokens::new(
            &SecretString::from("fuzz-secret-0123456789abcdef-0123456789".to_owned()),
            Duration::from_secs(3600),
        )
    })
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let tokens = site_tokens();

    assert!(
        tokens.verify(&text).is_err(),
        "a token the fuzzer made up was accepted: {text:?}"
    );

    let token = tokens
        .mint(&text, Duration::from_secs(600))
        .expect("minting a token for any string succeeds");
    let verified = tokens.verify(&token).ok();
    if is_valid_user(&text) {
        assert_eq!(verified, Some(SiteUser(text.into_owned())));
    } else {
        assert_eq!(
            verified, None,
            "a token for an invalid user id was accepted"
        );
    }
});
