//! From (method, path, query) to an [`Endpoint`]. Pure, so every route is unit-tested.
//!
//! Matching follows Jetty's servlet mapping `<path>/*`, which SeaTunnel uses for every route: a
//! route matches its path exactly or followed by `/…`, the longest route wins
//! (`/submit-job/upload` over `/submit-job`), and what follows is the route's parameter
//! (`/job-info/123`).
//!
//! A listener serves REST V2 under the context path, REST V1 under [`V1_PREFIX`], or both
//! ([`Routes`]). V1 is SeaTunnel's Hazelcast text-protocol API: it ignores the context path and
//! knows fewer routes (no upload, no `/health`, no `/members`).

use hyper::Method;

use crate::config::RestApiConfig;

/// SeaTunnel's V1 prefix (Hazelcast's `URI_MAPS`), fixed whatever the context path.
pub const V1_PREFIX: &str = "/hazelcast/rest/maps";
/// The Hazelcast REST endpoint group that `/hazelcast/rest/maps` belongs to; without it
/// Hazelcast refuses every V1 path.
const V1_ENDPOINT_GROUP: &str = "DATA";

/// Which route families a listener serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    /// `seatunnel.engine.http.context-path`, normalized ([`normalize_context_path`]).
    pub context_path: String,
    /// REST V2 under the context path.
    pub v2: bool,
    /// REST V1 under [`V1_PREFIX`] (`hazelcast.network.rest-api.enabled`).
    pub v1: bool,
}

impl Routes {
    /// What a member-port listener serves: V1 alone, when the member's hazelcast yaml has
    /// `network.rest-api.enabled: true` with the `DATA` endpoint group on (SeaTunnel's shipped
    /// configs enable `CLUSTER_WRITE` and `DATA`); otherwise nothing, and no listener is needed.
    /// Pure.
    pub fn member_port(rest_api: &RestApiConfig) -> Option<Routes> {
        let data = rest_api
            .endpoint_groups
            .iter()
            .any(|(group, on)| *on && group.eq_ignore_ascii_case(V1_ENDPOINT_GROUP));
        (rest_api.enabled && data).then(|| Routes {
            context_path: String::new(),
            v2: false,
            v1: true,
        })
    }

    /// `rest-api.enabled: true` without the `DATA` group: V1 is configured but would refuse
    /// every path; worth a warning at start.
    pub fn v1_without_data_group(rest_api: &RestApiConfig) -> bool {
        rest_api.enabled && Routes::member_port(rest_api).is_none()
    }

    /// V2 only, under `context_path` (normalized here).
    pub fn v2(context_path: &str) -> Routes {
        Routes {
            context_path: normalize_context_path(context_path),
            v2: true,
            v1: false,
        }
    }
}

/// How `/logs` lists files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Html,
    Json,
}

impl ListFormat {
    /// SeaTunnel's `format` query value: `json` (any case), else HTML.
    pub fn from_query(pairs: &[(String, String)]) -> ListFormat {
        match pairs.iter().rev().find(|(k, _)| k == "format") {
            Some((_, v)) if v.trim().eq_ignore_ascii_case("json") => ListFormat::Json,
            _ => ListFormat::Html,
        }
    }
}

/// Every route, as served under the context path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Query pairs filter the worker numbers by node tags.
    Overview {
        tags: Vec<(String, String)>,
    },
    RunningJobs,
    /// `/job-info/:id` and the deprecated `/running-job/:id`; the raw id, maybe empty.
    JobInfo {
        job_id: String,
    },
    /// `/finished-jobs/:state`; empty means every state.
    FinishedJobs {
        state: String,
    },
    SystemMonitoring,
    ThreadDump,
    Health,
    SubmitJob {
        query: Vec<(String, String)>,
    },
    SubmitJobUpload {
        query: Vec<(String, String)>,
    },
    SubmitJobs,
    StopJob,
    StopJobs,
    EncryptConfig,
    UpdateTags,
    /// `/logs` and `/logs/:jobId`: log files of every node; `job_id` empty means all.
    Logs {
        job_id: String,
        format: ListFormat,
    },
    /// `/log`: this node's log files, as HTML.
    NodeLogs,
    /// `/logs/<name>` and `/log/<name>`: one file's content; the name is not validated yet.
    LogFile {
        name: String,
    },
    /// `/get-all-log-name`: this node's log file names.
    AllLogNames,
    Members,
    /// `/jobs/checkpoints/:id` (SeaTunnel 3.x): the job's checkpoint overview; the raw id.
    Checkpoints {
        job_id: String,
    },
    /// `/jobs/checkpoints/history/:id` (SeaTunnel 3.x), with `pipelineId`, `limit`, `status`.
    CheckpointHistory {
        job_id: String,
        query: Vec<(String, String)>,
    },
    /// The path exists but not for this method.
    MethodNotAllowed {
        allowed: &'static str,
    },
    NotFound,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    Overview,
    RunningJobs,
    JobInfo,
    FinishedJobs,
    SystemMonitoring,
    ThreadDump,
    Health,
    SubmitJob,
    SubmitJobUpload,
    SubmitJobs,
    StopJob,
    StopJobs,
    EncryptConfig,
    UpdateTags,
    Logs,
    Log,
    AllLogNames,
    Members,
    Checkpoints,
    CheckpointHistory,
}

/// Route paths, SeaTunnel's `RestConstant` names (3.x's checkpoint routes among them) plus our
/// `/health` and `/members`, and whether
/// V1 serves them too.
const ROUTES: &[(&str, Route, bool)] = &[
    ("/overview", Route::Overview, true),
    ("/running-jobs", Route::RunningJobs, true),
    ("/job-info", Route::JobInfo, true),
    ("/running-job", Route::JobInfo, true),
    ("/finished-jobs", Route::FinishedJobs, true),
    (
        "/system-monitoring-information",
        Route::SystemMonitoring,
        true,
    ),
    ("/thread-dump", Route::ThreadDump, true),
    ("/health", Route::Health, false),
    ("/submit-job", Route::SubmitJob, true),
    ("/submit-job/upload", Route::SubmitJobUpload, false),
    ("/submit-jobs", Route::SubmitJobs, true),
    ("/stop-job", Route::StopJob, true),
    ("/stop-jobs", Route::StopJobs, true),
    ("/encrypt-config", Route::EncryptConfig, true),
    ("/update-tags", Route::UpdateTags, true),
    ("/logs", Route::Logs, true),
    ("/log", Route::Log, true),
    ("/get-all-log-name", Route::AllLogNames, true),
    ("/members", Route::Members, false),
    ("/jobs/checkpoints", Route::Checkpoints, false),
    ("/jobs/checkpoints/history", Route::CheckpointHistory, false),
];

/// `""`, `"/"` → no prefix; otherwise one leading `/` and no trailing one.
pub fn normalize_context_path(context_path: &str) -> String {
    let trimmed = context_path.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// The endpoint `path` names on a listener serving `routes`.
pub fn route(method: &Method, path: &str, query: Option<&str>, routes: &Routes) -> Endpoint {
    let v1_path = if routes.v1 {
        strip_context(path, V1_PREFIX)
    } else {
        None
    };
    let matched = match v1_path {
        Some(p) => longest_match(p, true),
        None if routes.v2 => {
            strip_context(path, &routes.context_path).and_then(|p| longest_match(p, false))
        }
        None => None,
    };
    let Some((route, rest)) = matched else {
        return Endpoint::NotFound;
    };
    let get = |e: Endpoint| {
        if method == Method::GET || method == Method::HEAD {
            e
        } else {
            Endpoint::MethodNotAllowed { allowed: "GET" }
        }
    };
    let post = |e: Endpoint| {
        if method == Method::POST {
            e
        } else {
            Endpoint::MethodNotAllowed { allowed: "POST" }
        }
    };
    let pairs = || query.map(parse_query).unwrap_or_default();
    match route {
        Route::Overview => get(Endpoint::Overview { tags: pairs() }),
        Route::RunningJobs => get(Endpoint::RunningJobs),
        Route::JobInfo => get(Endpoint::JobInfo {
            job_id: percent_decode(rest, false),
        }),
        Route::FinishedJobs => get(Endpoint::FinishedJobs {
            state: percent_decode(rest, false),
        }),
        Route::SystemMonitoring => get(Endpoint::SystemMonitoring),
        Route::ThreadDump => get(Endpoint::ThreadDump),
        Route::Health => get(Endpoint::Health),
        Route::SubmitJob => post(Endpoint::SubmitJob { query: pairs() }),
        Route::SubmitJobUpload => post(Endpoint::SubmitJobUpload { query: pairs() }),
        Route::SubmitJobs => post(Endpoint::SubmitJobs),
        Route::StopJob => post(Endpoint::StopJob),
        Route::StopJobs => post(Endpoint::StopJobs),
        Route::EncryptConfig => post(Endpoint::EncryptConfig),
        // SeaTunnel's own tests send PUT here through the V1 port; accept both.
        Route::UpdateTags if method == Method::PUT => Endpoint::UpdateTags,
        Route::UpdateTags => post(Endpoint::UpdateTags),
        Route::Logs => {
            let param = percent_decode(rest.trim_end_matches('/'), false);
            // SeaTunnel reads a parameter containing ".log" as a file name; anything that could
            // climb out of the directory is a file name too, so it is refused, not filtered on.
            if param.contains(".log") || param.contains('/') || param.contains("..") {
                get(Endpoint::LogFile { name: param })
            } else {
                get(Endpoint::Logs {
                    job_id: param,
                    format: ListFormat::from_query(&pairs()),
                })
            }
        }
        Route::Log => {
            let param = percent_decode(rest.trim_end_matches('/'), false);
            if param.is_empty() {
                get(Endpoint::NodeLogs)
            } else {
                get(Endpoint::LogFile { name: param })
            }
        }
        Route::AllLogNames => get(Endpoint::AllLogNames),
        Route::Members => get(Endpoint::Members),
        Route::Checkpoints => get(Endpoint::Checkpoints {
            job_id: percent_decode(rest, false),
        }),
        Route::CheckpointHistory => get(Endpoint::CheckpointHistory {
            job_id: percent_decode(rest, false),
            query: pairs(),
        }),
    }
}

/// The path below the context path, starting with `/`; `None` outside it.
fn strip_context<'a>(path: &'a str, context_path: &str) -> Option<&'a str> {
    if context_path.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(context_path)?;
    if rest.is_empty() {
        Some("/")
    } else if rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// The longest route matching `path` as Jetty's `<route>/*`, and the text after `<route>/`;
/// with `v1`, among the routes V1 serves.
fn longest_match(path: &str, v1: bool) -> Option<(Route, &str)> {
    ROUTES
        .iter()
        .filter(|&&(_, _, in_v1)| in_v1 || !v1)
        .filter_map(|&(prefix, route, _)| {
            let rest = path.strip_prefix(prefix)?;
            if rest.is_empty() {
                Some((prefix.len(), route, ""))
            } else {
                rest.strip_prefix('/')
                    .map(|param| (prefix.len(), route, param))
            }
        })
        .max_by_key(|&(len, _, _)| len)
        .map(|(_, route, param)| (route, param))
}

/// `a=1&b=x+y` → pairs, decoded like a servlet container decodes query strings (`+` is a space).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes `%XX` escapes (and `+` when `plus_is_space`); malformed escapes stay as written and
/// invalid UTF-8 is replaced, so decoding never fails.
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests;
