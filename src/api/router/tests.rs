//! Every route, V2 and V1, and the OpenAPI document against the router.

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
fn the_member_port_serves_v1_when_rest_api_and_its_data_group_are_on() {
    let cfg = |enabled: bool, groups: &[(&str, bool)]| RestApiConfig {
        enabled,
        endpoint_groups: groups.iter().map(|(g, on)| (g.to_string(), *on)).collect(),
    };
    let shipped = cfg(true, &[("CLUSTER_WRITE", true), ("DATA", true)]);
    assert_eq!(Routes::member_port(&shipped), Some(v1_only()));
    assert!(!Routes::v1_without_data_group(&shipped));
    assert_eq!(Routes::member_port(&cfg(false, &[("DATA", true)])), None);
    let no_data = cfg(true, &[("CLUSTER_WRITE", true), ("DATA", false)]);
    assert_eq!(Routes::member_port(&no_data), None);
    assert!(Routes::v1_without_data_group(&no_data));
    assert!(!Routes::v1_without_data_group(&cfg(false, &[])));
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
        serde_yaml::from_str(include_str!("../../../docs/openapi.yaml")).unwrap();
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
