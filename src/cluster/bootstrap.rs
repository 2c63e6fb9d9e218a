//! How masters form the Raft group from a static member list, deterministically (cluster design
//! §3.4 "Bootstrap from a static member list").
//!
//! SeaTunnel's member list names masters *and* workers, and nothing in it says which is which,
//! so a master with an empty store greets every entry first. Only when every entry has answered
//! (or the group is known to exist) does it decide, and every master decides the same: the
//! masters sorted by address, the first `2f+1` voters (`backup-count` = f) and the rest learners;
//! only the lowest-addressed master calls `initialize`, so two different initial memberships can
//! never exist (split brain at birth).
//!
//! One member is one member however often the list names it: entries that resolve to the same
//! address are merged before greeting ([`distinct_entries`]), and a master that still answers
//! through two entries (two addresses of one host) counts once, at its lowest address
//! ([`decide`]). Otherwise it would stand twice among the masters, and the one at the lowest
//! address would wait for "itself" at the other to form the group: nothing ever forms.

use std::collections::{BTreeMap, BTreeSet};

use crate::raft::NodeId;

pub use crate::config::{distinct_entries, Alias, ResolvedEntry};

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
    // One place per master node id, its lowest address: a master answering through two
    // entries is still one master.
    let mut address_of: BTreeMap<NodeId, String> = BTreeMap::new();
    for g in answers
        .iter()
        .copied()
        .filter(|g| g.is_master)
        .chain(std::iter::once(me))
    {
        address_of
            .entry(g.node_id)
            .and_modify(|a| {
                if g.address < *a {
                    a.clone_from(&g.address);
                }
            })
            .or_insert_with(|| g.address.clone());
    }
    let my_address = address_of[&me.node_id].clone();
    let masters: BTreeMap<String, NodeId> = address_of.into_iter().map(|(id, a)| (a, id)).collect();
    let lowest = masters.keys().next().cloned().expect("me is a master");
    if lowest != my_address {
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

/// How many distinct masters answered (one per node id, however many entries reach it).
pub fn master_count<'a>(answers: impl IntoIterator<Item = &'a Greeting>) -> usize {
    answers
        .into_iter()
        .filter(|g| g.is_master)
        .map(|g| g.node_id)
        .collect::<BTreeSet<_>>()
        .len()
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
    fn a_master_answering_through_two_entries_is_one_master_at_its_lowest_address() {
        let (a, b, c) = (
            master("127.0.0.1:5801", 30),
            master("127.0.0.1:5802", 10),
            master("127.0.0.1:5803", 20),
        );
        // a answers again through an alias the resolution did not merge (another address of
        // its host); whichever greeting a took for itself, it still forms the group.
        let alias = master("10.0.0.5:5801", 30);
        let entries = answered(&[a.clone(), alias.clone(), b.clone(), c.clone()]);
        let expected = Decision::Initialize {
            voters: [
                (30, "10.0.0.5:5801".into()),
                (10, "127.0.0.1:5802".into()),
                (20, "127.0.0.1:5803".into()),
            ]
            .into(),
            learners: BTreeMap::new(),
        };
        assert_eq!(decide(&a, &entries, 1), expected);
        assert_eq!(decide(&alias, &entries, 1), expected);
        assert_eq!(
            decide(&b, &entries, 1),
            Decision::Follow {
                initializer: Some("10.0.0.5:5801".into())
            }
        );
        assert_eq!(
            master_count(entries.iter().filter_map(|(_, g)| g.as_ref())),
            3
        );
    }

    fn resolved(entry: &str, ports: &[u16], ips: &[&str]) -> ResolvedEntry {
        ResolvedEntry {
            entry: entry.into(),
            ports: ports.iter().copied().collect(),
            ips: ips.iter().map(|ip| ip.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn entries_resolving_to_one_address_are_one_member_kept_by_the_lowest_text() {
        let list = [
            resolved("localhost:5801", &[5801], &["127.0.0.1", "::1"]),
            resolved("127.0.0.1:5802", &[5802], &["127.0.0.1"]),
            resolved("127.0.0.1:5801", &[5801], &["127.0.0.1"]),
            resolved("127.0.0.1:5803", &[5803], &["127.0.0.1"]),
        ];
        let (kept, aliases) = distinct_entries(&list);
        assert_eq!(kept, vec![1, 2, 3], "kept in list order");
        assert_eq!(
            aliases,
            vec![Alias {
                alias: "localhost:5801".into(),
                kept: "127.0.0.1:5801".into()
            }]
        );
        // Another master listing the same entries in another order keeps the same one.
        let mut reversed = list.to_vec();
        reversed.reverse();
        let (kept, aliases) = distinct_entries(&reversed);
        let names: Vec<&str> = kept.iter().map(|i| reversed[*i].entry.as_str()).collect();
        assert_eq!(
            names,
            ["127.0.0.1:5803", "127.0.0.1:5801", "127.0.0.1:5802"]
        );
        assert_eq!(aliases[0].kept, "127.0.0.1:5801");
    }

    #[test]
    fn other_ports_unresolved_names_and_repeated_text_are_told_apart_right() {
        let list = [
            // Every port of the host (auto-increment) is not the member at one of them.
            resolved("127.0.0.1", &[5801, 5802, 5803], &["127.0.0.1"]),
            resolved("127.0.0.1:5802", &[5802], &["127.0.0.1"]),
            // Names that do not resolve yet are members of their own...
            resolved("later-a:5801", &[5801], &[]),
            resolved("later-b:5801", &[5801], &[]),
            // ...but the same text twice is one member.
            resolved("later-a:5801", &[5801], &[]),
        ];
        let (kept, aliases) = distinct_entries(&list);
        assert_eq!(kept, vec![0, 1, 2, 3]);
        assert_eq!(
            aliases,
            vec![Alias {
                alias: "later-a:5801".into(),
                kept: "later-a:5801".into()
            }]
        );
    }

    #[test]
    fn aliasing_is_transitive() {
        let list = [
            resolved("a:5801", &[5801], &["10.0.0.1"]),
            resolved("c:5801", &[5801], &["10.0.0.2"]),
            resolved("b:5801", &[5801], &["10.0.0.1", "10.0.0.2"]),
        ];
        let (kept, aliases) = distinct_entries(&list);
        assert_eq!(kept, vec![0]);
        let mut names: Vec<&str> = aliases.iter().map(|a| a.alias.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["b:5801", "c:5801"]);
        assert!(aliases.iter().all(|a| a.kept == "a:5801"));
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
