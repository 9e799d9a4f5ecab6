//! Side-by-side speed of wa-protocol and the published wacore 0.7 crates on identical inputs,
//! interleaved in one process. Prints one row per path: both medians and wacore / ours.
//!
//! `./run.sh` (or `cargo run --release -- [--quick] [FILTER]`) from this directory;
//! `cargo run --release -- callgrind PATH ours|wacore [ITERS]` runs one side of one path in a
//! loop, for `valgrind --tool=callgrind`.

mod appstate;
mod binary;
mod canon;
mod corpus;
mod history;
mod signal;
mod stanza;
mod timing;

use std::time::Duration;

/// One measured path: a closure per library doing the same work on the same input.
pub struct Path {
    pub name: String,
    pub ours: Box<dyn FnMut()>,
    pub theirs: Box<dyn FnMut()>,
}

/// Every path; `check` first asserts that both sides produce the same results.
fn all_paths(check: bool) -> Vec<Path> {
    let corpus: &'static [corpus::Entry] = Box::leak(corpus::corpus().into_boxed_slice());
    let mut out = binary::paths(corpus, check);
    out.extend(stanza::paths(check));
    out.extend(signal::paths(check));
    out.extend(appstate::paths(check));
    out.extend(history::paths(check));
    out
}

/// The loop `callgrind.sh` counts (`--toggle-collect`): nothing else is measured.
#[inline(never)]
fn run_loop(f: &mut dyn FnMut(), iters: u64) {
    for _ in 0..iters {
        f();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("check") {
        let n = all_paths(true).len();
        eprintln!("{n} paths: both sides agree on every corpus entry");
        return;
    }
    if args.first().map(String::as_str) == Some("list") {
        for p in all_paths(false) {
            println!("{}", p.name);
        }
        return;
    }
    if args.first().map(String::as_str) == Some("callgrind") {
        let name = args.get(1).expect("callgrind PATH ours|wacore [ITERS]");
        let side = args.get(2).map(String::as_str).unwrap_or("ours");
        let iters: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
        let mut path = all_paths(false)
            .into_iter()
            .find(|p| &p.name == name)
            .expect("no such path");
        let f = if side == "wacore" {
            &mut path.theirs
        } else {
            &mut path.ours
        };
        // One untimed call first, so lazily built tables are not counted.
        f();
        run_loop(f, iters);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let (rounds, batch) = if quick {
        (7, Duration::from_millis(20))
    } else {
        (21, Duration::from_millis(50))
    };
    println!("| path | ours (ns) | wacore 0.7 (ns) | wacore / ours |");
    println!("| --- | ---: | ---: | ---: |");
    for mut p in all_paths(true) {
        if filter
            .as_ref()
            .is_some_and(|f| !p.name.contains(f.as_str()))
        {
            continue;
        }
        let r = timing::compare(rounds, batch, &mut p.ours, &mut p.theirs);
        println!(
            "| {} | {:.0} | {:.0} | {:.2} |",
            p.name,
            r.ours_ns,
            r.theirs_ns,
            r.ratio()
        );
    }
}
