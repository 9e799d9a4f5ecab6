//! Runs every conformance suite on ../shared/vectors as part of `cargo test`, so CI checks the
//! golden vectors on every change.

#[path = "../examples/conformance/suites/mod.rs"]
mod suites;

#[test]
fn every_suite_passes_on_shared_vectors() {
    let dir = suites::default_vector_dir();
    assert!(
        dir.is_dir(),
        "vector folder {} is missing (set WA_VECTORS_DIR)",
        dir.display()
    );
    let mut failures = Vec::new();
    let mut passed = 0;
    for (suite, file, _) in suites::SUITES {
        match suites::run_file(suite, &dir.join(file)) {
            Ok(report) => {
                assert!(
                    report.passed + report.failures.len() > 0,
                    "suite {suite} counted no case"
                );
                passed += report.passed;
                failures.extend(report.failures.into_iter().map(|f| format!("{suite}: {f}")));
            }
            Err(e) => failures.push(format!("{suite}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{passed} passed, {} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
