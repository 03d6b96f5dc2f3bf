//! The soak's verdict bites: a short soak (the soak binary, the built backend as its child) with
//! `--seed-duplicate` — one more employment at the sandbox carrying a told hire's
//! `external_id`, in another company under another email, where neither the sandbox's
//! one-email-per-company rule nor a count by email can see it — exits non-zero, counts exactly
//! that duplicate (and the employment no client was told of that it also is), and names it.

use std::{path::PathBuf, process::Command};

use hwr_integration_tests::server_binary;

/// The seeded employment's id and `external_id`, from the soak's `seeded a duplicate` line.
fn seeded(stderr: &str) -> (String, String) {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("soak: seeded a duplicate: employment "))
        .unwrap_or_else(|| panic!("the soak says nothing about a seeded duplicate:\n{stderr}"));
    let mut words = line.split_whitespace();
    let employment = words.next().expect("an employment id").to_owned();
    let external_id = line
        .split("with external_id ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("an external_id")
        .to_owned();
    (employment, external_id)
}

/// The `(check, value, verdict)` of every failing line of the report's checks table.
fn failing_checks(report: &str) -> Vec<(String, String)> {
    report
        .lines()
        .filter(|l| l.starts_with("| ") && l.ends_with("— **FAIL** |"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].to_owned(), cells[1].to_owned())
        })
        .collect()
}

#[test]
fn a_soak_with_a_duplicate_under_another_email_in_another_company_fails_and_names_it() {
    // Arrange
    let work = std::env::temp_dir().join(format!("hwr-soak-{}", uuid::Uuid::new_v4().simple()));
    let report_path: PathBuf = work.join("report.md");

    // Act
    let started = std::time::Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_soak"))
        .arg("--backend")
        .arg(server_binary())
        .args(["--seconds", "4", "--concurrency", "4", "--users", "4"])
        .arg("--report")
        .arg(&report_path)
        .arg("--work-dir")
        .arg(work.join("run"))
        .arg("--seed-duplicate")
        .output()
        .expect("the soak binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = std::fs::read_to_string(&report_path)
        .unwrap_or_else(|e| panic!("no report ({e}); stdout:\n{stdout}\nstderr:\n{stderr}"));
    let _ = std::fs::remove_dir_all(&work);

    // Assert
    assert_eq!(
        output.status.code(),
        Some(1),
        "the soak must fail; report:\n{report}\nstderr:\n{stderr}"
    );
    let (employment, external_id) = seeded(&stderr);
    let failing = failing_checks(&report);
    let names: Vec<&str> = failing.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "duplicates (employments beyond one per external_id or email, across companies)",
            "employments no client was told of",
        ],
        "only the seeded duplicate may fail the run; report:\n{report}"
    );
    assert!(
        failing.iter().all(|(_, value)| value == "1"),
        "exactly one duplicate: {failing:?}"
    );
    let duplicates = report
        .split("### Duplicates")
        .nth(1)
        .expect("the report lists the duplicates");
    let duplicates = duplicates.split("\n### ").next().unwrap_or_default();
    assert!(
        duplicates.contains(&format!("employment {employment} "))
            && duplicates.contains(&format!("external_id {external_id}")),
        "the duplicate named is not the seeded one ({employment}, {external_id}):\n{duplicates}"
    );
    assert!(
        stdout.contains("soak: ") && stdout.trim_end().ends_with("2 failed"),
        "{stdout}"
    );
    eprintln!("the soak ran in {:?}", started.elapsed());
}
