//! CPU time from `/proc` (Linux; zero elsewhere), so a bench can say what the client cost
//! apart from the fake server's encryption running in the same process.

/// User plus system CPU seconds of the `/proc/<what>/stat` line (`self` for the process,
/// `thread-self` for the calling thread).
fn stat_secs(what: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{what}/stat")).unwrap_or_default();
    // The command name is in parentheses and may hold spaces: count fields after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15; index 0 here is field 3. USER_HZ is 100.
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// CPU seconds of the whole process so far.
pub fn process_secs() -> f64 {
    stat_secs("self")
}

/// CPU seconds of the calling thread so far.
// Not every bench that includes this file times a single thread.
#[allow(dead_code)]
pub fn thread_secs() -> f64 {
    stat_secs("thread-self")
}
