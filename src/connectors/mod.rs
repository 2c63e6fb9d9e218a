pub mod assert;
pub mod fake;
