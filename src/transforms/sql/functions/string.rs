//! String functions (`StringFunction` in SeaTunnel). Positions and lengths count characters;
//! NULL handling follows SeaTunnel function by function (CONCAT skips NULLs, LOCATE of a NULL
//! string is 0, most others return NULL).

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};

use crate::data::{DataType, Value};
use crate::transforms::sql::error::{EvalError, SqlError};
use crate::transforms::sql::expr::{Expr, Row};
use crate::transforms::sql::javatime::{format_parts, JavaPattern};
use crate::transforms::sql::scalar::Scalar;

use super::{check_args, crypto, literal_str, or_null, text, Arg, Call, Prep};

/// SeaTunnel's soundex codes for `A..=z` (the six characters between `Z` and `a` code 0).
const SOUNDEX_INDEX: &[u8; 58] =
    b"71237128722455712623718272\x00\x00\x00\x00\x00\x0071237128722455712623718272";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringFn {
    Ascii,
    BitLength,
    CharLength,
    OctetLength,
    Chr,
    Concat,
    ConcatWs,
    HexToRaw,
    RawToHex,
    Insert,
    Lower,
    Upper,
    Left,
    Right,
    Locate,
    Instr,
    Position,
    Lpad,
    Rpad,
    Ltrim,
    Rtrim,
    Trim,
    RegexpReplace,
    RegexpLike,
    RegexpSubstr,
    Repeat,
    Replace,
    Soundex,
    Space,
    Substring,
    ToChar,
    Translate,
    Split,
    DesEncrypt,
    DesDecrypt,
}

pub fn lookup(name: &str) -> Option<StringFn> {
    use StringFn::*;
    Some(match name {
        "ASCII" => Ascii,
        "BIT_LENGTH" => BitLength,
        "CHAR_LENGTH" | "LENGTH" => CharLength,
        "OCTET_LENGTH" => OctetLength,
        "CHAR" | "CHR" => Chr,
        "CONCAT" => Concat,
        "CONCAT_WS" => ConcatWs,
        "HEXTORAW" => HexToRaw,
        "RAWTOHEX" => RawToHex,
        "INSERT" => Insert,
        "LOWER" | "LCASE" => Lower,
        "UPPER" | "UCASE" => Upper,
        "LEFT" => Left,
        "RIGHT" => Right,
        "LOCATE" => Locate,
        "INSTR" => Instr,
        "POSITION" => Position,
        "LPAD" => Lpad,
        "RPAD" => Rpad,
        "LTRIM" => Ltrim,
        "RTRIM" => Rtrim,
        "TRIM" => Trim,
        "REGEXP_REPLACE" => RegexpReplace,
        "REGEXP_LIKE" => RegexpLike,
        "REGEXP_SUBSTR" => RegexpSubstr,
        "REPEAT" => Repeat,
        "REPLACE" => Replace,
        "SOUNDEX" => Soundex,
        "SPACE" => Space,
        "SUBSTRING" | "SUBSTR" => Substring,
        "TO_CHAR" => ToChar,
        "TRANSLATE" => Translate,
        "SPLIT" => Split,
        "DES_ENCRYPT" => DesEncrypt,
        "DES_DECRYPT" => DesDecrypt,
        _ => return None,
    })
}

pub fn bind(f: StringFn, name: &str, args: &[Expr]) -> Result<(DataType, Prep), SqlError> {
    use Arg::*;
    use StringFn::*;
    let check = |min, max, kinds: &[Arg]| check_args(name, args, min, max, kinds);
    let mut prep = Prep::None;
    let ty = match f {
        Ascii => {
            check(1, Some(1), &[Str])?;
            DataType::Int
        }
        BitLength | OctetLength => {
            check(1, Some(1), &[Any])?;
            DataType::BigInt
        }
        CharLength => {
            check(1, Some(1), &[Str])?;
            DataType::BigInt
        }
        Chr => {
            check(1, Some(1), &[Num])?;
            DataType::String
        }
        Concat => {
            check(1, None, &[Any])?;
            DataType::String
        }
        ConcatWs => {
            check(2, None, &[Str, Any])?;
            DataType::String
        }
        HexToRaw | Lower | Upper | Soundex => {
            check(1, Some(1), &[Str])?;
            DataType::String
        }
        RawToHex => {
            check(1, Some(1), &[Any])?;
            DataType::String
        }
        Insert => {
            check(4, Some(4), &[Str, Num, Num, Str])?;
            DataType::String
        }
        Left | Right | Repeat => {
            check(2, Some(2), &[Str, Num])?;
            DataType::String
        }
        Locate => {
            check(2, Some(3), &[Str, Str, Num])?;
            DataType::Int
        }
        Instr => {
            check(2, Some(3), &[Str, Str, Num])?;
            DataType::Int
        }
        Position => {
            check(2, Some(2), &[Str, Str])?;
            DataType::Int
        }
        Lpad | Rpad => {
            check(2, Some(3), &[Str, Num, Str])?;
            DataType::String
        }
        Ltrim | Rtrim | Trim => {
            check(1, Some(2), &[Str, Str])?;
            DataType::String
        }
        RegexpReplace => {
            check(3, Some(4), &[Str, Str, Str, Str])?;
            prep = literal_regex(name, args, 1, Some(3))?;
            if let Some(r) = literal_str(args, 2) {
                java_replacement(r).map_err(SqlError::Invalid)?;
            }
            DataType::String
        }
        RegexpLike => {
            check(2, Some(3), &[Str, Str, Str])?;
            prep = literal_regex(name, args, 1, Some(2))?;
            DataType::Boolean
        }
        RegexpSubstr => {
            check(2, Some(6), &[Str, Str, Num, Num, Str, Num])?;
            prep = literal_regex(name, args, 1, Some(4))?;
            DataType::String
        }
        Replace => {
            check(2, Some(3), &[Str, Str, Str])?;
            DataType::String
        }
        Space => {
            check(1, Some(1), &[Num])?;
            DataType::String
        }
        Substring => {
            check(2, Some(3), &[Any, Num, Num])?;
            DataType::String
        }
        ToChar => {
            check(1, Some(2), &[Any, Str])?;
            if let Some(p) = literal_str(args, 1) {
                prep = Prep::Pattern(JavaPattern::compile(p).map_err(SqlError::Invalid)?);
            }
            DataType::String
        }
        Translate => {
            check(3, Some(3), &[Str, Str, Str])?;
            DataType::String
        }
        Split => {
            check(2, Some(2), &[Str, Str])?;
            prep = literal_regex(name, args, 1, None)?;
            DataType::Array(Box::new(DataType::String))
        }
        DesEncrypt | DesDecrypt => {
            check(2, Some(2), &[Str, Str])?;
            DataType::String
        }
    };
    Ok((ty, prep))
}

/// Compiles a literal regex (with literal flags) once; dynamic ones compile per row.
fn literal_regex(
    name: &str,
    args: &[Expr],
    re: usize,
    flags: Option<usize>,
) -> Result<Prep, SqlError> {
    let Some(pattern) = literal_str(args, re) else {
        return Ok(Prep::None);
    };
    let flags_arg = flags.and_then(|i| args.get(i));
    let flags = match flags_arg {
        None => None,
        Some(e) => match e.as_literal() {
            Some(Value::String(s)) => Some(s.as_str()),
            Some(Value::Null) => None,
            _ => return Ok(Prep::None),
        },
    };
    build_regex(name, pattern, flags)
        .map(Prep::Regex)
        .map_err(SqlError::Invalid)
}

/// Java's regex flags: `i` ignore case, `c` respect case, `n` dot matches newline, `m` multiline.
fn build_regex(name: &str, pattern: &str, flags: Option<&str>) -> Result<Regex, String> {
    let mut b = RegexBuilder::new(pattern);
    for c in flags.unwrap_or("").chars() {
        match c {
            'i' => b.case_insensitive(true),
            'c' => b.case_insensitive(false),
            'n' => b.dot_matches_new_line(true),
            'm' => b.multi_line(true),
            other => return Err(format!("{name} flag '{other}' is not one of i, c, n, m")),
        };
    }
    b.build()
        .map_err(|e| format!("{name} pattern '{pattern}': {e}"))
}

fn regex_for<'a>(
    call: &'a Call,
    row: Row<'a>,
    re: usize,
    flags: Option<usize>,
) -> Result<Option<Cow<'a, Regex>>, EvalError> {
    if let Prep::Regex(r) = &call.prep {
        return Ok(Some(Cow::Borrowed(r)));
    }
    let Some(pattern) = call.str_arg(re, row)? else {
        return Ok(None);
    };
    let flags = match flags {
        Some(i) => call.str_arg(i, row)?,
        None => None,
    };
    build_regex(&call.name, &pattern, flags.as_deref())
        .map(|r| Some(Cow::Owned(r)))
        .map_err(EvalError::IllegalArgument)
}

/// Rewrites a Java replacement (`$1`, `${name}`, `\$`) into the regex crate's syntax.
fn java_replacement(r: &str) -> Result<String, String> {
    let mut out = String::with_capacity(r.len());
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => return Err(format!("replacement '{r}' ends with a lone backslash")),
            },
            '$' => match chars.peek() {
                Some('{') => {
                    out.push('$');
                    for c in chars.by_ref() {
                        out.push(c);
                        if c == '}' {
                            break;
                        }
                    }
                }
                Some(d) if d.is_ascii_digit() => {
                    out.push_str("${");
                    while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                        out.push(*d);
                        chars.next();
                    }
                    out.push('}');
                }
                _ => return Err(format!("replacement '{r}' has an illegal group reference")),
            },
            other => out.push(other),
        }
    }
    Ok(out)
}

fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Byte offset of character `i` (clamped to the end).
fn byte_at(s: &str, i: usize) -> usize {
    if s.is_ascii() {
        i.min(s.len())
    } else {
        s.char_indices().nth(i).map_or(s.len(), |(b, _)| b)
    }
}

/// Characters `start..end` of `s`.
fn chars(s: &str, start: usize, end: usize) -> &str {
    let b = byte_at(s, start);
    &s[b..byte_at(s, end.max(start))]
}

fn char_index(s: &str, byte: usize) -> usize {
    if s.is_ascii() {
        byte
    } else {
        s[..byte].chars().count()
    }
}

/// Java's `indexOf`/`lastIndexOf`-based LOCATE: 1-based, 0 when absent, a negative start
/// searches backwards from the end.
fn locate(search: &str, s: &str, start: i32) -> i32 {
    let len = char_len(s) as i64;
    let found = if start < 0 {
        let from = len + start as i64;
        if from < 0 {
            None
        } else {
            let limit = byte_at(s, from as usize) + search.len();
            s[..limit.min(s.len())].rfind(search)
        }
    } else {
        let from = byte_at(s, if start == 0 { 0 } else { start as usize - 1 });
        s[from..].find(search).map(|b| b + from)
    };
    found.map_or(0, |b| char_index(s, b) as i32 + 1)
}

fn pad(s: &str, n: i32, padding: Option<&str>, right: bool) -> String {
    let n = n.max(0) as usize;
    let len = char_len(s);
    if n <= len {
        return chars(s, 0, n).to_string();
    }
    let p = padding.and_then(|p| p.chars().next()).unwrap_or(' ');
    let fill: String = std::iter::repeat_n(p, n - len).collect();
    if right {
        format!("{s}{fill}")
    } else {
        format!("{fill}{s}")
    }
}

/// Trims only the first character of `sp` (a space by default), as SeaTunnel does.
fn trim<'s>(s: &'s str, sp: Option<&str>, leading: bool, trailing: bool) -> &'s str {
    let c = sp.and_then(|p| p.chars().next()).unwrap_or(' ');
    let mut r = s;
    if leading {
        r = r.trim_start_matches(c);
    }
    if trailing {
        r = r.trim_end_matches(c);
    }
    r
}

fn soundex(s: &str) -> String {
    let mut code = [b'0'; 4];
    let mut last = b'0';
    let mut j = 0;
    for c in s.chars() {
        if j == 4 {
            break;
        }
        if !('A'..='z').contains(&c) {
            continue;
        }
        let digit = SOUNDEX_INDEX[(c as u8 - b'A') as usize];
        if digit == 0 {
            continue;
        }
        if j == 0 {
            code[0] = c as u8 & 0xdf;
            j = 1;
            last = digit;
        } else if digit <= b'6' {
            if digit != last {
                code[j] = digit;
                j += 1;
                last = digit;
            }
        } else if digit == b'7' {
            last = digit;
        }
    }
    String::from_utf8_lossy(&code).into_owned()
}

/// SUBSTRING's text of a value: dates and timestamps use SeaTunnel's `yyyy-MM-dd[ HH:mm:ss]`.
fn substring_source<'a>(v: &'a Scalar<'a>) -> Cow<'a, str> {
    match v {
        Scalar::Timestamp(ts) => Cow::Owned(ts.format("%Y-%m-%d %H:%M:%S").to_string()),
        Scalar::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
        other => other.rendered(),
    }
}

fn substring(s: &str, start: i32, length: Option<i32>) -> Option<String> {
    let sl = char_len(s) as i64;
    let mut start = start as i64;
    if start == 0 {
        start = 1;
    } else if start < 0 {
        start += sl + 1;
    }
    let end = match length {
        None => (sl + 1).max(start),
        Some(l) => start + l as i64,
    };
    let start = start.max(1);
    let end = end.min(sl + 1);
    if start > sl || end <= start {
        return None;
    }
    Some(chars(s, start as usize - 1, end as usize - 1).to_string())
}

fn translate(s: &str, from: &str, to: Option<&str>) -> String {
    let to: Vec<char> = to.map(|t| t.chars().collect()).unwrap_or_default();
    s.chars()
        .map(|c| match from.chars().position(|f| f == c) {
            Some(i) if i < to.len() => to[i],
            _ => c,
        })
        .collect()
}

/// Java's `String.split(regex)`: trailing empty strings are dropped.
fn split(s: &str, re: &Regex) -> Vec<Value> {
    let mut parts: Vec<&str> = Vec::new();
    let mut last = 0;
    for m in re.find_iter(s) {
        if m.end() == 0 {
            continue;
        }
        parts.push(&s[last..m.start()]);
        last = m.end();
    }
    parts.push(&s[last..]);
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    parts
        .into_iter()
        .map(|p| Value::String(p.to_string()))
        .collect()
}

fn hex_to_raw(s: &str) -> Result<String, EvalError> {
    if s.len() % 4 != 0 {
        return Err(EvalError::IllegalArgument(format!(
            "argument '{s}' of HEXTORAW must have a multiple of 4 hex digits"
        )));
    }
    let mut units = Vec::with_capacity(s.len() / 4);
    for i in (0..s.len()).step_by(4) {
        let part = s.get(i..i + 4).unwrap_or("");
        let unit = u16::from_str_radix(part, 16).map_err(|_| {
            EvalError::NumberFormat(format!("For input string: \"{part}\" under radix 16"))
        })?;
        units.push(unit);
    }
    Ok(String::from_utf16_lossy(&units))
}

fn raw_to_hex(v: &Scalar<'_>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    match v {
        Scalar::Bytes(b) => {
            for byte in b.iter() {
                let _ = write!(out, "{byte:02x}");
            }
        }
        other => {
            for unit in other.rendered().encode_utf16() {
                let _ = write!(out, "{unit:04x}");
            }
        }
    }
    out
}

pub fn eval<'a>(f: StringFn, call: &'a Call, row: Row<'a>) -> Result<Scalar<'a>, EvalError> {
    use StringFn::*;
    let s0 = || call.str_arg(0, row);
    Ok(match f {
        Ascii => or_null(
            s0()?
                .and_then(|s| s.encode_utf16().next())
                .map(|u| Scalar::Int(u as i32)),
        ),
        BitLength | OctetLength => {
            let bits = if f == BitLength { 8 } else { 1 };
            match call.arg(0, row)? {
                Scalar::Null => Scalar::Null,
                Scalar::Bytes(b) => Scalar::BigInt(b.len() as i64 * bits),
                other => Scalar::BigInt(other.rendered().len() as i64 * bits),
            }
        }
        CharLength => or_null(s0()?.map(|s| Scalar::BigInt(s.encode_utf16().count() as i64))),
        Chr => or_null(call.int_arg(0, row)?.map(|n| {
            text(
                char::from_u32(n as u16 as u32)
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
                    .to_string(),
            )
        })),
        Concat => {
            let mut out = String::new();
            for i in 0..call.args.len() {
                let v = call.arg(i, row)?;
                if !v.is_null() {
                    v.render(&mut out);
                }
            }
            text(out)
        }
        ConcatWs => {
            let sep = s0()?;
            let mut out = String::new();
            let mut first = true;
            for i in 1..call.args.len() {
                let v = call.arg(i, row)?;
                if v.is_null() {
                    continue;
                }
                if let Some(sep) = &sep {
                    if !first {
                        out.push_str(sep);
                    }
                    first = false;
                }
                match &v {
                    Scalar::Nested(n) => match n.as_ref() {
                        Value::Array(items) => {
                            let parts: Vec<String> = items
                                .iter()
                                .filter(|v| !v.is_null())
                                .map(|v| v.to_string())
                                .collect();
                            out.push_str(&parts.join(sep.as_deref().unwrap_or("")));
                        }
                        other => out.push_str(&other.to_string()),
                    },
                    other => other.render(&mut out),
                }
            }
            text(out)
        }
        HexToRaw => match s0()? {
            Some(s) => text(hex_to_raw(&s)?),
            None => Scalar::Null,
        },
        RawToHex => match call.arg(0, row)? {
            Scalar::Null => Scalar::Null,
            v => text(raw_to_hex(&v)),
        },
        Insert => {
            let (s1, s2) = (s0()?, call.str_arg(3, row)?);
            let (Some(start), Some(length)) = (call.int_arg(1, row)?, call.int_arg(2, row)?) else {
                return Ok(Scalar::Null);
            };
            match (s1, s2) {
                (None, s2) => or_null(s2.map(Scalar::Str)),
                (Some(s1), None) => Scalar::Str(s1),
                (Some(s1), Some(s2)) => {
                    let len1 = char_len(&s1) as i64;
                    let start = start as i64 - 1;
                    if start < 0 || length <= 0 || s2.is_empty() || start > len1 {
                        Scalar::Str(s1)
                    } else {
                        let end = (start + length as i64).min(len1);
                        let head = chars(&s1, 0, start as usize);
                        let tail = chars(&s1, end as usize, len1 as usize);
                        text(format!("{head}{s2}{tail}"))
                    }
                }
            }
        }
        Lower => or_null(s0()?.map(|s| text(s.to_lowercase()))),
        Upper => or_null(s0()?.map(|s| text(s.to_uppercase()))),
        Left | Right => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            let count = call.int_arg(1, row)?.unwrap_or(0);
            let len = char_len(&s);
            if count < 0 {
                text(String::new())
            } else {
                let n = (count as usize).min(len);
                let (a, b) = if f == Left { (0, n) } else { (len - n, len) };
                text(chars(&s, a, b).to_string())
            }
        }
        Locate | Position => {
            let (search, s) = (s0()?, call.str_arg(1, row)?);
            let start = if f == Locate {
                call.int_arg(2, row)?.unwrap_or(1)
            } else {
                1
            };
            match (search, s) {
                (_, None) | (None, _) => Scalar::Int(0),
                (Some(search), Some(s)) => Scalar::Int(locate(&search, &s, start)),
            }
        }
        Instr => {
            let (s, search) = (s0()?, call.str_arg(1, row)?);
            let start = call.int_arg(2, row)?.unwrap_or(1);
            match (s, search) {
                (None, _) | (_, None) => Scalar::Int(0),
                (Some(s), Some(search)) => Scalar::Int(locate(&search, &s, start)),
            }
        }
        Lpad | Rpad => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            let n = call.int_arg(1, row)?.unwrap_or(0);
            let padding = call.str_arg(2, row)?;
            text(pad(&s, n, padding.as_deref(), f == Rpad))
        }
        Ltrim | Rtrim | Trim => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            let sp = call.str_arg(1, row)?;
            let (leading, trailing) = (f != Rtrim, f != Ltrim);
            match s {
                Cow::Borrowed(b) => {
                    Scalar::Str(Cow::Borrowed(trim(b, sp.as_deref(), leading, trailing)))
                }
                Cow::Owned(o) => text(trim(&o, sp.as_deref(), leading, trailing).to_string()),
            }
        }
        RegexpReplace => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            let (Some(re), Some(rep)) = (regex_for(call, row, 1, Some(3))?, call.str_arg(2, row)?)
            else {
                return Ok(Scalar::Null);
            };
            let rep = java_replacement(&rep).map_err(EvalError::IllegalArgument)?;
            text(re.replace_all(&s, rep.as_str()).into_owned())
        }
        RegexpLike => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            match regex_for(call, row, 1, Some(2))? {
                Some(re) => Scalar::Bool(re.is_match(&s)),
                None => Scalar::Null,
            }
        }
        RegexpSubstr => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            let Some(re) = regex_for(call, row, 1, Some(4))? else {
                return Ok(Scalar::Null);
            };
            let position = call.int_arg(2, row)?.unwrap_or(1).max(1) as usize - 1;
            let occurrence = call.int_arg(3, row)?.unwrap_or(1).max(1) as usize;
            let group = call.int_arg(5, row)?.unwrap_or(0).max(0) as usize;
            let start = byte_at(&s, position);
            let found = re.captures_iter(&s[start..]).nth(occurrence - 1);
            let matched = match found {
                None => None,
                Some(caps) if group >= caps.len() => {
                    return Err(EvalError::IndexOutOfBounds(format!("No group {group}")))
                }
                Some(caps) => caps.get(group).map(|m| m.as_str().to_string()),
            };
            or_null(matched.map(text))
        }
        Repeat => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            let n = call.int_arg(1, row)?.unwrap_or(0).max(0) as usize;
            text(s.repeat(n))
        }
        Replace => {
            let (Some(s), Some(search)) = (s0()?, call.str_arg(1, row)?) else {
                return Ok(Scalar::Null);
            };
            let rep = call.str_arg(2, row)?;
            if search.is_empty() {
                Scalar::Str(s)
            } else {
                text(s.replace(search.as_ref(), rep.as_deref().unwrap_or("")))
            }
        }
        Soundex => or_null(s0()?.map(|s| text(soundex(&s)))),
        Space => or_null(
            call.int_arg(0, row)?
                .map(|n| text(" ".repeat(n.max(0) as usize))),
        ),
        Substring => {
            let v = call.arg(0, row)?;
            let Some(start) = call.int_arg(1, row)? else {
                return Ok(Scalar::Null);
            };
            if v.is_null() {
                return Ok(Scalar::Null);
            }
            let length = if call.args.len() > 2 {
                call.int_arg(2, row)?
            } else {
                None
            };
            let source = substring_source(&v);
            or_null(substring(&source, start, length).map(text))
        }
        ToChar => {
            let v = call.arg(0, row)?;
            let (date, time) = match &v {
                Scalar::Null => return Ok(Scalar::Null),
                Scalar::Timestamp(ts) => (Some(ts.date()), Some(ts.time())),
                Scalar::Date(d) => (Some(*d), None),
                Scalar::Time(t) => (None, Some(*t)),
                other => return Ok(text(other.rendered().into_owned())),
            };
            match &call.prep {
                Prep::Pattern(p) => text(format_parts(p, date, time)?),
                _ => match call.str_arg(1, row)? {
                    Some(p) => {
                        let p = JavaPattern::compile(&p).map_err(EvalError::IllegalArgument)?;
                        text(format_parts(&p, date, time)?)
                    }
                    None => text(v.rendered().into_owned()),
                },
            }
        }
        Translate => {
            let Some(s) = s0()? else {
                return Ok(Scalar::Null);
            };
            let Some(from) = call.str_arg(1, row)? else {
                return Ok(Scalar::Str(s));
            };
            let to = call.str_arg(2, row)?;
            text(translate(&s, &from, to.as_deref()))
        }
        Split => {
            let s = s0()?;
            let Some(s) = s.filter(|s| !s.is_empty()) else {
                return Ok(Scalar::Null);
            };
            let Some(re) = regex_for(call, row, 1, None)? else {
                return Ok(Scalar::Null);
            };
            Scalar::Nested(Cow::Owned(Value::Array(split(&s, &re))))
        }
        DesEncrypt | DesDecrypt => {
            let (Some(key), Some(data)) = (s0()?, call.str_arg(1, row)?) else {
                return Ok(Scalar::Null);
            };
            text(if f == DesEncrypt {
                crypto::encrypt(&key, &data)?
            } else {
                crypto::decrypt(&key, &data)?
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_matches_seatunnel() {
        assert_eq!(soundex("Joy Ding"), "J352");
        assert_eq!(soundex("Robert"), "R163");
        assert_eq!(soundex(""), "0000");
    }

    #[test]
    fn locate_is_one_based_and_searches_backwards_for_negative_starts() {
        assert_eq!(locate(".", "a.b.c", 1), 2);
        assert_eq!(locate(".", "a.b.c", 3), 4);
        assert_eq!(locate(".", "a.b.c", -1), 4);
        assert_eq!(locate("x", "a.b.c", 1), 0);
    }

    #[test]
    fn substring_follows_h2_rules() {
        assert_eq!(substring("Joy Ding", 1, Some(3)).as_deref(), Some("Joy"));
        assert_eq!(substring("[Hello]", 2, None).as_deref(), Some("Hello]"));
        assert_eq!(substring("hour", 3, Some(2)).as_deref(), Some("ur"));
        assert_eq!(substring("hour", -2, None).as_deref(), Some("ur"));
        assert_eq!(substring("hour", 9, None), None);
    }

    #[test]
    fn padding_and_trimming_use_one_character() {
        assert_eq!(pad("Joy Ding", 10, Some("*"), false), "**Joy Ding");
        assert_eq!(pad("Joy Ding", 10, Some("*-"), true), "Joy Ding**");
        assert_eq!(pad("Joy Ding", 3, None, true), "Joy");
        assert_eq!(trim("*Joy*", Some("*"), true, false), "Joy*");
        assert_eq!(trim("  x  ", None, true, true), "x");
    }

    #[test]
    fn java_replacements_translate() {
        assert_eq!(java_replacement("W").unwrap(), "W");
        assert_eq!(java_replacement("$1-${name}").unwrap(), "${1}-${name}");
        assert_eq!(java_replacement("\\$").unwrap(), "$$");
        assert!(java_replacement("$x").is_err());
    }

    #[test]
    fn hex_conversions_use_utf16_units() {
        assert_eq!(hex_to_raw("0037").unwrap(), "7");
        assert!(hex_to_raw("037").is_err());
        assert_eq!(raw_to_hex(&Scalar::Str("7".into())), "0037");
        assert_eq!(raw_to_hex(&Scalar::Bytes(Cow::Owned(vec![1, 255]))), "01ff");
    }

    #[test]
    fn split_drops_trailing_empty_parts() {
        let re = Regex::new(";").unwrap();
        assert_eq!(
            split("a;b;;", &re),
            vec![Value::String("a".into()), Value::String("b".into())]
        );
        assert_eq!(split(";a", &re).len(), 2);
    }

    #[test]
    fn translate_keeps_characters_without_replacement() {
        assert_eq!(translate("Joy Ding", "ing", Some("ING")), "Joy DING");
        assert_eq!(translate("abc", "abc", Some("x")), "xbc");
    }
}
