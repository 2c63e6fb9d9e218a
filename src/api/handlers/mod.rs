//! One file per endpoint family; each handler takes parsed input and returns JSON or an
//! [`ApiError`](super::ApiError).

pub mod checkpoints;
pub mod config;
pub mod health;
pub mod jobs_read;
pub mod jobs_write;
pub mod logs;
pub mod system;
