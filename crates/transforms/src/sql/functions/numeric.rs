//! Numeric functions (`NumericFunction` in SeaTunnel). Transcendental functions compute in
//! `f64` like `java.lang.Math`; MOD, ROUND and TRUNC go through exact decimals like SeaTunnel's
//! `BigDecimal` code, so `MOD(13, 5.4)` is exactly 2.2.

use std::borrow::Cow;
use std::f64::consts::{E, PI};

use bigdecimal::{BigDecimal, RoundingMode, ToPrimitive};

use crate::sql::error::{EvalError, SqlError};
use crate::sql::expr::{remainder, Expr, Row};
use crate::sql::random::java_seeded_double;
use crate::sql::scalar::{decimal_to_f64, double_to_decimal, Num, Scalar};
use seatunnel_data::{DataType, Value};

use super::{check_args, or_null, Arg, Call, Prep};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericFn {
    Abs,
    Acos,
    Asin,
    Atan,
    Cos,
    Cosh,
    Cot,
    Sin,
    Sinh,
    Tan,
    Tanh,
    Atan2,
    Mod,
    Ceil,
    Floor,
    Exp,
    Ln,
    Log,
    Log10,
    Radians,
    Sqrt,
    Pi,
    Power,
    Rand,
    Round,
    Sign,
    Trunc,
    TrimScale,
    ArrayMax,
    ArrayMin,
}

pub fn lookup(name: &str) -> Option<NumericFn> {
    use NumericFn::*;
    Some(match name {
        "ABS" => Abs,
        "ACOS" => Acos,
        "ASIN" => Asin,
        "ATAN" => Atan,
        "COS" => Cos,
        "COSH" => Cosh,
        "COT" => Cot,
        "SIN" => Sin,
        "SINH" => Sinh,
        "TAN" => Tan,
        "TANH" => Tanh,
        "ATAN2" => Atan2,
        "MOD" => Mod,
        "CEIL" | "CEILING" => Ceil,
        "FLOOR" => Floor,
        "EXP" => Exp,
        "LN" => Ln,
        "LOG" => Log,
        "LOG10" => Log10,
        "RADIANS" => Radians,
        "SQRT" => Sqrt,
        "PI" => Pi,
        "POWER" => Power,
        "RAND" | "RANDOM" => Rand,
        "ROUND" => Round,
        "SIGN" => Sign,
        "TRUNC" | "TRUNCATE" => Trunc,
        "TRIM_SCALE" => TrimScale,
        "ARRAY_MAX" => ArrayMax,
        "ARRAY_MIN" => ArrayMin,
        _ => return None,
    })
}

pub fn bind(f: NumericFn, name: &str, args: &[Expr]) -> Result<(DataType, Prep), SqlError> {
    use NumericFn::*;
    let check = |min, max, kinds: &[Arg]| check_args(name, args, min, max, kinds);
    let ty = match f {
        Abs | TrimScale => {
            check(1, Some(1), &[Arg::Num])?;
            args[0].ty.clone()
        }
        Round => {
            check(1, Some(2), &[Arg::Num])?;
            args[0].ty.clone()
        }
        Mod => {
            check(2, Some(2), &[Arg::Num])?;
            args[1].ty.clone()
        }
        Ceil | Floor => {
            check(1, Some(1), &[Arg::Num])?;
            DataType::Int
        }
        Sign => {
            check(1, Some(1), &[Arg::Num])?;
            DataType::Int
        }
        Atan2 | Power => {
            check(2, Some(2), &[Arg::Num])?;
            DataType::Double
        }
        Log => {
            check(1, Some(2), &[Arg::Num])?;
            DataType::Double
        }
        Trunc => {
            check(1, Some(2), &[Arg::Num])?;
            DataType::Double
        }
        Pi => {
            check(0, Some(0), &[])?;
            DataType::Double
        }
        Rand => {
            check(0, Some(1), &[Arg::Num])?;
            DataType::Double
        }
        ArrayMax | ArrayMin => {
            check(1, Some(1), &[Arg::Array])?;
            match &args[0].ty {
                DataType::Array(inner) => (**inner).clone(),
                _ => DataType::Null,
            }
        }
        _ => {
            check(1, Some(1), &[Arg::Num])?;
            DataType::Double
        }
    };
    Ok((ty, Prep::None))
}

fn unsupported(message: String) -> EvalError {
    EvalError::Unsupported(message)
}

/// SeaTunnel's `round(v, scale, mode)`: integers change only for negative scales, decimals
/// rescale exactly, doubles round through their shortest decimal text.
fn round(v: &Scalar<'_>, scale: i64, mode: RoundingMode) -> Scalar<'static> {
    let scaled = |n: i64| -> i64 {
        if scale >= 0 {
            n
        } else {
            BigDecimal::from(n)
                .with_scale_round(scale, mode)
                .with_scale(0)
                .to_i64()
                .unwrap_or(n)
        }
    };
    match v {
        Scalar::TinyInt(n) => Scalar::TinyInt(scaled(*n as i64) as i8),
        Scalar::SmallInt(n) => Scalar::SmallInt(scaled(*n as i64) as i16),
        Scalar::Int(n) => Scalar::Int(scaled(*n as i64) as i32),
        Scalar::BigInt(n) => Scalar::BigInt(scaled(*n)),
        Scalar::Decimal(d) => Scalar::Decimal(Cow::Owned(d.with_scale_round(scale, mode))),
        Scalar::Float(x) => Scalar::Float(round_double(*x as f64, scale, mode) as f32),
        Scalar::Double(x) => Scalar::Double(round_double(*x, scale, mode)),
        _ => Scalar::Null,
    }
}

fn round_double(x: f64, scale: i64, mode: RoundingMode) -> f64 {
    if !x.is_finite() {
        return x;
    }
    if scale == 0 {
        match mode {
            RoundingMode::Down => return x.trunc(),
            RoundingMode::Ceiling => return x.ceil(),
            RoundingMode::Floor => return x.floor(),
            _ => {}
        }
    }
    decimal_to_f64(&double_to_decimal(x).with_scale_round(scale, mode))
}

/// `MOD(a, b)`: the exact remainder, in the type of the divisor.
fn modulo<'a>(a: Num<'_>, b: Num<'_>, divisor: &Scalar<'_>) -> Result<Scalar<'a>, EvalError> {
    let r = remainder(&a.to_decimal(), &b.to_decimal())?;
    let as_i64 = || r.with_scale(0).to_i64().unwrap_or(0);
    Ok(match divisor {
        Scalar::TinyInt(_) => Scalar::TinyInt(as_i64() as i8),
        Scalar::SmallInt(_) => Scalar::SmallInt(as_i64() as i16),
        Scalar::Int(_) => Scalar::Int(as_i64() as i32),
        Scalar::BigInt(_) => Scalar::BigInt(as_i64()),
        Scalar::Float(_) => Scalar::Float(decimal_to_f64(&r) as f32),
        Scalar::Double(_) => Scalar::Double(decimal_to_f64(&r)),
        _ => Scalar::Decimal(Cow::Owned(r)),
    })
}

fn abs<'a>(v: Scalar<'a>) -> Result<Scalar<'a>, EvalError> {
    let overflow = |v: &Scalar<'_>, ty: &str| {
        unsupported(format!(
            "Function ABS cannot represent the absolute value of {} for {ty}",
            v.rendered()
        ))
    };
    Ok(match v {
        Scalar::TinyInt(i8::MIN) => return Err(overflow(&v, "TINYINT")),
        Scalar::SmallInt(i16::MIN) => return Err(overflow(&v, "SMALLINT")),
        Scalar::TinyInt(n) => Scalar::TinyInt(n.abs()),
        Scalar::SmallInt(n) => Scalar::SmallInt(n.abs()),
        Scalar::Int(n) => Scalar::Int(n.wrapping_abs()),
        Scalar::BigInt(n) => Scalar::BigInt(n.wrapping_abs()),
        Scalar::Float(x) => Scalar::Float(x.abs()),
        Scalar::Double(x) => Scalar::Double(x.abs()),
        Scalar::Decimal(d) => Scalar::Decimal(Cow::Owned(d.abs())),
        other => other,
    })
}

fn sign(v: &Scalar<'_>) -> Option<i32> {
    Some(match v.num()? {
        Num::Int(n) => n.signum() as i32,
        Num::Float(x) if x == 0.0 || x.is_nan() => 0,
        Num::Float(x) => {
            if x < 0.0 {
                -1
            } else {
                1
            }
        }
        Num::Dec(d) => match d.sign() {
            bigdecimal::num_bigint::Sign::Minus => -1,
            bigdecimal::num_bigint::Sign::NoSign => 0,
            bigdecimal::num_bigint::Sign::Plus => 1,
        },
    })
}

/// CEIL/FLOOR: SeaTunnel types them INT, so the rounded value is narrowed like Java's `(int)`.
fn ceil_floor(v: &Scalar<'_>, up: bool) -> Option<i32> {
    Some(match v.num()? {
        Num::Int(n) => n as i32,
        Num::Float(x) => (if up { x.ceil() } else { x.floor() }) as i32,
        Num::Dec(d) => {
            let mode = if up {
                RoundingMode::Ceiling
            } else {
                RoundingMode::Floor
            };
            d.with_scale_round(0, mode).to_i64().map_or(0, |n| n as i32)
        }
    })
}

fn pick(items: &[Value], max: bool) -> Option<&Value> {
    items.iter().filter(|v| !v.is_null()).reduce(|best, v| {
        let better = match Scalar::from_value(v).compare(&Scalar::from_value(best)) {
            Some(std::cmp::Ordering::Greater) => max,
            Some(std::cmp::Ordering::Less) => !max,
            _ => false,
        };
        if better {
            v
        } else {
            best
        }
    })
}

fn array_extreme(v: Scalar<'_>, max: bool) -> Scalar<'_> {
    match v {
        Scalar::Nested(Cow::Borrowed(Value::Array(items))) => {
            or_null(pick(items, max).map(Scalar::from_value))
        }
        Scalar::Nested(Cow::Owned(Value::Array(items))) => {
            or_null(pick(&items, max).map(|v| Scalar::from_value(v).into_owned()))
        }
        _ => Scalar::Null,
    }
}

pub fn eval<'a>(f: NumericFn, call: &'a Call, row: Row<'a>) -> Result<Scalar<'a>, EvalError> {
    use NumericFn::*;
    let x = || call.f64_arg(0, row);
    let unary = |op: fn(f64) -> f64| -> Result<Scalar<'a>, EvalError> {
        Ok(or_null(x()?.map(|v| Scalar::Double(op(v)))))
    };
    match f {
        Abs => abs(call.arg(0, row)?),
        Acos => unary(f64::acos),
        Asin => unary(f64::asin),
        Atan => unary(f64::atan),
        Cos => unary(f64::cos),
        Cosh => unary(f64::cosh),
        Sin => unary(f64::sin),
        Sinh => unary(f64::sinh),
        Tan => unary(f64::tan),
        Tanh => unary(f64::tanh),
        Exp => unary(f64::exp),
        Radians => unary(f64::to_radians),
        Sqrt => unary(f64::sqrt),
        Cot => match x()? {
            None => Ok(Scalar::Null),
            Some(v) => {
                let t = v.tan();
                if t == 0.0 {
                    return Err(unsupported("Division by zero".into()));
                }
                Ok(Scalar::Double(1.0 / t))
            }
        },
        Atan2 => match (x()?, call.f64_arg(1, row)?) {
            (Some(y), Some(x)) => Ok(Scalar::Double(y.atan2(x))),
            _ => Ok(Scalar::Null),
        },
        Power => match (x()?, call.f64_arg(1, row)?) {
            (Some(a), Some(b)) => Ok(Scalar::Double(a.powf(b))),
            _ => Ok(Scalar::Null),
        },
        Mod => {
            let (a, b) = (call.arg(0, row)?, call.arg(1, row)?);
            match (a.num(), b.num()) {
                (Some(x), Some(y)) => modulo(x, y, &b),
                _ => Ok(Scalar::Null),
            }
        }
        Ceil | Floor => Ok(or_null(
            ceil_floor(&call.arg(0, row)?, f == Ceil).map(Scalar::Int),
        )),
        Ln | Log10 => match x()? {
            None => Ok(Scalar::Null),
            Some(v) if v <= 0.0 => Err(unsupported(format!(
                "Unsupported function {}() argument: {}",
                call.name,
                call.arg(0, row)?.rendered()
            ))),
            Some(v) => Ok(Scalar::Double(if f == Ln { v.ln() } else { v.log10() })),
        },
        Log => {
            if call.args.len() == 1 {
                return match x()? {
                    None => Ok(Scalar::Null),
                    Some(v) if v <= 0.0 => Err(unsupported(format!(
                        "Unsupported function LOG() argument: {v}"
                    ))),
                    Some(v) => Ok(Scalar::Double(v.ln())),
                };
            }
            let (Some(base), Some(v)) = (x()?, call.f64_arg(1, row)?) else {
                return Ok(Scalar::Null);
            };
            if base <= 0.0 {
                return Err(unsupported(format!(
                    "Unsupported function LOG() base: {}",
                    call.arg(0, row)?.rendered()
                )));
            }
            if v <= 0.0 {
                return Err(unsupported(format!(
                    "Unsupported function LOG() argument: {}",
                    call.arg(1, row)?.rendered()
                )));
            }
            Ok(Scalar::Double(if base == E {
                v.ln()
            } else if base == 10.0 {
                v.log10()
            } else {
                v.ln() / base.ln()
            }))
        }
        Pi => Ok(Scalar::Double(PI)),
        Rand => Ok(Scalar::Double(match call.args.first() {
            Some(_) => match call.i64_arg(0, row)? {
                Some(seed) => java_seeded_double(seed as i32 as i64),
                None => row.env.rng.next_f64(),
            },
            None => row.env.rng.next_f64(),
        })),
        Round | Trunc => {
            let v = call.arg(0, row)?;
            if v.is_null() {
                return Ok(Scalar::Null);
            }
            let scale = call.int_arg(1, row)?.unwrap_or(0) as i64;
            let mode = if f == Round {
                RoundingMode::HalfUp
            } else {
                RoundingMode::Down
            };
            Ok(round(&v, scale, mode))
        }
        Sign => Ok(or_null(sign(&call.arg(0, row)?).map(Scalar::Int))),
        TrimScale => Ok(match call.arg(0, row)? {
            Scalar::Decimal(d) => Scalar::Decimal(Cow::Owned(d.normalized())),
            other => other,
        }),
        ArrayMax | ArrayMin => Ok(array_extreme(call.arg(0, row)?, f == ArrayMax)),
    }
}

#[cfg(test)]
#[allow(clippy::approx_constant)] // the values are Java's printed results
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn mod_is_exact_and_typed_by_the_divisor() {
        assert_eq!(
            modulo(Num::Int(13), Num::Int(5), &Scalar::Int(5)).unwrap(),
            Scalar::Int(3)
        );
        assert_eq!(
            modulo(Num::Int(13), Num::Float(5.4), &Scalar::Double(5.4)).unwrap(),
            Scalar::Double(2.2)
        );
        assert!(modulo(Num::Int(1), Num::Int(0), &Scalar::Int(0)).is_err());
    }

    #[test]
    fn rounding_keeps_the_argument_type() {
        assert_eq!(
            round(&Scalar::Double(120.72124), 2, RoundingMode::HalfUp),
            Scalar::Double(120.72)
        );
        assert_eq!(
            round(&Scalar::Double(2.675), 2, RoundingMode::HalfUp),
            Scalar::Double(2.68)
        );
        assert_eq!(
            round(&Scalar::Double(-1.5), 0, RoundingMode::HalfUp),
            Scalar::Double(-2.0)
        );
        assert_eq!(
            round(&Scalar::Int(1250), -2, RoundingMode::HalfUp),
            Scalar::Int(1300)
        );
        assert_eq!(
            round(&Scalar::Int(1250), 2, RoundingMode::HalfUp),
            Scalar::Int(1250)
        );
        let d = Scalar::Decimal(Cow::Owned(BigDecimal::from_str("1.005").unwrap()));
        assert_eq!(round(&d, 2, RoundingMode::HalfUp).rendered(), "1.01");
        assert_eq!(
            round(&Scalar::Double(120.72124), 2, RoundingMode::Down),
            Scalar::Double(120.72)
        );
        assert_eq!(
            round(&Scalar::Double(-2.7), 0, RoundingMode::Down),
            Scalar::Double(-2.0)
        );
    }

    #[test]
    fn ceil_and_floor_narrow_to_int() {
        assert_eq!(ceil_floor(&Scalar::Double(13.2), true), Some(14));
        assert_eq!(ceil_floor(&Scalar::Double(13.2), false), Some(13));
        assert_eq!(ceil_floor(&Scalar::Double(-13.2), true), Some(-13));
    }

    #[test]
    fn abs_and_sign_follow_java() {
        assert_eq!(abs(Scalar::Double(-10.3)).unwrap(), Scalar::Double(10.3));
        assert!(abs(Scalar::TinyInt(i8::MIN)).is_err());
        assert_eq!(sign(&Scalar::Double(-120.72)), Some(-1));
        assert_eq!(sign(&Scalar::Double(f64::NAN)), Some(0));
    }

    #[test]
    fn transcendental_results_match_java_doubles() {
        assert_eq!(2.0f64.exp(), 7.38905609893065);
        assert_eq!(13.2f64.ln(), 2.580216829592325);
        assert_eq!(13.2f64.log10(), 1.1205739312058498);
        assert_eq!(1324.252f64.log10(), 3.1219706375172507);
        assert_eq!(180f64.to_radians(), 3.141592653589793);
        assert_eq!((3.1415926f64 / 4.0).tan(), 0.9999999732051038);
        assert_eq!(13.2f64.powf(2.0), 174.23999999999998);
        // Java's cosh goes through fdlibm's exp, whose e is one ulp high; ours is the correctly
        // rounded libm value, so only the last bit may differ.
        assert!((1.0f64.cosh() - 1.543080634815244).abs() <= f64::EPSILON * 2.0);
        assert_eq!(1.0f64.sinh(), 1.1752011936438014);
        assert_eq!(0.5f64.tanh(), 0.46211715726000974);
        assert_eq!(0.3f64.acos(), 1.2661036727794992);
        assert_eq!(1.0f64.atan2(3.0), 0.3217505543966422);
        assert_eq!(2.5f64.powf(3.3), 20.568471942722457);
    }
}
