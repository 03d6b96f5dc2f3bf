//! The machine a run measured on: CPU, memory, kernel, load average, date and commit, read at
//! the start and at the end of the run for the report's first table.

use std::process::Command;

use crate::process::{output, workspace_root};

pub(crate) struct Machine {
    pub(crate) cpus: usize,
    pub(crate) cpu_model: String,
    pub(crate) memory: String,
    pub(crate) load: String,
    pub(crate) date: String,
    pub(crate) commit: String,
    pub(crate) kernel: String,
}

impl Machine {
    pub(crate) fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
            .unwrap_or_default();
        let load = std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let shell = |program: &str, args: &[&str]| {
            output(
                Command::new(program)
                    .args(args)
                    .current_dir(workspace_root()),
            )
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
        };
        // BENCHMARKS.md itself (the previous report) does not count as a change to what is measured.
        let dirty = shell("git", &["status", "--porcelain", "--untracked-files=no"])
            .lines()
            .any(|line| !line.ends_with(" BENCHMARKS.md"));
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory,
            load,
            date: shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            commit: format!(
                "{}{}",
                shell("git", &["rev-parse", "--short", "HEAD"]),
                if dirty {
                    " (with uncommitted changes in the work tree)"
                } else {
                    ""
                }
            ),
            kernel: shell("uname", &["-r"]),
        }
    }
}
