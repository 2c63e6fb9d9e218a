//! The built-in source and sink plugins; each file holds one plugin.

pub mod console;
