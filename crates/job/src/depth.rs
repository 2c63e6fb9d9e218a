//! One bound on how deeply a job's lists and objects may nest, wherever a job arrives (a file,
//! a REST body in HOCON or JSON).
//!
//! Why a bound at all: the HOCON parser, the evaluator, every later walk of the tree and even
//! dropping it recurse once per level. A 4 KB body of `[` × 2 000 overflowed a tokio worker's
//! 2 MiB stack and aborted the whole process, so one request could take masters down one after
//! another. With the bound checked before any recursion goes deeper, every walk of a job tree is
//! at most [`MAX_NESTING`] frames deep.

use serde_json::Value as Json;

/// The deepest nesting of lists and objects inside a job's root object (the root is not a
/// level). SeaTunnel's own job files nest at most about 8 levels (a FakeSource row inside
/// `rows` inside `source`); serde_json stops at 128. 64 leaves room for any real job and keeps
/// the deepest walk far inside a worker's stack.
pub const MAX_NESTING: usize = 64;

/// Whether a job tree nests deeper than [`MAX_NESTING`] below its root.
pub fn job_too_deep(tree: &Json) -> bool {
    exceeds(tree, MAX_NESTING + 1)
}

/// How deeply `tree` nests (a scalar is 0, `[]` is 1), counted without recursion, stopping as
/// soon as the count passes `limit`.
pub fn exceeds(tree: &Json, limit: usize) -> bool {
    let mut stack: Vec<(&Json, usize)> = vec![(tree, 0)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Json>> = match value {
            Json::Array(items) => Box::new(items.iter()),
            Json::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth + 1 > limit {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

/// The message every loader gives for a too-deep job, naming the limit.
pub fn too_deep_message() -> String {
    format!(
        "lists and objects nest deeper than {MAX_NESTING} levels; SeaTunnel jobs need far fewer, so flatten the value"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Json {
        let mut v = json!(1);
        for i in 0..levels {
            v = if i % 2 == 0 {
                json!([v])
            } else {
                json!({"a": v})
            };
        }
        v
    }

    #[test]
    fn counts_lists_and_objects_up_to_the_limit() {
        assert!(!exceeds(&json!(1), 0));
        assert!(exceeds(&json!([]), 0));
        assert!(!exceeds(&json!([]), 1));
        assert!(!exceeds(&nested(MAX_NESTING), MAX_NESTING));
        assert!(exceeds(&nested(MAX_NESTING + 1), MAX_NESTING));
        // Wide is not deep.
        let wide = Json::Array((0..10_000).map(|i| json!({"i": i})).collect());
        assert!(!exceeds(&wide, 2));
    }
}
