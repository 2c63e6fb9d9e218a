//! Serde adapters between the integer keys of the YAML files (`…-interval` in seconds,
//! `checkpoint.interval` in milliseconds, `history-job-expire-minutes`) and `Duration` fields,
//! so the typed config carries its unit in the type instead of the field name.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub mod secs {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

pub mod millis {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

pub mod minutes {
    use super::*;

    /// Seconds per minute.
    const MINUTE: u64 = 60;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs() / MINUTE)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(|m| Duration::from_secs(m * MINUTE))
    }
}

/// Milliseconds where a negative number (SeaTunnel writes `-1`) means "off".
pub mod opt_millis {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_i64(d.as_millis().try_into().unwrap_or(i64::MAX)),
            None => s.serialize_i64(-1),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let n = i64::deserialize(d)?;
        Ok(u64::try_from(n).ok().map(Duration::from_millis))
    }
}

/// Optional text where an empty value (`key:` or `key: ""`) counts as unset.
pub fn empty_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// A value from a free map (properties, plugin-config): text as written, or a number/bool when
/// the key is one the schema types. Displayed the way it was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Text::Bool(b) => write!(f, "{b}"),
            Text::Int(n) => write!(f, "{n}"),
            Text::Float(x) => write!(f, "{x}"),
            Text::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Str(s.to_string())
    }
}
