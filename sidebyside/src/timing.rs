//! Interleaved timing: each round times ours, then theirs (the order flips every round), for
//! the same iteration count; the median round of each side is reported. Interleaving keeps both
//! sides under the same load on a shared, noisy machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Median nanoseconds per iteration of each side.
pub struct Pair {
    pub ours_ns: f64,
    pub theirs_ns: f64,
}

impl Pair {
    /// wacore time / ours: above 1 means we are faster.
    pub fn ratio(&self) -> f64 {
        self.theirs_ns / self.ours_ns
    }
}

fn time_n(f: &mut dyn FnMut(), n: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
        black_box(());
    }
    start.elapsed()
}

/// Picks an iteration count so that one side's batch takes about `target`.
fn calibrate(f: &mut dyn FnMut(), target: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let t = time_n(f, n);
        if t >= target / 4 || n >= 1 << 30 {
            let per = t.as_secs_f64() / n as f64;
            return ((target.as_secs_f64() / per.max(1e-12)) as u64).max(1);
        }
        n *= 2;
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Runs `rounds` interleaved rounds of `ours` and `theirs`, each batch about `batch` long.
pub fn compare(
    rounds: usize,
    batch: Duration,
    ours: &mut dyn FnMut(),
    theirs: &mut dyn FnMut(),
) -> Pair {
    let n_ours = calibrate(ours, batch);
    let n_theirs = calibrate(theirs, batch);
    let mut a = Vec::with_capacity(rounds);
    let mut b = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let mut run_ours =
            |a: &mut Vec<f64>| a.push(time_n(ours, n_ours).as_nanos() as f64 / n_ours as f64);
        if r % 2 == 0 {
            run_ours(&mut a);
            b.push(time_n(theirs, n_theirs).as_nanos() as f64 / n_theirs as f64);
        } else {
            b.push(time_n(theirs, n_theirs).as_nanos() as f64 / n_theirs as f64);
            run_ours(&mut a);
        }
    }
    Pair {
        ours_ns: median(&mut a),
        theirs_ns: median(&mut b),
    }
}
