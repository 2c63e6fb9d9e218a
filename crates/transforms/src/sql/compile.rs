//! Compiles parsed SQL expressions (sqlparser's AST) into typed [`Expr`] trees against one input
//! schema: columns become indices, nested field access becomes steps, literals become values,
//! and every node gets its SeaTunnel result type. Anything SeaTunnel's SQL transform does not
//! offer fails here, naming the construct.

use std::cell::Cell;

use sqlparser::ast::{
    self, BinaryOperator, CastKind, CeilFloorKind, DateTimeField, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, ObjectNamePart, TrimWhereField, UnaryOperator,
};

use seatunnel_data::{DataType, TableSchema, Value};

use super::cast::CastTarget;
use super::error::SqlError;
use super::expr::{ArithOp, CmpOp, Expr, Kind, Step};
use super::functions;
use super::like::LikePattern;
use super::types::{self, family, Family};

/// Resolves names against the input table.
pub struct Compiler<'s> {
    pub input: &'s TableSchema,
    /// The FROM table name, which may qualify columns (`fake.id`).
    pub table: String,
    /// Expressions open around the one being compiled, at most [`MAX_SQL_NESTING`].
    depth: Cell<usize>,
}

/// How deeply one SQL expression may nest (operands of operators, function arguments, CASE
/// branches). Compiling, evaluating and dropping an expression recurse once per level, and a
/// chain like `a+a+…+a` nests one level per operator, so without a bound a long query
/// overflowed a thread's stack. Real transform queries nest a few levels.
pub const MAX_SQL_NESTING: usize = 128;
/// Below this much free stack a nested compile continues on a new segment ([`stacker`]): more
/// than one level's frames in a debug build (~20 KiB).
const STACK_RED_ZONE: usize = 128 * 1024;
/// Size of each extra stack segment; a few cover the deepest expression allowed.
const STACK_SEGMENT: usize = 1024 * 1024;

fn not_supported(what: impl Into<String>) -> SqlError {
    SqlError::NotSupported(what.into())
}

fn boolean(e: &Expr) -> bool {
    matches!(e.ty, DataType::Boolean | DataType::Null)
}

fn require_boolean(e: Expr, context: &str, source: &ast::Expr) -> Result<Expr, SqlError> {
    if boolean(&e) {
        Ok(e)
    } else {
        Err(not_supported(format!(
            "{context} of type {} in '{source}'",
            e.ty
        )))
    }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// A numeric literal as SeaTunnel types it: whole numbers are INT when they fit, else BIGINT;
/// numbers with a fraction or exponent are DOUBLE.
fn number(text: &str, long: bool, negate: bool) -> Result<Value, SqlError> {
    let signed = if negate {
        format!("-{text}")
    } else {
        text.to_string()
    };
    if text.contains(['.', 'e', 'E']) {
        return signed
            .parse::<f64>()
            .map(Value::Double)
            .map_err(|_| SqlError::Invalid(format!("number literal {signed}")));
    }
    let v: i64 = signed
        .parse()
        .map_err(|_| not_supported(format!("integer literal {signed} (beyond BIGINT)")))?;
    Ok(match i32::try_from(v) {
        Ok(i) if !long => Value::Int(i),
        _ => Value::BigInt(v),
    })
}

fn literal(v: &ast::Value) -> Result<Value, SqlError> {
    Ok(match v {
        ast::Value::Number(n, long) => number(n, *long, false)?,
        ast::Value::SingleQuotedString(s) => Value::String(s.clone()),
        ast::Value::Boolean(b) => Value::Bool(*b),
        ast::Value::Null => Value::Null,
        other => return Err(not_supported(format!("literal {other}"))),
    })
}

fn typed_string(data_type: &ast::DataType, value: &ast::Value) -> Result<Value, SqlError> {
    let ast::Value::SingleQuotedString(s) = value else {
        return Err(not_supported(format!("literal {data_type} {value}")));
    };
    let invalid = || SqlError::Invalid(format!("{data_type} literal '{s}'"));
    let ty = data_type.to_string().to_ascii_uppercase();
    let base = ty.split('(').next().unwrap_or("").trim();
    Ok(match base {
        "DATE" => {
            Value::Date(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| invalid())?)
        }
        "TIME" => Value::Time(s.parse().map_err(|_| invalid())?),
        "TIMESTAMP" | "DATETIME" => Value::Timestamp(
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
                .ok_or_else(invalid)?,
        ),
        _ => return Err(not_supported(format!("literal {data_type} '{s}'"))),
    })
}

impl<'s> Compiler<'s> {
    pub fn new(input: &'s TableSchema, table: String) -> Compiler<'s> {
        Compiler {
            input,
            table,
            depth: Cell::new(0),
        }
    }

    /// The index of a top-level column: exact name first, then a unique case-insensitive match.
    fn column_index(&self, name: &str) -> Option<usize> {
        self.input.index_of(name).or_else(|| {
            let mut hits = self
                .input
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.name.eq_ignore_ascii_case(name));
            match (hits.next(), hits.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        })
    }

    fn unknown(&self, name: &str) -> SqlError {
        SqlError::UnknownColumn {
            name: name.to_string(),
            columns: self.input.field_names().join(", "),
        }
    }

    pub fn column(&self, name: &str) -> Result<Expr, SqlError> {
        let i = self.column_index(name).ok_or_else(|| self.unknown(name))?;
        Ok(Expr::new(
            Kind::Column(i),
            self.input.fields[i].data_type.clone(),
        ))
    }

    /// `a.b.c`: a column qualified by the table name, or a path into row and map columns.
    fn path(&self, idents: &[Ident]) -> Result<Expr, SqlError> {
        let names: Vec<&str> = idents.iter().map(|i| i.value.as_str()).collect();
        let full = names.join(".");
        let qualified = names.len() > 1
            && names[0].eq_ignore_ascii_case(&self.table)
            && self.column_index(names[1]).is_some();
        let names = if qualified { &names[1..] } else { &names[..] };
        let column = self
            .column_index(names[0])
            .ok_or_else(|| self.unknown(&full))?;
        if names.len() == 1 {
            return self.column(names[0]);
        }
        let mut ty = &self.input.fields[column].data_type;
        let mut steps = Vec::with_capacity(names.len() - 1);
        for (i, name) in names.iter().enumerate().skip(1) {
            match ty {
                DataType::Row(row) => {
                    let k = row
                        .fields
                        .iter()
                        .position(|f| f.name == *name)
                        .or_else(|| {
                            row.fields
                                .iter()
                                .position(|f| f.name.eq_ignore_ascii_case(name))
                        })
                        .ok_or_else(|| self.unknown(&full))?;
                    steps.push(Step::Field(k));
                    ty = &row.fields[k].data_type;
                }
                DataType::Map(_, value) if i == names.len() - 1 => {
                    steps.push(Step::Key(name.to_string()));
                    ty = value;
                }
                DataType::Map(..) => {
                    return Err(not_supported(format!(
                        "'{full}': a map key must be the last part of a field path"
                    )))
                }
                other => {
                    return Err(not_supported(format!(
                        "field access into {other} in '{full}'"
                    )))
                }
            }
        }
        Ok(Expr::new(Kind::Path { column, steps }, ty.clone()))
    }

    /// Compiles `e`, refusing expressions nested deeper than [`MAX_SQL_NESTING`].
    pub fn expr(&self, e: &ast::Expr) -> Result<Expr, SqlError> {
        let depth = self.depth.get();
        if depth >= MAX_SQL_NESTING {
            return Err(SqlError::TooDeep {
                limit: MAX_SQL_NESTING,
            });
        }
        self.depth.set(depth + 1);
        let compiled = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.expr_here(e));
        self.depth.set(depth);
        compiled
    }

    fn expr_here(&self, e: &ast::Expr) -> Result<Expr, SqlError> {
        use ast::Expr as E;
        match e {
            E::Identifier(ident) => self.column(&ident.value),
            E::CompoundIdentifier(idents) => self.path(idents),
            E::Value(v) => Ok(Expr::literal(literal(&v.value)?)),
            E::TypedString(t) => Ok(Expr::literal(typed_string(&t.data_type, &t.value.value)?)),
            E::Nested(inner) => self.expr(inner),
            E::UnaryOp { op, expr } => self.unary(*op, expr, e),
            E::BinaryOp { left, op, right } => self.binary(left, op, right, e),
            E::IsNull(inner) | E::IsNotNull(inner) => Ok(Expr::new(
                Kind::IsNull {
                    expr: boxed(self.expr(inner)?),
                    negated: matches!(e, E::IsNotNull(_)),
                },
                DataType::Boolean,
            )),
            E::In {
                expr,
                target,
                negated,
                ..
            } => {
                let ast::InTarget::List(list) = target else {
                    return Err(not_supported(format!("expression '{e}'")));
                };
                let list = list
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Expr::new(
                    Kind::In {
                        expr: boxed(self.expr(expr)?),
                        list,
                        negated: *negated,
                    },
                    DataType::Boolean,
                ))
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x, lo, hi) = (self.expr(expr)?, self.expr(low)?, self.expr(high)?);
                if !types::orderable(&x.ty, &lo.ty) || !types::orderable(&x.ty, &hi.ty) {
                    return Err(not_supported(format!(
                        "comparing {} with {} and {} in '{e}'",
                        x.ty, lo.ty, hi.ty
                    )));
                }
                Ok(Expr::new(
                    Kind::Between {
                        expr: boxed(x),
                        low: boxed(lo),
                        high: boxed(hi),
                        negated: *negated,
                    },
                    DataType::Boolean,
                ))
            }
            E::Like {
                negated,
                any,
                expr,
                pattern,
                escape_char,
            } => {
                if *any || escape_char.is_some() {
                    return Err(not_supported(format!("LIKE with ANY or ESCAPE in '{e}'")));
                }
                let E::Value(v) = pattern.as_ref() else {
                    return Err(not_supported(format!(
                        "LIKE with a pattern that is not a string literal in '{e}'"
                    )));
                };
                let ast::Value::SingleQuotedString(p) = &v.value else {
                    return Err(not_supported(format!("LIKE pattern {} in '{e}'", v.value)));
                };
                Ok(Expr::new(
                    Kind::Like {
                        expr: boxed(self.expr(expr)?),
                        pattern: LikePattern::new(p),
                        negated: *negated,
                    },
                    DataType::Boolean,
                ))
            }
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref(), e),
            E::Cast {
                kind,
                expr,
                data_type,
                format,
            } => {
                if format.is_some() {
                    return Err(not_supported(format!("CAST with FORMAT in '{e}'")));
                }
                let target = CastTarget::parse(&data_type.to_string())?;
                let inner = self.expr(expr)?;
                target.check_source(&inner.ty)?;
                let ty = target.data_type();
                Ok(Expr::new(
                    Kind::Cast {
                        expr: boxed(inner),
                        target,
                        lenient: matches!(kind, CastKind::TryCast | CastKind::SafeCast),
                    },
                    ty,
                ))
            }
            E::Function(f) => self.function(f, e),
            E::Trim {
                trim_where,
                trim_what,
                expr,
                trim_characters,
            } => {
                let name = match trim_where {
                    Some(TrimWhereField::Leading) => "LTRIM",
                    Some(TrimWhereField::Trailing) => "RTRIM",
                    _ => "TRIM",
                };
                let mut args = vec![self.expr(expr)?];
                match (trim_what, trim_characters.as_deref()) {
                    (Some(what), None) => args.push(self.expr(what)?),
                    (None, Some([one])) => args.push(self.expr(one)?),
                    (None, None) => {}
                    _ => {
                        return Err(not_supported(format!(
                            "TRIM with several character arguments in '{e}'"
                        )))
                    }
                }
                functions::resolve(name, args)
            }
            E::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let from = substring_from
                    .as_deref()
                    .ok_or_else(|| not_supported(format!("SUBSTRING without a start in '{e}'")))?;
                let mut args = vec![self.expr(expr)?, self.expr(from)?];
                if let Some(len) = substring_for {
                    args.push(self.expr(len)?);
                }
                functions::resolve("SUBSTRING", args)
            }
            E::Position { expr, r#in } => {
                functions::resolve("POSITION", vec![self.expr(expr)?, self.expr(r#in)?])
            }
            E::Extract { field, expr, .. } => {
                let name = match field {
                    DateTimeField::Custom(ident) => ident.value.clone(),
                    other => other.to_string(),
                };
                functions::resolve(
                    "EXTRACT",
                    vec![self.expr(expr)?, Expr::literal(Value::String(name))],
                )
            }
            E::Ceil { expr, field } | E::Floor { expr, field } => match field {
                CeilFloorKind::DateTimeField(DateTimeField::NoDateTime) => {
                    let name = if matches!(e, E::Ceil { .. }) {
                        "CEIL"
                    } else {
                        "FLOOR"
                    };
                    functions::resolve(name, vec![self.expr(expr)?])
                }
                _ => Err(not_supported(format!("'{e}'"))),
            },
            other => Err(not_supported(format!("expression '{other}'"))),
        }
    }

    fn unary(&self, op: UnaryOperator, inner: &ast::Expr, e: &ast::Expr) -> Result<Expr, SqlError> {
        match op {
            UnaryOperator::Minus | UnaryOperator::Plus => {
                let negate = op == UnaryOperator::Minus;
                if let ast::Expr::Value(v) = inner {
                    if let ast::Value::Number(n, long) = &v.value {
                        return Ok(Expr::literal(number(n, *long, negate)?));
                    }
                }
                let x = self.expr(inner)?;
                if family(&x.ty) != Family::Number && x.ty != DataType::Null {
                    return Err(not_supported(format!("sign on {} in '{e}'", x.ty)));
                }
                if !negate {
                    return Ok(x);
                }
                let ty = x.ty.clone();
                Ok(Expr::new(Kind::Neg(boxed(x)), ty))
            }
            UnaryOperator::Not => {
                let x = require_boolean(self.expr(inner)?, "NOT", e)?;
                Ok(Expr::new(Kind::Not(boxed(x)), DataType::Boolean))
            }
            other => Err(not_supported(format!("operator {other} in '{e}'"))),
        }
    }

    fn binary(
        &self,
        left: &ast::Expr,
        op: &BinaryOperator,
        right: &ast::Expr,
        e: &ast::Expr,
    ) -> Result<Expr, SqlError> {
        let (l, r) = (self.expr(left)?, self.expr(right)?);
        let arith = match op {
            BinaryOperator::Plus => Some(ArithOp::Add),
            BinaryOperator::Minus => Some(ArithOp::Sub),
            BinaryOperator::Multiply => Some(ArithOp::Mul),
            BinaryOperator::Divide => Some(ArithOp::Div),
            BinaryOperator::Modulo => Some(ArithOp::Mod),
            _ => None,
        };
        if let Some(op) = arith {
            let ty = types::arithmetic(&l.ty, &r.ty).ok_or_else(|| {
                not_supported(format!("arithmetic on {} and {} in '{e}'", l.ty, r.ty))
            })?;
            return Ok(Expr::new(
                Kind::Arith {
                    op,
                    left: boxed(l),
                    right: boxed(r),
                },
                ty,
            ));
        }
        let cmp = match op {
            BinaryOperator::Eq => Some(CmpOp::Eq),
            BinaryOperator::NotEq => Some(CmpOp::NotEq),
            BinaryOperator::Lt => Some(CmpOp::Lt),
            BinaryOperator::LtEq => Some(CmpOp::LtEq),
            BinaryOperator::Gt => Some(CmpOp::Gt),
            BinaryOperator::GtEq => Some(CmpOp::GtEq),
            _ => None,
        };
        if let Some(op) = cmp {
            let equality = matches!(op, CmpOp::Eq | CmpOp::NotEq);
            if !equality && !types::orderable(&l.ty, &r.ty) {
                return Err(not_supported(format!(
                    "comparing {} with {} in '{e}'",
                    l.ty, r.ty
                )));
            }
            return Ok(Expr::new(
                Kind::Compare {
                    op,
                    left: boxed(l),
                    right: boxed(r),
                },
                DataType::Boolean,
            ));
        }
        match op {
            BinaryOperator::StringConcat => Ok(Expr::new(
                Kind::Concat(boxed(l), boxed(r)),
                DataType::String,
            )),
            BinaryOperator::And | BinaryOperator::Or => {
                let l = require_boolean(l, "AND/OR operand", e)?;
                let r = require_boolean(r, "AND/OR operand", e)?;
                let kind = if *op == BinaryOperator::And {
                    Kind::And(boxed(l), boxed(r))
                } else {
                    Kind::Or(boxed(l), boxed(r))
                };
                Ok(Expr::new(kind, DataType::Boolean))
            }
            other => Err(not_supported(format!("operator {other} in '{e}'"))),
        }
    }

    fn case(
        &self,
        operand: Option<&ast::Expr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&ast::Expr>,
        e: &ast::Expr,
    ) -> Result<Expr, SqlError> {
        let operand = operand.map(|o| self.expr(o)).transpose()?;
        let mut ty = DataType::Null;
        let mut merge = |t: &DataType| -> Result<(), SqlError> {
            ty = types::common(&ty, t).ok_or_else(|| {
                not_supported(format!("CASE results mixing {ty} and {t} in '{e}'"))
            })?;
            Ok(())
        };
        let mut branches = Vec::with_capacity(conditions.len());
        for c in conditions {
            let when = self.expr(&c.condition)?;
            let when = if operand.is_some() {
                when
            } else {
                require_boolean(when, "WHEN condition", e)?
            };
            let then = self.expr(&c.result)?;
            merge(&then.ty)?;
            branches.push((when, then));
        }
        let otherwise = else_result.map(|x| self.expr(x)).transpose()?;
        if let Some(o) = &otherwise {
            merge(&o.ty)?;
        }
        Ok(Expr::new(
            Kind::Case {
                operand: operand.map(boxed),
                branches,
                otherwise: otherwise.map(boxed),
            },
            ty,
        ))
    }

    fn function(&self, f: &ast::Function, e: &ast::Expr) -> Result<Expr, SqlError> {
        let name = match f.name.0.as_slice() {
            [ObjectNamePart::Identifier(ident)] => ident.value.clone(),
            _ => return Err(not_supported(format!("function name {}", f.name))),
        };
        if f.over.is_some()
            || f.filter.is_some()
            || !f.within_group.is_empty()
            || f.null_treatment.is_some()
        {
            return Err(not_supported(format!(
                "window or aggregate clauses in '{e}'"
            )));
        }
        if !matches!(f.parameters, FunctionArguments::None) {
            return Err(not_supported(format!("parameterized function '{e}'")));
        }
        let args = match &f.args {
            FunctionArguments::None => Vec::new(),
            FunctionArguments::Subquery(_) => {
                return Err(not_supported(format!("subquery in '{e}'")))
            }
            FunctionArguments::List(list) => {
                if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                    return Err(not_supported(format!(
                        "DISTINCT or clauses in arguments of '{e}'"
                    )));
                }
                list.args
                    .iter()
                    .map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => self.expr(x),
                        other => Err(not_supported(format!(
                            "argument '{other}' of function {}",
                            name.to_ascii_uppercase()
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        functions::resolve(&name, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seatunnel_data::{Field, RowType, TablePath};
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;
    use std::sync::Arc;

    fn schema() -> Arc<TableSchema> {
        let inner = DataType::Row(Arc::new(RowType {
            fields: vec![
                Field::new("c_string", DataType::String),
                Field::new(
                    "c_map",
                    DataType::Map(Box::new(DataType::String), Box::new(DataType::String)),
                ),
            ],
        }));
        TableSchema::new(
            TablePath::parse("fake"),
            vec![
                Field::new("id", DataType::Int),
                Field::new("name", DataType::String),
                Field::new("c_row", inner),
            ],
        )
    }

    fn compile(sql: &str) -> Result<Expr, SqlError> {
        let s = schema();
        let c = Compiler::new(&s, "fake".into());
        let e = Parser::new(&GenericDialect {})
            .try_with_sql(sql)
            .unwrap()
            .parse_expr()
            .unwrap();
        c.expr(&e)
    }

    /// A chain `id+id+…` nests one level per operator: compiling stops at the limit (this runs
    /// on a test thread's 2 MiB stack, like a runtime worker), and the query limits of `parse`
    /// keep the parsed tree small enough to drop and print safely before that.
    #[test]
    fn nesting_and_query_size_are_bounded() {
        let chain = |n: usize| format!("{}id", "id+".repeat(n));
        assert!(compile(&chain(MAX_SQL_NESTING - 2)).is_ok());
        let e = compile(&chain(MAX_SQL_NESTING)).unwrap_err();
        assert_eq!(
            e,
            SqlError::TooDeep {
                limit: MAX_SQL_NESTING
            }
        );
        assert!(e.is_limit());
        let e = compile(&format!("{}id{}", "(-".repeat(20), ")".repeat(20)));
        assert!(e.is_ok(), "{e:?}");
        let query = |n: usize| format!("select {} from fake", chain(n));
        let e = super::super::plan::parse(&query(3000)).unwrap_err();
        assert!(matches!(e, SqlError::TooLong { .. }) && e.is_limit(), "{e}");
        let e = super::super::plan::parse(&query(40_000)).unwrap_err();
        assert!(e.to_string().contains("bytes; at most 65536"), "{e}");
        // The longest query allowed parses, prints and drops on this stack.
        let longest = super::super::plan::parse(&query(2040)).unwrap();
        assert!(format!("{longest}").len() > 4000);
    }

    #[test]
    fn literals_are_typed_like_seatunnel() {
        assert_eq!(compile("1").unwrap().ty, DataType::Int);
        assert_eq!(compile("7084913402530365000").unwrap().ty, DataType::BigInt);
        assert_eq!(
            compile("-10.3").unwrap().as_literal(),
            Some(&Value::Double(-10.3))
        );
        assert_eq!(compile("'a'").unwrap().ty, DataType::String);
        assert_eq!(compile("NULL").unwrap().ty, DataType::Null);
        assert_eq!(compile("DATE '2021-01-02'").unwrap().ty, DataType::Date);
    }

    #[test]
    fn paths_reach_into_rows_and_maps() {
        assert_eq!(compile("c_row.c_string").unwrap().ty, DataType::String);
        assert_eq!(compile("c_row.c_map.k").unwrap().ty, DataType::String);
        assert!(matches!(compile("fake.id").unwrap().kind, Kind::Column(0)));
        assert!(matches!(compile("NAME").unwrap().kind, Kind::Column(1)));
        let e = compile("c_row.nope").unwrap_err().to_string();
        assert!(e.contains("unknown column 'c_row.nope'"), "{e}");
        assert!(compile("id.x")
            .unwrap_err()
            .to_string()
            .starts_with("not supported"));
    }

    #[test]
    fn operators_are_typed_and_checked() {
        assert_eq!(compile("id + 1").unwrap().ty, DataType::Int);
        assert_eq!(compile("id * 1.5").unwrap().ty, DataType::Double);
        assert_eq!(compile("name || id").unwrap().ty, DataType::String);
        assert_eq!(
            compile("id > 1 AND name LIKE 'a%'").unwrap().ty,
            DataType::Boolean
        );
        assert!(compile("name + 1")
            .unwrap_err()
            .to_string()
            .starts_with("not supported"));
        assert!(compile("name > 1")
            .unwrap_err()
            .to_string()
            .starts_with("not supported"));
        assert!(compile("id AND TRUE")
            .unwrap_err()
            .to_string()
            .starts_with("not supported"));
    }

    #[test]
    fn case_takes_the_widest_branch_type() {
        assert_eq!(
            compile("CASE WHEN id > 1 THEN 1 ELSE 2.5 END").unwrap().ty,
            DataType::Double
        );
        assert_eq!(
            compile("CASE id WHEN 1 THEN 'a' END").unwrap().ty,
            DataType::String
        );
        assert!(compile("CASE WHEN id > 1 THEN 1 ELSE 'x' END").is_err());
    }

    #[test]
    fn unknown_functions_and_constructs_are_named() {
        assert_eq!(
            compile("count(*)").unwrap_err().to_string(),
            "not supported: argument '*' of function COUNT"
        );
        assert_eq!(
            compile("foo(1)").unwrap_err().to_string(),
            "not supported: function FOO"
        );
        assert!(compile("id IN (SELECT 1)")
            .unwrap_err()
            .to_string()
            .starts_with("not supported: expression"));
    }
}
