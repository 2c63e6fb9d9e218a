//! Syntax tree to JSON: types unquoted text, resolves substitutions, merges duplicate keys and
//! applies SeaTunnel's plugin-list rule to the top-level `source`/`transform`/`sink` blocks.

use serde_json::{Map, Number, Value as Json};

use super::lexer::Subst;
use super::parser::{Field, Object, PieceKind, Value};
use super::placeholder;
use super::{Lookup, ParseError, Pos};
use crate::variables::parse_user_value;

/// Top-level keys whose child blocks become an ordered list of plugins.
pub const PLUGIN_SECTIONS: [&str; 3] = ["source", "transform", "sink"];
/// The key each plugin block gets, holding the block's name as written.
pub const PLUGIN_NAME_KEY: &str = "plugin_name";
/// Characters a number may start with and consist of (Typesafe's tokenizer rules).
const NUMBER_START: &str = "0123456789-";
const NUMBER_CHARS: &str = "0123456789eE+-.";

struct Ctx<'a> {
    origin: &'a str,
    lookup: &'a Lookup<'a>,
}

/// The document's top-level object; the only level where the plugin-list rule applies.
pub fn eval_document(
    doc: &Object,
    origin: &str,
    lookup: &Lookup<'_>,
) -> Result<Map<String, Json>, ParseError> {
    let ctx = Ctx { origin, lookup };
    let mut map = Map::new();
    for field in &doc.fields {
        let value = match single_object(&field.value) {
            Some(block) if PLUGIN_SECTIONS.contains(&field.key.as_str()) => {
                Some(Json::Array(plugin_list(&ctx, &field.key, block)?))
            }
            _ => eval_value(&ctx, field, &field.value)?,
        };
        insert_merged(&mut map, &field.key, value);
    }
    Ok(map)
}

/// The block when a value is exactly one `{ … }` (SeaTunnel only converts literal blocks).
fn single_object(value: &Value) -> Option<&Object> {
    match value.pieces.as_slice() {
        [piece] => match &piece.kind {
            PieceKind::Object(o) => Some(o),
            _ => None,
        },
        _ => None,
    }
}

/// `source { A {…} A {…} B {…} }` → `[{…, plugin_name: A}, {…, plugin_name: A}, {…, plugin_name: B}]`.
fn plugin_list(ctx: &Ctx<'_>, section: &str, block: &Object) -> Result<Vec<Json>, ParseError> {
    let mut list = Vec::with_capacity(block.fields.len());
    for field in &block.fields {
        match eval_value(ctx, field, &field.value)? {
            None => {}
            Some(Json::Object(mut options)) => {
                if !options.contains_key(PLUGIN_NAME_KEY) {
                    options.insert(PLUGIN_NAME_KEY.into(), Json::String(field.key.clone()));
                }
                list.push(Json::Object(options));
            }
            Some(_) => {
                return Err(ParseError::new(
                    ctx.origin,
                    field.pos,
                    format!(
                        "'{}' in '{section}' must be a plugin block: write {} {{ option = value }}",
                        field.key, field.key
                    ),
                ))
            }
        }
    }
    Ok(list)
}

fn eval_object(ctx: &Ctx<'_>, obj: &Object) -> Result<Map<String, Json>, ParseError> {
    let mut map = Map::new();
    for field in &obj.fields {
        let value = eval_value(ctx, field, &field.value)?;
        insert_merged(&mut map, &field.key, value);
    }
    Ok(map)
}

/// HOCON duplicate keys: objects merge (the later object's keys first, as SeaTunnel's merge
/// orders them), anything else replaces. The key keeps its first position. `None` (an optional
/// substitution with no value) leaves the field as it was.
fn insert_merged(map: &mut Map<String, Json>, key: &str, value: Option<Json>) {
    let Some(value) = value else { return };
    let merged = match map.get_mut(key) {
        Some(old) => with_fallback(value, std::mem::take(old)),
        None => value,
    };
    map.insert(key.to_string(), merged);
}

fn with_fallback(new: Json, old: Json) -> Json {
    match (new, old) {
        (Json::Object(mut new), Json::Object(mut old)) => {
            let mut out = Map::new();
            for (k, v) in std::mem::take(&mut new) {
                let v = match old.remove(&k) {
                    Some(o) => with_fallback(v, o),
                    None => v,
                };
                out.insert(k, v);
            }
            for (k, v) in old {
                out.insert(k, v);
            }
            Json::Object(out)
        }
        (new, _) => new,
    }
}

/// A value's JSON, or `None` for an optional substitution with no value.
fn eval_value(ctx: &Ctx<'_>, field: &Field, value: &Value) -> Result<Option<Json>, ParseError> {
    if let [piece] = value.pieces.as_slice() {
        return Ok(match &piece.kind {
            PieceKind::Quoted(s) => Some(placeholder::backfill_value(s, ctx.lookup.vars)),
            PieceKind::Unquoted(s) => Some(classify(s)),
            PieceKind::Subst(s) => match resolve(ctx, s) {
                Resolved::Value(v) => Some(v),
                Resolved::Missing(text) => Some(Json::String(text)),
                Resolved::Omitted => None,
            },
            PieceKind::Object(o) => Some(Json::Object(eval_object(ctx, o)?)),
            PieceKind::Array(items) => Some(eval_array(ctx, field, items)?),
        });
    }
    concatenate(ctx, field, value).map(Some)
}

fn eval_array(ctx: &Ctx<'_>, field: &Field, items: &[Value]) -> Result<Json, ParseError> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = eval_value(ctx, field, item)? {
            out.push(v);
        }
    }
    Ok(Json::Array(out))
}

/// Pieces written side by side: all text joins into one string (whitespace between them kept),
/// all lists append, all objects merge. Mixing text with lists or objects is an error.
fn concatenate(ctx: &Ctx<'_>, field: &Field, value: &Value) -> Result<Json, ParseError> {
    let mut text = String::new();
    let mut has_text = false;
    let mut list: Option<Vec<Json>> = None;
    let mut object: Option<Json> = None;
    let mut first_pos: Option<Pos> = None;
    for (i, piece) in value.pieces.iter().enumerate() {
        if i > 0 {
            text.push_str(&piece.ws_before);
        }
        let json = match &piece.kind {
            PieceKind::Quoted(s) => {
                text.push_str(&placeholder::backfill(s, ctx.lookup.vars));
                has_text = true;
                continue;
            }
            PieceKind::Unquoted(s) => {
                text.push_str(s);
                has_text = true;
                continue;
            }
            PieceKind::Subst(s) => match resolve(ctx, s) {
                Resolved::Value(v) => v,
                Resolved::Missing(t) => Json::String(t),
                Resolved::Omitted => continue,
            },
            PieceKind::Object(o) => Json::Object(eval_object(ctx, o)?),
            PieceKind::Array(items) => eval_array(ctx, field, items)?,
        };
        match json {
            Json::Array(items) => list.get_or_insert_with(Vec::new).extend(items),
            Json::Object(m) => {
                object = Some(match object.take() {
                    Some(old) => with_fallback(Json::Object(m), old),
                    None => Json::Object(m),
                })
            }
            scalar => {
                text.push_str(&scalar_text(&scalar));
                has_text = true;
            }
        }
        first_pos.get_or_insert(piece.pos);
    }
    let kinds = [
        has_text && !text.trim().is_empty(),
        list.is_some(),
        object.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        let pos = first_pos.unwrap_or(field.pos);
        return Err(ParseError::new(
            ctx.origin,
            pos,
            format!(
                "the value of '{}' mixes text, lists and objects side by side; they cannot be concatenated",
                field.key
            ),
        ));
    }
    Ok(match (list, object) {
        (Some(l), _) => Json::Array(l),
        (_, Some(o)) => o,
        _ => Json::String(text),
    })
}

/// How a resolved scalar reads inside a concatenated string.
fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

enum Resolved {
    Value(Json),
    /// No value and no default: the literal `${name}` text.
    Missing(String),
    /// `${?name}` with no value.
    Omitted,
}

fn resolve(ctx: &Ctx<'_>, s: &Subst) -> Resolved {
    if let Some(raw) = ctx.lookup.vars.get(&s.name) {
        return Resolved::Value(parse_user_value(raw));
    }
    if let Some(v) = (ctx.lookup.env)(&s.name) {
        return Resolved::Value(Json::String(v));
    }
    if let Some(d) = &s.default {
        return Resolved::Value(parse_user_value(d));
    }
    if s.optional {
        return Resolved::Omitted;
    }
    Resolved::Missing(format!("${{{}}}", s.name))
}

/// Unquoted text as Typesafe types it: `true`/`false`/`null`, a number when the whole text is
/// one (`10`, `-3`, `1.5`, `1e3`), otherwise a string. Integers beyond i64 and floats beyond
/// f64 stay strings, as SeaTunnel keeps them as text.
pub fn classify(s: &str) -> Json {
    match s {
        "true" => return Json::Bool(true),
        "false" => return Json::Bool(false),
        "null" => return Json::Null,
        _ => {}
    }
    let numeric =
        s.starts_with(|c| NUMBER_START.contains(c)) && s.chars().all(|c| NUMBER_CHARS.contains(c));
    if numeric {
        if s.contains(['.', 'e', 'E']) {
            if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
                return Json::Number(n);
            }
        } else if let Ok(i) = s.parse::<i64>() {
            return Json::Number(i.into());
        }
    }
    Json::String(s.to_string())
}
