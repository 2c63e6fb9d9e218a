//! `/system-monitoring-information` and `/thread-dump`, with real values of this process.
//!
//! SeaTunnel returns Hazelcast's health-monitor line per member. We keep its key names and value
//! formats (`16.0G`, `12.34%`) where Linux has the same fact, give JVM-only keys a documented
//! process equivalent, and leave out keys with no meaning here (GC, Hazelcast queues) rather
//! than invent values. `docs/openapi.yaml` lists every key and its source.

use serde_json::{json, Map, Value as Json};

use crate::api::peers;
use crate::api::procfs::{self, number_to_unit, percent, read};
use crate::api::ApiState;

/// One reading of the CPU counters, to compute load between two requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuSample {
    /// This process's user + system ticks.
    pub process: u64,
    /// Busy and total ticks of all CPUs.
    pub busy: u64,
    pub total: u64,
}

impl CpuSample {
    /// Zeros where `/proc` cannot be read, which makes the next load read 0 rather than fail.
    pub fn now() -> CpuSample {
        let process = read("/proc/self/stat")
            .and_then(|s| procfs::parse_stat(&s))
            .map_or(0, |s| s.cpu_ticks);
        let (busy, total) = read("/proc/stat")
            .and_then(|s| procfs::parse_cpu_line(&s))
            .unwrap_or((0, 0));
        CpuSample {
            process,
            busy,
            total,
        }
    }
}

/// `(process, system)` CPU use between two samples, as fractions of all CPUs (Java's
/// `getProcessCpuLoad` / `getSystemCpuLoad`).
pub fn cpu_loads(prev: CpuSample, now: CpuSample) -> (f64, f64) {
    let total = now.total.saturating_sub(prev.total);
    if total == 0 {
        return (0.0, 0.0);
    }
    let share = |d: u64| (d as f64 / total as f64).clamp(0.0, 1.0);
    (
        share(now.process.saturating_sub(prev.process)),
        share(now.busy.saturating_sub(prev.busy)),
    )
}

/// The cgroup v2 memory limit of this process, if it has one.
fn cgroup_memory_max() -> Option<u64> {
    let cgroup = read("/proc/self/cgroup")?;
    let path = cgroup.lines().find_map(|l| l.strip_prefix("0::"))?;
    procfs::parse_memory_max(&read(&format!("/sys/fs/cgroup{}/memory.max", path.trim()))?)
}

pub fn monitoring(state: &ApiState) -> Json {
    let mut m = Map::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), Json::String(v));
    };
    if let Ok(n) = std::thread::available_parallelism() {
        put("processors", n.to_string());
    }
    let mem = read("/proc/meminfo")
        .map(|t| procfs::parse_meminfo(&t))
        .unwrap_or_default();
    for (key, field) in [
        ("physical.memory.total", "MemTotal"),
        ("physical.memory.free", "MemFree"),
        ("swap.space.total", "SwapTotal"),
        ("swap.space.free", "SwapFree"),
    ] {
        if let Some(v) = mem.get(field) {
            put(key, number_to_unit(*v));
        }
    }
    let status = read("/proc/self/status")
        .map(|t| procfs::parse_status(&t))
        .unwrap_or_default();
    // The heap equivalents: anonymous resident memory is what the allocator holds; resident
    // memory is what the process occupies; the limit is the cgroup's, else physical memory.
    if let (Some(&anon), Some(&rss)) = (status.get("RssAnon"), status.get("VmRSS")) {
        let max = cgroup_memory_max().or_else(|| mem.get("MemTotal").copied());
        put("heap.memory.used", number_to_unit(anon));
        put("heap.memory.free", number_to_unit(rss.saturating_sub(anon)));
        put("heap.memory.total", number_to_unit(rss));
        if rss > 0 {
            put("heap.memory.used/total", percent(anon as f64 / rss as f64));
        }
        if let Some(max) = max.filter(|m| *m > 0) {
            put("heap.memory.max", number_to_unit(max));
            put("heap.memory.used/max", percent(anon as f64 / max as f64));
        }
    }
    let now = CpuSample::now();
    let (process_load, system_load) = {
        let mut prev = state.cpu.lock().expect("cpu sample lock poisoned");
        let loads = cpu_loads(*prev, now);
        *prev = now;
        loads
    };
    put("load.process", percent(process_load));
    put("load.system", percent(system_load));
    if let Some(avg) = read("/proc/loadavg").and_then(|t| procfs::parse_loadavg(&t)) {
        put("load.systemAverage", format!("{avg:.2}"));
    }
    if let Some(n) = status.get("Threads") {
        put("thread.count", n.to_string());
    }
    for (key, field) in [
        ("process.memory.resident", "VmRSS"),
        ("process.memory.peak", "VmHWM"),
        ("process.memory.virtual", "VmSize"),
    ] {
        if let Some(v) = status.get(field) {
            put(key, number_to_unit(*v));
        }
    }
    if let Some(s) = read("/proc/self/stat").and_then(|t| procfs::parse_stat(&t)) {
        put("process.pageFaults.minor", s.minor_faults.to_string());
        put("process.pageFaults.major", s.major_faults.to_string());
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        put("process.openFiles", fds.count().to_string());
    }
    put(
        "process.uptimeSeconds",
        state.started.elapsed().as_secs().to_string(),
    );
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let metrics = rt.metrics();
        put("tokio.workers", metrics.num_workers().to_string());
        put("tokio.tasks.alive", metrics.num_alive_tasks().to_string());
        put(
            "tokio.queue.global",
            metrics.global_queue_depth().to_string(),
        );
    }
    put(
        "http.connection.active.count",
        state.connections().to_string(),
    );
    if let Some(logs) = crate::telemetry::job_logs() {
        put("jobLog.dropped", logs.dropped().to_string());
    }
    put("host", state.node.host.clone());
    put("port", state.node.port.to_string());
    let is_master = state
        .active_master()
        .map_or(state.node.is_master, |a| a.is_active());
    put("isMaster", is_master.to_string());
    Json::Array(vec![Json::Object(m)])
}

/// This node's entry, then every other member's (asked at once, each for its own part); a member
/// that does not answer within [`peers::PEER_TIMEOUT`] is left out and logged.
pub async fn monitoring_all(state: &ApiState, local_only: bool) -> Json {
    let mut out = match monitoring(state) {
        Json::Array(a) => a,
        other => vec![other],
    };
    if local_only {
        return Json::Array(out);
    }
    for (base, answer) in peers::ask_all(state, "/system-monitoring-information").await {
        match answer {
            Ok(Json::Array(entries)) => out.extend(entries),
            Ok(_) => {
                tracing::warn!(peer = %base, "leaving a member out of the monitoring answer: it did not answer a JSON array")
            }
            Err(e) => {
                tracing::warn!(peer = %base, "leaving a member out of the monitoring answer: {e}")
            }
        }
    }
    Json::Array(out)
}

/// Every OS thread of this process. There are no stack traces without a debugger, so
/// `stackTrace` names the kernel function a sleeping thread waits in, or is empty.
pub fn thread_dump() -> Json {
    Json::Array(
        procfs::read_tasks()
            .into_iter()
            .map(|t| {
                json!({
                    "threadName": t.name,
                    "threadId": t.tid,
                    "threadState": procfs::thread_state_name(t.state),
                    "stackTrace": t.wait_channel.map(|w| format!("waiting in kernel function {w}")).unwrap_or_default(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_are_shares_of_all_cpus_between_samples() {
        let prev = CpuSample {
            process: 10,
            busy: 100,
            total: 1000,
        };
        let now = CpuSample {
            process: 60,
            busy: 400,
            total: 2000,
        };
        assert_eq!(cpu_loads(prev, now), (0.05, 0.3));
        assert_eq!(cpu_loads(now, now), (0.0, 0.0));
        assert_eq!(cpu_loads(now, prev), (0.0, 0.0), "counters never go back");
    }
}
