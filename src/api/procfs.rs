//! This process and host as Linux's `/proc` describes them: parsers are pure and tested on
//! sample text; the readers only fetch the files.

use std::collections::BTreeMap;
use std::fs;

/// `/proc/meminfo`: key → bytes (values are in kB).
pub fn parse_meminfo(text: &str) -> BTreeMap<String, u64> {
    parse_kb_lines(text)
}

/// `/proc/self/status`: the `kB` lines as bytes (`VmRSS`, `RssAnon`, `VmHWM`, …), plus `Threads`.
pub fn parse_status(text: &str) -> BTreeMap<String, u64> {
    let mut out = parse_kb_lines(text);
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Threads:") {
            if let Ok(n) = v.trim().parse() {
                out.insert("Threads".to_string(), n);
            }
        }
    }
    out
}

fn parse_kb_lines(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|line| {
            let (key, rest) = line.split_once(':')?;
            let mut fields = rest.split_whitespace();
            let value: u64 = fields.next()?.parse().ok()?;
            (fields.next() == Some("kB")).then(|| (key.trim().to_string(), value * 1024))
        })
        .collect()
}

/// The fields of `/proc/<pid>/stat` (or a task's) that we report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcStat {
    pub state: char,
    pub minor_faults: u64,
    pub major_faults: u64,
    /// User + system CPU time, in clock ticks.
    pub cpu_ticks: u64,
}

/// Parses `pid (comm) state …`; the command may hold spaces and parentheses, so fields are
/// counted after the last `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let after = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // After the command: state is field 3 of the full line, so index 0 here; minflt 10 → 7,
    // majflt 12 → 9, utime 14 → 11, stime 15 → 12.
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(ProcStat {
        state: f.first()?.chars().next()?,
        minor_faults: num(7)?,
        major_faults: num(9)?,
        cpu_ticks: num(11)? + num(12)?,
    })
}

/// `(busy, total)` clock ticks of all CPUs from the `cpu` line of `/proc/stat`; idle and iowait
/// count as not busy.
pub fn parse_cpu_line(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// The one-minute load average from `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// A cgroup v2 `memory.max`: bytes, or `None` for `max` (no limit).
pub fn parse_memory_max(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// Linux thread state letter → the closest Java `Thread.State` name, as `/thread-dump` reports
/// it: running → RUNNABLE; sleeping, idle or stopped → WAITING; uninterruptible (disk) sleep →
/// BLOCKED; zombie or dead → TERMINATED.
pub fn thread_state_name(state: char) -> &'static str {
    match state {
        'R' => "RUNNABLE",
        'S' | 'I' | 'T' | 't' | 'P' | 'W' | 'K' => "WAITING",
        'D' => "BLOCKED",
        'Z' | 'X' | 'x' => "TERMINATED",
        _ => "UNKNOWN",
    }
}

/// Hazelcast's `numberToUnit`: `1536` → `1.5K`, binary units, one decimal.
pub fn number_to_unit(n: u64) -> String {
    const UNITS: [&str; 7] = ["", "K", "M", "G", "T", "P", "E"];
    for i in (1..UNITS.len()).rev() {
        let step = 1024f64.powi(i as i32);
        if n as f64 > step {
            return format!("{:.1}{}", n as f64 / step, UNITS[i]);
        }
    }
    n.to_string()
}

/// Hazelcast's percentage text: two decimals and `%`.
pub fn percent(fraction: f64) -> String {
    format!("{:.2}%", fraction * 100.0)
}

pub fn read(path: &str) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// One thread of this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    pub tid: u64,
    pub name: String,
    pub state: char,
    /// The kernel function the thread sleeps in, when it sleeps and the kernel shows it.
    pub wait_channel: Option<String>,
}

/// Every thread of this process, by thread id.
pub fn read_tasks() -> Vec<TaskInfo> {
    let Ok(dir) = fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let mut tasks: Vec<TaskInfo> = dir
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let tid: u64 = entry.file_name().to_str()?.parse().ok()?;
            let base = entry.path();
            // A thread may exit between listing and reading; skip it then.
            let stat = parse_stat(&fs::read_to_string(base.join("stat")).ok()?)?;
            let name = fs::read_to_string(base.join("comm"))
                .map(|c| c.trim_end().to_string())
                .unwrap_or_default();
            let wait_channel = fs::read_to_string(base.join("wchan"))
                .ok()
                .map(|w| w.trim().to_string())
                .filter(|w| !w.is_empty() && w != "0");
            Some(TaskInfo {
                tid,
                name,
                state: stat.state,
                wait_channel,
            })
        })
        .collect();
    tasks.sort_by_key(|t| t.tid);
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_and_status() {
        let m = parse_meminfo(
            "MemTotal:       16303428 kB\nMemFree:  1000 kB\nHugePages_Total:       0\n",
        );
        assert_eq!(m["MemTotal"], 16303428 * 1024);
        assert_eq!(m["MemFree"], 1000 * 1024);
        assert!(!m.contains_key("HugePages_Total"));
        let s =
            parse_status("Name:\tseatunnel\nVmRSS:\t  2048 kB\nRssAnon:\t 1024 kB\nThreads:\t9\n");
        assert_eq!(s["VmRSS"], 2048 * 1024);
        assert_eq!(s["RssAnon"], 1024 * 1024);
        assert_eq!(s["Threads"], 9);
    }

    #[test]
    fn stat_with_odd_command_names() {
        let line = "1234 (tokio (rt) w) S 1 1234 1234 0 -1 4194560 250 0 3 0 70 30 0 0 20 0 9 0 100 1000 200";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.state, 'S');
        assert_eq!(s.minor_faults, 250);
        assert_eq!(s.major_faults, 3);
        assert_eq!(s.cpu_ticks, 100);
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn cpu_load_and_limits() {
        let (busy, total) =
            parse_cpu_line("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n").unwrap();
        assert_eq!((busy, total), (150, 1000));
        assert_eq!(parse_loadavg("0.52 0.58 0.59 1/467 12345\n"), Some(0.52));
        assert_eq!(parse_memory_max("max\n"), None);
        assert_eq!(parse_memory_max("1073741824\n"), Some(1 << 30));
    }

    #[test]
    fn hazelcast_number_formats() {
        assert_eq!(number_to_unit(512), "512");
        assert_eq!(number_to_unit(1536), "1.5K");
        assert_eq!(number_to_unit(16 * 1024 * 1024 * 1024), "16.0G");
        assert_eq!(percent(0.1234), "12.34%");
        assert_eq!(thread_state_name('R'), "RUNNABLE");
        assert_eq!(thread_state_name('D'), "BLOCKED");
    }

    #[test]
    fn this_process_is_readable() {
        let tasks = read_tasks();
        assert!(!tasks.is_empty());
        assert!(tasks.iter().all(|t| t.tid > 0));
        let stat = parse_stat(&read("/proc/thread-self/stat").unwrap()).unwrap();
        assert_eq!(stat.state, 'R', "the reading thread is running");
    }
}
