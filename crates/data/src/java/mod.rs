//! Java's text for values, in one place: SeaTunnel is a Java program, so every file it writes,
//! every line its Console sink prints and every number its REST API returns is spelled by the
//! JDK. Connectors and transforms that must read and write the same text use these instead of
//! growing their own copies (which drift: two earlier copies of `Double.parseDouble` trimmed
//! different characters).

pub mod float;
pub mod time;
pub mod time_pattern;
