//! Checks one layer (a file, an environment variable, a command-line override) against the
//! schema and turns it into a typed figment dictionary.
//!
//! Rules (SeaTunnel's, plus hints for the mistakes its tracker shows most):
//! - an unknown key is a warning (`unrecognized element: <path> in <file>:<line>`), never an
//!   error, and gets a "did you mean" when a known sibling is close;
//! - a known key with a wrong value is an error naming key, file and line;
//! - a known section at the wrong level (`engine:` without `seatunnel:`, `map:` outside
//!   `hazelcast:`) is an error with the fix, because SeaTunnel would silently drop the whole
//!   section;
//! - duplicate keys are errors (reported by the YAML reader).
//!
//! Values leave here canonical: enums in their listed spelling, numbers as numbers, member lists
//! as lists of entries, so later layers merge cleanly and extraction cannot fail on type.

use std::collections::HashMap;

use figment::value::{Dict, Value as FValue};

use super::errors::{ConfigWarning, Location, Problem, ProblemKind, Source};
use super::member::{split_entries, MemberAddress};
use super::schema::{did_you_mean, display_path, schema, KeySpec, Kind};
use super::yaml::{Key, Node, Value};

/// Which file a document came from decides which top-level sections it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `seatunnel.yaml` and the `seatunnel.d/` drop-ins. They may also hold `hazelcast:` and
    /// `hazelcast-client:` sections (a seatunnel-rs extension, so one drop-in can set a cluster).
    Seatunnel,
    /// `hazelcast*.yaml` for servers.
    Hazelcast,
    /// `hazelcast-client.yaml`.
    Client,
    /// Environment variables and command-line overrides: any root.
    Override,
}

impl FileKind {
    fn allows_root(self, name: &str) -> bool {
        match self {
            FileKind::Seatunnel | FileKind::Override => {
                matches!(name, "seatunnel" | "hazelcast" | "hazelcast-client")
            }
            FileKind::Hazelcast => name == "hazelcast",
            FileKind::Client => name == "hazelcast-client",
        }
    }

    /// The fix for a known section written at the top level.
    fn misplaced(self, name: &str) -> Option<&'static str> {
        match (self, name) {
            (FileKind::Seatunnel, "engine") => Some(
                "nest it under 'seatunnel:' (seatunnel: → engine: → …); \
                 at the top level the whole engine section would be ignored",
            ),
            (FileKind::Seatunnel, "map") => Some(
                "IMap persistence is read from the masters' hazelcast file: put it under \
                 'hazelcast:' (hazelcast: → map: → engine*: → map-store:) in \
                 hazelcast-master.yaml or hazelcast.yaml",
            ),
            (
                FileKind::Hazelcast,
                "map" | "network" | "properties" | "cluster-name" | "member-attributes",
            ) => Some("indent it under 'hazelcast:'; at the top level it would be ignored"),
            (
                FileKind::Client,
                "network" | "properties" | "cluster-name" | "connection-strategy",
            ) => Some("indent it under 'hazelcast-client:'; at the top level it would be ignored"),
            _ => None,
        }
    }

    fn roots(self) -> &'static [&'static str] {
        match self {
            FileKind::Seatunnel | FileKind::Override => {
                &["seatunnel", "hazelcast", "hazelcast-client"]
            }
            FileKind::Hazelcast => &["hazelcast"],
            FileKind::Client => &["hazelcast-client"],
        }
    }
}

/// Hints for unknown keys that are right in another place.
fn special_hint(parent: &[String], name: &str) -> Option<&'static str> {
    let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
    match (parent.as_slice(), name) {
        (["seatunnel", "engine"], "map") => Some(
            "IMap persistence is read from the masters' hazelcast file under hazelcast: → map:, \
             not from seatunnel.yaml",
        ),
        ([], "seatunnel") => Some("seatunnel: belongs in seatunnel.yaml"),
        ([], "hazelcast") => Some("hazelcast: belongs in the server's hazelcast file"),
        ([], "hazelcast-client") => Some("hazelcast-client: belongs in hazelcast-client.yaml"),
        _ => None,
    }
}

/// Findings collected across all layers of one load.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub problems: Vec<Problem>,
    pub warnings: Vec<ConfigWarning>,
}

/// One layer after validation: its values and the line of every key in it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Validated {
    pub dict: Dict,
    pub lines: HashMap<Vec<String>, usize>,
}

/// Validates a whole document (`None` for an empty file).
pub(crate) fn validate(
    root: Option<&Node>,
    kind: FileKind,
    source: &Source,
    diag: &mut Diagnostics,
) -> Validated {
    let mut w = Walker {
        source,
        diag,
        lines: HashMap::new(),
    };
    let mut dict = Dict::new();
    let entries: &[(Key, Node)] = match root.map(|n| (&n.value, n)) {
        None | Some((Value::Null, _)) => &[],
        Some((Value::Map(m), _)) => m,
        Some((_, node)) => {
            w.problem(
                node.line,
                ProblemKind::InvalidValue {
                    key: "the top level".into(),
                    expected: "a mapping".into(),
                    found: node.describe(),
                },
            );
            &[]
        }
    };
    for (key, child) in entries {
        let path = vec![key.name.clone()];
        if kind.allows_root(&key.name) {
            if let Some(spec) = schema().get(&path) {
                if let Some(v) = w.node(spec, child, key.line, &path, &path) {
                    dict.insert(key.name.clone(), v);
                }
            }
        } else if let Some(hint) = kind.misplaced(&key.name) {
            w.problem(
                key.line,
                ProblemKind::Misplaced {
                    key: key.name.clone(),
                    hint: hint.into(),
                },
            );
        } else {
            let roots: Vec<String> = kind.roots().iter().map(|s| s.to_string()).collect();
            let hint = special_hint(&[], &key.name).map(String::from).or_else(|| {
                did_you_mean(&key.name, &roots).map(|s| format!("did you mean '{s}'?"))
            });
            let at = w.at(key.line);
            w.diag
                .warnings
                .push(ConfigWarning::unrecognized(&key.name, at, hint));
        }
    }
    Validated {
        dict,
        lines: w.lines,
    }
}

struct Walker<'a> {
    source: &'a Source,
    diag: &'a mut Diagnostics,
    lines: HashMap<Vec<String>, usize>,
}

impl Walker<'_> {
    fn at(&self, line: usize) -> Location {
        Location::new(self.source.clone(), (line > 0).then_some(line))
    }

    fn problem(&mut self, line: usize, kind: ProblemKind) {
        let at = self.at(line);
        self.diag.problems.push(Problem { at, kind });
    }

    fn invalid(&mut self, line: usize, apath: &[String], expected: String, found: String) {
        self.problem(
            line,
            ProblemKind::InvalidValue {
                key: display_path(apath),
                expected,
                found,
            },
        );
    }

    /// `spath` is the schema path (user-chosen names replaced by `*`), `apath` the real one.
    fn node(
        &mut self,
        spec: &KeySpec,
        node: &Node,
        key_line: usize,
        spath: &[String],
        apath: &[String],
    ) -> Option<FValue> {
        self.lines.insert(apath.to_vec(), key_line);
        if !spec.kind.is_container() {
            return self.leaf(spec.kind, node, key_line, apath);
        }
        let entries: &[(Key, Node)] = match &node.value {
            Value::Map(m) => m,
            Value::Null => &[],
            _ => {
                self.invalid(key_line, apath, spec.kind.expected(), node.describe());
                return None;
            }
        };
        let mut dict = Dict::new();
        for (key, child) in entries {
            let mut ca = apath.to_vec();
            ca.push(key.name.clone());
            let mut cs = spath.to_vec();
            match spec.kind {
                Kind::Pattern => cs.push("*".into()),
                _ => cs.push(key.name.clone()),
            }
            match schema().get(&cs) {
                Some(cspec) => {
                    if let Some(v) = self.node(cspec, child, key.line, &cs, &ca) {
                        dict.insert(key.name.clone(), v);
                    }
                }
                None if spec.kind == Kind::FreeMap => {
                    self.free(&mut dict, key.name.clone(), child, key.line, apath)
                }
                None => self.unknown(spath, apath, key),
            }
        }
        Some(FValue::from(dict))
    }

    /// A free-map entry: text kept as written; nested mappings flatten to dotted keys.
    fn free(&mut self, dict: &mut Dict, name: String, node: &Node, line: usize, parent: &[String]) {
        let mut apath = parent.to_vec();
        apath.push(name.clone());
        self.lines.insert(apath.clone(), line);
        match &node.value {
            Value::Scalar(s) => {
                dict.insert(name, FValue::from(s.as_str()));
            }
            Value::Null => {
                dict.insert(name, FValue::from(""));
            }
            Value::Map(entries) => {
                for (key, child) in entries {
                    self.free(
                        dict,
                        format!("{name}.{}", key.name),
                        child,
                        key.line,
                        parent,
                    );
                }
            }
            Value::Seq(_) => self.invalid(line, &apath, "a text value".into(), node.describe()),
        }
    }

    fn unknown(&mut self, spath: &[String], apath: &[String], key: &Key) {
        let mut p = apath.to_vec();
        p.push(key.name.clone());
        let hint = special_hint(spath, &key.name)
            .map(String::from)
            .or_else(|| {
                did_you_mean(&key.name, schema().children(spath))
                    .map(|s| format!("did you mean '{s}'?"))
            });
        let at = self.at(key.line);
        self.diag
            .warnings
            .push(ConfigWarning::unrecognized(&display_path(&p), at, hint));
    }

    fn leaf(
        &mut self,
        kind: Kind,
        node: &Node,
        key_line: usize,
        apath: &[String],
    ) -> Option<FValue> {
        if kind == Kind::MemberList {
            return self.members(node, key_line, apath);
        }
        let line = if node.line > 0 && matches!(node.value, Value::Scalar(_)) {
            node.line
        } else {
            key_line
        };
        let text = match &node.value {
            Value::Scalar(s) => Some(s.as_str()),
            Value::Null => None,
            _ => {
                self.invalid(line, apath, kind.expected(), node.describe());
                return None;
            }
        };
        let parsed = match (kind, text) {
            (Kind::Str, t) => Some(FValue::from(t.unwrap_or(""))),
            (_, None) => None,
            (Kind::Bool, Some(t)) => parse_bool(t).map(FValue::from),
            (Kind::Int { min, max }, Some(t)) => t
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .map(FValue::from),
            (Kind::Float { min }, Some(t)) => t
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= min)
                .map(FValue::from),
            (Kind::Enum(words), Some(t)) => words
                .iter()
                .find(|w| w.eq_ignore_ascii_case(t.trim()))
                .map(|w| FValue::from(*w)),
            _ => None,
        };
        if parsed.is_none() {
            self.invalid(line, apath, kind.expected(), node.describe());
        }
        parsed
    }

    fn members(&mut self, node: &Node, key_line: usize, apath: &[String]) -> Option<FValue> {
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Scalar(_) => vec![node],
            Value::Null => Vec::new(),
            Value::Map(_) => {
                self.invalid(
                    key_line,
                    apath,
                    Kind::MemberList.expected(),
                    node.describe(),
                );
                return None;
            }
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            let line = if item.line > 0 { item.line } else { key_line };
            let Value::Scalar(text) = &item.value else {
                self.invalid(line, apath, "a member address".into(), item.describe());
                ok = false;
                continue;
            };
            for entry in split_entries(text) {
                match MemberAddress::parse(entry) {
                    Ok(_) => out.push(FValue::from(entry)),
                    Err(reason) => {
                        self.invalid(
                            line,
                            apath,
                            "a member address (host, host:port, a.b.c.x-y or [ipv6]:port)".into(),
                            format!("{entry:?}: {reason}"),
                        );
                        ok = false;
                    }
                }
            }
        }
        ok.then(|| FValue::from(out))
    }
}

/// Hazelcast's lenient booleans; anything else is an error here rather than a silent `false`.
fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml::parse;

    fn run(text: &str, kind: FileKind) -> (Validated, Diagnostics) {
        let node = parse(text).unwrap();
        let mut diag = Diagnostics::default();
        let source = Source::File("/etc/seatunnel/test.yaml".into());
        let v = validate(node.as_ref(), kind, &source, &mut diag);
        (v, diag)
    }

    fn messages(diag: &Diagnostics) -> Vec<String> {
        diag.problems.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn values_become_canonical() {
        let (v, diag) = run(
            "seatunnel:\n  engine:\n    queue-type: disruptor\n    backup-count: \"2\"\n    slot-service:\n      dynamic-slot: YES\n",
            FileKind::Seatunnel,
        );
        assert!(diag.problems.is_empty() && diag.warnings.is_empty());
        let engine = v.dict["seatunnel"].clone().find("engine").unwrap();
        assert_eq!(
            engine.find_ref("queue-type").unwrap().as_str(),
            Some("DISRUPTOR")
        );
        assert_eq!(engine.find_ref("backup-count").unwrap().to_i128(), Some(2));
        assert_eq!(
            engine
                .find_ref("slot-service.dynamic-slot")
                .unwrap()
                .to_bool(),
            Some(true)
        );
        let line = v.lines[&vec![
            "seatunnel".to_string(),
            "engine".into(),
            "backup-count".into(),
        ]];
        assert_eq!(line, 4);
    }

    #[test]
    fn wrong_values_name_key_file_and_line() {
        let (_, diag) = run(
            "seatunnel:\n  engine:\n    http:\n      port: abc\n    task_execution_thread_share_mode: SOME\n",
            FileKind::Seatunnel,
        );
        assert_eq!(
            messages(&diag),
            vec![
                "/etc/seatunnel/test.yaml:4: invalid value for seatunnel.engine.http.port: \
                 expected an integer between 1 and 65535, found \"abc\"",
                "/etc/seatunnel/test.yaml:5: invalid value for \
                 seatunnel.engine.task_execution_thread_share_mode: expected one of ALL, OFF, PART, \
                 found \"SOME\"",
            ]
        );
    }

    #[test]
    fn unknown_keys_warn_with_a_suggestion() {
        let text = "hazelcast:\n  map:\n    engine*:\n      map-store:\n        enable: true\n";
        let (v, diag) = run(text, FileKind::Hazelcast);
        assert!(diag.problems.is_empty());
        assert_eq!(
            diag.warnings[0].to_string(),
            "unrecognized element: hazelcast.map.engine*.map-store.enable in \
             /etc/seatunnel/test.yaml:5; did you mean 'enabled'?"
        );
        // the map-store section itself is still there (enabled falls back to its default).
        assert!(v.dict["hazelcast"]
            .find_ref("map")
            .and_then(|m| m.as_dict())
            .is_some_and(|m| m.contains_key("engine*")));
    }

    #[test]
    fn misplaced_sections_are_errors_with_the_fix() {
        let (_, diag) = run("engine:\n  backup-count: 1\n", FileKind::Seatunnel);
        assert_eq!(
            messages(&diag),
            vec![
                "/etc/seatunnel/test.yaml:1: engine is misplaced: nest it under 'seatunnel:' \
                 (seatunnel: → engine: → …); at the top level the whole engine section would be \
                 ignored"
            ]
        );
        let (_, diag) = run(
            "hazelcast:\n  cluster-name: x\nmap:\n  engine*:\n    map-store: {}\n",
            FileKind::Hazelcast,
        );
        assert_eq!(
            messages(&diag),
            vec![
                "/etc/seatunnel/test.yaml:3: map is misplaced: indent it under 'hazelcast:'; at \
                 the top level it would be ignored"
            ]
        );
        let (_, diag) = run(
            "seatunnel:\n  engine: {}\nmap:\n  a: 1\n",
            FileKind::Seatunnel,
        );
        assert!(messages(&diag)[0].contains("hazelcast-master.yaml"));
    }

    #[test]
    fn free_maps_keep_text_and_typed_children() {
        let text = "hazelcast:\n  properties:\n    hazelcast.logging.type: log4j2\n    hazelcast.max.no.heartbeat.seconds: 180\n    hazelcast.heartbeat.interval.seconds: soon\n";
        let (v, diag) = run(text, FileKind::Hazelcast);
        assert_eq!(
            messages(&diag),
            vec![
                "/etc/seatunnel/test.yaml:5: invalid value for \
                 hazelcast.properties.hazelcast.heartbeat.interval.seconds: expected an integer of \
                 at least 1, found \"soon\""
            ]
        );
        let props = v.dict["hazelcast"]
            .find_ref("properties")
            .unwrap()
            .as_dict()
            .unwrap();
        assert_eq!(props["hazelcast.logging.type"].as_str(), Some("log4j2"));
        assert_eq!(
            props["hazelcast.max.no.heartbeat.seconds"].to_i128(),
            Some(180)
        );
    }

    #[test]
    fn member_lists_accept_lists_and_comma_strings() {
        let (v, diag) = run(
            "hazelcast:\n  network:\n    join:\n      tcp-ip:\n        member-list:\n          - a:5801, b\n          - 10.0.0.1-3\n",
            FileKind::Hazelcast,
        );
        assert!(diag.problems.is_empty(), "{:?}", diag.problems);
        let list = v.dict["hazelcast"]
            .find_ref("network.join.tcp-ip.member-list")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect::<Vec<_>>();
        assert_eq!(list, vec!["a:5801", "b", "10.0.0.1-3"]);
        let (_, diag) = run(
            "hazelcast:\n  network:\n    join:\n      tcp-ip:\n        member-list:\n          - ok\n          - bad:0\n",
            FileKind::Hazelcast,
        );
        assert_eq!(
            messages(&diag),
            vec![
                "/etc/seatunnel/test.yaml:7: invalid value for \
                 hazelcast.network.join.tcp-ip.member-list: expected a member address (host, \
                 host:port, a.b.c.x-y or [ipv6]:port), found \"bad:0\": the port '0' is not \
                 between 1 and 65535"
            ]
        );
    }

    #[test]
    fn a_section_given_a_scalar_is_an_error() {
        let (_, diag) = run("seatunnel:\n  engine: 5\n", FileKind::Seatunnel);
        assert_eq!(
            messages(&diag),
            vec![
                "/etc/seatunnel/test.yaml:2: invalid value for seatunnel.engine: expected a \
                 mapping, found \"5\""
            ]
        );
    }
}
