//! String functions (`StringFunction` in SeaTunnel). Positions and lengths count characters;
//! NULL handling follows SeaTunnel function by function (CONCAT skips NULLs, LOCATE of a NULL
//! string is 0, most others return NULL).

use std::borrow::Cow;

use crate::sql::error::{EvalError, SqlError};
use crate::sql::expr::{Expr, Row};
use crate::sql::scalar::Scalar;
use seatunnel_data::java::time_pattern::{Parts, TimePattern};
use seatunnel_data::{DataType, Value};

use super::text::{
    byte_at, char_len, chars, hex_to_raw, java_replacement, literal_regex, locate, pad, raw_to_hex,
    regex_for, soundex, split, substring, substring_source, translate, trim,
};
use super::{check_args, crypto, literal_str, or_null, text, Arg, Call, Prep};

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
                prep = Prep::Pattern(TimePattern::compile(p).map_err(SqlError::Invalid)?);
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
                Prep::Pattern(p) => text(p.format_string(Parts { date, time })?),
                _ => match call.str_arg(1, row)? {
                    Some(p) => {
                        let p = TimePattern::compile(&p).map_err(EvalError::IllegalArgument)?;
                        text(p.format_string(Parts { date, time })?)
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
