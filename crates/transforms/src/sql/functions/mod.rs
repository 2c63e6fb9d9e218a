//! SeaTunnel's SQL function library, by family. Each family maps names to its function enum,
//! checks arguments and fixes the result type at bind time (precompiling literal regexes, date
//! patterns and units), and evaluates per row.

mod calendar;
mod crypto;
pub mod datetime;
mod numeric;
mod string;
mod system;
mod text;

use std::borrow::Cow;

use seatunnel_data::DataType;

use super::error::{EvalError, SqlError};
use super::expr::{Expr, Kind, Row};
use super::scalar::Scalar;
use super::types::{family, Family};
use seatunnel_data::java::time_pattern::{Resolve, TimePattern};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    String(string::StringFn),
    Numeric(numeric::NumericFn),
    DateTime(datetime::DateTimeFn),
    System(system::SystemFn),
}

/// What a function prepared at bind time from its literal arguments.
#[derive(Debug, Default)]
pub enum Prep {
    #[default]
    None,
    Regex(regex::Regex),
    Pattern(TimePattern),
    /// A date pattern and the kind of value it parses to.
    Parse(TimePattern, Resolve),
    Unit(datetime::Unit),
    Extract(datetime::Field),
    /// ARRAY's element type.
    Element(DataType),
    /// FROM_UNIXTIME's pattern and zone.
    PatternZone(TimePattern, datetime::Zone),
}

#[derive(Debug)]
pub struct Call {
    /// The upper-cased name as written, for messages.
    pub name: String,
    pub func: Func,
    pub args: Vec<Expr>,
    pub prep: Prep,
}

/// What an argument must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    Str,
    Num,
    /// A date, time or timestamp.
    Temporal,
    /// A date or timestamp.
    DateLike,
    /// A time or timestamp.
    TimeLike,
    Array,
    Any,
}

impl Arg {
    fn accepts(self, ty: &DataType) -> bool {
        let f = family(ty);
        f == Family::Null
            || match self {
                Arg::Str => f == Family::String,
                Arg::Num => f == Family::Number,
                Arg::Temporal => matches!(f, Family::Date | Family::Time | Family::Timestamp),
                Arg::DateLike => matches!(f, Family::Date | Family::Timestamp),
                Arg::TimeLike => matches!(f, Family::Time | Family::Timestamp),
                Arg::Array => matches!(ty, DataType::Array(_)),
                Arg::Any => true,
            }
    }

    fn describe(self) -> &'static str {
        match self {
            Arg::Str => "a STRING",
            Arg::Num => "a number",
            Arg::Temporal => "a DATE, TIME or TIMESTAMP",
            Arg::DateLike => "a DATE or TIMESTAMP",
            Arg::TimeLike => "a TIME or TIMESTAMP",
            Arg::Array => "an ARRAY",
            Arg::Any => "a value",
        }
    }
}

/// Checks the argument count and kinds; `kinds[i]` applies to argument `i`, the last kind to
/// any further (variadic) arguments.
pub fn check_args(
    name: &str,
    args: &[Expr],
    min: usize,
    max: Option<usize>,
    kinds: &[Arg],
) -> Result<(), SqlError> {
    if args.len() < min || max.is_some_and(|m| args.len() > m) {
        let expected = match max {
            Some(m) if m == min => min.to_string(),
            Some(m) => format!("{min} to {m}"),
            None => format!("at least {min}"),
        };
        return Err(SqlError::Arity {
            func: name.to_string(),
            expected,
            got: args.len(),
        });
    }
    for (i, a) in args.iter().enumerate() {
        let Some(kind) = kinds.get(i).or(kinds.last()) else {
            continue;
        };
        if !kind.accepts(&a.ty) {
            return Err(SqlError::ArgType {
                func: name.to_string(),
                index: i + 1,
                expected: kind.describe(),
                got: a.ty.to_string(),
            });
        }
    }
    Ok(())
}

/// The literal string of argument `i`, when it is one.
pub fn literal_str(args: &[Expr], i: usize) -> Option<&str> {
    match args.get(i)?.as_literal()? {
        seatunnel_data::Value::String(s) => Some(s),
        _ => None,
    }
}

/// Resolves a function call by name: `not supported: function X` when no family knows it.
pub fn resolve(name: &str, args: Vec<Expr>) -> Result<Expr, SqlError> {
    let upper = name.to_ascii_uppercase();
    let func = string::lookup(&upper)
        .map(Func::String)
        .or_else(|| numeric::lookup(&upper).map(Func::Numeric))
        .or_else(|| datetime::lookup(&upper).map(Func::DateTime))
        .or_else(|| system::lookup(&upper).map(Func::System))
        .ok_or_else(|| SqlError::NotSupported(format!("function {upper}")))?;
    let (ty, prep) = match func {
        Func::String(f) => string::bind(f, &upper, &args)?,
        Func::Numeric(f) => numeric::bind(f, &upper, &args)?,
        Func::DateTime(f) => datetime::bind(f, &upper, &args)?,
        Func::System(f) => system::bind(f, &upper, &args)?,
    };
    Ok(Expr::new(
        Kind::Call(Box::new(Call {
            name: upper,
            func,
            args,
            prep,
        })),
        ty,
    ))
}

pub fn eval<'a>(call: &'a Call, row: Row<'a>) -> Result<Scalar<'a>, EvalError> {
    match call.func {
        Func::String(f) => string::eval(f, call, row),
        Func::Numeric(f) => numeric::eval(f, call, row),
        Func::DateTime(f) => datetime::eval(f, call, row),
        Func::System(f) => system::eval(f, call, row),
    }
}

impl Call {
    /// Argument `i`, or NULL when the call has fewer arguments.
    pub fn arg<'a>(&'a self, i: usize, row: Row<'a>) -> Result<Scalar<'a>, EvalError> {
        match self.args.get(i) {
            Some(e) => e.eval(row),
            None => Ok(Scalar::Null),
        }
    }

    /// A string argument (bind checked the type); `None` for NULL or a missing argument.
    pub fn str_arg<'a>(
        &'a self,
        i: usize,
        row: Row<'a>,
    ) -> Result<Option<Cow<'a, str>>, EvalError> {
        Ok(match self.arg(i, row)? {
            Scalar::Null => None,
            Scalar::Str(s) => Some(s),
            other => Some(Cow::Owned(other.rendered().into_owned())),
        })
    }

    /// A number argument as Java's `intValue()`.
    pub fn int_arg(&self, i: usize, row: Row<'_>) -> Result<Option<i32>, EvalError> {
        Ok(self.arg(i, row)?.as_i32())
    }

    pub fn i64_arg(&self, i: usize, row: Row<'_>) -> Result<Option<i64>, EvalError> {
        Ok(self.arg(i, row)?.as_i64())
    }

    pub fn f64_arg(&self, i: usize, row: Row<'_>) -> Result<Option<f64>, EvalError> {
        Ok(self.arg(i, row)?.as_f64())
    }
}

/// An owned string result.
pub fn text<'a>(s: String) -> Scalar<'a> {
    Scalar::Str(Cow::Owned(s))
}

/// Wraps an optional result: `None` is SQL NULL.
pub fn or_null<'a>(v: Option<Scalar<'a>>) -> Scalar<'a> {
    v.unwrap_or(Scalar::Null)
}
