//! Property tests for the backend's input checks and crypto: `return_to` accepts only plainly
//! written URLs on an allowed origin, sealed tokens open only in the context they were sealed
//! for, site tokens carry their user exactly, and the callback query keeps what Remote sent.

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hire_with_remote::{
    consent::CallbackQuery,
    crypto::{KeyRing, OpenError},
    origin::AllowedOrigins,
    site_token::{SiteTokens, SiteUser},
};
use proptest::{prelude::*, sample::select};
use secrecy::SecretString;

const ALLOWED: [&str; 2] = ["https://jobs.example.com", "http://127.0.0.1:8082"];

fn allowed_origins() -> AllowedOrigins {
    AllowedOrigins::parse(&ALLOWED.join(",")).expect("valid origins")
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

/// URLs assembled from parts that known open-redirect bypasses are made of: allowed and foreign
/// hosts, look-alikes and encodings, user info, odd ports and separators, backslashes, whitespace.
fn redirect_target() -> impl Strategy<Value = String> {
    let scheme = select(vec![
        "https",
        "http",
        "HTTPS",
        "hTTp",
        "javascript",
        "ftp",
        "ws",
        "",
    ]);
    let separator = select(vec![
        "://", "://", "://", ":/", ":", ":///", "://\t", ":\\\\", ":/\\", " ://", "://%2F",
    ]);
    let user_info = select(vec![
        "",
        "",
        "",
        "user@",
        "user:pw@",
        "jobs.example.com@",
        "127.0.0.1:8082@",
        "@",
        ":@",
        "%40",
        "jobs.example.com%40",
    ]);
    let host = select(vec![
        "jobs.example.com",
        "JOBS.example.COM",
        "127.0.0.1",
        "evil.com",
        "jobs.example.com.evil.com",
        "jobs.example.com.",
        "jobsexample.com",
        "jobs-example.com",
        "%6aobs.example.com",
        "jobs%2eexample%2ecom",
        "jobs.ex\u{430}mple.com",
        "\u{ff4a}obs.example.com",
        "xn--jobs-example-8bk.com",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "2130706433",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "127.000.000.001",
        "127.1",
        "127.0.0.1.",
    ]);
    let port = select(vec![
        "", "", ":8082", ":443", ":80", ":8083", ":0", ":", ":08082", ":8082\t",
    ]);
    let rest = prop_oneof![
        select(vec![
            "",
            "/",
            "/candidates/7?tab=hire#hire",
            "\\evil.com",
            "/\\evil.com",
            "//evil.com",
            "/./../evil.com",
            "/ x",
            "?next=//evil.com",
            "#@evil.com",
            "@evil.com",
            ".evil.com",
            "%2F%2Fevil.com",
            "\t/",
            "\r\n/",
            "\u{2028}",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,12}",
        any::<String>(),
    ];
    (scheme, separator, user_info, host, port, rest).prop_map(
        |(scheme, separator, user_info, host, port, rest)| {
            format!("{scheme}{separator}{user_info}{host}{port}{rest}")
        },
    )
}

/// A keyring with one key made of `bytes`, under `id`.
fn ring(id: &str, bytes: &[u8; 32]) -> KeyRing {
    KeyRing::parse(&format!("{id}:{}", STANDARD.encode(bytes))).expect("a valid key")
}

fn site_tokens() -> SiteTokens {
    SiteTokens::new(
        &SecretString::from("property-secret-0123456789abcdef-0123".to_owned()),
        Duration::from_secs(3600),
    )
}

proptest! {
    #[test]
    fn return_to_accepts_only_plain_urls_on_an_allowed_origin(target in redirect_target()) {
        let accepted = allowed_origins().check_return_to(&target);

        if let Some(url) = accepted {
            let origin = url.origin().ascii_serialization();
            prop_assert!(ALLOWED.contains(&origin.as_str()), "{target:?} → {origin}");
            prop_assert!(is_written_on(&target, &origin), "{target:?} is not written as {origin}");
            prop_assert!(url.username().is_empty() && url.password().is_none(), "{target:?}");
            prop_assert!(
                !target.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\'),
                "{target:?}"
            );
            prop_assert!(!url.path().starts_with("//"), "{target:?}");
        }
    }

    #[test]
    fn return_to_accepts_plain_pages_on_every_allowed_origin(
        origin in select(ALLOWED.to_vec()),
        // A plain page's path: segments are never empty at its start (`//x` is refused).
        path in "(/[A-Za-z0-9._~-]{1,8}){0,3}/?",
        query in "(\\?[a-z0-9]{1,6}=[A-Za-z0-9%]{0,8})?",
        fragment in "(#[a-z0-9-]{0,8})?",
    ) {
        let target = format!("{origin}{path}{query}{fragment}");

        let accepted = allowed_origins().check_return_to(&target);

        prop_assert_eq!(
            accepted.map(|url| url.origin().ascii_serialization()),
            Some(origin.to_owned()),
            "{:?} must pass", target
        );
    }

    #[test]
    fn a_sealed_value_opens_in_its_own_context(
        key in any::<[u8; 32]>(),
        plaintext in any::<String>(),
        context in any::<String>(),
    ) {
        let keys = ring("k1", &key);

        let sealed = keys.seal(&plaintext, &context);

        prop_assert_eq!(keys.open(&sealed, &context), Ok(plaintext));
    }

    #[test]
    fn a_sealed_value_opens_in_no_other_context(
        key in any::<[u8; 32]>(),
        plaintext in any::<String>(),
        (context, other) in (any::<String>(), any::<String>())
            .prop_filter("two different contexts", |(a, b)| a != b),
    ) {
        let keys = ring("k1", &key);

        let sealed = keys.seal(&plaintext, &context);

        prop_assert_eq!(keys.open(&sealed, &other), Err(OpenError::Corrupt));
    }

    #[test]
    fn a_sealed_value_opens_under_no_other_key_with_the_same_id(
        (key, other) in any::<([u8; 32], [u8; 32])>().prop_filter("two keys", |(a, b)| a != b),
        plaintext in any::<String>(),
        context in any::<String>(),
    ) {
        let sealed = ring("k1", &key).seal(&plaintext, &context);

        prop_assert_eq!(ring("k1", &other).open(&sealed, &context), Err(OpenError::Corrupt));
    }

    #[test]
    fn a_sealed_value_with_any_bit_flipped_does_not_open(
        key in any::<[u8; 32]>(),
        plaintext in any::<String>(),
        context in any::<String>(),
        position in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let keys = ring("k1", &key);
        let mut sealed = keys.seal(&plaintext, &context);
        let mut bytes = STANDARD.decode(&sealed.data).expect("base64");
        let flipped = position.index(bytes.len());
        bytes[flipped] ^= 1 << bit;
        sealed.data = STANDARD.encode(bytes);

        prop_assert_eq!(keys.open(&sealed, &context), Err(OpenError::Corrupt));
    }

    #[test]
    fn a_minted_site_token_verifies_as_its_user(user in "\\PC{1,64}") {
        let tokens = site_tokens();

        let token = tokens.mint(&user, Duration::from_secs(600)).expect("mints");

        prop_assert_eq!(tokens.verify(&token).ok(), Some(SiteUser(user)));
    }

    #[test]
    fn a_made_up_site_token_is_refused(
        token in prop_oneof![
            "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,43}",
            any::<String>(),
        ],
    ) {
        prop_assert!(site_tokens().verify(&token).is_err());
    }

    #[test]
    fn the_callback_query_keeps_every_value_remote_sent(
        code in "\\PC{1,100}",
        state in "\\PC{1,100}",
        error in proptest::option::of("\\PC{1,40}"),
        noise in proptest::option::of(("[a-z_]{1,10}", "\\PC{0,20}")),
    ) {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("code", &code).append_pair("state", &state);
        if let Some(error) = &error {
            query.append_pair("error", error);
        }
        if let Some((name, value)) = &noise {
            if !matches!(name.as_str(), "code" | "state" | "error") {
                query.append_pair(name, value);
            }
        }

        let parsed = CallbackQuery::parse(&query.finish()).expect("a well-formed query");

        prop_assert_eq!(parsed.code, Some(code));
        prop_assert_eq!(parsed.state, Some(state));
        prop_assert_eq!(parsed.error, error);
    }

    #[test]
    fn a_callback_parameter_given_twice_is_refused(
        name in select(vec!["code", "state", "error"]),
        first in "[A-Za-z0-9]{0,20}",
        second in "[A-Za-z0-9]{1,20}",
    ) {
        let raw = format!("{name}={first}&state=s&{name}={second}");

        prop_assert!(CallbackQuery::parse(&raw).is_err(), "{raw:?}");
    }
}
