//! System functions (`SystemFunction` in SeaTunnel): NULL handling, conditional values, UUIDs
//! and array construction. CAST and TRY_CAST are compiled by the planner.

use std::borrow::Cow;

use crate::sql::error::{EvalError, SqlError};
use crate::sql::expr::{Expr, Row};
use crate::sql::scalar::Scalar;
use crate::sql::types::{common, family, Family};
use seatunnel_data::{DataType, Value};

use super::{check_args, text, Arg, Call, Prep};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemFn {
    Coalesce,
    IfNull,
    NullIf,
    MultiIf,
    Uuid,
    Array,
}

pub fn lookup(name: &str) -> Option<SystemFn> {
    Some(match name {
        "COALESCE" => SystemFn::Coalesce,
        "IFNULL" => SystemFn::IfNull,
        "NULLIF" => SystemFn::NullIf,
        "MULTI_IF" => SystemFn::MultiIf,
        "UUID" => SystemFn::Uuid,
        "ARRAY" => SystemFn::Array,
        _ => return None,
    })
}

/// Whether a value of type `from` can stand in a column of type `to` (numbers convert, anything
/// renders as a string).
fn fits(from: &DataType, to: &DataType) -> bool {
    *to == DataType::String || common(from, to).is_some()
}

fn mixing(name: &str, a: &DataType, b: &DataType) -> SqlError {
    SqlError::NotSupported(format!("{name} mixing {a} and {b}"))
}

pub fn bind(f: SystemFn, name: &str, args: &[Expr]) -> Result<(DataType, Prep), SqlError> {
    let ty = match f {
        SystemFn::Coalesce | SystemFn::IfNull => {
            let max = (f == SystemFn::IfNull).then_some(2);
            check_args(
                name,
                args,
                if max.is_some() { 2 } else { 1 },
                max,
                &[Arg::Any],
            )?;
            // SeaTunnel types the result by the first argument; a NULL literal defers to the next.
            let ty = args
                .iter()
                .map(|a| &a.ty)
                .find(|t| **t != DataType::Null)
                .cloned()
                .unwrap_or(DataType::Null);
            if let Some(bad) = args.iter().find(|a| !fits(&a.ty, &ty)) {
                return Err(mixing(name, &ty, &bad.ty));
            }
            ty
        }
        SystemFn::NullIf => {
            check_args(name, args, 2, Some(2), &[Arg::Any])?;
            args[0].ty.clone()
        }
        SystemFn::MultiIf => {
            check_args(name, args, 3, None, &[Arg::Any])?;
            if args.len().is_multiple_of(2) {
                return Err(SqlError::Arity {
                    func: name.to_string(),
                    expected: "an odd number (condition, value pairs and a default) of".into(),
                    got: args.len(),
                });
            }
            let mut ty = DataType::Null;
            for (i, a) in args.iter().enumerate() {
                let is_condition = i % 2 == 0 && i + 1 < args.len();
                if is_condition {
                    if !matches!(a.ty, DataType::Boolean | DataType::Null) {
                        return Err(SqlError::ArgType {
                            func: name.to_string(),
                            index: i + 1,
                            expected: "a BOOLEAN condition",
                            got: a.ty.to_string(),
                        });
                    }
                } else {
                    ty = common(&ty, &a.ty).ok_or_else(|| mixing(name, &ty, &a.ty))?;
                }
            }
            ty
        }
        SystemFn::Uuid => {
            check_args(name, args, 0, Some(0), &[])?;
            DataType::String
        }
        SystemFn::Array => {
            check_args(name, args, 0, None, &[Arg::Any])?;
            if let Some(nested) = args.iter().find(|a| family(&a.ty) == Family::Nested) {
                return Err(SqlError::NotSupported(format!(
                    "{name} of {} values",
                    nested.ty
                )));
            }
            let element = args
                .iter()
                .try_fold(DataType::Null, |acc, a| common(&acc, &a.ty))
                .unwrap_or(DataType::String);
            let element = if element == DataType::Null {
                DataType::String
            } else {
                element
            };
            return Ok((
                DataType::Array(Box::new(element.clone())),
                Prep::Element(element),
            ));
        }
    };
    Ok((ty, Prep::None))
}

pub fn eval<'a>(f: SystemFn, call: &'a Call, row: Row<'a>) -> Result<Scalar<'a>, EvalError> {
    Ok(match f {
        SystemFn::Coalesce | SystemFn::IfNull => {
            for i in 0..call.args.len() {
                let v = call.arg(i, row)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            Scalar::Null
        }
        SystemFn::NullIf => {
            let (a, b) = (call.arg(0, row)?, call.arg(1, row)?);
            if a.is_null() || a.sql_equals(&b) {
                Scalar::Null
            } else {
                a
            }
        }
        SystemFn::MultiIf => {
            let n = call.args.len();
            for pair in (0..n - 1).step_by(2) {
                if call.args[pair].test(row)? {
                    return call.arg(pair + 1, row);
                }
            }
            call.arg(n - 1, row)?
        }
        SystemFn::Uuid => text(row.env.rng.uuid()),
        SystemFn::Array => {
            let Prep::Element(element) = &call.prep else {
                unreachable!("bind prepares the element type")
            };
            let mut items = Vec::with_capacity(call.args.len());
            for i in 0..call.args.len() {
                items.push(call.arg(i, row)?.to_value_as(element));
            }
            Scalar::Nested(Cow::Owned(Value::Array(items)))
        }
    })
}
