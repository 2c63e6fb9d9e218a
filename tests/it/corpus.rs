//! SeaTunnel's own job files (../shared/compat-corpus/jobs/MANIFEST.tsv) run through the real
//! `seatunnel run` binary, each checked against the outcome SeaTunnel's e2e tests expect.
//!
//! Jobs whose plugins or formats are outside this build are listed with the reason, never dropped
//! silently. The run ends with a `corpus: N passed, N failed` line and fails if any in-scope job
//! misbehaves. Skips (saying so) only when ../shared is absent, as in a user's fresh clone.

use crate::corpus_support;

use corpus_support::{classify, stage_fixtures, Corpus, Expect, Plan};

#[test]
fn compat_corpus_jobs_reach_their_expected_outcome() {
    let Some(corpus) = Corpus::locate() else {
        println!(
            "skipping the compat corpus: ../shared/compat-corpus is not present (a plain clone)"
        );
        return;
    };
    stage_fixtures(&corpus);
    let rows = corpus.manifest();
    let mut passed = 0;
    let mut failed = Vec::new();
    let mut out_of_scope = Vec::new();
    for row in &rows {
        match classify(&corpus, row) {
            Plan::OutOfScope(reason) => out_of_scope.push(format!("{}: {reason}", row.file)),
            Plan::Runs(runs) => {
                let mut ok = true;
                for run in &runs {
                    if let Err(why) = corpus.execute(row, run) {
                        failed.push(format!("{} {:?}: {why}", row.file, run.vars));
                        ok = false;
                        break;
                    }
                }
                if ok {
                    passed += 1;
                    let kind = match runs.first().map(|r| &r.expect) {
                        Some(Expect::StillRunning) => "still running at deadline",
                        Some(Expect::Failed(_)) => "failed as expected",
                        _ => "finished",
                    };
                    println!("ok    {} ({kind})", row.file);
                } else {
                    println!("FAIL  {}", row.file);
                }
            }
        }
    }
    println!("\nout of scope ({}):", out_of_scope.len());
    for o in &out_of_scope {
        println!("  {o}");
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for f in &failed {
            println!("  {f}");
        }
    }
    println!(
        "\ncorpus: {passed} passed, {} failed, {} out of scope",
        failed.len(),
        out_of_scope.len()
    );
    assert!(
        failed.is_empty(),
        "{} corpus job(s) did not reach their expected outcome",
        failed.len()
    );
}
