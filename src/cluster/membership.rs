//! Keeping the Raft membership in line with the masters that exist, after the group formed:
//! a master started later (or one whose data dir was replaced, which gives it a new node id)
//! joins as a learner, and a learner that caught up becomes a voter while there are fewer than
//! `2f+1`, or takes the place of the voter that used to live at its address.
//!
//! Pure: the active master greets the member list and applies the changes one at a time
//! (cluster design §3.4: membership changes go through Raft, one at a time).
//!
//! Never decided here: removing a voter that merely does not answer. A master down for
//! maintenance keeps its vote; only a new node id at the same address replaces it, since two
//! processes cannot serve one address.

use std::collections::{BTreeMap, BTreeSet};

use crate::raft::NodeId;

/// The group's membership as the leader sees it: node id → member address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members {
    pub voters: BTreeMap<NodeId, String>,
    pub learners: BTreeMap<NodeId, String>,
}

/// One membership change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddLearner {
        id: NodeId,
        address: String,
    },
    Promote {
        id: NodeId,
    },
    /// `new` (a caught-up learner) takes the vote of `old`, which lived at the same address.
    Replace {
        old: NodeId,
        new: NodeId,
    },
}

/// The next change to make, if any. `seen` are the masters that answered a greeting (member
/// address → node id), `voters_wanted` is `2f+1`, `caught_up` the learners whose log is close
/// enough to the leader's to vote.
pub fn next_change(
    members: &Members,
    seen: &BTreeMap<String, NodeId>,
    voters_wanted: usize,
    caught_up: &BTreeSet<NodeId>,
) -> Option<Change> {
    let known = |id: &NodeId| members.voters.contains_key(id) || members.learners.contains_key(id);
    if let Some((address, id)) = seen.iter().find(|(_, id)| !known(id)) {
        return Some(Change::AddLearner {
            id: *id,
            address: address.clone(),
        });
    }
    for (old, address) in &members.voters {
        if let Some(new) = seen.get(address) {
            if new != old && members.learners.contains_key(new) && caught_up.contains(new) {
                return Some(Change::Replace {
                    old: *old,
                    new: *new,
                });
            }
        }
    }
    if members.voters.len() < voters_wanted {
        // Lowest address first, as at formation, so every leader picks the same one.
        let mut candidates: Vec<(&String, &NodeId)> = members
            .learners
            .iter()
            .filter(|(id, _)| caught_up.contains(id))
            // A learner at a voter's address is a replacement, not an extra voter.
            .filter(|(_, a)| !members.voters.values().any(|v| v == *a))
            .map(|(id, a)| (a, id))
            .collect();
        candidates.sort();
        if let Some((_, id)) = candidates.first() {
            return Some(Change::Promote { id: **id });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(voters: &[(NodeId, &str)], learners: &[(NodeId, &str)]) -> Members {
        let map = |v: &[(NodeId, &str)]| v.iter().map(|(i, a)| (*i, a.to_string())).collect();
        Members {
            voters: map(voters),
            learners: map(learners),
        }
    }

    fn seen(v: &[(&str, NodeId)]) -> BTreeMap<String, NodeId> {
        v.iter().map(|(a, i)| (a.to_string(), *i)).collect()
    }

    fn ids(v: &[NodeId]) -> BTreeSet<NodeId> {
        v.iter().copied().collect()
    }

    #[test]
    fn a_formed_group_with_every_master_in_it_is_left_alone() {
        let m = members(&[(1, "a:1"), (2, "b:1"), (3, "c:1")], &[(4, "d:1")]);
        let s = seen(&[("a:1", 1), ("b:1", 2), ("c:1", 3), ("d:1", 4)]);
        assert_eq!(next_change(&m, &s, 3, &ids(&[4])), None);
        // A voter that does not answer keeps its vote.
        let s = seen(&[("a:1", 1), ("b:1", 2)]);
        assert_eq!(next_change(&m, &s, 3, &ids(&[])), None);
    }

    #[test]
    fn a_master_outside_the_group_joins_as_a_learner_first() {
        let m = members(&[(1, "a:1"), (2, "b:1"), (3, "c:1")], &[]);
        let s = seen(&[("a:1", 1), ("b:1", 2), ("c:1", 3), ("e:1", 9)]);
        assert_eq!(
            next_change(&m, &s, 3, &ids(&[])),
            Some(Change::AddLearner {
                id: 9,
                address: "e:1".into()
            })
        );
    }

    #[test]
    fn a_replaced_master_takes_its_old_vote_once_it_caught_up() {
        // c:1 came back with an empty data dir, hence node id 7.
        let s = seen(&[("a:1", 1), ("b:1", 2), ("c:1", 7)]);
        let before = members(&[(1, "a:1"), (2, "b:1"), (3, "c:1")], &[]);
        assert_eq!(
            next_change(&before, &s, 3, &ids(&[])),
            Some(Change::AddLearner {
                id: 7,
                address: "c:1".into()
            })
        );
        let learning = members(&[(1, "a:1"), (2, "b:1"), (3, "c:1")], &[(7, "c:1")]);
        assert_eq!(
            next_change(&learning, &s, 3, &ids(&[])),
            None,
            "not caught up yet"
        );
        assert_eq!(
            next_change(&learning, &s, 3, &ids(&[7])),
            Some(Change::Replace { old: 3, new: 7 })
        );
    }

    #[test]
    fn caught_up_learners_fill_missing_votes_lowest_address_first() {
        let m = members(&[(1, "a:1")], &[(5, "z:1"), (4, "m:1"), (6, "b:1")]);
        let s = seen(&[("a:1", 1), ("z:1", 5), ("m:1", 4), ("b:1", 6)]);
        assert_eq!(
            next_change(&m, &s, 3, &ids(&[5, 4])),
            Some(Change::Promote { id: 4 }),
            "b:1 has not caught up; m:1 is the lowest that has"
        );
        let full = members(&[(1, "a:1"), (4, "m:1"), (5, "z:1")], &[(6, "b:1")]);
        assert_eq!(next_change(&full, &s, 3, &ids(&[6])), None, "2f+1 reached");
    }
}
