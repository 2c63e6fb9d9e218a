//! The state-machine command: what one Raft log entry asks of the masters' maps.
//!
//! A command is a list of puts and deletes across any of the `engine_*` maps plus guards that
//! must all hold for any of it to apply. It is applied in one RocksDB batch together with
//! `last_applied`, so a job's transition from `engine_runningJobInfo` to
//! `engine_finishedJobState` is never half done (SeaTunnel #10675). Guards make "submit only if
//! the job id is free" a single replicated step instead of a read-then-write race.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::map::LogId as StoreLogId;
use crate::map::{MapId, StoreError, WriteBatch};

/// One write to one map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MapOp {
    Put {
        #[serde(with = "map_id")]
        map: MapId,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        #[serde(with = "map_id")]
        map: MapId,
        key: Vec<u8>,
    },
}

/// A precondition on the state before the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Guard {
    /// The key must not exist.
    Absent {
        #[serde(with = "map_id")]
        map: MapId,
        key: Vec<u8>,
    },
    /// The key must exist.
    Present {
        #[serde(with = "map_id")]
        map: MapId,
        key: Vec<u8>,
    },
}

/// A state-machine command: all of `ops` if every guard holds, else nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    pub guards: Vec<Guard>,
    pub ops: Vec<MapOp>,
}

impl Command {
    pub fn put(mut self, map: MapId, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        let (key, value) = (key.into(), value.into());
        self.ops.push(MapOp::Put { map, key, value });
        self
    }

    pub fn delete(mut self, map: MapId, key: impl Into<Vec<u8>>) -> Self {
        let key = key.into();
        self.ops.push(MapOp::Delete { map, key });
        self
    }

    pub fn guard(mut self, guard: Guard) -> Self {
        self.guards.push(guard);
        self
    }
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command({} guards, {} ops)",
            self.guards.len(),
            self.ops.len()
        )
    }
}

/// What applying a command did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandResult {
    /// The log index the command was applied at (0 for entries that carry no command).
    pub index: u64,
    /// The position of the first guard that did not hold; `None` when the ops were applied.
    pub failed_guard: Option<u32>,
}

impl CommandResult {
    pub fn applied(&self) -> bool {
        self.failed_guard.is_none()
    }
}

/// Decides what `command` at `log_id` writes, reading the current state through `get`. Pure but
/// for `get`; the caller writes the batch.
pub fn plan(
    command: &Command,
    log_id: StoreLogId,
    get: impl Fn(MapId, &[u8]) -> Result<Option<Vec<u8>>, StoreError>,
) -> Result<(WriteBatch, CommandResult), StoreError> {
    let mut batch = WriteBatch::new(log_id);
    for (position, guard) in command.guards.iter().enumerate() {
        let holds = match guard {
            Guard::Absent { map, key } => get(*map, key)?.is_none(),
            Guard::Present { map, key } => get(*map, key)?.is_some(),
        };
        if !holds {
            let result = CommandResult {
                index: log_id.index,
                failed_guard: Some(position as u32),
            };
            return Ok((batch, result));
        }
    }
    for op in &command.ops {
        match op {
            MapOp::Put { map, key, value } => batch.put(*map, key.clone(), value.clone()),
            MapOp::Delete { map, key } => batch.delete(*map, key.clone()),
        }
    }
    let result = CommandResult {
        index: log_id.index,
        failed_guard: None,
    };
    Ok((batch, result))
}

/// Maps travel as their stable on-disk id, never as an enum position.
mod map_id {
    use super::*;

    pub fn serialize<S: Serializer>(map: &MapId, s: S) -> Result<S::Ok, S::Error> {
        map.id().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MapId, D::Error> {
        let id = u16::deserialize(d)?;
        MapId::from_id(id).ok_or_else(|| serde::de::Error::custom(format!("unknown map id {id}")))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::raft::codec;

    fn at(index: u64) -> StoreLogId {
        StoreLogId { term: 1, index }
    }

    #[test]
    fn all_ops_apply_when_every_guard_holds() {
        let cmd = Command::default()
            .guard(Guard::Absent {
                map: MapId::RunningJobInfo,
                key: b"7".to_vec(),
            })
            .put(MapId::RunningJobInfo, *b"7", *b"info")
            .put(MapId::RunningJobState, *b"7", *b"RUNNING")
            .delete(MapId::FinishedJobState, *b"7");
        let (batch, result) = plan(&cmd, at(3), |_, _| Ok(None)).unwrap();
        assert!(result.applied());
        assert_eq!(result.index, 3);
        assert_eq!(batch.ops().len(), 3);
        assert_eq!(batch.last_applied(), at(3));
    }

    #[test]
    fn a_failed_guard_writes_nothing_but_still_advances() {
        let state: BTreeMap<(MapId, Vec<u8>), Vec<u8>> =
            [((MapId::RunningJobInfo, b"7".to_vec()), b"x".to_vec())].into();
        let get = |m: MapId, k: &[u8]| Ok(state.get(&(m, k.to_vec())).cloned());
        let cmd = Command::default()
            .guard(Guard::Present {
                map: MapId::RunningJobInfo,
                key: b"7".to_vec(),
            })
            .guard(Guard::Absent {
                map: MapId::RunningJobInfo,
                key: b"7".to_vec(),
            })
            .put(MapId::RunningJobState, *b"7", *b"RUNNING");
        let (batch, result) = plan(&cmd, at(9), get).unwrap();
        assert_eq!(result.failed_guard, Some(1));
        assert!(batch.ops().is_empty(), "{:?}", batch.ops());
        assert_eq!(batch.last_applied(), at(9), "the entry is still applied");
    }

    #[test]
    fn commands_round_trip_with_stable_map_ids() {
        let cmd = Command::default()
            .put(MapId::CheckpointIdMap, *b"k", *b"v")
            .delete(MapId::ConnectorJarRefCounters, *b"j");
        let bytes = codec::encode("command", &cmd).unwrap();
        assert_eq!(codec::decode::<Command>("command", &bytes).unwrap(), cmd);
        // The map id, not the variant position, is on the wire: 9 is engine_checkpoint-id-map.
        let op = codec::encode("op", &cmd.ops[0]).unwrap();
        assert_eq!(op[1], 9);
        let mut bad = op.clone();
        bad[1] = 200;
        assert!(
            codec::decode::<MapOp>("op", &bad).is_err(),
            "map id 200 accepted"
        );
    }
}
