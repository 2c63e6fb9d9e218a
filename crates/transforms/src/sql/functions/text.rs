//! Text helpers behind the string functions: character-indexed slicing, SeaTunnel's LOCATE,
//! padding, trimming, SOUNDEX and SUBSTRING rules, and Java-compatible regular expressions
//! (flags, `$n` replacements, `String.split`).

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};

use crate::sql::error::{EvalError, SqlError};
use crate::sql::expr::{Expr, Row};
use crate::sql::scalar::Scalar;
use seatunnel_data::Value;

use super::{literal_str, Call, Prep};

/// SeaTunnel's soundex codes for `A..=z` (the six characters between `Z` and `a` code 0).
const SOUNDEX_INDEX: &[u8; 58] =
    b"71237128722455712623718272\x00\x00\x00\x00\x00\x0071237128722455712623718272";

/// Compiles a literal regex (with literal flags) once; dynamic ones compile per row.
pub fn literal_regex(
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
pub fn build_regex(name: &str, pattern: &str, flags: Option<&str>) -> Result<Regex, String> {
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

pub fn regex_for<'a>(
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
pub fn java_replacement(r: &str) -> Result<String, String> {
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

pub fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Byte offset of character `i` (clamped to the end).
pub fn byte_at(s: &str, i: usize) -> usize {
    if s.is_ascii() {
        i.min(s.len())
    } else {
        s.char_indices().nth(i).map_or(s.len(), |(b, _)| b)
    }
}

/// Characters `start..end` of `s`.
pub fn chars(s: &str, start: usize, end: usize) -> &str {
    let b = byte_at(s, start);
    &s[b..byte_at(s, end.max(start))]
}

pub fn char_index(s: &str, byte: usize) -> usize {
    if s.is_ascii() {
        byte
    } else {
        s[..byte].chars().count()
    }
}

/// Java's `indexOf`/`lastIndexOf`-based LOCATE: 1-based, 0 when absent, a negative start
/// searches backwards from the end.
pub fn locate(search: &str, s: &str, start: i32) -> i32 {
    let len = char_len(s) as i64;
    let found = if start < 0 {
        let from = len + start as i64;
        if from < 0 {
            None
        } else {
            // Java's lastIndexOf: the last occurrence starting at or before `from`.
            let last_start = byte_at(s, from as usize);
            (0..=last_start)
                .rev()
                .filter(|b| s.is_char_boundary(*b))
                .find(|b| s[*b..].starts_with(search))
        }
    } else {
        let from = byte_at(s, if start == 0 { 0 } else { start as usize - 1 });
        s[from..].find(search).map(|b| b + from)
    };
    found.map_or(0, |b| char_index(s, b) as i32 + 1)
}

pub fn pad(s: &str, n: i32, padding: Option<&str>, right: bool) -> String {
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
pub fn trim<'s>(s: &'s str, sp: Option<&str>, leading: bool, trailing: bool) -> &'s str {
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

pub fn soundex(s: &str) -> String {
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
pub fn substring_source<'a>(v: &'a Scalar<'a>) -> Cow<'a, str> {
    match v {
        Scalar::Timestamp(ts) => Cow::Owned(ts.format("%Y-%m-%d %H:%M:%S").to_string()),
        Scalar::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
        other => other.rendered(),
    }
}

pub fn substring(s: &str, start: i32, length: Option<i32>) -> Option<String> {
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

pub fn translate(s: &str, from: &str, to: Option<&str>) -> String {
    let to: Vec<char> = to.map(|t| t.chars().collect()).unwrap_or_default();
    s.chars()
        .map(|c| match from.chars().position(|f| f == c) {
            Some(i) if i < to.len() => to[i],
            _ => c,
        })
        .collect()
}

/// Java's `String.split(regex)`: trailing empty strings are dropped.
pub fn split(s: &str, re: &Regex) -> Vec<Value> {
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

pub fn hex_to_raw(s: &str) -> Result<String, EvalError> {
    if !s.len().is_multiple_of(4) {
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

pub fn raw_to_hex(v: &Scalar<'_>) -> String {
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
        assert_eq!(locate("aa", "aaa", -1), 2, "overlapping matches count");
        assert_eq!(locate("本", "日本語", -1), 2);
        assert_eq!(locate("a", "日本", -1), 0);
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
