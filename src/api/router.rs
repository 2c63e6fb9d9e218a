//! From (method, path, query) to an [`Endpoint`]. Pure, so every route is unit-tested.
//!
//! Matching follows Jetty's servlet mapping `<path>/*`, which SeaTunnel uses for every route: a
//! route matches its path exactly or followed by `/…`, the longest route wins
//! (`/submit-job/upload` over `/submit-job`), and what follows is the route's parameter
//! (`/job-info/123`).

use hyper::Method;

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
    /// The path exists but not for this method.
    MethodNotAllowed {
        allowed: &'static str,
    },
    NotFound,
}

#[derive(Clone, Copy)]
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
}

/// Route paths, SeaTunnel's `RestConstant` names plus our `/health`.
const ROUTES: &[(&str, Route)] = &[
    ("/overview", Route::Overview),
    ("/running-jobs", Route::RunningJobs),
    ("/job-info", Route::JobInfo),
    ("/running-job", Route::JobInfo),
    ("/finished-jobs", Route::FinishedJobs),
    ("/system-monitoring-information", Route::SystemMonitoring),
    ("/thread-dump", Route::ThreadDump),
    ("/health", Route::Health),
    ("/submit-job", Route::SubmitJob),
    ("/submit-job/upload", Route::SubmitJobUpload),
    ("/submit-jobs", Route::SubmitJobs),
    ("/stop-job", Route::StopJob),
    ("/stop-jobs", Route::StopJobs),
    ("/encrypt-config", Route::EncryptConfig),
    ("/update-tags", Route::UpdateTags),
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

/// `context_path` must be normalized ([`normalize_context_path`]).
pub fn route(method: &Method, path: &str, query: Option<&str>, context_path: &str) -> Endpoint {
    let Some(path) = strip_context(path, context_path) else {
        return Endpoint::NotFound;
    };
    let Some((route, rest)) = longest_match(path) else {
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

/// The longest route matching `path` as Jetty's `<route>/*`, and the text after `<route>/`.
fn longest_match(path: &str) -> Option<(Route, &str)> {
    ROUTES
        .iter()
        .filter_map(|&(prefix, route)| {
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
        route(&Method::GET, path, None, "")
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
        let post = |p: &str| route(&Method::POST, p, Some("jobId=1"), "");
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
            route(&Method::PUT, "/update-tags", None, ""),
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
            route(&Method::POST, "/overview", None, ""),
            Endpoint::MethodNotAllowed { allowed: "GET" }
        );
    }

    #[test]
    fn context_path_prefixes_every_route() {
        let ctx = normalize_context_path("seatunnel/");
        assert_eq!(ctx, "/seatunnel");
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
        for (route, _) in ROUTES {
            assert!(
                documented
                    .iter()
                    .any(|d| d == route || d.starts_with(&format!("{route}/{{"))),
                "{route} is not in docs/openapi.yaml"
            );
        }
        for path in &documented {
            let concrete = path.replace("{jobId}", "1").replace("{state}", "FAILED");
            let method = if paths[*path].get("get").is_some() {
                Method::GET
            } else {
                Method::POST
            };
            assert_ne!(
                route(&method, &concrete, None, ""),
                Endpoint::NotFound,
                "{path} is documented but not routed"
            );
        }
    }

    fn get_overview(query: &str) -> Vec<(String, String)> {
        match route(&Method::GET, "/overview", Some(query), "") {
            Endpoint::Overview { tags } => tags,
            e => panic!("{e:?}"),
        }
    }
}
