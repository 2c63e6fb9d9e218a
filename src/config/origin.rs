//! Every effective key with its value and where it came from (`seatunnel config show --origin`),
//! and the report of `seatunnel config check --role R`.
//!
//! Origins come from figment: each merged value carries the tag of the layer that supplied it;
//! the layer knows its source and the line of each of its keys.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use figment::value::Value as FValue;
use figment::Figment;

use super::errors::{ConfigWarning, Location, Source};
use super::schema::{display_path, schema, Dflt, KeySpec, Kind, Reload, Scope};
use super::{LoadedConfig, Role};

/// Shown instead of secrets (passwords, access keys) in reports.
const REDACTED: &str = "********";
/// Last-segment fragments that mark a value as secret.
const SECRET_MARKERS: [&str; 5] = ["password", "secret", "accesskey", "access.key", "token"];

/// One key as the process sees it after layering.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectiveKey {
    /// Dotted path (`seatunnel.engine.http.port`, `hazelcast.properties.hazelcast.logging.type`).
    pub path: String,
    /// The value as text (`(unset)` for optional keys without one).
    pub value: String,
    pub source: Source,
    pub line: Option<usize>,
    pub scope: Scope,
    pub reload: Reload,
    /// Whether the loading role reads this key.
    pub applies: bool,
}

impl EffectiveKey {
    pub fn location(&self) -> Location {
        Location::new(self.source.clone(), self.line)
    }

    /// The value as it may be shown: secrets are masked, empty text is `""`.
    pub fn shown_value(&self) -> &str {
        if is_secret(&self.path) && self.value != UNSET {
            REDACTED
        } else if self.value.is_empty() {
            "\"\""
        } else {
            &self.value
        }
    }
}

impl fmt::Display for EffectiveKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {}  # {}",
            self.path,
            self.shown_value(),
            self.location()
        )?;
        if !self.applies {
            write!(f, " (not read by this role: {} key)", self.scope.label())?;
        }
        Ok(())
    }
}

/// Whether a key holds a secret, judged by its last segment.
pub fn is_secret(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    SECRET_MARKERS.iter().any(|m| last.contains(m))
        || path.to_ascii_lowercase().ends_with("access.key")
}

/// Text of an optional key without a value.
pub const UNSET: &str = "(unset)";

/// What origin collection needs to know about each layer.
pub(crate) struct LayerInfo {
    pub source: Source,
    pub lines: HashMap<Vec<String>, usize>,
}

/// Walks the merged configuration under `roots` and lists every leaf.
pub(crate) fn collect(
    fig: &Figment,
    roots: &[&str],
    layer_of: &HashMap<String, usize>,
    layers: &[LayerInfo],
    applies: &dyn Fn(Scope) -> bool,
) -> Vec<EffectiveKey> {
    let mut out = Vec::new();
    let mut walker = Walk {
        fig,
        layer_of,
        layers,
        applies,
        out: &mut out,
    };
    for root in roots {
        if let Ok(value) = fig.find_value(root) {
            let path = vec![root.to_string()];
            if let Some(spec) = schema().get(&path) {
                walker.value(&value, &path, &path, spec);
            }
        }
    }
    out
}

struct Walk<'a> {
    fig: &'a Figment,
    layer_of: &'a HashMap<String, usize>,
    layers: &'a [LayerInfo],
    applies: &'a dyn Fn(Scope) -> bool,
    out: &'a mut Vec<EffectiveKey>,
}

impl Walk<'_> {
    fn value(
        &mut self,
        value: &FValue,
        apath: &[String],
        spath: &[String],
        spec: &'static KeySpec,
    ) {
        if let (FValue::Dict(_, dict), true) = (value, spec.kind.is_container()) {
            for (name, child) in dict {
                let mut ca = apath.to_vec();
                ca.push(name.clone());
                let mut cs = spath.to_vec();
                cs.push(if spec.kind == Kind::Pattern {
                    "*".to_string()
                } else {
                    name.clone()
                });
                match schema().get(&cs) {
                    Some(cspec) => self.value(child, &ca, &cs, cspec),
                    // free-map entries take the free map's scope and reload class.
                    None => self.leaf(child, &ca, spec),
                }
            }
            if spec.kind == Kind::Section {
                self.missing_defaults(dict, apath, spath);
            }
            return;
        }
        self.leaf(value, apath, spec);
    }

    /// Leaves of a section that no layer supplied (inside user-named patterns such as
    /// `map.engine*.map-store`) are listed with their documented default.
    fn missing_defaults(
        &mut self,
        dict: &figment::value::Dict,
        apath: &[String],
        spath: &[String],
    ) {
        for name in schema().children(spath) {
            let mut cs = spath.to_vec();
            cs.push(name.clone());
            let Some(spec) = schema().get(&cs) else {
                continue;
            };
            if dict.contains_key(name) || spec.kind.is_container() {
                continue;
            }
            let value = match spec.default {
                Dflt::Is(v) => v.to_string(),
                _ => UNSET.to_string(),
            };
            let mut ca = apath.to_vec();
            ca.push(name.clone());
            self.out.push(EffectiveKey {
                path: display_path(&ca),
                value,
                source: Source::Default,
                line: None,
                scope: spec.scope,
                reload: spec.reload,
                applies: (self.applies)(spec.scope),
            });
        }
    }

    fn leaf(&mut self, value: &FValue, apath: &[String], spec: &'static KeySpec) {
        let layer = self
            .fig
            .get_metadata(value.tag())
            .and_then(|m| self.layer_of.get(m.name.as_ref()))
            .and_then(|&i| self.layers.get(i));
        let (source, line) = match layer {
            Some(l) => (l.source.clone(), l.lines.get(apath).copied()),
            None => (Source::Default, None),
        };
        self.out.push(EffectiveKey {
            path: display_path(apath),
            value: render(value),
            source,
            line,
            scope: spec.scope,
            reload: spec.reload,
            applies: (self.applies)(spec.scope),
        });
    }
}

/// A merged value as text.
fn render(value: &FValue) -> String {
    match value {
        FValue::String(_, s) => s.clone(),
        FValue::Bool(_, b) => b.to_string(),
        FValue::Num(_, _) => value
            .to_u128()
            .map(|n| n.to_string())
            .or_else(|| value.to_i128().map(|n| n.to_string()))
            .or_else(|| value.to_f64().map(|x| x.to_string()))
            .unwrap_or_default(),
        FValue::Char(_, c) => c.to_string(),
        FValue::Empty(..) => UNSET.to_string(),
        FValue::Array(_, items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        FValue::Dict(_, d) => format!(
            "{{{}}}",
            d.iter()
                .map(|(k, v)| format!("{k}: {}", render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `config show --origin`: one line per key, aligned.
pub fn render_origins(keys: &[EffectiveKey]) -> String {
    let width = keys
        .iter()
        .map(|k| k.path.len() + k.shown_value().len() + 3)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for k in keys {
        let kv = format!("{} = {}", k.path, k.shown_value());
        out.push_str(&format!("{kv:<width$}  # {}", k.location()));
        if !k.applies {
            out.push_str(&format!(
                " (not read by this role: {} key)",
                k.scope.label()
            ));
        }
        out.push('\n');
    }
    out
}

/// What `seatunnel config check --role R` prints when the configuration loads.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub role: Role,
    pub files: Vec<PathBuf>,
    pub warnings: Vec<ConfigWarning>,
    /// Keys set explicitly that this role does not read.
    pub ignored: Vec<EffectiveKey>,
    /// Headline facts: cluster, ports, members, durable state.
    pub summary: Vec<String>,
}

impl CheckReport {
    pub fn new(loaded: &LoadedConfig) -> Self {
        let s = &loaded.server;
        let hz = &s.hazelcast;
        let mut summary = vec![
            format!("cluster-name: {}", hz.cluster_name),
            format!(
                "member port: {}{}",
                hz.port.port,
                if hz.port.auto_increment {
                    format!(" (auto-increment, {} ports)", hz.port.port_count)
                } else {
                    String::new()
                }
            ),
        ];
        if hz.join.tcp_ip_enabled {
            let members: Vec<String> = hz.join.members.iter().map(|m| m.to_string()).collect();
            summary.push(format!("members: {}", members.join(", ")));
        }
        if let Some(dns) = hz.join.kubernetes.as_ref().and_then(|k| k.dns_name()) {
            summary.push(format!("kubernetes service: {dns}"));
        }
        let http = &s.engine.http;
        summary.push(if http.enable_http {
            format!("http: port {}{}", http.port, http.context_prefix())
        } else {
            "http: disabled".to_string()
        });
        if s.role != Role::Worker {
            summary.push(match &hz.map_store {
                Some(m) => format!(
                    "durable state: map-store '{}' at {}",
                    m.pattern,
                    m.namespace()
                ),
                None => "durable state: not configured".to_string(),
            });
        }
        CheckReport {
            role: s.role,
            files: loaded.files.clone(),
            warnings: loaded.warnings.clone(),
            ignored: loaded.ignored.clone(),
            summary,
        }
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "configuration is valid for role {}", self.role)?;
        writeln!(f, "files read:")?;
        if self.files.is_empty() {
            writeln!(f, "  (none: built-in defaults only)")?;
        }
        for file in &self.files {
            writeln!(f, "  {}", file.display())?;
        }
        for line in &self.summary {
            writeln!(f, "{line}")?;
        }
        if !self.warnings.is_empty() {
            writeln!(f, "warnings:")?;
            for w in &self.warnings {
                writeln!(f, "  {w}")?;
            }
        }
        if !self.ignored.is_empty() {
            writeln!(f, "ignored by role {}:", self.role)?;
            for k in &self.ignored {
                writeln!(
                    f,
                    "  {} ({} key, {})",
                    k.path,
                    k.scope.label(),
                    k.location()
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert!(is_secret("seatunnel.engine.http.basic-auth-password"));
        assert!(is_secret(
            "hazelcast.map.engine*.map-store.properties.fs.oss.accessKeySecret"
        ));
        assert!(is_secret(
            "seatunnel.engine.checkpoint.storage.plugin-config.fs.s3a.access.key"
        ));
        assert!(!is_secret("seatunnel.engine.http.port"));
        let k = EffectiveKey {
            path: "seatunnel.engine.http.basic-auth-password".into(),
            value: "hunter2".into(),
            source: Source::Env("X".into()),
            line: None,
            scope: Scope::Both,
            reload: Reload::Restart,
            applies: true,
        };
        assert_eq!(
            k.to_string(),
            "seatunnel.engine.http.basic-auth-password = ********  # environment variable X"
        );
    }
}
