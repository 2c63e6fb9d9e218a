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

/// SeaTunnel's V1 prefix (Hazelcast's `URI_MAPS`), fixed whatever the context path.
pub const V1_PREFIX: &str = "/hazelcast/rest/maps";

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
}

/// Route paths, SeaTunnel's `RestConstant` names plus our `/health` and `/members`, and whether
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
mod tests {
    use super::*;

    fn get(path: &str) -> Endpoint {
        route(&Method::GET, path, None, &Routes::v2(""))
    }

    #[test]
    fn routes_match_like_jetty_prefix_mappings() {
        assert_eq!(get("/running-jobs"), Endpoint::RunningJobs);
        assert_eq!(get("/running-jobs/"), Endpoint::RunningJobs);
        assert_eq!(get("/running-jobsx"), Endpoint::NotFound);
        assert_eq!(
            get("/job-info/733584788375666689"),
            Endpoint::JobInfo {
                job_id: "733584788375666689".into()
            }
        );
        assert_eq!(
            get("/running-job/123"),
            Endpoint::JobInfo {
                job_id: "123".into()
            }
        );
        assert_eq!(get("/job-info/"), Endpoint::JobInfo { job_id: "".into() });
        assert_eq!(get("/job-info"), Endpoint::JobInfo { job_id: "".into() });
        assert_eq!(
            get("/finished-jobs/FINISHED"),
            Endpoint::FinishedJobs {
                state: "FINISHED".into()
            }
        );
        assert_eq!(
            get("/finished-jobs"),
            Endpoint::FinishedJobs { state: "".into() }
        );
        assert_eq!(get("/"), Endpoint::NotFound);
        assert_eq!(get("/nope"), Endpoint::NotFound);
        assert_eq!(get("/health"), Endpoint::Health);
        assert_eq!(get("/thread-dump"), Endpoint::ThreadDump);
        assert_eq!(
            get("/system-monitoring-information"),
            Endpoint::SystemMonitoring
        );
    }

    #[test]
    fn longest_route_wins() {
        let post = |p: &str| route(&Method::POST, p, Some("jobId=1"), &Routes::v2(""));
        let q = vec![("jobId".to_string(), "1".to_string())];
        assert_eq!(
            post("/submit-job/upload"),
            Endpoint::SubmitJobUpload { query: q.clone() }
        );
        assert_eq!(post("/submit-job"), Endpoint::SubmitJob { query: q });
        assert_eq!(post("/submit-jobs"), Endpoint::SubmitJobs);
        assert_eq!(post("/stop-jobs"), Endpoint::StopJobs);
        assert_eq!(post("/stop-job"), Endpoint::StopJob);
        assert_eq!(post("/encrypt-config"), Endpoint::EncryptConfig);
        assert_eq!(post("/update-tags"), Endpoint::UpdateTags);
        assert_eq!(
            route(&Method::PUT, "/update-tags", None, &Routes::v2("")),
            Endpoint::UpdateTags
        );
    }

    #[test]
    fn wrong_method_is_not_allowed() {
        assert_eq!(
            get("/submit-job"),
            Endpoint::MethodNotAllowed { allowed: "POST" }
        );
        assert_eq!(
            route(&Method::POST, "/overview", None, &Routes::v2("")),
            Endpoint::MethodNotAllowed { allowed: "GET" }
        );
    }

    #[test]
    fn context_path_prefixes_every_route() {
        assert_eq!(normalize_context_path("seatunnel/"), "/seatunnel");
        let ctx = Routes::v2("seatunnel/");
        assert_eq!(normalize_context_path("/"), "");
        assert_eq!(
            route(&Method::GET, "/seatunnel/running-jobs", None, &ctx),
            Endpoint::RunningJobs
        );
        assert_eq!(
            route(&Method::GET, "/running-jobs", None, &ctx),
            Endpoint::NotFound
        );
        assert_eq!(
            route(&Method::GET, "/seatunnelx/running-jobs", None, &ctx),
            Endpoint::NotFound
        );
        assert_eq!(
            route(&Method::GET, "/seatunnel", None, &ctx),
            Endpoint::NotFound
        );
    }

    fn both(context_path: &str) -> Routes {
        Routes {
            v1: true,
            ..Routes::v2(context_path)
        }
    }

    fn v1_only() -> Routes {
        Routes {
            context_path: String::new(),
            v2: false,
            v1: true,
        }
    }

    #[test]
    fn v1_serves_seatunnels_v1_paths_whatever_the_context_path() {
        let routes = both("/seatunnel");
        let get = |p: &str| route(&Method::GET, p, Some("format=json"), &routes);
        let post = |p: &str| route(&Method::POST, p, None, &routes);
        let v1 = |p: &str| format!("{V1_PREFIX}{p}");
        assert_eq!(
            get(&v1("/overview")),
            Endpoint::Overview {
                tags: vec![("format".into(), "json".into())]
            }
        );
        assert_eq!(get(&v1("/running-jobs")), Endpoint::RunningJobs);
        for p in ["/job-info/7", "/running-job/7"] {
            assert_eq!(get(&v1(p)), Endpoint::JobInfo { job_id: "7".into() });
        }
        assert_eq!(
            get(&v1("/finished-jobs/FAILED")),
            Endpoint::FinishedJobs {
                state: "FAILED".into()
            }
        );
        assert_eq!(
            get(&v1("/system-monitoring-information")),
            Endpoint::SystemMonitoring
        );
        assert_eq!(get(&v1("/thread-dump")), Endpoint::ThreadDump);
        assert_eq!(
            get(&v1("/logs")),
            Endpoint::Logs {
                job_id: "".into(),
                format: ListFormat::Json
            }
        );
        assert_eq!(
            get(&v1("/logs/7")),
            Endpoint::Logs {
                job_id: "7".into(),
                format: ListFormat::Json
            }
        );
        assert_eq!(
            get(&v1("/logs/job-7.log")),
            Endpoint::LogFile {
                name: "job-7.log".into()
            }
        );
        assert_eq!(get(&v1("/log")), Endpoint::NodeLogs);
        assert_eq!(get(&v1("/get-all-log-name")), Endpoint::AllLogNames);
        assert_eq!(
            post(&v1("/submit-job")),
            Endpoint::SubmitJob { query: vec![] }
        );
        assert_eq!(post(&v1("/submit-jobs")), Endpoint::SubmitJobs);
        assert_eq!(post(&v1("/stop-job")), Endpoint::StopJob);
        assert_eq!(post(&v1("/stop-jobs")), Endpoint::StopJobs);
        assert_eq!(post(&v1("/encrypt-config")), Endpoint::EncryptConfig);
        assert_eq!(post(&v1("/update-tags")), Endpoint::UpdateTags);
        assert_eq!(
            get(&v1("/submit-job")),
            Endpoint::MethodNotAllowed { allowed: "POST" }
        );
        // Routes V1 never had, and V2 paths under the V1 prefix, are unknown there.
        assert_eq!(get(&v1("/health")), Endpoint::NotFound);
        assert_eq!(get(&v1("/members")), Endpoint::NotFound);
        assert_eq!(
            post(&v1("/submit-job/upload")),
            Endpoint::SubmitJob { query: vec![] },
            "V1 matches by prefix, so upload is a plain submit there"
        );
        assert_eq!(get(V1_PREFIX), Endpoint::NotFound);
        assert_eq!(
            get(&format!("/seatunnel{V1_PREFIX}/overview")),
            Endpoint::NotFound
        );
        // V2 keeps its context path beside V1.
        assert_eq!(get("/seatunnel/running-jobs"), Endpoint::RunningJobs);
        assert_eq!(get("/running-jobs"), Endpoint::NotFound);
    }

    #[test]
    fn v1_is_off_unless_asked_and_v2_can_be_off() {
        let path = format!("{V1_PREFIX}/running-jobs");
        assert_eq!(
            route(&Method::GET, &path, None, &Routes::v2("")),
            Endpoint::NotFound
        );
        assert_eq!(
            route(&Method::GET, &path, None, &v1_only()),
            Endpoint::RunningJobs
        );
        assert_eq!(
            route(&Method::GET, "/running-jobs", None, &v1_only()),
            Endpoint::NotFound
        );
    }

    #[test]
    fn log_routes() {
        let get = |p: &str, q: Option<&str>| route(&Method::GET, p, q, &Routes::v2(""));
        let list = |job_id: &str, format| Endpoint::Logs {
            job_id: job_id.into(),
            format,
        };
        let file = |name: &str| Endpoint::LogFile { name: name.into() };
        assert_eq!(get("/logs", None), list("", ListFormat::Html));
        assert_eq!(
            get("/logs/", Some("format=JSON")),
            list("", ListFormat::Json)
        );
        assert_eq!(
            get("/logs", Some("format=html")),
            list("", ListFormat::Html)
        );
        assert_eq!(get("/logs/42", None), list("42", ListFormat::Html));
        assert_eq!(get("/logs/job-42.log", None), file("job-42.log"));
        assert_eq!(get("/log/job-42.log", None), file("job-42.log"));
        assert_eq!(get("/log", None), Endpoint::NodeLogs);
        assert_eq!(get("/log/", None), Endpoint::NodeLogs);
        assert_eq!(get("/get-all-log-name", None), Endpoint::AllLogNames);
        assert_eq!(get("/members", None), Endpoint::Members);
        // Anything that could leave the directory is a file name, which the handler refuses.
        assert_eq!(
            get("/logs/../../etc/passwd", None),
            file("../../etc/passwd")
        );
        assert_eq!(get("/logs/..%2Fsecret", None), file("../secret"));
        assert_eq!(get("/log/a/b.log", None), file("a/b.log"));
        assert_eq!(
            route(&Method::POST, "/logs", None, &Routes::v2("")),
            Endpoint::MethodNotAllowed { allowed: "GET" }
        );
    }

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            get_overview("node=node1&zone=a%2Fb+c&flag"),
            vec![
                ("node".to_string(), "node1".to_string()),
                ("zone".to_string(), "a/b c".to_string()),
                ("flag".to_string(), String::new())
            ]
        );
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("a+b", false), "a+b");
    }

    /// The OpenAPI document lists every route we serve, so the two cannot drift apart.
    #[test]
    fn openapi_documents_every_route() {
        let doc: serde_yaml::Value =
            serde_yaml::from_str(include_str!("../../docs/openapi.yaml")).unwrap();
        let paths = doc["paths"].as_mapping().unwrap();
        let documented: Vec<&str> = paths.keys().filter_map(|k| k.as_str()).collect();
        for (route, _, _) in ROUTES {
            assert!(
                documented
                    .iter()
                    .any(|d| d == route || d.starts_with(&format!("{route}/{{"))),
                "{route} is not in docs/openapi.yaml"
            );
        }
        for path in &documented {
            let concrete = path
                .replace("{jobId}", "1")
                .replace("{state}", "FAILED")
                .replace("{logName}", "job-1.log")
                .replace("{jobIdOrLogName}", "job-1.log");
            let method = if paths[*path].get("get").is_some() {
                Method::GET
            } else {
                Method::POST
            };
            assert_ne!(
                route(&method, &concrete, None, &Routes::v2("")),
                Endpoint::NotFound,
                "{path} is documented but not routed"
            );
        }
    }

    fn get_overview(query: &str) -> Vec<(String, String)> {
        match route(&Method::GET, "/overview", Some(query), &Routes::v2("")) {
            Endpoint::Overview { tags } => tags,
            e => panic!("{e:?}"),
        }
    }
}
