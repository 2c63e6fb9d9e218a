//! `/encrypt-config` and `/update-tags`.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use crate::api::error::{ApiError, INVALID_JSON};
use crate::api::request::json_body;
use crate::api::ApiState;
use crate::job::load::normalize_job_value;
use crate::job::{encrypt_job, Variables};

/// The job (JSON) with its sensitive options encoded by the shade `env.shade.identifier` names,
/// in the normal form (plugin sections as lists).
pub fn encrypt_config(body: &[u8]) -> Result<Json, ApiError> {
    let tree = json_body(body)?;
    if !tree.is_object() {
        return Err(ApiError::bad_request(INVALID_JSON));
    }
    let tree = normalize_job_value(tree, "request body", &Variables::default())
        .map_err(|e| ApiError::Failed(e.to_string()))?;
    encrypt_job(&tree).map_err(|e| ApiError::Failed(e.to_string()))
}

/// Replaces this node's tags; `{}` clears them. Values become text (`null` → empty).
pub fn update_tags(state: &ApiState, body: &[u8]) -> Result<Json, ApiError> {
    let Json::Object(map) = json_body(body)? else {
        return Err(ApiError::bad_request(INVALID_JSON));
    };
    let tags: BTreeMap<String, String> = map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Json::String(s) => s,
                Json::Null => String::new(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    tracing::info!(?tags, "node tags updated");
    state.set_tags(tags);
    Ok(json!({"status": "success", "message": "update node tags done."}))
}
