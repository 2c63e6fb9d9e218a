//! The compiled expression tree and its per-row evaluation.
//!
//! Invariants set by the planner: every column index is valid for the bound input schema, `ty`
//! is the expression's SeaTunnel result type, and operands of comparisons and arithmetic have
//! compatible types. Evaluation therefore only meets data-dependent failures (bad casts,
//! division by zero), which become [`EvalError`]s.
//!
//! Predicates use SeaTunnel's two-valued logic: a comparison with NULL is false (except `!=`,
//! which is true when exactly one side is NULL), so `NOT`, `WHERE` and `CASE WHEN` never see an
//! unknown.

use std::borrow::Cow;
use std::cmp::Ordering;

use bigdecimal::num_bigint::BigInt;
use bigdecimal::{BigDecimal, Zero};

use seatunnel_data::{Batch, DataType, Datum, Value};

use super::cast::CastTarget;
use super::error::EvalError;
use super::functions::{self, Call};
use super::like::LikePattern;
use super::random::Rng;
use super::scalar::Scalar;

#[derive(Debug)]
pub struct Expr {
    pub kind: Kind,
    pub ty: DataType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

/// One step into a nested column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A field of a row, by position.
    Field(usize),
    /// The value of a map under a string key; NULL when the key is absent.
    Key(String),
}

#[derive(Debug)]
pub enum Kind {
    Literal(Value),
    Column(usize),
    Path {
        column: usize,
        steps: Vec<Step>,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Arith {
        op: ArithOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `a || b`: SeaTunnel evaluates it as `CONCAT(a, b)`, so NULL operands are skipped.
    Concat(Box<Expr>, Box<Expr>),
    Compare {
        op: CmpOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: LikePattern,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        branches: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    Cast {
        expr: Box<Expr>,
        target: CastTarget,
        /// `TRY_CAST`: a failed conversion yields NULL.
        lenient: bool,
    },
    Call(Box<Call>),
}

/// Per-task evaluation state that functions may advance (random numbers, UUIDs).
#[derive(Debug)]
pub struct Env {
    pub rng: Rng,
}

impl Env {
    pub fn new() -> Env {
        Env {
            rng: Rng::from_entropy(),
        }
    }
}

impl Default for Env {
    fn default() -> Self {
        Env::new()
    }
}

/// The row an expression is evaluated against.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    pub batch: &'a Batch,
    pub index: usize,
    pub env: &'a Env,
}

impl Expr {
    pub fn new(kind: Kind, ty: DataType) -> Expr {
        Expr { kind, ty }
    }

    pub fn literal(value: Value) -> Expr {
        let ty = value.data_type();
        Expr::new(Kind::Literal(value), ty)
    }

    /// The literal value, when this expression is one (patterns, formats and units are read
    /// from literals at bind time).
    pub fn as_literal(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Literal(v) => Some(v),
            _ => None,
        }
    }

    pub fn eval<'a>(&'a self, row: Row<'a>) -> Result<Scalar<'a>, EvalError> {
        Ok(match &self.kind {
            Kind::Literal(v) => Scalar::from_value(v),
            Kind::Column(i) => Scalar::from_datum(row.batch, row.batch.get(row.index, *i)),
            Kind::Path { column, steps } => {
                walk(row.batch, row.batch.get(row.index, *column), steps)
            }
            Kind::Neg(inner) => negate(inner.eval(row)?),
            Kind::Arith { op, left, right } => {
                let (l, r) = (left.eval(row)?, right.eval(row)?);
                if l.is_null() || r.is_null() {
                    Scalar::Null
                } else {
                    arithmetic(*op, &l, &r, &self.ty)?
                }
            }
            Kind::Concat(left, right) => {
                let (l, r) = (left.eval(row)?, right.eval(row)?);
                let mut s = String::new();
                for v in [&l, &r] {
                    if !v.is_null() {
                        v.render(&mut s);
                    }
                }
                Scalar::Str(Cow::Owned(s))
            }
            Kind::Case {
                operand,
                branches,
                otherwise,
            } => {
                let subject = operand.as_ref().map(|o| o.eval(row)).transpose()?;
                for (when, then) in branches {
                    let hit = match &subject {
                        Some(s) => !s.is_null() && s.sql_equals(&when.eval(row)?),
                        None => when.test(row)?,
                    };
                    if hit {
                        return then.eval(row);
                    }
                }
                match otherwise {
                    Some(e) => e.eval(row)?,
                    None => Scalar::Null,
                }
            }
            Kind::Cast {
                expr,
                target,
                lenient,
            } => match target.apply(expr.eval(row)?) {
                Ok(v) => v,
                Err(_) if *lenient => Scalar::Null,
                Err(e) => return Err(e),
            },
            Kind::Call(call) => functions::eval(call, row)?,
            Kind::Not(_)
            | Kind::Compare { .. }
            | Kind::And(..)
            | Kind::Or(..)
            | Kind::IsNull { .. }
            | Kind::In { .. }
            | Kind::Like { .. }
            | Kind::Between { .. } => Scalar::Bool(self.test(row)?),
        })
    }

    /// Evaluates a condition. NULL and non-boolean results count as false.
    pub fn test(&self, row: Row<'_>) -> Result<bool, EvalError> {
        Ok(match &self.kind {
            Kind::Not(inner) => !inner.test(row)?,
            Kind::And(a, b) => a.test(row)? && b.test(row)?,
            Kind::Or(a, b) => a.test(row)? || b.test(row)?,
            Kind::Compare { op, left, right } => compare(*op, &left.eval(row)?, &right.eval(row)?),
            Kind::IsNull { expr, negated } => expr.eval(row)?.is_null() != *negated,
            Kind::In {
                expr,
                list,
                negated,
            } => {
                let v = expr.eval(row)?;
                for item in list {
                    let candidate = item.eval(row)?;
                    if v.is_null() {
                        // SeaTunnel answers at the first item: NULL is only "in" a leading NULL.
                        return Ok(candidate.is_null());
                    }
                    if v.sql_equals(&candidate) {
                        return Ok(!negated);
                    }
                }
                *negated
            }
            Kind::Like {
                expr,
                pattern,
                negated,
            } => match expr.eval(row)? {
                Scalar::Null => false,
                v => pattern.matches(&v.rendered()) != *negated,
            },
            Kind::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let (v, lo, hi) = (expr.eval(row)?, low.eval(row)?, high.eval(row)?);
                match (v.compare(&lo), v.compare(&hi)) {
                    (Some(a), Some(b)) => {
                        (a != Ordering::Less && b != Ordering::Greater) != *negated
                    }
                    _ => false,
                }
            }
            _ => matches!(self.eval(row)?, Scalar::Bool(true)),
        })
    }
}

/// SeaTunnel's comparison rules (`ZetaSQLFilter`).
fn compare(op: CmpOp, l: &Scalar<'_>, r: &Scalar<'_>) -> bool {
    match op {
        CmpOp::Eq => !l.is_null() && !r.is_null() && l.sql_equals(r),
        CmpOp::NotEq => match (l.is_null(), r.is_null()) {
            (true, true) => false,
            (true, false) | (false, true) => true,
            (false, false) => !l.sql_equals(r),
        },
        _ => match l.compare(r) {
            Some(ord) if !l.is_null() && !r.is_null() => match op {
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::LtEq => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            },
            _ => false,
        },
    }
}

fn walk<'a>(batch: &'a Batch, datum: Datum, steps: &[Step]) -> Scalar<'a> {
    let Datum::Nested(i) = datum else {
        return Scalar::Null;
    };
    let mut value = batch.nested(i);
    for step in steps {
        let next = match (step, value) {
            (Step::Field(k), Value::Row(items)) => items.get(*k),
            (Step::Key(key), Value::Map(entries)) => entries
                .iter()
                .find(|(k, _)| matches!(k, Value::String(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        };
        match next {
            Some(v) => value = v,
            None => return Scalar::Null,
        }
    }
    Scalar::from_value(value)
}

fn negate(v: Scalar<'_>) -> Scalar<'_> {
    match v {
        Scalar::TinyInt(x) => Scalar::TinyInt(x.wrapping_neg()),
        Scalar::SmallInt(x) => Scalar::SmallInt(x.wrapping_neg()),
        Scalar::Int(x) => Scalar::Int(x.wrapping_neg()),
        Scalar::BigInt(x) => Scalar::BigInt(x.wrapping_neg()),
        Scalar::Float(x) => Scalar::Float(-x),
        Scalar::Double(x) => Scalar::Double(-x),
        Scalar::Decimal(d) => Scalar::Decimal(Cow::Owned(-d.into_owned())),
        other => other,
    }
}

/// `a op b` computed in the result type, as SeaTunnel does: Java int/long arithmetic (wrapping,
/// `/ by zero`), double arithmetic, or exact decimals.
fn arithmetic<'a>(
    op: ArithOp,
    l: &Scalar<'_>,
    r: &Scalar<'_>,
    ty: &DataType,
) -> Result<Scalar<'a>, EvalError> {
    let (Some(a), Some(b)) = (l.num(), r.num()) else {
        return Err(EvalError::Unsupported(format!(
            "Unsupported SQL Expression: {} and {} are not numbers",
            l.rendered(),
            r.rendered()
        )));
    };
    Ok(match ty {
        DataType::Int | DataType::BigInt => {
            // INT operands are at most 32 bits, so 64-bit wrapping arithmetic narrowed back to
            // 32 bits gives exactly Java's int results.
            let (x, y) = (a.to_i64(), b.to_i64());
            if y == 0 && matches!(op, ArithOp::Div | ArithOp::Mod) {
                return Err(EvalError::division_by_zero());
            }
            let v = match op {
                ArithOp::Add => x.wrapping_add(y),
                ArithOp::Sub => x.wrapping_sub(y),
                ArithOp::Mul => x.wrapping_mul(y),
                ArithOp::Div => x.wrapping_div(y),
                ArithOp::Mod => x.wrapping_rem(y),
            };
            if *ty == DataType::Int {
                Scalar::Int(v as i32)
            } else {
                Scalar::BigInt(v)
            }
        }
        DataType::Decimal { scale, .. } => {
            let (x, y) = (a.to_decimal(), b.to_decimal());
            let v = match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => divide_up(&x, &y, *scale as i64)?,
                ArithOp::Mod => remainder(&x, &y)?,
            };
            Scalar::Decimal(Cow::Owned(v))
        }
        _ => {
            let (x, y) = (a.to_f64(), b.to_f64());
            Scalar::Double(match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
                ArithOp::Mod => x % y,
            })
        }
    })
}

/// `BigDecimal.divide(y, scale, RoundingMode.UP)`, exactly: the quotient is truncated at `scale`
/// digits and bumped away from zero when anything was cut off.
pub fn divide_up(x: &BigDecimal, y: &BigDecimal, scale: i64) -> Result<BigDecimal, EvalError> {
    if y.is_zero() {
        return Err(EvalError::Arithmetic(
            if x.is_zero() {
                "Division undefined"
            } else {
                "Division by zero"
            }
            .into(),
        ));
    }
    let (ux, sx) = x.as_bigint_and_exponent();
    let (uy, sy) = y.as_bigint_and_exponent();
    let shift = scale + sy - sx;
    let ten = BigInt::from(10);
    let (num, den) = if shift >= 0 {
        (ux * ten.pow(shift as u32), uy)
    } else {
        (ux, uy * ten.pow((-shift) as u32))
    };
    let q = &num / &den;
    let r = &num % &den;
    let q = if r.is_zero() {
        q
    } else if (num.sign() == bigdecimal::num_bigint::Sign::Minus)
        != (den.sign() == bigdecimal::num_bigint::Sign::Minus)
    {
        q - 1
    } else {
        q + 1
    };
    Ok(BigDecimal::new(q, scale))
}

/// `BigDecimal.divideAndRemainder(y)[1]`: the remainder takes the dividend's sign.
pub fn remainder(x: &BigDecimal, y: &BigDecimal) -> Result<BigDecimal, EvalError> {
    if y.is_zero() {
        return Err(EvalError::Unsupported("Mod by zero".into()));
    }
    Ok(x % y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    #[test]
    fn integer_arithmetic_wraps_and_rejects_zero_divisors() {
        let int =
            |op, x, y| arithmetic(op, &Scalar::Int(x), &Scalar::Int(y), &DataType::Int).unwrap();
        assert_eq!(int(ArithOp::Div, i32::MIN, -1), Scalar::Int(i32::MIN));
        assert_eq!(int(ArithOp::Mul, 65536, 65536), Scalar::Int(0));
        assert_eq!(int(ArithOp::Mod, -7, 2), Scalar::Int(-1));
        let long = arithmetic(
            ArithOp::Mul,
            &Scalar::BigInt(i64::MAX),
            &Scalar::Int(2),
            &DataType::BigInt,
        )
        .unwrap();
        assert_eq!(long, Scalar::BigInt(-2));
        let r = arithmetic(
            ArithOp::Add,
            &Scalar::Int(i32::MAX),
            &Scalar::Int(1),
            &DataType::Int,
        )
        .unwrap();
        assert_eq!(r, Scalar::Int(i32::MIN));
        let r = arithmetic(
            ArithOp::Add,
            &Scalar::TinyInt(11),
            &Scalar::Int(3),
            &DataType::Int,
        )
        .unwrap();
        assert_eq!(r, Scalar::Int(14));
        let e = arithmetic(
            ArithOp::Div,
            &Scalar::Int(1),
            &Scalar::Int(0),
            &DataType::Int,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "java.lang.ArithmeticException: / by zero");
        let r = arithmetic(
            ArithOp::Div,
            &Scalar::Int(7),
            &Scalar::Int(2),
            &DataType::Int,
        )
        .unwrap();
        assert_eq!(r, Scalar::Int(3));
    }

    #[test]
    fn double_arithmetic_matches_java() {
        let r = arithmetic(
            ArithOp::Mod,
            &Scalar::Double(134.22),
            &Scalar::Double(23.12),
            &DataType::Double,
        )
        .unwrap();
        assert_eq!(r, Scalar::Double(18.619999999999994));
        let r = arithmetic(
            ArithOp::Div,
            &Scalar::Double(134.22),
            &Scalar::Int(3),
            &DataType::Double,
        )
        .unwrap();
        assert_eq!(r, Scalar::Double(44.74));
        let r = arithmetic(
            ArithOp::Sub,
            &Scalar::Double(134.22),
            &Scalar::Double(34.22),
            &DataType::Double,
        )
        .unwrap();
        assert_eq!(r, Scalar::Double(100.0));
    }

    #[test]
    fn decimal_division_rounds_up_at_the_result_scale() {
        assert_eq!(
            divide_up(&dec("1"), &dec("3"), 2).unwrap().to_string(),
            "0.34"
        );
        assert_eq!(
            divide_up(&dec("-1"), &dec("3"), 2).unwrap().to_string(),
            "-0.34"
        );
        assert_eq!(
            divide_up(&dec("6"), &dec("3"), 2).unwrap().to_string(),
            "2.00"
        );
        assert!(divide_up(&dec("1"), &dec("0"), 2).is_err());
    }

    #[test]
    fn remainders_keep_the_dividend_sign() {
        assert_eq!(remainder(&dec("13"), &dec("5.4")).unwrap(), dec("2.2"));
        assert_eq!(remainder(&dec("-7"), &dec("2")).unwrap(), dec("-1"));
        assert!(remainder(&dec("1"), &dec("0")).is_err());
    }

    #[test]
    fn comparisons_treat_null_as_seatunnel_does() {
        assert!(!compare(CmpOp::Eq, &Scalar::Null, &Scalar::Null));
        assert!(compare(CmpOp::NotEq, &Scalar::Null, &Scalar::Int(1)));
        assert!(compare(CmpOp::NotEq, &Scalar::Int(1), &Scalar::Null));
        assert!(!compare(CmpOp::Gt, &Scalar::Null, &Scalar::Int(1)));
        assert!(compare(CmpOp::GtEq, &Scalar::Int(2), &Scalar::Double(2.0)));
        assert!(compare(
            CmpOp::Lt,
            &Scalar::Str("a".into()),
            &Scalar::Str("b".into())
        ));
    }
}
