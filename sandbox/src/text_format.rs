//! The text shapes Remote's 422s check a value against (an email address, a `YYYY-MM-DD` date),
//! shared by the employment body's readers and the form-schema check.

use chrono::NaiveDate;

/// Deliberately simple: one `@`, something before it, a dotted domain after, no spaces.
pub(crate) fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !address.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// The 422 message for a date that is not a real `YYYY-MM-DD`.
pub(crate) const NOT_A_DATE: &str = "must be a valid date in the format YYYY-MM-DD";

/// A real calendar date written exactly `YYYY-MM-DD`.
pub(crate) fn is_date(text: &str) -> bool {
    let shaped = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    shaped && NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn plain_addresses_are_emails_and_broken_ones_are_not() {
        assert!(is_email("ana.silva@example.com"));
        assert!(!is_email("ana.silva"));
        assert!(!is_email("ana@localhost"));
        assert!(!is_email("ana @example.com"));
        assert!(!is_email("@example.com"));
        assert!(!is_email("ana@example..com"));
    }
}
