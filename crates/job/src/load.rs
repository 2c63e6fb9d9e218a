//! Loading a job file (or a REST body) into SeaTunnel's normal form: an object with `env` and
//! the `source`/`transform`/`sink` lists of plugin blocks, each with `plugin_name`. The result
//! feeds [`crate::JobConfig::from_tree`].
//!
//! Steps, in SeaTunnel's order: reject system-placeholder variables, parse (HOCON with
//! substitutions, or JSON), fill quoted-string placeholders from the variables, then decode the
//! sensitive options when `env.shade.identifier` names a shade.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::depth;
use crate::hocon::{self, placeholder, Lookup, ParseError};
use crate::shade::{self, ShadeError};
use crate::variables::{VariableError, Variables};

/// Sections whose entries are plugin blocks.
const PLUGIN_SECTIONS: [&str; 3] = ["source", "transform", "sink"];
/// Key holding a plugin block's name.
const PLUGIN_NAME_KEY: &str = "plugin_name";

/// How a job's text is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobFormat {
    Hocon,
    Json,
}

impl JobFormat {
    /// By suffix, as SeaTunnel picks its parser: `.json` is JSON, `.sql` is refused, anything
    /// else (`.conf`, `.config`, `.template`, none) is HOCON.
    pub fn from_path(p: &Path) -> Result<JobFormat, JobLoadError> {
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json") => Ok(JobFormat::Json),
            Some("sql") => Err(JobLoadError::Unsupported {
                what: "SQL job files".into(),
                origin: p.display().to_string(),
                hint: "write the job in HOCON (.conf) or JSON (.json)".into(),
            }),
            _ => Ok(JobFormat::Hocon),
        }
    }

    /// The REST `?format=` value: `json` or `hocon`, any case.
    pub fn parse(s: &str) -> Option<JobFormat> {
        if s.eq_ignore_ascii_case("json") {
            Some(JobFormat::Json)
        } else if s.eq_ignore_ascii_case("hocon") {
            Some(JobFormat::Hocon)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobLoadError {
    #[error("cannot read job file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `origin:line:col: message`.
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("{origin}:{line}:{column}: invalid JSON: {message}")]
    Json {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: {message}")]
    Shape { origin: String, message: String },
    #[error("not supported: {what} ({origin}); {hint}")]
    Unsupported {
        what: String,
        origin: String,
        hint: String,
    },
    #[error(transparent)]
    Variable(#[from] VariableError),
    #[error("{origin}: {source}")]
    Shade { origin: String, source: ShadeError },
    /// Deeper than [`depth::MAX_NESTING`]: a limit of ours, refused before anything walks it.
    #[error("{origin}: {}", depth::too_deep_message())]
    TooDeep { origin: String },
}

impl JobLoadError {
    /// Whether the job broke a size or depth limit (a client error) rather than being a job
    /// SeaTunnel would also fail to load.
    pub fn is_limit(&self) -> bool {
        match self {
            JobLoadError::TooDeep { .. } => true,
            JobLoadError::Parse(e) => e.too_deep,
            _ => false,
        }
    }
}

/// Reads the process environment; unquoted `${name}` falls back to it after the variables.
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Loads a job from its text. `origin` names it in errors (usually the file path).
pub fn load_job_text(
    text: &str,
    origin: &str,
    format: JobFormat,
    vars: &Variables,
) -> Result<Json, JobLoadError> {
    load_job_text_with_env(text, origin, format, vars, &process_env)
}

/// [`load_job_text`] with an explicit environment for unquoted substitutions (tests, or callers
/// that must not read the process environment).
pub fn load_job_text_with_env(
    text: &str,
    origin: &str,
    format: JobFormat,
    vars: &Variables,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Json, JobLoadError> {
    let tree = parse_job_text_with_env(text, origin, format, vars, env)?;
    decrypt(tree, origin)
}

/// Everything [`load_job_text`] does except decoding shaded secrets: what `--encrypt` and
/// `--decrypt` start from, since decoding plain text with the job's shade would fail.
pub fn parse_job_text(
    text: &str,
    origin: &str,
    format: JobFormat,
    vars: &Variables,
) -> Result<Json, JobLoadError> {
    parse_job_text_with_env(text, origin, format, vars, &process_env)
}

fn parse_job_text_with_env(
    text: &str,
    origin: &str,
    format: JobFormat,
    vars: &Variables,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Json, JobLoadError> {
    vars.check_reserved()?;
    match format {
        JobFormat::Hocon => Ok(hocon::parse_job(text, origin, &Lookup { vars, env })?),
        JobFormat::Json => {
            let tree: Json = serde_json::from_str(text).map_err(|e| json_error(origin, &e))?;
            normalize_job_value(tree, origin, vars)
        }
    }
}

/// Loads a job that is already JSON (a REST body): plugin sections written as objects
/// (`"source": {"FakeSource": {…}}`) become lists, placeholders are filled, secrets decoded.
pub fn load_job_value(tree: Json, origin: &str, vars: &Variables) -> Result<Json, JobLoadError> {
    let tree = normalize_job_value(tree, origin, vars)?;
    decrypt(tree, origin)
}

/// [`load_job_value`] without decoding shaded secrets (REST `/encrypt-config` starts here).
pub fn normalize_job_value(
    tree: Json,
    origin: &str,
    vars: &Variables,
) -> Result<Json, JobLoadError> {
    vars.check_reserved()?;
    if depth::job_too_deep(&tree) {
        return Err(JobLoadError::TooDeep {
            origin: origin.to_string(),
        });
    }
    let mut tree = normalize_sections(tree, origin)?;
    placeholder::backfill_tree(&mut tree, vars);
    Ok(tree)
}

/// Loads a job file; the format comes from its suffix.
pub fn load_job_file(path: &Path, vars: &Variables) -> Result<Json, JobLoadError> {
    let tree = parse_job_file(path, vars)?;
    decrypt(tree, &path.display().to_string())
}

/// [`load_job_file`] without decoding shaded secrets (CLI `--encrypt`/`--decrypt`).
pub fn parse_job_file(path: &Path, vars: &Variables) -> Result<Json, JobLoadError> {
    let format = JobFormat::from_path(path)?;
    let text = std::fs::read_to_string(path).map_err(|source| JobLoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_job_text(&text, &path.display().to_string(), format, vars)
}

fn decrypt(tree: Json, origin: &str) -> Result<Json, JobLoadError> {
    shade::decrypt_job(&tree).map_err(|source| JobLoadError::Shade {
        origin: origin.to_string(),
        source,
    })
}

/// serde_json appends " at line L column C"; the position is shown in front instead.
fn json_error(origin: &str, e: &serde_json::Error) -> JobLoadError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    JobLoadError::Json {
        origin: origin.to_string(),
        line: e.line(),
        column: e.column(),
        message: full.strip_suffix(&suffix).unwrap_or(&full).to_string(),
    }
}

fn shape(origin: &str, message: String) -> JobLoadError {
    JobLoadError::Shape {
        origin: origin.to_string(),
        message,
    }
}

/// JSON jobs may write a plugin section as one block (`{"plugin_name": …}`) or as an object of
/// named blocks; both become the list form. Lists are left for the job config to check.
fn normalize_sections(tree: Json, origin: &str) -> Result<Json, JobLoadError> {
    let Json::Object(mut root) = tree else {
        return Err(shape(
            origin,
            "a job must be a JSON object with env, source and sink".into(),
        ));
    };
    for section in PLUGIN_SECTIONS {
        let Some(slot) = root.get_mut(section) else {
            continue;
        };
        if let Json::Object(blocks) = slot {
            let blocks = std::mem::take(blocks);
            let list = if blocks.contains_key(PLUGIN_NAME_KEY) {
                vec![Json::Object(blocks)]
            } else {
                named_blocks(blocks, section, origin)?
            };
            *slot = Json::Array(list);
        }
    }
    Ok(Json::Object(root))
}

fn named_blocks(
    blocks: Map<String, Json>,
    section: &str,
    origin: &str,
) -> Result<Vec<Json>, JobLoadError> {
    blocks
        .into_iter()
        .map(|(name, block)| match block {
            Json::Object(mut options) => {
                if !options.contains_key(PLUGIN_NAME_KEY) {
                    options.insert(PLUGIN_NAME_KEY.into(), Json::String(name));
                }
                Ok(Json::Object(options))
            }
            _ => Err(shape(
                origin,
                format!("\"{section}\".\"{name}\" must be an object of plugin options"),
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests;
