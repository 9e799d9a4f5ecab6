//! Conformance runner: checks the golden vector files of `../shared/vectors` (or any file of the
//! same schema) against this implementation.
//!
//! ```text
//! cargo run --release --example conformance -- SUITE FILE...
//! cargo run --release --example conformance            # every suite on ../shared/vectors
//! ```
//!
//! Prints one line per failed case with the reason and ends with `N passed, M failed`; the exit
//! status is non-zero when any case failed.

mod suites;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let jobs: Vec<(String, PathBuf)> = match args.as_slice() {
        [] => {
            let dir = suites::default_vector_dir();
            suites::SUITES
                .iter()
                .map(|(name, file, _)| (name.to_string(), dir.join(file)))
                .collect()
        }
        [suite, files @ ..] if !files.is_empty() => files
            .iter()
            .map(|f| (suite.clone(), PathBuf::from(f)))
            .collect(),
        _ => {
            eprintln!("usage: conformance [SUITE FILE...]");
            eprintln!(
                "suites: {}",
                suites::SUITES
                    .iter()
                    .map(|s| s.0)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return ExitCode::from(2);
        }
    };

    let mut total = suites::Report::default();
    for (suite, file) in &jobs {
        match suites::run_file(suite, file) {
            Ok(report) => {
                for failure in &report.failures {
                    println!("FAIL {suite} {}: {failure}", file.display());
                }
                total.merge(report);
            }
            Err(err) => {
                println!("FAIL {suite} {}: {err}", file.display());
                total.failures.push(err);
            }
        }
    }
    println!("{} passed, {} failed", total.passed, total.failures.len());
    if total.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
