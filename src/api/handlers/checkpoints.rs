//! `/jobs/checkpoints/:id` and `/jobs/checkpoints/history/:id` (SeaTunnel 3.x).
//!
//! A job no one knows is a 404 with SeaTunnel's fail body; a job whose checkpoints are not kept
//! (local and hybrid mode) a 500 saying so, never an empty overview that would read as "no
//! checkpoint completed".

use std::sync::Arc;

use serde_json::Value as Json;

use crate::api::checkpoint_view;
use crate::api::error::{ApiError, EMPTY_JOB_ID};
use crate::api::request::parse_job_id;
use crate::api::ApiState;
use crate::coordinator::checkpoints::CheckpointStatus;
use crate::coordinator::JobCheckpoints;

/// SeaTunnel's default `limit` of a history.
const DEFAULT_HISTORY_LIMIT: usize = 20;

pub async fn overview(state: &Arc<ApiState>, raw_id: &str) -> Result<Json, ApiError> {
    let job_id = job_id(raw_id)?;
    let checkpoints = read(state, job_id).await?;
    Ok(checkpoint_view::overview(job_id, &checkpoints))
}

pub async fn history(
    state: &Arc<ApiState>,
    raw_id: &str,
    query: &[(String, String)],
) -> Result<Json, ApiError> {
    let job_id = job_id(raw_id)?;
    let filter = HistoryFilter::parse(query)?;
    let checkpoints = read(state, job_id).await?;
    let entries = match filter.status {
        // SeaTunnel's third status; our rounds end completed or failed, never cancelled.
        StatusFilter::Canceled => Vec::new(),
        StatusFilter::Any => checkpoints.history(filter.pipeline, None, filter.limit),
        StatusFilter::Only(s) => checkpoints.history(filter.pipeline, Some(s), filter.limit),
    };
    Ok(Json::Array(
        entries
            .into_iter()
            .map(|(p, c)| checkpoint_view::history_entry(p, c))
            .collect(),
    ))
}

fn job_id(raw: &str) -> Result<i64, ApiError> {
    parse_job_id(raw)?.ok_or_else(|| ApiError::bad_request(EMPTY_JOB_ID))
}

/// The records may live in RocksDB: read them on the blocking pool, not a runtime thread.
async fn read(state: &Arc<ApiState>, job_id: i64) -> Result<JobCheckpoints, ApiError> {
    let jobs = state.jobs.clone();
    tokio::task::spawn_blocking(move || jobs.checkpoints(job_id))
        .await
        .map_err(|e| ApiError::Failed(format!("reading the checkpoint records failed: {e}")))?
        .map_err(ApiError::from)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusFilter {
    Any,
    Only(CheckpointStatus),
    Canceled,
}

/// The query of a history request, parsed at the edge.
#[derive(Debug, PartialEq, Eq)]
struct HistoryFilter {
    pipeline: Option<usize>,
    limit: usize,
    status: StatusFilter,
}

impl HistoryFilter {
    fn parse(query: &[(String, String)]) -> Result<HistoryFilter, ApiError> {
        let mut f = HistoryFilter {
            pipeline: None,
            limit: DEFAULT_HISTORY_LIMIT,
            status: StatusFilter::Any,
        };
        let number = |key: &str, v: &str| {
            v.trim().parse::<usize>().map_err(|_| {
                ApiError::bad_request(format!(
                    "{key} must be a non-negative whole number, got '{v}'"
                ))
            })
        };
        for (k, v) in query {
            match k.as_str() {
                "pipelineId" if !v.trim().is_empty() => f.pipeline = Some(number(k, v)?),
                "limit" if !v.trim().is_empty() => f.limit = number(k, v)?,
                "status" if !v.trim().is_empty() => {
                    f.status = match CheckpointStatus::parse(v) {
                        Some(s) => StatusFilter::Only(s),
                        None if v.trim().eq_ignore_ascii_case("CANCELED") => StatusFilter::Canceled,
                        None => {
                            return Err(ApiError::bad_request(format!(
                                "status must be COMPLETED, FAILED or CANCELED, got '{v}'"
                            )))
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn history_queries_parse_with_seatunnels_defaults() {
        assert_eq!(
            HistoryFilter::parse(&[]).unwrap(),
            HistoryFilter {
                pipeline: None,
                limit: 20,
                status: StatusFilter::Any
            }
        );
        let f = HistoryFilter::parse(&q(&[
            ("pipelineId", "2"),
            ("limit", "5"),
            ("status", "failed"),
        ]))
        .unwrap();
        assert_eq!(f.pipeline, Some(2));
        assert_eq!(f.limit, 5);
        assert_eq!(f.status, StatusFilter::Only(CheckpointStatus::Failed));
        assert_eq!(
            HistoryFilter::parse(&q(&[("status", "CANCELED")]))
                .unwrap()
                .status,
            StatusFilter::Canceled
        );
        let e = HistoryFilter::parse(&q(&[("limit", "-1")])).unwrap_err();
        assert!(matches!(e, ApiError::BadRequest(m) if m.contains("limit")));
        let e = HistoryFilter::parse(&q(&[("status", "DONE")])).unwrap_err();
        assert!(matches!(e, ApiError::BadRequest(m) if m.contains("COMPLETED, FAILED")));
    }
}
