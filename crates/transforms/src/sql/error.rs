//! Errors of the Sql transform.
//!
//! [`SqlError`] is raised while binding (parse, name resolution, typing): the job fails at plan
//! time, before any row moves. [`EvalError`] is raised per row; its text starts like the Java
//! exception SeaTunnel reports for the same failure (`java.lang.NumberFormatException: For input
//! string: "abc"`), because users and tests match job errors by that prefix.

use seatunnel_data::java::time::TimeError;

/// SeaTunnel's error code and description for unsupported operations (`CommonErrorCode`).
const UNSUPPORTED_OPERATION: &str =
    "ErrorCode:[COMMON-05], ErrorDescription:[Unsupported operation]";
/// SeaTunnel's error code and description for illegal arguments.
const ILLEGAL_ARGUMENT: &str = "ErrorCode:[COMMON-06], ErrorDescription:[Illegal argument]";
/// The class SeaTunnel's transform failures are reported under.
const TRANSFORM_EXCEPTION: &str = "org.apache.seatunnel.transform.exception.TransformException";

/// A query the transform cannot run, found at bind time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    #[error("cannot parse sql query: {0}")]
    Parse(String),
    /// A construct or function outside SeaTunnel's SQL transform.
    #[error("not supported: {0}")]
    NotSupported(String),
    #[error("unknown column '{name}' in sql query; the input table has columns: {columns}")]
    UnknownColumn { name: String, columns: String },
    #[error("sql query reads table '{found}' but the transform's input table is {expected}; write FROM {hint}")]
    WrongTable {
        found: String,
        expected: String,
        hint: String,
    },
    #[error("function {func} takes {expected} argument(s), got {got}")]
    Arity {
        func: String,
        expected: String,
        got: usize,
    },
    #[error("function {func}: argument {index} must be {expected}, got {got}")]
    ArgType {
        func: String,
        index: usize,
        expected: &'static str,
        got: String,
    },
    /// A literal argument that can never work (bad regex, date pattern, time zone).
    #[error("invalid argument in sql query: {0}")]
    Invalid(String),
    /// Over [`crate::sql::compile::MAX_SQL_NESTING`]: a limit of ours.
    #[error("sql expressions nest deeper than {limit} levels; split the expression")]
    TooDeep { limit: usize },
    /// Over the query size limits of [`crate::sql::plan::parse`].
    #[error("sql query is too long: {what}; at most {limit}")]
    TooLong { what: String, limit: usize },
}

impl SqlError {
    /// Whether the query broke one of our size or depth limits (a client error) rather than
    /// being a query SeaTunnel would also refuse.
    pub fn is_limit(&self) -> bool {
        matches!(self, SqlError::TooDeep { .. } | SqlError::TooLong { .. })
    }
}

/// A failure while evaluating one row. `Display` renders the Java exception text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("java.lang.NumberFormatException: {0}")]
    NumberFormat(String),
    #[error("java.lang.ArithmeticException: {0}")]
    Arithmetic(String),
    /// `java.time`'s exceptions, shared with every connector that reads or writes dates.
    #[error(transparent)]
    Time(#[from] TimeError),
    #[error("java.lang.ArrayIndexOutOfBoundsException: {0}")]
    IndexOutOfBounds(String),
    #[error("java.lang.RuntimeException: {0}")]
    Runtime(String),
    #[error("{TRANSFORM_EXCEPTION}: {UNSUPPORTED_OPERATION} - {0}")]
    Unsupported(String),
    #[error("{TRANSFORM_EXCEPTION}: {ILLEGAL_ARGUMENT} - {0}")]
    IllegalArgument(String),
}

impl EvalError {
    /// Java's `NumberFormatException.forInputString`.
    pub fn input_string(text: &str) -> EvalError {
        EvalError::NumberFormat(format!("For input string: \"{text}\""))
    }

    pub fn division_by_zero() -> EvalError {
        EvalError::Arithmetic("/ by zero".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_errors_read_like_java_exceptions() {
        assert_eq!(
            EvalError::input_string("abc").to_string(),
            "java.lang.NumberFormatException: For input string: \"abc\""
        );
        assert!(EvalError::Unsupported("Mod by zero".into())
            .to_string()
            .starts_with(
            "org.apache.seatunnel.transform.exception.TransformException: ErrorCode:[COMMON-05]"
        ));
    }

    #[test]
    fn bind_errors_say_not_supported() {
        assert_eq!(
            SqlError::NotSupported("GROUP BY".into()).to_string(),
            "not supported: GROUP BY"
        );
    }
}
