//! Config shade (`env.shade.identifier`): sensitive plugin options stored encoded in the job
//! file, decoded when the job is loaded. Used by loading, by the CLI's `--encrypt`/`--decrypt`
//! and by REST `/encrypt-config`.
//!
//! Rules (SeaTunnel's `ConfigShadeUtils`):
//! - only the top-level options of each `source`/`transform`/`sink` block are touched, and only
//!   those named `password`, `username`, `auth`, `token` or listed in `env.shade.options`;
//! - a string is processed as a whole, a list of strings element by element, `null` is skipped;
//! - no identifier (or `default`) leaves the job as it is.
//!
//! SeaTunnel silently falls back to the no-op shade for an identifier it does not know; we fail
//! instead, because a typo would otherwise hand the encoded text to the connector as a password.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde_json::{Map, Value as Json};

/// The env key naming the shade.
pub const SHADE_IDENTIFIER_KEY: &str = "shade.identifier";
/// The env key listing more option names to treat as sensitive.
pub const SHADE_OPTIONS_KEY: &str = "shade.options";
/// Options every shade processes.
pub const DEFAULT_SENSITIVE_OPTIONS: [&str; 4] = ["password", "username", "auth", "token"];
/// Identifiers we implement, for error messages.
pub const KNOWN_SHADES: [&str; 2] = ["default", "base64"];
/// Sections whose plugin blocks hold the options.
const PLUGIN_SECTIONS: [&str; 3] = ["source", "transform", "sink"];

/// Java's basic Base64 decoder accepts input with or without `=` padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShadeError {
    #[error(
        "not supported: config shade '{0}' (env.shade.identifier); known shades: default, base64"
    )]
    Unknown(String),
    #[error("env.{key} must be {expected}")]
    BadEnv {
        key: &'static str,
        expected: &'static str,
    },
    /// `at` names the option, e.g. `source[0].password`.
    #[error("{at} must be a string or a list of strings for the '{shade}' shade")]
    NotText { at: String, shade: &'static str },
    /// The value is left out on purpose: it is a secret.
    #[error("cannot decrypt {at} with the '{shade}' shade: {reason}")]
    Decrypt {
        at: String,
        shade: &'static str,
        reason: &'static str,
    },
}

/// A shade implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shade {
    /// Leaves values as they are.
    Default,
    /// Standard Base64 of the UTF-8 text; encodes, does not protect.
    Base64,
}

impl Shade {
    pub fn from_identifier(id: &str) -> Result<Shade, ShadeError> {
        match id {
            "" | "default" => Ok(Shade::Default),
            "base64" => Ok(Shade::Base64),
            other => Err(ShadeError::Unknown(other.to_string())),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Shade::Default => "default",
            Shade::Base64 => "base64",
        }
    }

    pub fn encrypt(self, text: &str) -> String {
        match self {
            Shade::Default => text.to_string(),
            Shade::Base64 => BASE64.encode(text.as_bytes()),
        }
    }

    /// The error is the reason only; callers add which option failed.
    pub fn decrypt(self, text: &str) -> Result<String, &'static str> {
        match self {
            Shade::Default => Ok(text.to_string()),
            Shade::Base64 => {
                let bytes = BASE64
                    .decode(text.as_bytes())
                    .map_err(|_| "not valid base64")?;
                String::from_utf8(bytes).map_err(|_| "decoded bytes are not UTF-8 text")
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Encrypt,
    Decrypt,
}

/// The job with its sensitive options encoded by the shade `env.shade.identifier` names.
pub fn encrypt_job(tree: &Json) -> Result<Json, ShadeError> {
    process(tree, Direction::Encrypt)
}

/// The job with its sensitive options decoded by the shade `env.shade.identifier` names.
pub fn decrypt_job(tree: &Json) -> Result<Json, ShadeError> {
    process(tree, Direction::Decrypt)
}

/// The shade the job names, `Default` when it names none.
pub fn job_shade(tree: &Json) -> Result<Shade, ShadeError> {
    match env(tree).and_then(|e| e.get(SHADE_IDENTIFIER_KEY)) {
        None | Some(Json::Null) => Ok(Shade::Default),
        Some(Json::String(id)) => Shade::from_identifier(id),
        Some(_) => Err(ShadeError::BadEnv {
            key: SHADE_IDENTIFIER_KEY,
            expected: "a string such as \"base64\"",
        }),
    }
}

fn env(tree: &Json) -> Option<&Map<String, Json>> {
    tree.get("env").and_then(Json::as_object)
}

/// The default sensitive options plus `env.shade.options` (a list or one name).
fn sensitive_options(tree: &Json) -> Result<Vec<String>, ShadeError> {
    let mut names: Vec<String> = DEFAULT_SENSITIVE_OPTIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let bad = || ShadeError::BadEnv {
        key: SHADE_OPTIONS_KEY,
        expected: "a list of option names",
    };
    match env(tree).and_then(|e| e.get(SHADE_OPTIONS_KEY)) {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) => names.push(s.clone()),
        Some(Json::Array(items)) => {
            for item in items {
                names.push(item.as_str().ok_or_else(bad)?.to_string());
            }
        }
        Some(_) => return Err(bad()),
    }
    // A name listed twice must not be decoded twice.
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    Ok(names)
}

fn process(tree: &Json, direction: Direction) -> Result<Json, ShadeError> {
    let shade = job_shade(tree)?;
    let mut out = tree.clone();
    if shade == Shade::Default {
        return Ok(out);
    }
    let options = sensitive_options(tree)?;
    let Some(root) = out.as_object_mut() else {
        return Ok(out);
    };
    for section in PLUGIN_SECTIONS {
        let Some(Json::Array(blocks)) = root.get_mut(section) else {
            continue;
        };
        for (index, block) in blocks.iter_mut().enumerate() {
            let Some(block) = block.as_object_mut() else {
                continue;
            };
            for key in &options {
                let Some(value) = block.get_mut(key) else {
                    continue;
                };
                let at = Location {
                    section,
                    index,
                    key,
                    shade,
                };
                apply(value, direction, &at)?;
            }
        }
    }
    Ok(out)
}

struct Location<'a> {
    section: &'a str,
    index: usize,
    key: &'a str,
    shade: Shade,
}

impl Location<'_> {
    fn describe(&self) -> String {
        format!("{}[{}].{}", self.section, self.index, self.key)
    }
}

fn apply(value: &mut Json, direction: Direction, at: &Location<'_>) -> Result<(), ShadeError> {
    match value {
        Json::Null => Ok(()),
        Json::String(s) => {
            *s = convert(s, direction, at)?;
            Ok(())
        }
        Json::Array(items) => {
            for item in items {
                match item {
                    Json::String(s) => *s = convert(s, direction, at)?,
                    _ => return Err(not_text(at)),
                }
            }
            Ok(())
        }
        _ => Err(not_text(at)),
    }
}

fn convert(s: &str, direction: Direction, at: &Location<'_>) -> Result<String, ShadeError> {
    match direction {
        Direction::Encrypt => Ok(at.shade.encrypt(s)),
        Direction::Decrypt => at.shade.decrypt(s).map_err(|reason| ShadeError::Decrypt {
            at: at.describe(),
            shade: at.shade.name(),
            reason,
        }),
    }
}

fn not_text(at: &Location<'_>) -> ShadeError {
    ShadeError::NotText {
        at: at.describe(),
        shade: at.shade.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(id: &str) -> Json {
        json!({
            "env": {"shade.identifier": id, "shade.options": ["secret", "password"]},
            "source": [{"plugin_name": "Jdbc", "username": "seatunnel", "password": "seatunnel_password",
                        "secret": ["a", "b"], "nested": {"password": "plain"}, "auth": null}],
            "sink": [{"plugin_name": "Console", "token": "t"}]
        })
    }

    #[test]
    fn base64_round_trip_touches_only_sensitive_top_level_options() {
        let enc = encrypt_job(&job("base64")).unwrap();
        let src = &enc["source"][0];
        assert_eq!(src["username"], json!("c2VhdHVubmVs"));
        assert_eq!(src["password"], json!("c2VhdHVubmVsX3Bhc3N3b3Jk"));
        assert_eq!(src["secret"], json!(["YQ==", "Yg=="]));
        assert_eq!(src["nested"]["password"], json!("plain"));
        assert_eq!(src["auth"], json!(null));
        assert_eq!(enc["sink"][0]["token"], json!("dA=="));
        assert_eq!(decrypt_job(&enc).unwrap(), job("base64"));
    }

    #[test]
    fn decrypt_accepts_missing_padding() {
        let mut t = job("base64");
        t["source"][0]["secret"] = json!(["YQ"]);
        t["source"][0]["username"] = json!("c2VhdHVubmVs");
        t["source"][0]["password"] = json!("cA");
        t["sink"][0]["token"] = json!("dA");
        let dec = decrypt_job(&t).unwrap();
        assert_eq!(dec["source"][0]["secret"], json!(["a"]));
        assert_eq!(dec["source"][0]["password"], json!("p"));
    }

    #[test]
    fn default_shade_is_a_no_op() {
        let t = job("default");
        assert_eq!(encrypt_job(&t).unwrap(), t);
        let none = json!({"source": [{"plugin_name": "X", "password": 5}], "sink": []});
        assert_eq!(decrypt_job(&none).unwrap(), none);
    }

    #[test]
    fn errors_are_clear_and_keep_secrets_out() {
        assert_eq!(
            encrypt_job(&job("aes")).unwrap_err().to_string(),
            "not supported: config shade 'aes' (env.shade.identifier); known shades: default, base64"
        );
        let e = decrypt_job(&job("base64")).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot decrypt source[0].password with the 'base64' shade"),
            "{e}"
        );
        assert!(!e.contains("seatunnel_password"));
        let mut t = job("base64");
        t["source"][0]["password"] = json!(12);
        assert_eq!(
            encrypt_job(&t).unwrap_err().to_string(),
            "source[0].password must be a string or a list of strings for the 'base64' shade"
        );
    }
}
