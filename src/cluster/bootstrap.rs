//! How masters form the Raft group from a static member list, deterministically (cluster design
//! §3.4 "Bootstrap from a static member list").
//!
//! SeaTunnel's member list names masters *and* workers, and nothing in it says which is which,
//! so a master with an empty store greets every entry first. Only when every entry has answered
//! (or the group is known to exist) does it decide, and every master decides the same: the
//! masters sorted by address, the first `2f+1` voters (`backup-count` = f) and the rest learners;
//! only the lowest-addressed master calls `initialize`, so two different initial memberships can
//! never exist (split brain at birth).

use std::collections::BTreeMap;

use crate::raft::NodeId;

/// What a member said about itself when greeted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    pub address: String,
    pub is_master: bool,
    pub node_id: NodeId,
    /// The member's Raft store already holds a membership.
    pub raft_initialized: bool,
}

/// What this master should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Some member-list entries have not answered; greet them again later.
    Wait { unanswered: Vec<String> },
    /// Form the group: call `initialize` with `voters`, then add `learners` once leader.
    Initialize {
        voters: BTreeMap<NodeId, String>,
        learners: BTreeMap<NodeId, String>,
    },
    /// Another master forms the group (or already did); wait to be contacted by its leader.
    Follow { initializer: Option<String> },
}

/// Decides for the master `me` given the greetings so far, one slot per member-list entry
/// (`None`: not answered yet). `tolerate` is f, the master failures to survive.
pub fn decide(me: &Greeting, entries: &[(String, Option<Greeting>)], tolerate: usize) -> Decision {
    let answers: Vec<&Greeting> = entries.iter().filter_map(|(_, g)| g.as_ref()).collect();
    if me.raft_initialized || answers.iter().any(|g| g.is_master && g.raft_initialized) {
        return Decision::Follow { initializer: None };
    }
    let unanswered: Vec<String> = entries
        .iter()
        .filter(|(_, g)| g.is_none())
        .map(|(entry, _)| entry.clone())
        .collect();
    if !unanswered.is_empty() {
        return Decision::Wait { unanswered };
    }
    let mut masters: BTreeMap<String, NodeId> = answers
        .iter()
        .filter(|g| g.is_master)
        .map(|g| (g.address.clone(), g.node_id))
        .collect();
    masters.insert(me.address.clone(), me.node_id);
    let lowest = masters.keys().next().cloned().expect("me is a master");
    if lowest != me.address {
        return Decision::Follow {
            initializer: Some(lowest),
        };
    }
    let voter_count = (2 * tolerate + 1).max(1);
    let mut voters = BTreeMap::new();
    let mut learners = BTreeMap::new();
    for (position, (address, id)) in masters.into_iter().enumerate() {
        if position < voter_count {
            voters.insert(id, address);
        } else {
            learners.insert(id, address);
        }
    }
    Decision::Initialize { voters, learners }
}

/// f from `backup-count` and the number of masters: the failures the group can survive. More
/// than the masters allow is capped, since `2f+1` voters must exist.
pub fn tolerated_failures(backup_count: usize, masters: usize) -> usize {
    backup_count.min(masters.saturating_sub(1) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master(address: &str, id: NodeId) -> Greeting {
        Greeting {
            address: address.into(),
            is_master: true,
            node_id: id,
            raft_initialized: false,
        }
    }

    fn worker(address: &str) -> Greeting {
        Greeting {
            is_master: false,
            node_id: 0,
            ..master(address, 0)
        }
    }

    fn answered(gs: &[Greeting]) -> Vec<(String, Option<Greeting>)> {
        gs.iter()
            .map(|g| (g.address.clone(), Some(g.clone())))
            .collect()
    }

    #[test]
    fn waits_until_every_entry_answered() {
        let me = master("a:5801", 11);
        let mut entries = answered(&[me.clone(), master("b:5801", 22)]);
        entries.push(("w:5802".into(), None));
        assert_eq!(
            decide(&me, &entries, 1),
            Decision::Wait {
                unanswered: vec!["w:5802".into()]
            }
        );
    }

    #[test]
    fn the_lowest_address_initializes_every_master_the_same_voters() {
        let (a, b, c) = (
            master("a:5801", 30),
            master("b:5801", 10),
            master("c:5801", 20),
        );
        let entries = answered(&[c.clone(), worker("w:5802"), a.clone(), b.clone()]);
        let expected = Decision::Initialize {
            voters: [
                (30, "a:5801".into()),
                (10, "b:5801".into()),
                (20, "c:5801".into()),
            ]
            .into(),
            learners: BTreeMap::new(),
        };
        assert_eq!(decide(&a, &entries, 1), expected);
        for other in [&b, &c] {
            assert_eq!(
                decide(other, &entries, 1),
                Decision::Follow {
                    initializer: Some("a:5801".into())
                }
            );
        }
    }

    #[test]
    fn masters_beyond_two_f_plus_one_are_learners() {
        let ms: Vec<Greeting> = (1..=5).map(|i| master(&format!("m{i}:5801"), i)).collect();
        let Decision::Initialize { voters, learners } = decide(&ms[0], &answered(&ms), 1) else {
            panic!("m1 should initialize")
        };
        assert_eq!(voters.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(learners.keys().copied().collect::<Vec<_>>(), vec![4, 5]);
    }

    #[test]
    fn an_existing_group_is_followed_never_formed_again() {
        let me = master("a:5801", 1);
        let mut b = master("b:5801", 2);
        b.raft_initialized = true;
        let entries = vec![
            ("b:5801".to_string(), Some(b)),
            ("c:5801".to_string(), None),
        ];
        assert_eq!(
            decide(&me, &entries, 1),
            Decision::Follow { initializer: None }
        );
        let restarted = Greeting {
            raft_initialized: true,
            ..me
        };
        assert_eq!(
            decide(&restarted, &[], 1),
            Decision::Follow { initializer: None }
        );
    }

    #[test]
    fn a_single_master_forms_a_group_of_one() {
        let me = master("a:5801", 7);
        let entries = answered(&[me.clone(), worker("w:5802")]);
        let Decision::Initialize { voters, .. } = decide(&me, &entries, 0) else {
            panic!()
        };
        assert_eq!(voters.len(), 1);
    }

    #[test]
    fn tolerance_is_capped_by_the_master_count() {
        assert_eq!(tolerated_failures(1, 3), 1);
        assert_eq!(tolerated_failures(1, 2), 0);
        assert_eq!(tolerated_failures(1, 1), 0);
        assert_eq!(tolerated_failures(2, 5), 2);
        assert_eq!(tolerated_failures(5, 7), 3);
    }
}
