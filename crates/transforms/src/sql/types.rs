//! Result types of SQL expressions, following SeaTunnel's `ZetaSQLType` so that the output schema
//! (and therefore every sink and Assert rule) sees the same column types as in SeaTunnel.

use seatunnel_data::DataType;

/// Width order of numeric types, SeaTunnel's `SqlType` declaration order: when two numeric types
/// meet (CASE branches, COALESCE), the later one wins.
fn numeric_rank(ty: &DataType) -> Option<u8> {
    Some(match ty {
        DataType::TinyInt => 0,
        DataType::SmallInt => 1,
        DataType::Int => 2,
        DataType::BigInt => 3,
        DataType::Float => 4,
        DataType::Double => 5,
        DataType::Decimal { .. } => 6,
        _ => return None,
    })
}

fn is_small_int(ty: &DataType) -> bool {
    matches!(ty, DataType::TinyInt | DataType::SmallInt | DataType::Int)
}

/// The widest precision and scale of the decimal operands.
fn merged_decimal(a: &DataType, b: &DataType) -> DataType {
    let (mut precision, mut scale) = (0u8, 0u8);
    for ty in [a, b] {
        if let DataType::Decimal {
            precision: p,
            scale: s,
        } = ty
        {
            precision = precision.max(*p);
            scale = scale.max(*s);
        }
    }
    DataType::Decimal { precision, scale }
}

/// The type of `a op b` for `+ - * / %`: INT for small integers, BIGINT once a BIGINT is
/// involved, DECIMAL once a DECIMAL is, else DOUBLE. `None` for non-numeric operands. A NULL
/// literal takes the other side's type.
pub fn arithmetic(left: &DataType, right: &DataType) -> Option<DataType> {
    match (left, right) {
        (DataType::Null, DataType::Null) => return Some(DataType::Int),
        (DataType::Null, other) | (other, DataType::Null) => {
            return numeric_rank(other).map(|_| match other {
                DataType::TinyInt | DataType::SmallInt => DataType::Int,
                DataType::Float => DataType::Double,
                o => o.clone(),
            })
        }
        _ => {}
    }
    numeric_rank(left)?;
    numeric_rank(right)?;
    if is_small_int(left) && is_small_int(right) {
        return Some(DataType::Int);
    }
    let integral = |t: &DataType| is_small_int(t) || *t == DataType::BigInt;
    if integral(left) && integral(right) {
        return Some(DataType::BigInt);
    }
    if matches!(left, DataType::Decimal { .. }) || matches!(right, DataType::Decimal { .. }) {
        return Some(merged_decimal(left, right));
    }
    Some(DataType::Double)
}

/// The common type of values that meet in one column (CASE branches, MULTI_IF values): NULL
/// yields to the other, equal types stay, numbers widen. `None` when the types cannot mix.
pub fn common(a: &DataType, b: &DataType) -> Option<DataType> {
    if *a == DataType::Null {
        return Some(b.clone());
    }
    if *b == DataType::Null || a == b {
        return Some(a.clone());
    }
    let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
    if matches!(a, DataType::Decimal { .. }) || matches!(b, DataType::Decimal { .. }) {
        return Some(merged_decimal(a, b));
    }
    Some(if ra <= rb { b.clone() } else { a.clone() })
}

/// The comparison family of a type: values compare only within one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Number,
    String,
    Boolean,
    Date,
    Time,
    Timestamp,
    Bytes,
    Nested,
    Null,
}

pub fn family(ty: &DataType) -> Family {
    match ty {
        t if t.is_numeric() => Family::Number,
        DataType::String => Family::String,
        DataType::Boolean => Family::Boolean,
        DataType::Date => Family::Date,
        DataType::Time => Family::Time,
        DataType::Timestamp => Family::Timestamp,
        DataType::Bytes => Family::Bytes,
        DataType::Null => Family::Null,
        _ => Family::Nested,
    }
}

/// Whether values of these types can be ordered against each other (`<`, `BETWEEN`).
pub fn orderable(a: &DataType, b: &DataType) -> bool {
    let (fa, fb) = (family(a), family(b));
    fa == Family::Null || fb == Family::Null || (fa == fb && fa != Family::Nested)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(p: u8, s: u8) -> DataType {
        DataType::Decimal {
            precision: p,
            scale: s,
        }
    }

    #[test]
    fn arithmetic_types_follow_seatunnel() {
        use DataType::*;
        assert_eq!(arithmetic(&TinyInt, &Int), Some(Int));
        assert_eq!(arithmetic(&SmallInt, &Int), Some(Int));
        assert_eq!(arithmetic(&Int, &BigInt), Some(BigInt));
        assert_eq!(arithmetic(&Double, &Int), Some(Double));
        assert_eq!(arithmetic(&Float, &Int), Some(Double));
        assert_eq!(arithmetic(&dec(30, 8), &Int), Some(dec(30, 8)));
        assert_eq!(arithmetic(&dec(10, 2), &dec(20, 1)), Some(dec(20, 2)));
        assert_eq!(arithmetic(&String, &Int), None);
    }

    #[test]
    fn common_types_widen_numbers_and_skip_null() {
        use DataType::*;
        assert_eq!(common(&Int, &Null), Some(Int));
        assert_eq!(common(&Null, &Timestamp), Some(Timestamp));
        assert_eq!(common(&Int, &Double), Some(Double));
        assert_eq!(common(&BigInt, &Int), Some(BigInt));
        assert_eq!(common(&String, &Int), None);
    }

    #[test]
    fn ordering_needs_one_family() {
        use DataType::*;
        assert!(orderable(&TinyInt, &dec(30, 8)));
        assert!(orderable(&String, &Null));
        assert!(!orderable(&String, &Int));
    }
}
