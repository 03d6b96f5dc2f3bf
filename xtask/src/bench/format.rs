//! How numbers read in BENCHMARKS.md: sizes, milliseconds, rates, and a budget's verdict.

pub(crate) fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

pub(crate) fn fmt_ms(ms: f64) -> String {
    if !ms.is_finite() {
        "—".to_owned()
    } else if ms.abs() >= 100.0 {
        format!("{ms:.0}")
    } else if ms.abs() >= 10.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

pub(crate) fn fmt_rate(rate: f64) -> String {
    if rate >= 100.0 {
        format!("{rate:.0}")
    } else {
        format!("{rate:.1}")
    }
}

/// "met" / "**missed**: why".
pub(crate) fn verdict(met: bool, missed: &str, met_note: &str) -> String {
    if met {
        format!("met{met_note}")
    } else {
        format!("**missed**: {missed}")
    }
}
