//! SeaTunnel's patched HOCON dialect (the shaded Typesafe Config in `seatunnel-config-shade`),
//! parsed by hand because no HOCON crate follows it.
//!
//! What differs from plain HOCON, and why:
//! - **Keys are flat.** The shaded parser's path separator is `->`, so `row.num = 10` is the key
//!   `"row.num"`, never `{row: {num: 10}}`. `->` paths are not supported (no job uses them); a key
//!   containing `->` is kept literally.
//! - **Top-level `source`/`transform`/`sink` blocks become ordered lists.** Each child `Name {…}`
//!   is one list element with `plugin_name = "Name"` added as a fallback (a `plugin_name` written
//!   in the block wins). Two blocks with the same name stay two elements: plain HOCON would merge
//!   them and lose a pipeline. A second top-level `source { … }` replaces the first (lists do
//!   not merge), exactly as in SeaTunnel.
//! - **Substitutions only read variables.** `${name}` looks up the `-i` variables, then the process
//!   environment (SeaTunnel asks the environment first; we let an explicit `-i` win), then an
//!   inline `${name:default}`. With none of these it stays as the literal text `${name}`
//!   (SeaTunnel resolves with `allowUnresolved`); `${?name}` drops the field instead. References
//!   to other keys of the file (`${env->parallelism}`) are not supported and stay literal.
//! - **Placeholders in quoted strings are filled in** from `-i` values (see [`placeholder`]).
//!
//! Everything else follows HOCON: `#`/`//` comments, `=`/`:`/no separator before `{`, commas or
//! new lines between fields and list items, unquoted strings, `"""…"""`, value concatenation,
//! duplicate keys (last scalar wins, objects merge). `include` and `+=` fail with a clear
//! "not supported" error instead of being misread.

mod eval;
mod lexer;
mod parser;
pub mod placeholder;

use std::fmt;

use serde_json::Value as Json;

use crate::variables::Variables;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A syntax or dialect error, shown as `origin:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{pos}: {message}")]
pub struct ParseError {
    pub origin: String,
    pub pos: Pos,
    pub message: String,
    /// The text nests deeper than [`crate::depth::MAX_NESTING`]: a limit of ours, not a
    /// syntax error, so the REST API answers 400 rather than a config failure.
    pub too_deep: bool,
}

impl ParseError {
    pub fn new(origin: &str, pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError {
            origin: origin.to_string(),
            pos,
            message: message.into(),
            too_deep: false,
        }
    }

    pub fn too_deep(origin: &str, pos: Pos) -> ParseError {
        ParseError {
            too_deep: true,
            ..ParseError::new(origin, pos, crate::depth::too_deep_message())
        }
    }
}

/// Where substitutions get their values: the `-i` variables, then `env` (the process environment
/// in production, a fixed map in tests).
pub struct Lookup<'a> {
    pub vars: &'a Variables,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Parses a HOCON job file into SeaTunnel's normal form (plugin sections as ordered lists),
/// resolving substitutions and quoted-string placeholders.
pub fn parse_job(text: &str, origin: &str, lookup: &Lookup<'_>) -> Result<Json, ParseError> {
    let tokens = lexer::lex(text, origin)?;
    let doc = parser::parse_document(&tokens, origin)?;
    eval::eval_document(&doc, origin, lookup).map(Json::Object)
}

/// Reads one HOCON value the way SeaTunnel reads a `-i` value (`v = <text>`): `10` is a number,
/// `[a,b]` a list, `seatunnel job` a string. `None` when the text is not a clean HOCON value
/// (syntax error, or a substitution), so the caller keeps it as a plain string.
pub fn parse_scalar(text: &str) -> Option<Json> {
    let wrapped = format!("v = {text}");
    let tokens = lexer::lex(&wrapped, "-i value").ok()?;
    if tokens.iter().any(|t| matches!(t.tok, lexer::Tok::Subst(_))) {
        return None;
    }
    let doc = parser::parse_document(&tokens, "-i value").ok()?;
    let none = |_: &str| None;
    let empty = Variables::default();
    let lookup = Lookup {
        vars: &empty,
        env: &none,
    };
    let mut map = eval::eval_document(&doc, "-i value", &lookup).ok()?;
    map.remove("v")
}

#[cfg(test)]
mod tests;
