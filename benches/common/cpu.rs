//! CPU time from `/proc` (Linux; zero elsewhere), so a bench can say what the client cost
//! apart from the fake server running in the same process: per process, per calling thread,
//! or summed over the threads whose names start with given prefixes.

/// User plus system CPU seconds of a `/proc/.../stat` file, and the thread or process name
/// it gives.
fn stat_file(path: &str) -> (String, f64) {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name is in parentheses and may hold spaces: count fields after it.
    let (head, after) = stat.rsplit_once(')').unwrap_or(("", ""));
    let name = head.split_once('(').map_or("", |(_, n)| n).to_owned();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15; index 0 here is field 3. USER_HZ is 100.
    (name, (ticks(11) + ticks(12)) as f64 / 100.0)
}

/// CPU seconds of the whole process so far.
// Not every bench that includes this file uses every reader.
#[allow(dead_code)]
pub fn process_secs() -> f64 {
    stat_file("/proc/self/stat").1
}

/// CPU seconds of the calling thread so far.
#[allow(dead_code)]
pub fn thread_secs() -> f64 {
    stat_file("/proc/thread-self/stat").1
}

/// CPU seconds so far of the live threads whose names start with one of `prefixes` (Linux
/// truncates a name to 15 bytes). A thread that ended takes its time with it, so take both
/// readings while the threads being measured live.
#[allow(dead_code)]
pub fn named_threads_secs(prefixes: &[&str]) -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .filter_map(Result::ok)
        .map(|task| stat_file(&format!("{}/stat", task.path().display())))
        .filter(|(name, _)| prefixes.iter().any(|p| name.starts_with(p)))
        .map(|(_, secs)| secs)
        .sum()
}
