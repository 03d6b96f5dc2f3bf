//! A calendar date in `YYYY-MM-DD`, parsed strictly, without pulling a date crate into the widget.

use std::fmt;

/// A proleptic Gregorian date; ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    /// Year, 1..=9999.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of month, valid for the month and year.
    pub day: u8,
}

impl CalendarDate {
    /// Parses exactly `YYYY-MM-DD` (ten characters, a real day).
    pub fn parse(text: &str) -> Option<CalendarDate> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = &text[range];
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let year = number(0..4)?;
        let month = u8::try_from(number(5..7)?).ok()?;
        let day = u8::try_from(number(8..10)?).ok()?;
        let date = CalendarDate { year, month, day };
        (year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= date.days_in_month())
            .then_some(date)
    }

    fn days_in_month(self) -> u8 {
        match self.month {
            4 | 6 | 9 | 11 => 30,
            2 if self.is_leap_year() => 29,
            2 => 28,
            _ => 31,
        }
    }

    fn is_leap_year(self) -> bool {
        let y = self.year;
        (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_date_round_trips() {
        let date = CalendarDate::parse("2028-02-29").expect("leap day");
        assert_eq!(date.to_string(), "2028-02-29");
    }

    #[test]
    fn impossible_or_misformatted_dates_are_refused() {
        for text in [
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-1-10",
            "27-01-10",
            "2027-01-1a",
            "2027/01/10",
            "+027-01-10",
            "",
        ] {
            assert_eq!(CalendarDate::parse(text), None, "{text}");
        }
    }

    #[test]
    fn dates_order_chronologically() {
        let a = CalendarDate::parse("2026-12-31").expect("valid");
        let b = CalendarDate::parse("2027-01-01").expect("valid");
        assert!(a < b);
    }
}
