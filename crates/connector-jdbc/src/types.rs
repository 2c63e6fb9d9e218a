//! Database column types to SeaTunnel's, per dialect, as SeaTunnel's `PostgresTypeConverter`,
//! `MySqlTypeConverter` and `SqliteTypeConverter` map them. Decided once at plan time from the
//! statement's metadata; the readers only follow the [`Decode`] chosen here. A type with no
//! mapping fails the plan naming the column and the type.

use seatunnel_data::DataType;

/// SeaTunnel's largest decimal precision; wider database decimals are refused rather than
/// silently rounded.
pub const MAX_DECIMAL_PRECISION: u32 = 38;
/// `numeric` without a declared precision: SeaTunnel reads it as `DECIMAL(38, 18)`.
const UNBOUNDED_NUMERIC: (u8, u8) = (38, 18);

/// How a reader turns one driver value into a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    Bool,
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    /// Exact decimal text (`-12.50`), from the driver's own exact representation.
    Decimal,
    Text,
    Bytes,
    Date,
    Time,
    Timestamp,
    /// PostgreSQL `timestamptz`: an instant, read as the UTC wall clock.
    TimestampUtc,
    /// PostgreSQL `uuid`: 16 bytes, read as the canonical lowercase text.
    Uuid,
    /// PostgreSQL `jsonb`: a version byte, then the JSON text.
    Jsonb,
    /// PostGIS `geometry`/`geography`: binary EWKB, read as the uppercase hex text PostGIS prints
    /// and accepts back.
    HexText,
    /// PostgreSQL `bit(n)`/`varbit`: `bit(1)` as a boolean, longer ones as their `0`/`1` text.
    PgBits,
    /// PostgreSQL `timetz`: a time of day with an offset, read as the UTC time of day.
    TimeUtc,
    /// PostgreSQL `inet`/`cidr`: read as PostgreSQL prints them (`10.1.2.3`, `10.0.0.0/8`).
    Inet,
    /// PostgreSQL `macaddr`/`macaddr8`: read as `08:00:2b:01:02:03`.
    Mac,
    /// MySQL `BIT(1)`: one bit, read as a boolean.
    Bit,
    /// MySQL `BIGINT UNSIGNED`: read as `DECIMAL(20, 0)`.
    UnsignedBigInt,
}

/// One result column of a query, with its SeaTunnel type and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The database's own type name, for messages and for `CREATE TABLE` in the same dialect.
    pub db_type: String,
    pub data_type: DataType,
    pub decode: Decode,
}

/// A column whose type has no SeaTunnel mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column '{column}' has type '{db_type}', which the Jdbc source cannot read{hint}")]
pub struct Unmappable {
    pub column: String,
    pub db_type: String,
    pub hint: String,
}

impl Unmappable {
    fn new(column: &str, db_type: &str, hint: &str) -> Unmappable {
        Unmappable {
            column: column.to_string(),
            db_type: db_type.to_string(),
            hint: hint.to_string(),
        }
    }
}

const CAST_HINT: &str = "; cast it in the query (e.g. to text)";

fn column(name: &str, db_type: &str, data_type: DataType, decode: Decode) -> Column {
    Column {
        name: name.to_string(),
        db_type: db_type.to_string(),
        data_type,
        decode,
    }
}

fn decimal(name: &str, db_type: &str, precision: u32, scale: u32) -> Result<Column, Unmappable> {
    if precision > MAX_DECIMAL_PRECISION || scale > precision {
        return Err(Unmappable::new(
            name,
            db_type,
            &format!("; SeaTunnel decimals hold at most {MAX_DECIMAL_PRECISION} digits{CAST_HINT}"),
        ));
    }
    Ok(column(
        name,
        db_type,
        DataType::Decimal {
            precision: precision as u8,
            scale: scale as u8,
        },
        Decode::Decimal,
    ))
}

/// A PostgreSQL column from its type name (`pg_type.typname`) and type modifier
/// (`atttypmod`-style: for numeric `((p << 16) | s) + 4`, -1 when none).
pub fn postgres(name: &str, type_name: &str, typmod: i32) -> Result<Column, Unmappable> {
    use DataType as T;
    use Decode as D;
    let c = |t, d| Ok(column(name, type_name, t, d));
    match type_name {
        "bool" => c(T::Boolean, D::Bool),
        "int2" => c(T::SmallInt, D::SmallInt),
        "int4" => c(T::Int, D::Int),
        "int8" => c(T::BigInt, D::BigInt),
        "float4" => c(T::Float, D::Float),
        "float8" => c(T::Double, D::Double),
        "numeric" => {
            if typmod < 4 {
                let (p, s) = UNBOUNDED_NUMERIC;
                decimal(name, type_name, p.into(), s.into())
            } else {
                let m = typmod - 4;
                decimal(
                    name,
                    type_name,
                    ((m >> 16) & 0xffff) as u32,
                    (m & 0xffff) as u32,
                )
            }
        }
        "text" | "varchar" | "bpchar" | "char" | "name" | "json" | "xml" => c(T::String, D::Text),
        "jsonb" => c(T::String, D::Jsonb),
        "uuid" => c(T::String, D::Uuid),
        "geometry" | "geography" => c(T::String, D::HexText),
        "inet" | "cidr" => c(T::String, D::Inet),
        "bit" if typmod == 1 => c(T::Boolean, D::PgBits),
        "bit" | "varbit" => c(T::String, D::PgBits),
        "timetz" => c(T::Time, D::TimeUtc),
        "macaddr" | "macaddr8" => c(T::String, D::Mac),
        "bytea" => c(T::Bytes, D::Bytes),
        "date" => c(T::Date, D::Date),
        "time" => c(T::Time, D::Time),
        "timestamp" => c(T::Timestamp, D::Timestamp),
        "timestamptz" => c(T::Timestamp, D::TimestampUtc),
        other => Err(Unmappable::new(name, other, CAST_HINT)),
    }
}

/// What the MySQL protocol says about a result column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MySqlMeta {
    pub column_type: mysql::consts::ColumnType,
    pub unsigned: bool,
    /// The character set is `binary` (63): BLOB/BINARY rather than TEXT/CHAR.
    pub binary: bool,
    /// Display length: bits for BIT, digits (plus sign and point) for DECIMAL, 1 for TINYINT(1).
    pub length: u32,
    pub decimals: u8,
    /// An ENUM or SET column (the protocol sends them as strings with a flag).
    pub enum_or_set: bool,
}

/// The `binary` collation's id in the MySQL protocol.
pub const MYSQL_BINARY_CHARSET: u16 = 63;

/// A MySQL/MariaDB column from its protocol metadata.
pub fn mysql(name: &str, m: MySqlMeta) -> Result<Column, Unmappable> {
    use mysql::consts::ColumnType as C;
    use DataType as T;
    use Decode as D;
    let unsigned = if m.unsigned { " unsigned" } else { "" };
    let named = |base: &str| format!("{base}{unsigned}");
    let c = |db: &str, t, d| Ok(column(name, &named(db), t, d));
    match m.column_type {
        C::MYSQL_TYPE_BIT if m.length == 1 => c("bit(1)", T::Boolean, D::Bit),
        C::MYSQL_TYPE_BIT => c(&format!("bit({})", m.length), T::Bytes, D::Bytes),
        C::MYSQL_TYPE_TINY if m.length == 1 && !m.unsigned => c("tinyint(1)", T::Boolean, D::Bool),
        C::MYSQL_TYPE_TINY if m.unsigned => c("tinyint", T::SmallInt, D::SmallInt),
        C::MYSQL_TYPE_TINY => c("tinyint", T::TinyInt, D::TinyInt),
        C::MYSQL_TYPE_SHORT if m.unsigned => c("smallint", T::Int, D::Int),
        C::MYSQL_TYPE_SHORT => c("smallint", T::SmallInt, D::SmallInt),
        C::MYSQL_TYPE_INT24 => c("mediumint", T::Int, D::Int),
        C::MYSQL_TYPE_LONG if m.unsigned => c("int", T::BigInt, D::BigInt),
        C::MYSQL_TYPE_LONG => c("int", T::Int, D::Int),
        C::MYSQL_TYPE_LONGLONG if m.unsigned => Ok(column(
            name,
            "bigint unsigned",
            T::Decimal {
                precision: 20,
                scale: 0,
            },
            D::UnsignedBigInt,
        )),
        C::MYSQL_TYPE_LONGLONG => c("bigint", T::BigInt, D::BigInt),
        C::MYSQL_TYPE_YEAR => c("year", T::Int, D::Int),
        C::MYSQL_TYPE_FLOAT => c("float", T::Float, D::Float),
        C::MYSQL_TYPE_DOUBLE => c("double", T::Double, D::Double),
        C::MYSQL_TYPE_NEWDECIMAL | C::MYSQL_TYPE_DECIMAL => {
            let scale = u32::from(m.decimals);
            let sign = u32::from(!m.unsigned);
            let point = u32::from(scale > 0);
            let digits = m.length.saturating_sub(sign + point);
            let db = format!("decimal({digits},{scale}){unsigned}");
            // SeaTunnel widens an unsigned decimal by one digit (its range doubles), within
            // the 38 digits a SeaTunnel decimal holds.
            let precision = if m.unsigned && digits < MAX_DECIMAL_PRECISION {
                digits + 1
            } else {
                digits
            };
            decimal(name, &db, precision, scale)
        }
        C::MYSQL_TYPE_DATE | C::MYSQL_TYPE_NEWDATE => c("date", T::Date, D::Date),
        C::MYSQL_TYPE_TIME | C::MYSQL_TYPE_TIME2 => c("time", T::Time, D::Time),
        C::MYSQL_TYPE_DATETIME | C::MYSQL_TYPE_DATETIME2 => {
            c("datetime", T::Timestamp, D::Timestamp)
        }
        C::MYSQL_TYPE_TIMESTAMP | C::MYSQL_TYPE_TIMESTAMP2 => {
            c("timestamp", T::Timestamp, D::Timestamp)
        }
        C::MYSQL_TYPE_JSON => c("json", T::String, D::Text),
        C::MYSQL_TYPE_ENUM | C::MYSQL_TYPE_SET => c("enum", T::String, D::Text),
        C::MYSQL_TYPE_VARCHAR | C::MYSQL_TYPE_VAR_STRING | C::MYSQL_TYPE_STRING
            if m.enum_or_set =>
        {
            c("enum", T::String, D::Text)
        }
        C::MYSQL_TYPE_VARCHAR | C::MYSQL_TYPE_VAR_STRING | C::MYSQL_TYPE_STRING if m.binary => {
            c("varbinary", T::Bytes, D::Bytes)
        }
        C::MYSQL_TYPE_VARCHAR | C::MYSQL_TYPE_VAR_STRING | C::MYSQL_TYPE_STRING => {
            c("varchar", T::String, D::Text)
        }
        C::MYSQL_TYPE_TINY_BLOB
        | C::MYSQL_TYPE_MEDIUM_BLOB
        | C::MYSQL_TYPE_LONG_BLOB
        | C::MYSQL_TYPE_BLOB
            if m.binary =>
        {
            c("blob", T::Bytes, D::Bytes)
        }
        C::MYSQL_TYPE_TINY_BLOB
        | C::MYSQL_TYPE_MEDIUM_BLOB
        | C::MYSQL_TYPE_LONG_BLOB
        | C::MYSQL_TYPE_BLOB => c("text", T::String, D::Text),
        C::MYSQL_TYPE_GEOMETRY => c("geometry", T::Bytes, D::Bytes),
        other => Err(Unmappable::new(name, &format!("{other:?}"), CAST_HINT)),
    }
}

/// A SQLite column from its declared type (`None` for an expression), by SQLite's own affinity
/// rules (§3.1 of its datatype page) refined by the names SeaTunnel's converter knows.
pub fn sqlite(name: &str, declared: Option<&str>) -> Result<Column, Unmappable> {
    use DataType as T;
    use Decode as D;
    let Some(declared) = declared else {
        // An expression's value may have any storage class; text reads them all.
        return Ok(column(name, "", T::String, D::Text));
    };
    let upper = declared.trim().to_ascii_uppercase();
    let base = upper.split('(').next().unwrap_or("").trim();
    let c = |t, d| Ok(column(name, declared, t, d));
    match base {
        "BOOLEAN" | "BOOL" => c(T::Boolean, D::Bool),
        "TINYINT" => c(T::TinyInt, D::TinyInt),
        "SMALLINT" | "INT2" => c(T::SmallInt, D::SmallInt),
        "INT" | "MEDIUMINT" => c(T::Int, D::Int),
        "INTEGER" | "BIGINT" | "INT8" | "UNSIGNED BIG INT" => c(T::BigInt, D::BigInt),
        "FLOAT" | "REAL" => c(T::Float, D::Float),
        "DOUBLE" | "DOUBLE PRECISION" => c(T::Double, D::Double),
        "DECIMAL" | "NUMERIC" => {
            let (p, s) = precision_scale(&upper).unwrap_or((38, 18));
            decimal(name, declared, p, s)
        }
        "DATE" => c(T::Date, D::Date),
        "TIME" => c(T::Time, D::Time),
        "DATETIME" | "TIMESTAMP" => c(T::Timestamp, D::Timestamp),
        "BLOB" | "BINARY" | "VARBINARY" => c(T::Bytes, D::Bytes),
        _ if base.contains("INT") => c(T::BigInt, D::BigInt),
        _ if base.contains("CHAR") || base.contains("CLOB") || base.contains("TEXT") => {
            c(T::String, D::Text)
        }
        _ if base.contains("REAL") || base.contains("FLOA") || base.contains("DOUB") => {
            c(T::Double, D::Double)
        }
        _ => Err(Unmappable::new(name, declared, CAST_HINT)),
    }
}

/// `DECIMAL(10, 2)` → `(10, 2)`; `DECIMAL(10)` → `(10, 0)`.
fn precision_scale(declared: &str) -> Option<(u32, u32)> {
    let inner = declared.split_once('(')?.1.split_once(')')?.0;
    let mut parts = inner.split(',').map(|p| p.trim().parse::<u32>());
    let p = parts.next()?.ok()?;
    let s = match parts.next() {
        Some(s) => s.ok()?,
        None => 0,
    };
    Some((p, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysql::consts::ColumnType as C;

    fn meta(column_type: C, unsigned: bool, length: u32, decimals: u8) -> MySqlMeta {
        MySqlMeta {
            column_type,
            unsigned,
            binary: false,
            length,
            decimals,
            enum_or_set: false,
        }
    }

    #[test]
    fn postgres_types_follow_seatunnel() {
        let t = |n, m| postgres("c", n, m).map(|c| c.data_type);
        assert_eq!(t("int4", -1), Ok(DataType::Int));
        assert_eq!(
            t("numeric", ((10 << 16) | 2) + 4),
            Ok(DataType::Decimal {
                precision: 10,
                scale: 2
            })
        );
        assert_eq!(
            t("numeric", -1),
            Ok(DataType::Decimal {
                precision: 38,
                scale: 18
            })
        );
        assert_eq!(t("jsonb", -1), Ok(DataType::String));
        assert_eq!(t("timestamptz", -1), Ok(DataType::Timestamp));
        assert_eq!(t("bit", 1), Ok(DataType::Boolean));
        assert_eq!(t("bit", 8), Ok(DataType::String));
        assert_eq!(t("timetz", -1), Ok(DataType::Time));
        let err = postgres("tags", "tsvector", -1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "column 'tags' has type 'tsvector', which the Jdbc source cannot read; cast it in the query (e.g. to text)"
        );
    }

    #[test]
    fn mysql_integer_widths_widen_when_unsigned() {
        let t = |m| mysql("c", m).map(|c| c.data_type);
        assert_eq!(
            t(meta(C::MYSQL_TYPE_TINY, false, 1, 0)),
            Ok(DataType::Boolean)
        );
        assert_eq!(
            t(meta(C::MYSQL_TYPE_TINY, false, 4, 0)),
            Ok(DataType::TinyInt)
        );
        assert_eq!(
            t(meta(C::MYSQL_TYPE_TINY, true, 3, 0)),
            Ok(DataType::SmallInt)
        );
        assert_eq!(
            t(meta(C::MYSQL_TYPE_LONG, true, 10, 0)),
            Ok(DataType::BigInt)
        );
        assert_eq!(
            t(meta(C::MYSQL_TYPE_LONGLONG, true, 20, 0)),
            Ok(DataType::Decimal {
                precision: 20,
                scale: 0
            })
        );
        assert_eq!(
            t(meta(C::MYSQL_TYPE_BIT, true, 1, 0)),
            Ok(DataType::Boolean)
        );
        assert_eq!(t(meta(C::MYSQL_TYPE_BIT, true, 64, 0)), Ok(DataType::Bytes));
    }

    #[test]
    fn mysql_decimals_read_precision_from_the_display_length() {
        let t = |m| mysql("c", m).map(|c| c.data_type);
        // decimal(20,0): 20 digits + sign.
        assert_eq!(
            t(meta(C::MYSQL_TYPE_NEWDECIMAL, false, 21, 0)),
            Ok(DataType::Decimal {
                precision: 20,
                scale: 0
            })
        );
        // decimal(10,2): 10 digits + sign + point.
        assert_eq!(
            t(meta(C::MYSQL_TYPE_NEWDECIMAL, false, 12, 2)),
            Ok(DataType::Decimal {
                precision: 10,
                scale: 2
            })
        );
        // decimal(30) unsigned: SeaTunnel widens to 31.
        assert_eq!(
            t(meta(C::MYSQL_TYPE_NEWDECIMAL, true, 30, 0)),
            Ok(DataType::Decimal {
                precision: 31,
                scale: 0
            })
        );
        assert!(t(meta(C::MYSQL_TYPE_NEWDECIMAL, false, 66, 0)).is_err());
    }

    #[test]
    fn mysql_text_and_blob_differ_by_charset() {
        let mut m = meta(C::MYSQL_TYPE_BLOB, false, 65535, 0);
        assert_eq!(mysql("c", m).unwrap().data_type, DataType::String);
        m.binary = true;
        assert_eq!(mysql("c", m).unwrap().data_type, DataType::Bytes);
    }

    #[test]
    fn sqlite_types_follow_declared_names_and_affinity() {
        let t = |d| sqlite("c", d).map(|c| c.data_type);
        assert_eq!(t(Some("INTEGER")), Ok(DataType::BigInt));
        assert_eq!(t(Some("varchar(20)")), Ok(DataType::String));
        assert_eq!(
            t(Some("DECIMAL(10, 2)")),
            Ok(DataType::Decimal {
                precision: 10,
                scale: 2
            })
        );
        assert_eq!(t(Some("DATETIME")), Ok(DataType::Timestamp));
        assert_eq!(t(None), Ok(DataType::String));
        assert!(t(Some("GEOMETRY")).is_err());
    }
}
