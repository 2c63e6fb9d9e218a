//! How masters form the Raft group from a static member list, deterministically (cluster design
//! §3.4 "Bootstrap from a static member list").
//!
//! SeaTunnel's member list names masters *and* workers, and nothing in it says which is which,
//! so a master with an empty store greets the entries first. Walking them in text order, the
//! first `2f+1` masters (`backup-count` = f) are the voters as soon as every entry before them
//! answered, and every master that decides decides the same (see [`decide`]); only the lowest
//! of them calls `initialize`, so two different initial memberships can never exist (split
//! brain at birth). Workers not started yet and members of another cluster (which answer as
//! strangers) listed after them hold nothing back; further masters join as learners.
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
/// (`None`: not answered yet; a member of another cluster answers as a non-master).
/// `backup_count` is f, the master failures the group is to survive.
///
/// The rule, the same on every master: walk the entries in text order; the first `2f+1`
/// distinct masters met are the voters, as soon as every entry before the last of them has
/// answered. Entries after it (workers not started yet, more masters) do not hold the group
/// back: masters found later join as learners ([`super::membership`]). Two masters that
/// decide therefore saw the same answered prefix and pick the same voters. Only when the whole
/// list answered with fewer than `2f+1` masters do the masters that exist form it (`2t+1`
/// voters of them, `t` as many failures as they can survive); then no master could have
/// decided by the prefix. The lowest voter calls `initialize`.
///
/// Why not `f+1` voters first, so that a majority alone could form the group: until the others
/// were added and promoted, losing one voter would stop the group, right when a fresh cluster
/// is most likely to see restarts; and choosing between `f+1` and `2f+1` by what has answered
/// so far would let two masters pick different voters.
pub fn decide(
    me: &Greeting,
    entries: &[(String, Option<Greeting>)],
    backup_count: usize,
) -> Decision {
    let answers: Vec<&Greeting> = entries.iter().filter_map(|(_, g)| g.as_ref()).collect();
    if me.raft_initialized || answers.iter().any(|g| g.is_master && g.raft_initialized) {
        return Decision::Follow { initializer: None };
    }
    let mut ordered: Vec<&(String, Option<Greeting>)> = entries.iter().collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    let first_voters = 2 * backup_count + 1;
    // Masters in entry order, once per node id (a master answering through two entries is one
    // master, at the first of them).
    let mut masters: Vec<(NodeId, String)> = Vec::new();
    let mut prefix_complete = false;
    let mut blocked = false;
    for (_, g) in &ordered {
        match g {
            None => blocked = true,
            Some(g) if g.is_master && !masters.iter().any(|(id, _)| *id == g.node_id) => {
                if blocked {
                    continue;
                }
                masters.push((g.node_id, g.address.clone()));
                if masters.len() == first_voters {
                    prefix_complete = true;
                }
            }
            Some(_) => {}
        }
        if prefix_complete {
            break;
        }
    }
    let voters: Vec<(NodeId, String)> = if prefix_complete {
        masters
    } else if blocked {
        return Decision::Wait {
            unanswered: ordered
                .iter()
                .filter(|(_, g)| g.is_none())
                .map(|(entry, _)| entry.clone())
                .collect(),
        };
    } else {
        // Everything answered and fewer than 2f+1 masters exist: they form it alone.
        let tolerate = tolerated_failures(backup_count, masters.len());
        masters.truncate(2 * tolerate + 1);
        masters
    };
    let Some((_, lowest)) = voters.first().cloned() else {
        // Unreachable while `me` answered as a master; waiting is the safe answer.
        return Decision::Wait {
            unanswered: Vec::new(),
        };
    };
    if voters[0].0 != me.node_id {
        return Decision::Follow {
            initializer: Some(lowest),
        };
    }
    let chosen: BTreeSet<NodeId> = voters.iter().map(|(id, _)| *id).collect();
    // Masters that answered beyond the voters are added as learners once this one leads.
    let mut learners = BTreeMap::new();
    for g in answers
        .iter()
        .filter(|g| g.is_master && !chosen.contains(&g.node_id))
    {
        learners
            .entry(g.node_id)
            .or_insert_with(|| g.address.clone());
    }
    Decision::Initialize {
        voters: voters.into_iter().collect(),
        learners,
    }
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

    fn voters(ids: &[(NodeId, &str)]) -> BTreeMap<NodeId, String> {
        ids.iter().map(|(id, a)| (*id, a.to_string())).collect()
    }

    #[test]
    fn an_unanswered_entry_before_the_first_voters_holds_formation_back() {
        let me = master("b:5801", 11);
        let mut entries = answered(&[me.clone(), master("c:5801", 22)]);
        entries.push(("a:5802".into(), None));
        assert_eq!(
            decide(&me, &entries, 1),
            Decision::Wait {
                unanswered: vec!["a:5802".into()]
            }
        );
    }

    /// Issue 14 item 7: three masters and two workers not started yet (or a member of another
    /// cluster, which answers as a non-member) after them: the masters form the group at once.
    #[test]
    fn the_first_two_f_plus_one_masters_form_without_waiting_for_later_entries() {
        let (a, b, c) = (
            master("a:5801", 30),
            master("b:5801", 10),
            master("c:5801", 20),
        );
        let mut entries = answered(&[c.clone(), b.clone(), a.clone(), worker("x:5802")]);
        entries.push(("w:5802".into(), None));
        entries.push(("y:5802".into(), None));
        let expected = Decision::Initialize {
            voters: voters(&[(30, "a:5801"), (10, "b:5801"), (20, "c:5801")]),
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
    fn every_master_that_decides_picks_the_same_voters() {
        let ms: Vec<Greeting> = (1..=5).map(|i| master(&format!("m{i}:5801"), i)).collect();
        let mut all = answered(&ms);
        all.push(("w:5802".into(), Some(worker("w:5802"))));
        // m1 has heard from m1..m3 only: the prefix up to the third master is complete.
        let mut prefix = answered(&ms[..3]);
        prefix.push(("m4:5801".into(), None));
        prefix.push(("m5:5801".into(), None));
        let Decision::Initialize {
            voters: v,
            learners,
        } = decide(&ms[0], &all, 1)
        else {
            panic!("m1 initializes")
        };
        assert_eq!(v.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(learners.keys().copied().collect::<Vec<_>>(), vec![4, 5]);
        let Decision::Initialize { voters: early, .. } = decide(&ms[0], &prefix, 1) else {
            panic!("m1 initializes")
        };
        assert_eq!(early, v);
        for (other, entries) in [(&ms[1], &all), (&ms[4], &all), (&ms[2], &prefix)] {
            assert_eq!(
                decide(other, entries, 1),
                Decision::Follow {
                    initializer: Some("m1:5801".into())
                }
            );
        }
        let Decision::Initialize { voters, .. } = decide(&ms[0], &all, 2) else {
            panic!("m1 initializes")
        };
        assert_eq!(voters.len(), 5, "f = 2: five voters");
    }

    #[test]
    fn fewer_masters_than_two_f_plus_one_form_only_once_everything_answered() {
        let me = master("a:5801", 7);
        let b = master("b:5801", 8);
        let mut entries = answered(&[me.clone(), b.clone(), worker("w:5802")]);
        entries.push(("z:5802".into(), None));
        assert!(matches!(decide(&me, &entries, 1), Decision::Wait { .. }));
        let entries = answered(&[me.clone(), b, worker("w:5802")]);
        let Decision::Initialize { voters, learners } = decide(&me, &entries, 1) else {
            panic!("two masters form")
        };
        assert_eq!((voters.len(), learners.len()), (1, 1), "2 masters: 1 voter");
        let alone = answered(&[me.clone(), worker("w:5802")]);
        let Decision::Initialize { voters, .. } = decide(&me, &alone, 0) else {
            panic!("a lone master forms a group of one")
        };
        assert_eq!(voters.len(), 1);
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
    fn a_master_answering_through_two_entries_is_one_master_at_its_first_entry() {
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
            voters: voters(&[
                (30, "10.0.0.5:5801"),
                (10, "127.0.0.1:5802"),
                (20, "127.0.0.1:5803"),
            ]),
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
