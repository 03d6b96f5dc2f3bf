//! Exact-origin allow-listing: which job-site pages may call the API, and which `return_to`
//! targets redirect mode may send a person back to.

use url::Url;

/// The configured origins, normalised to `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigins {
    /// Shared, so that the origin check's sub-state is cheap to clone per request.
    origins: std::sync::Arc<[String]>,
}

impl AllowedOrigins {
    /// Parses a comma-separated list of exact origins.
    pub fn parse(text: &str) -> Result<AllowedOrigins, String> {
        let mut origins = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let url = Url::parse(entry)
                .map_err(|_| format!("{entry:?} is not an origin like https://jobs.example.com"))?;
            let origin = url.origin().ascii_serialization();
            if !matches!(url.scheme(), "http" | "https")
                || url.path() != "/" && !url.path().is_empty()
                || url.query().is_some()
                || !url.username().is_empty()
                || origin == "null"
                || origin != entry.trim_end_matches('/')
            {
                return Err(format!(
                    "{entry:?} is not an exact origin (scheme://host[:port], nothing after)"
                ));
            }
            origins.push(origin);
        }
        if origins.is_empty() {
            return Err("no origin given".into());
        }
        Ok(AllowedOrigins {
            origins: origins.into(),
        })
    }

    /// True when `origin` (an `Origin` header value) is exactly one of ours.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// The first configured origin: where the callback reports when a request carried no
    /// `Origin` (a non-browser client).
    pub fn primary(&self) -> &str {
        &self.origins[0]
    }

    /// The list, for CORS.
    pub fn as_slice(&self) -> &[String] {
        &self.origins
    }

    /// Accepts `target` only when it is an absolute http(s) URL on an allowed origin, written
    /// plainly: no whitespace or control characters, no backslashes, no user info, no
    /// percent-encoded tricks in the authority. Returns the normalised URL.
    pub fn check_return_to(&self, target: &str) -> Option<Url> {
        if target.len() > 2048
            || target
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return None;
        }
        let url = Url::parse(target).ok()?;
        if !matches!(url.scheme(), "http" | "https")
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return None;
        }
        // The written authority must be exactly the allowed origin's: this refuses encoded
        // hosts, trailing dots and default ports spelled out that the parser would normalise.
        let origin = url.origin().ascii_serialization();
        let after_scheme = target.get(url.scheme().len() + 3..)?;
        let written_authority = after_scheme.split(['/', '?', '#']).next()?;
        let expected_authority = origin.get(url.scheme().len() + 3..)?;
        if !written_authority.eq_ignore_ascii_case(expected_authority)
            || !target[..url.scheme().len() + 3]
                .eq_ignore_ascii_case(&format!("{}://", url.scheme()))
        {
            return None;
        }
        // `http://site//evil.com/` is on the site, but a page there that builds a link from its
        // own path ("//evil.com/…") would send the person away: refuse a path starting "//".
        if url.path().starts_with("//") {
            return None;
        }
        self.allows(&origin).then_some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> AllowedOrigins {
        AllowedOrigins::parse("https://jobs.example.com, http://127.0.0.1:8082").expect("valid")
    }

    #[test]
    fn only_exact_origins_are_accepted_in_configuration() {
        assert!(AllowedOrigins::parse("https://jobs.example.com/path").is_err());
        assert!(AllowedOrigins::parse("jobs.example.com").is_err());
        assert!(AllowedOrigins::parse("https://user@jobs.example.com").is_err());
        assert!(AllowedOrigins::parse("").is_err());
    }

    #[test]
    fn origin_checks_are_exact() {
        let origins = allowed();
        assert!(origins.allows("https://jobs.example.com"));
        assert!(!origins.allows("https://jobs.example.com.evil.com"));
        assert!(!origins.allows("http://jobs.example.com"));
        assert!(!origins.allows("https://jobs.example.com:444"));
        assert!(!origins.allows("null"));
    }

    #[test]
    fn return_to_on_an_allowed_origin_passes() {
        let url = allowed().check_return_to("https://jobs.example.com/candidates/7?tab=hire");
        assert_eq!(
            url.map(|u| u.to_string()),
            Some("https://jobs.example.com/candidates/7?tab=hire".into())
        );
    }

    /// Known open-redirect bypasses (protocol-relative, backslashes, whitespace and control
    /// characters between slashes, dot segments, user info, look-alike hosts, other ports and
    /// schemes, encodings). None may pass.
    const BYPASS_CORPUS: &[&str] = &[
        "//evil.com",
        "///evil.com",
        "////evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "\\/evil.com",
        "/\t/evil.com",
        "/\r/evil.com",
        "/\n/evil.com",
        "https:/\t/jobs.example.com/",
        "https:\\\\jobs.example.com\\",
        "https:/jobs.example.com/",
        "https:jobs.example.com",
        "/./../evil.com",
        "/.//evil.com",
        "https://evil.com",
        "http://evil.com",
        "https://evil.com/https://jobs.example.com/",
        "https://jobs.example.com@evil.com/",
        "https://jobs.example.com:@evil.com/",
        "https://jobs.example.com%40evil.com/",
        "https://user@jobs.example.com/",
        "https://user:pw@jobs.example.com/",
        "https://jobs.example.com\\@evil.com",
        "https://jobs.example.com.evil.com/",
        "https://jobs.example.com-evil.com/",
        "https://jobsexample.com/",
        "https://evil.com#jobs.example.com",
        "https://evil.com?jobs.example.com",
        "https://jobs.example.co/",
        "https://jobs.example.com./",
        "https://JOBS.EXAMPLE.COM.evil.com/",
        "https://%6aobs.example.com/",
        "https://jobs%2eexample%2ecom/",
        "https://jobs.example.com%2f@evil.com/",
        "https://jobs.example.com:8443/",
        "https://jobs.example.com:443/",
        "https://jobs.example.com:0/",
        "http://jobs.example.com/",
        "http://127.0.0.1:8083/",
        "http://127.0.0.1:80/",
        "http://localhost:8082/",
        "http://[::1]:8082/",
        "http://2130706433:8082/",
        "http://0x7f.0.0.1:8082/",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "javascript://jobs.example.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://jobs.example.com/",
        "ws://jobs.example.com/",
        " https://jobs.example.com/",
        "https://jobs.example.com/ ",
        "https://jobs.example.com/\u{0000}",
        "https://jobs.example.com/\u{2028}",
        "https://jobs.ex\u{0430}mple.com/",
        "https://xn--jobs-example-8bk.com/",
        "%2F%2Fevil.com",
        "%2f%2fevil.com",
        "/%2F/evil.com",
        "/%5Cevil.com",
        "/candidates",
        "candidates",
        "",
        "#",
        "?next=https://jobs.example.com",
    ];

    #[test]
    fn return_to_bypass_strings_are_refused() {
        assert!(BYPASS_CORPUS.len() >= 50);
        let origins = allowed();
        for target in BYPASS_CORPUS {
            assert_eq!(
                origins.check_return_to(target),
                None,
                "{target:?} must be refused"
            );
        }
    }

    #[test]
    fn every_allowed_origin_accepts_its_own_pages() {
        let origins = allowed();
        for target in [
            "https://jobs.example.com/",
            "https://jobs.example.com",
            "http://127.0.0.1:8082/candidates?id=7#hire",
            "HTTPS://jobs.example.com/x",
        ] {
            assert!(
                origins.check_return_to(target).is_some(),
                "{target:?} must pass"
            );
        }
    }
}
