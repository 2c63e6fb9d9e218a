//! Finding the files and layering them with figment. Later layers win:
//!
//! 1. compiled-in defaults (per role);
//! 2. the hazelcast file (`hazelcast-master.yaml` / `-worker.yaml` / `hazelcast.yaml`, or
//!    `hazelcast-client.yaml` for the client);
//! 3. `seatunnel.yaml`;
//! 4. `seatunnel.d/*.yaml` in lexical order;
//! 5. environment: `ST_DOCKER_MEMBER_LIST`, then `SEATUNNEL__A__B` variables by name;
//! 6. command-line overrides, in the order given.
//!
//! Every layer is validated on its own first (so errors carry file and line), then merged.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value as FValue};
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Serialize};

use super::client::{HttpCredentials, LoadedClientConfig, RawClient};
use super::engine::EngineConfig;
use super::errors::{ConfigError, ConfigWarning, Location, Problem, ProblemKind, Source};
use super::hazelcast::RawHazelcast;
use super::origin::{self, EffectiveKey, LayerInfo};
use super::schema::{display_path, normalize_name, schema, Kind, Scope};
use super::validate::{validate, Diagnostics, FileKind, Validated};
use super::yaml::{self, Node, YamlError};
use super::{LoadedConfig, Role, ServerConfig};

/// Where the packaged service keeps its configuration.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/seatunnel";
/// Drop-in directory inside the config directory.
pub const DROPIN_DIR_NAME: &str = "seatunnel.d";
pub const SEATUNNEL_FILE: &str = "seatunnel.yaml";
pub const CLIENT_FILE: &str = "hazelcast-client.yaml";
/// Prefix and separator of the layered environment variables (`SEATUNNEL__ENGINE__HTTP__PORT`).
/// A double underscore separates levels because key names themselves contain `_`.
pub const ENV_PREFIX: &str = "SEATUNNEL__";
pub const ENV_SEPARATOR: &str = "__";
/// SeaTunnel's own environment variables.
pub const ENV_HOME: &str = "SEATUNNEL_HOME";
pub const ENV_SEATUNNEL_CONFIG: &str = "SEATUNNEL_CONFIG";
pub const ENV_HAZELCAST_CONFIG: &str = "HAZELCAST_CONFIG";
pub const ENV_HAZELCAST_CLIENT_CONFIG: &str = "HAZELCAST_CLIENT_CONFIG";
pub const ENV_DOCKER_MEMBER_LIST: &str = "ST_DOCKER_MEMBER_LIST";
/// Top-level sections an environment variable or override may name.
const ROOT_SECTIONS: [&str; 3] = ["seatunnel", "hazelcast", "hazelcast-client"];
/// File extensions read from the drop-in directory; anything else there (a README) is skipped.
const DROPIN_EXTENSIONS: [&str; 2] = ["yaml", "yml"];

/// Everything a load depends on besides the files themselves. The environment is passed in as
/// a snapshot so tests never touch the process environment.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// `--config FILE`: the `seatunnel.yaml` to read; its directory also holds the hazelcast
    /// files and `seatunnel.d/`. Must exist.
    pub config_file: Option<PathBuf>,
    /// `--config-dir DIR`: the drop-in directory (default `<config dir>/seatunnel.d`). Must exist.
    pub config_dir: Option<PathBuf>,
    /// Command-line overrides: dotted path and value, applied last in this order.
    pub overrides: Vec<(String, String)>,
    /// Environment snapshot.
    pub env: BTreeMap<String, String>,
}

impl ConfigSources {
    /// Sources with the current process environment (non-UTF-8 variables are skipped).
    pub fn from_process_env() -> Self {
        ConfigSources {
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            ..ConfigSources::default()
        }
    }

    fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The directory holding `seatunnel.yaml`, the hazelcast files and `seatunnel.d/`:
    /// the directory of `--config`, else `$SEATUNNEL_HOME/config`, else `/etc/seatunnel`.
    pub fn config_base(&self) -> PathBuf {
        if let Some(file) = &self.config_file {
            return file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
        }
        match self.env_var(ENV_HOME) {
            Some(home) => Path::new(home).join("config"),
            None => PathBuf::from(DEFAULT_CONFIG_DIR),
        }
    }
}

/// A path to read and, if it was named explicitly, by what (then it must exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub path: PathBuf,
    pub given_by: Option<&'static str>,
}

impl Wanted {
    fn from(explicit: Option<(PathBuf, &'static str)>, fallback: PathBuf) -> Wanted {
        match explicit {
            Some((path, by)) => Wanted {
                path,
                given_by: Some(by),
            },
            None => Wanted {
                path: fallback,
                given_by: None,
            },
        }
    }
}

/// Which configuration is being loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Server(Role),
    Client,
}

/// The files a load reads, in layer order (before drop-ins are listed).
pub(crate) struct Paths {
    pub own: Wanted,
    pub seatunnel: Wanted,
    pub dropins: Wanted,
}

impl Paths {
    pub(crate) fn resolve(target: Target, s: &ConfigSources) -> Paths {
        let base = s.config_base();
        let env = |name: &'static str| s.env_var(name).map(|v| (PathBuf::from(v), name));
        let own = match target {
            Target::Server(role) => Wanted::from(
                env(ENV_HAZELCAST_CONFIG),
                base.join(role.hazelcast_file_name()),
            ),
            Target::Client => {
                Wanted::from(env(ENV_HAZELCAST_CLIENT_CONFIG), base.join(CLIENT_FILE))
            }
        };
        let seatunnel = Wanted::from(
            s.config_file
                .clone()
                .map(|p| (p, "--config"))
                .or_else(|| env(ENV_SEATUNNEL_CONFIG)),
            base.join(SEATUNNEL_FILE),
        );
        let dropins = Wanted::from(
            s.config_dir.clone().map(|p| (p, "--config-dir")),
            base.join(DROPIN_DIR_NAME),
        );
        Paths {
            own,
            seatunnel,
            dropins,
        }
    }
}

/// One layer: where it came from and its validated values.
struct Layer {
    source: Source,
    validated: Validated,
}

/// Hands one layer to figment under a unique metadata name.
struct LayerProvider {
    name: String,
    dict: Dict,
}

impl Provider for LayerProvider {
    fn metadata(&self) -> Metadata {
        Metadata::named(self.name.clone())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Map::from([(Profile::Default, self.dict.clone())]))
    }
}

#[derive(Serialize)]
struct DefaultsRoot {
    seatunnel: SeatunnelSection,
    hazelcast: RawHazelcast,
    #[serde(rename = "hazelcast-client")]
    client: RawClient,
}

#[derive(Serialize, Deserialize, Default)]
struct SeatunnelSection {
    #[serde(default)]
    engine: EngineConfig,
}

#[derive(Deserialize)]
struct ServerRoot {
    seatunnel: SeatunnelSection,
    hazelcast: RawHazelcast,
}

#[derive(Deserialize)]
struct ClientRoot {
    seatunnel: SeatunnelSection,
    #[serde(rename = "hazelcast-client")]
    client: RawClient,
}

/// All layers of one load, merged.
struct Assembled {
    fig: Figment,
    layers: Vec<Layer>,
    layer_of: HashMap<String, usize>,
    diag: Diagnostics,
    files: Vec<PathBuf>,
}

impl Assembled {
    fn infos(&self) -> Vec<LayerInfo> {
        self.layers
            .iter()
            .map(|l| LayerInfo {
                source: l.source.clone(),
                lines: l.validated.lines.clone(),
            })
            .collect()
    }

    /// Location of a key (leaf or section) in the last layer that has it.
    fn locate(&self, path: &str) -> Location {
        for layer in self.layers.iter().rev() {
            if let Some((_, line)) = layer
                .validated
                .lines
                .iter()
                .find(|(k, _)| display_path(k) == path)
            {
                return Location::new(layer.source.clone(), (*line > 0).then_some(*line));
            }
        }
        Location::new(Source::Default, None)
    }

    fn extraction_problems(&self, err: figment::Error) -> Vec<Problem> {
        err.into_iter()
            .map(|e| {
                let key = e.path.join(".");
                let at = e
                    .metadata
                    .as_ref()
                    .and_then(|m| self.layer_of.get(m.name.as_ref()))
                    .and_then(|&i| self.layers.get(i))
                    .map(|l| {
                        let line = l.validated.lines.get(&e.path).copied();
                        Location::new(l.source.clone(), line)
                    })
                    .unwrap_or_else(|| Location::new(Source::Default, None));
                Problem {
                    at,
                    kind: ProblemKind::Conflict {
                        key,
                        message: e.kind.to_string(),
                    },
                }
            })
            .collect()
    }
}

/// Loads a server configuration for `role`.
pub(crate) fn load_server(
    role: Role,
    sources: &ConfigSources,
) -> Result<LoadedConfig, ConfigError> {
    let mut asm = assemble(Target::Server(role), sources)?;
    let mut origins = origin::collect(
        &asm.fig,
        &["seatunnel", "hazelcast"],
        &asm.layer_of,
        &asm.infos(),
        &|scope| scope.applies_to(role),
    );
    let root: ServerRoot = match asm.fig.extract() {
        Ok(root) => root,
        Err(e) => return Err(ConfigError::Invalid(asm.extraction_problems(e))),
    };
    let mut engine = root.seatunnel.engine;
    if engine.force_reject_with_dynamic_slots() {
        let path = "seatunnel.engine.job-schedule-strategy";
        if let Some(k) = origins.iter_mut().find(|k| k.path == path) {
            k.value = "REJECT".into();
        }
        asm.diag.warnings.push(ConfigWarning {
            at: asm.locate("seatunnel.engine.job-schedule-strategy"),
            message:
                "job-schedule-strategy WAIT has no effect while slot-service.dynamic-slot is true"
                    .into(),
            hint: Some("REJECT is used; set dynamic-slot: false to queue jobs".into()),
        });
    }
    if engine.jar_storage.enable && role != Role::Worker {
        asm.diag.warnings.push(ConfigWarning {
            at: asm.locate("seatunnel.engine.jar-storage.enable"),
            message: "not supported: seatunnel.engine.jar-storage (connector jar upload)".into(),
            hint: Some("connectors are built into seatunnel-rs; the setting has no effect".into()),
        });
    }
    let mut diag = std::mem::take(&mut asm.diag);
    let hazelcast = root.hazelcast.build(&mut diag, &|p| asm.locate(p));
    if !diag.problems.is_empty() {
        return Err(ConfigError::Invalid(diag.problems));
    }
    let ignored: Vec<EffectiveKey> = origins
        .iter()
        .filter(|k| !k.applies && k.source != Source::Default)
        .cloned()
        .collect();
    for k in &ignored {
        tracing::debug!(
            key = %k.path,
            from = %k.location(),
            "ignored on role {role}: read only by {} nodes",
            k.scope.label()
        );
    }
    for w in &diag.warnings {
        tracing::warn!("{w}");
    }
    Ok(LoadedConfig {
        server: ServerConfig {
            role,
            engine,
            hazelcast,
        },
        origins,
        warnings: diag.warnings,
        ignored,
        files: asm.files,
    })
}

/// Loads the client configuration.
pub(crate) fn load_client(sources: &ConfigSources) -> Result<LoadedClientConfig, ConfigError> {
    let mut asm = assemble(Target::Client, sources)?;
    let origins = origin::collect(
        &asm.fig,
        &["seatunnel", "hazelcast-client"],
        &asm.layer_of,
        &asm.infos(),
        &|scope| scope == Scope::Client,
    );
    let root: ClientRoot = match asm.fig.extract() {
        Ok(root) => root,
        Err(e) => return Err(ConfigError::Invalid(asm.extraction_problems(e))),
    };
    let http = &root.seatunnel.engine.http;
    let mut client = root
        .client
        .build(root.seatunnel.engine.print_job_metrics_info_interval);
    client.http_basic_auth = http.enable_basic_auth.then(|| HttpCredentials {
        username: http.basic_auth_username.clone(),
        password: http.basic_auth_password.clone(),
    });
    let warnings = std::mem::take(&mut asm.diag.warnings);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    Ok(LoadedClientConfig {
        client,
        origins,
        warnings,
        files: asm.files,
    })
}

fn assemble(target: Target, sources: &ConfigSources) -> Result<Assembled, ConfigError> {
    let mut diag = Diagnostics::default();
    let mut layers = vec![defaults_layer(target)?];
    let mut files = Vec::new();
    let paths = Paths::resolve(target, sources);
    let own_kind = match target {
        Target::Server(_) => FileKind::Hazelcast,
        Target::Client => FileKind::Client,
    };
    for (wanted, kind) in [
        (&paths.own, own_kind),
        (&paths.seatunnel, FileKind::Seatunnel),
    ] {
        if let Some(layer) = read_file(wanted, kind, &mut diag)? {
            files.push(wanted.path.clone());
            layers.push(layer);
        }
    }
    for path in dropin_files(&paths.dropins)? {
        let wanted = Wanted {
            path: path.clone(),
            given_by: None,
        };
        if let Some(layer) = read_file(&wanted, FileKind::Seatunnel, &mut diag)? {
            files.push(path);
            layers.push(layer);
        }
    }
    if let Some(list) = sources.env_var(ENV_DOCKER_MEMBER_LIST) {
        let path: &[&str] = match target {
            Target::Server(_) => &["hazelcast", "network", "join", "tcp-ip", "member-list"],
            Target::Client => &["hazelcast-client", "network", "cluster-members"],
        };
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        let source = Source::Env(ENV_DOCKER_MEMBER_LIST.into());
        layers.push(override_layer(&path, list, source, &mut diag));
    }
    for (name, value) in &sources.env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let segments: Vec<String> = rest.split(ENV_SEPARATOR).map(String::from).collect();
        let source = Source::Env(name.clone());
        match resolve(&segments, Mode::Env, &layers) {
            Some(path) => layers.push(override_layer(&path, value, source, &mut diag)),
            None => diag.warnings.push(ConfigWarning::unrecognized(
                &segments.join(".").to_ascii_lowercase(),
                Location::new(source, None),
                None,
            )),
        }
    }
    for (path, value) in &sources.overrides {
        let segments: Vec<String> = path.split('.').map(String::from).collect();
        let source = Source::Cli(path.clone());
        match resolve(&segments, Mode::Cli, &layers) {
            Some(p) => layers.push(override_layer(&p, value, source, &mut diag)),
            None => diag.warnings.push(ConfigWarning::unrecognized(
                path,
                Location::new(source, None),
                None,
            )),
        }
    }
    if !diag.problems.is_empty() {
        return Err(ConfigError::Invalid(diag.problems));
    }
    let mut fig = Figment::new();
    let mut layer_of = HashMap::new();
    for (i, layer) in layers.iter().enumerate() {
        let name = format!("layer {i}: {}", layer.source);
        layer_of.insert(name.clone(), i);
        fig = fig.merge(LayerProvider {
            name,
            dict: layer.validated.dict.clone(),
        });
    }
    Ok(Assembled {
        fig,
        layers,
        layer_of,
        diag,
        files,
    })
}

fn defaults_layer(target: Target) -> Result<Layer, ConfigError> {
    let role = match target {
        Target::Server(role) => role,
        Target::Client => Role::Hybrid,
    };
    let root = DefaultsRoot {
        seatunnel: SeatunnelSection::default(),
        hazelcast: RawHazelcast::defaults(role),
        client: RawClient::default(),
    };
    let dict = FValue::serialize(&root)
        .ok()
        .and_then(FValue::into_dict)
        .ok_or_else(|| {
            ConfigError::Invalid(vec![Problem {
                at: Location::new(Source::Default, None),
                kind: ProblemKind::Conflict {
                    key: "defaults".into(),
                    message: "the built-in defaults do not serialize; this is a bug".into(),
                },
            }])
        })?;
    Ok(Layer {
        source: Source::Default,
        validated: Validated {
            dict,
            lines: HashMap::new(),
        },
    })
}

/// Reads and validates one file; `None` when an optional file is absent.
fn read_file(
    wanted: &Wanted,
    kind: FileKind,
    diag: &mut Diagnostics,
) -> Result<Option<Layer>, ConfigError> {
    let text = match fs::read_to_string(&wanted.path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match wanted.given_by {
                Some(by) => Err(ConfigError::MissingFile {
                    path: wanted.path.clone(),
                    given_by: by.into(),
                }),
                None => Ok(None),
            };
        }
        Err(source) => {
            return Err(ConfigError::Io {
                path: wanted.path.clone(),
                source,
            })
        }
    };
    let source = Source::File(wanted.path.clone());
    let root = match yaml::parse(&text) {
        Ok(root) => root,
        Err(e) => {
            let (line, kind) = match e {
                YamlError::Syntax { line, message } => (line, ProblemKind::Syntax { message }),
                YamlError::Duplicate {
                    key,
                    line,
                    first_line,
                } => (line, ProblemKind::Duplicate { key, first_line }),
            };
            diag.problems.push(Problem {
                at: Location::new(source.clone(), Some(line)),
                kind,
            });
            return Ok(Some(Layer {
                source,
                validated: Validated::default(),
            }));
        }
    };
    let validated = validate(root.as_ref(), kind, &source, diag);
    Ok(Some(Layer { source, validated }))
}

/// The drop-in files, sorted by name. Hidden files and non-YAML files are skipped.
fn dropin_files(dir: &Wanted) -> Result<Vec<PathBuf>, ConfigError> {
    let entries = match fs::read_dir(&dir.path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match dir.given_by {
                Some(by) => Err(ConfigError::MissingDir {
                    path: dir.path.clone(),
                    given_by: by.into(),
                }),
                None => Ok(Vec::new()),
            };
        }
        Err(source) => {
            return Err(ConfigError::Io {
                path: dir.path.clone(),
                source,
            })
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let visible = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'));
            let yaml = p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| DROPIN_EXTENSIONS.contains(&x));
            visible && yaml && p.is_file()
        })
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// A layer holding one value at a resolved path, validated like a file.
fn override_layer(path: &[String], value: &str, source: Source, diag: &mut Diagnostics) -> Layer {
    let node = Node::nested(path, Node::scalar(value));
    let validated = validate(Some(&node), FileKind::Override, &source, diag);
    Layer { source, validated }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Upper-case names with `_` for `-`: matched loosely, user-named keys lower-cased.
    Env,
    /// Dotted paths as typed: matched loosely, user-named keys kept as written.
    Cli,
}

/// Names already present below `apath` in earlier layers (map patterns, free-map keys), so
/// `…__PLUGIN_CONFIG__FS__DEFAULTFS` finds the existing `fs.defaultFS`.
fn existing_children(layers: &[Layer], apath: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for layer in layers {
        let mut cur = layer.validated.dict.get(&apath[0]);
        for seg in &apath[1..] {
            cur = cur.and_then(|v| v.as_dict()).and_then(|d| d.get(seg));
        }
        if let Some(d) = cur.and_then(|v| v.as_dict()) {
            names.extend(d.keys().cloned());
        }
    }
    names
}

/// Maps env/CLI segments onto a real key path: known names compare case-insensitively with
/// `-` and `_` alike; below a free map the rest of the segments, joined by dots, form one key.
/// `None` when the path is not a known key.
fn resolve(segments: &[String], mode: Mode, layers: &[Layer]) -> Option<Vec<String>> {
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    let (mut apath, rest): (Vec<String>, &[String]) = if normalize_name(&segments[0]) == "engine" {
        (vec!["seatunnel".into(), "engine".into()], &segments[1..])
    } else {
        (Vec::new(), segments)
    };
    let mut spath = apath.clone();
    let user_name = |seg: &str| match mode {
        Mode::Env => seg.to_ascii_lowercase(),
        Mode::Cli => seg.to_string(),
    };
    for (i, seg) in rest.iter().enumerate() {
        let kind = if spath.is_empty() {
            Kind::Section
        } else {
            schema().get(&spath)?.kind
        };
        match kind {
            Kind::FreeMap => {
                let joined = rest[i..].join(".");
                let want = normalize_name(&joined);
                let name = schema()
                    .children(&spath)
                    .iter()
                    .cloned()
                    .chain(existing_children(layers, &apath))
                    .find(|k| normalize_name(k) == want)
                    .unwrap_or_else(|| user_name(&joined));
                apath.push(name);
                return Some(apath);
            }
            Kind::Pattern => {
                let want = normalize_name(seg);
                let name = existing_children(layers, &apath)
                    .into_iter()
                    .find(|k| normalize_name(k) == want)
                    .unwrap_or_else(|| user_name(seg));
                apath.push(name);
                spath.push("*".into());
            }
            Kind::Section => {
                let want = normalize_name(seg);
                let children: Vec<String> = if spath.is_empty() {
                    ROOT_SECTIONS.iter().map(|s| s.to_string()).collect()
                } else {
                    schema().children(&spath).to_vec()
                };
                let name = children
                    .iter()
                    .find(|c| c.as_str() != "*" && normalize_name(c) == want)?
                    .clone();
                apath.push(name.clone());
                spath.push(name);
            }
            _ => return None,
        }
    }
    Some(apath)
}
