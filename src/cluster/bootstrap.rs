//! Which voters a master proposes to form the Raft group from a static member list (cluster
//! design §3.4 "Bootstrap from a static member list"); the masters then agree on one set
//! ([`super::formation`]) before any of them calls `initialize`.
//!
//! SeaTunnel's member list names masters *and* workers, and nothing in it says which is which,
//! so a master with an empty store greets the entries first. Walking them in text order, the
//! first `2f+1` masters (`backup-count` = f) are the voters as soon as every entry before them
//! answered, so masters started together form with every one of them voting. When entries
//! still do not answer (workers not started yet, a master down) a master waits
//! [`FORMATION_GRACE`] for them, then proposes the masters that did answer once they are a
//! quorum of the masters presumed to exist. Members of another cluster answer as strangers and
//! count as non-masters. Further masters join as learners.
//!
//! One member is one member however often the list names it: entries that resolve to the same
//! address are merged before greeting ([`distinct_entries`]), and a master that still answers
//! through two entries (two addresses of one host) counts once, at its lowest address
//! ([`decide`]). Otherwise it would stand twice among the masters, and the one at the lowest
//! address would wait for "itself" at the other to form the group: nothing ever forms.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::raft::NodeId;

use super::formation::{self, Voters};

pub use crate::config::{distinct_entries, Alias, ResolvedEntry};

/// How long a master that could form the group from the masters that answered still waits for
/// the entries that did not: masters started "at about the same time" (the documented way)
/// should all be voters from the start, while a worker started later or a master that is down
/// must not hold the group back for long.
pub const FORMATION_GRACE: Duration = Duration::from_secs(10);

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
    /// Greet the entries that did not answer again later. `quorum_answered`: the masters that
    /// answered could form the group once [`FORMATION_GRACE`] passed.
    Wait {
        unanswered: Vec<String>,
        quorum_answered: bool,
    },
    /// Propose `voters` to `acceptors` (every master that answered, this one included); the set
    /// is chosen once `quorum` of them accepted it. `rank` is this master's place among the
    /// acceptors in entry order: the first proposes at once, the others later, so that one
    /// proposer usually runs alone.
    Propose {
        voters: Voters,
        acceptors: Voters,
        quorum: usize,
        rank: usize,
    },
    /// The group exists (here or on a master that answered); wait for its leader.
    Follow,
}

/// Decides for the master `me` given the greetings so far, one slot per member-list entry
/// (`None`: not answered yet; a member of another cluster answers as a non-master).
/// `backup_count` is f, the master failures the group is to survive; `grace_over` says the
/// masters that answered have been a quorum for [`FORMATION_GRACE`].
///
/// The voters, walking the entries in text order:
/// - the first `2f+1` distinct masters, once every entry before the last of them answered;
/// - else, once every entry answered, the masters that exist (`2t+1` of them, `t` as many
///   failures as they can survive);
/// - else, after the grace, the masters that answered (again `2t+1` of them), if they are a
///   quorum of the masters presumed to exist ([`formation::quorum`]). Not with `backup-count`
///   0: one master would be a quorum, and two masters that cannot reach each other would each
///   form a group of their own.
///
/// Views differ between masters, so these sets may differ; that is why they are proposals, and
/// only the set a quorum accepted is initialized.
pub fn decide(
    me: &Greeting,
    entries: &[(String, Option<Greeting>)],
    backup_count: usize,
    grace_over: bool,
) -> Decision {
    let answers: Vec<&Greeting> = entries.iter().filter_map(|(_, g)| g.as_ref()).collect();
    if me.raft_initialized || answers.iter().any(|g| g.is_master && g.raft_initialized) {
        return Decision::Follow;
    }
    let mut ordered: Vec<&(String, Option<Greeting>)> = entries.iter().collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    // Masters in entry order, once per node id (a master answering through two entries is one
    // master, at the first of them), and how many come before the first unanswered entry.
    let mut masters: Vec<(NodeId, String)> = Vec::new();
    let mut before_gap: Option<usize> = None;
    let mut unanswered = Vec::new();
    for (entry, g) in &ordered {
        match g {
            None => {
                before_gap.get_or_insert(masters.len());
                unanswered.push(entry.clone());
            }
            Some(g) if g.is_master && !masters.iter().any(|(id, _)| *id == g.node_id) => {
                masters.push((g.node_id, g.address.clone()));
            }
            Some(_) => {}
        }
    }
    let known = masters.len();
    let quorum = formation::quorum(known, unanswered.len(), backup_count);
    let first_voters = 2 * backup_count + 1;
    let count = if before_gap.unwrap_or(known) >= first_voters {
        first_voters
    } else if unanswered.is_empty() || (grace_over && backup_count > 0 && known >= quorum) {
        2 * tolerated_failures(backup_count, known) + 1
    } else {
        return Decision::Wait {
            unanswered,
            quorum_answered: backup_count > 0 && known >= quorum,
        };
    };
    let Some(rank) = masters.iter().position(|(id, _)| *id == me.node_id) else {
        // Unreachable while `me` answered as a master; waiting is the safe answer.
        return Decision::Wait {
            unanswered,
            quorum_answered: false,
        };
    };
    Decision::Propose {
        voters: masters.iter().take(count).cloned().collect(),
        acceptors: masters.into_iter().collect(),
        quorum,
        rank,
    }
}

/// The masters that answered but are not among the chosen voters: the new leader adds them as
/// learners.
pub fn learners(acceptors: &Voters, chosen: &Voters) -> Voters {
    acceptors
        .iter()
        .filter(|(id, _)| !chosen.contains_key(id))
        .map(|(id, a)| (*id, a.clone()))
        .collect()
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
    use std::collections::BTreeMap;

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

    /// The voters `me` proposes, with its rank; panics naming the decision otherwise.
    fn proposal(d: Decision) -> (Vec<NodeId>, usize, usize) {
        match d {
            Decision::Propose {
                voters,
                quorum,
                rank,
                ..
            } => (voters.keys().copied().collect(), quorum, rank),
            other => panic!("expected a proposal, got {other:?}"),
        }
    }

    #[test]
    fn an_unanswered_entry_before_the_first_voters_waits_for_the_grace() {
        let me = master("b:5801", 11);
        let mut entries = answered(&[me.clone(), master("c:5801", 22)]);
        entries.push(("a:5802".into(), None));
        assert_eq!(
            decide(&me, &entries, 1, false),
            Decision::Wait {
                unanswered: vec!["a:5802".into()],
                quorum_answered: true,
            }
        );
        // Two masters of three presumed are a quorum: after the grace they propose one voter
        // (two cannot survive a failure), the other to join as a learner.
        assert_eq!(proposal(decide(&me, &entries, 1, true)), (vec![11], 2, 0));
        // A third master answering makes three voters.
        entries.push(("d:5801".into(), Some(master("d:5801", 33))));
        assert_eq!(
            proposal(decide(&me, &entries, 1, true)),
            (vec![11, 22, 33], 2, 0)
        );
    }

    /// Issue 14 item 7: three masters and two workers not started yet listed *before* them (or
    /// a member of another cluster, which answers as a non-member): after the grace, the three
    /// masters propose all three as voters; after them, at once.
    #[test]
    fn masters_propose_without_workers_that_did_not_answer() {
        let (a, b, c) = (
            master("m1:5801", 30),
            master("m2:5801", 10),
            master("m3:5801", 20),
        );
        let mut entries = answered(&[c.clone(), b.clone(), a.clone(), worker("x:5802")]);
        entries.push(("a-worker:5802".into(), None));
        entries.push(("b-worker:5802".into(), None));
        assert!(matches!(
            decide(&a, &entries, 1, false),
            Decision::Wait {
                quorum_answered: true,
                ..
            }
        ));
        assert_eq!(
            proposal(decide(&a, &entries, 1, true)),
            (vec![10, 20, 30], 2, 0)
        );
        assert_eq!(
            proposal(decide(&c, &entries, 1, true)).2,
            2,
            "m3 ranks third"
        );
        // Listed after the masters, they hold nothing back even before the grace.
        let mut after = answered(&[c.clone(), b.clone(), a.clone()]);
        after.push(("w1:5802".into(), None));
        after.push(("w2:5802".into(), None));
        assert_eq!(
            proposal(decide(&b, &after, 1, false)),
            (vec![10, 20, 30], 2, 1)
        );
    }

    #[test]
    fn a_lone_master_among_silent_entries_never_proposes_for_the_others() {
        let me = master("a:5801", 1);
        let mut entries = answered(std::slice::from_ref(&me));
        entries.push(("b:5801".into(), None));
        entries.push(("c:5801".into(), None));
        assert_eq!(
            decide(&me, &entries, 1, true),
            Decision::Wait {
                unanswered: vec!["b:5801".into(), "c:5801".into()],
                quorum_answered: false,
            }
        );
    }

    /// With `backup-count` 0 one master would be a quorum: two masters that cannot reach each
    /// other would each form a group. They wait for the entries before the first master instead.
    #[test]
    fn backup_count_zero_never_forms_without_the_entries_before_the_first_master() {
        let me = master("b:5801", 2);
        let mut entries = answered(&[me.clone(), master("c:5801", 3)]);
        entries.push(("a:5801".into(), None));
        assert_eq!(
            decide(&me, &entries, 0, true),
            Decision::Wait {
                unanswered: vec!["a:5801".into()],
                quorum_answered: false,
            }
        );
        entries[2].1 = Some(master("a:5801", 1));
        assert_eq!(proposal(decide(&me, &entries, 0, false)).0, vec![1]);
    }

    #[test]
    fn every_master_with_a_complete_prefix_proposes_the_same_voters() {
        let ms: Vec<Greeting> = (1..=5).map(|i| master(&format!("m{i}:5801"), i)).collect();
        let mut all = answered(&ms);
        all.push(("w:5802".into(), Some(worker("w:5802"))));
        // m1 has heard from m1..m3 only: the prefix up to the third master is complete.
        let mut prefix = answered(&ms[..3]);
        prefix.push(("m4:5801".into(), None));
        prefix.push(("m5:5801".into(), None));
        let Decision::Propose {
            voters: v,
            acceptors,
            quorum,
            ..
        } = decide(&ms[0], &all, 1, false)
        else {
            panic!("m1 proposes")
        };
        assert_eq!(v.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(quorum, 3, "five masters answered: a majority of five");
        assert_eq!(
            learners(&acceptors, &v).keys().copied().collect::<Vec<_>>(),
            vec![4, 5]
        );
        for (other, entries) in [(&ms[1], &all), (&ms[4], &all), (&ms[2], &prefix)] {
            assert_eq!(proposal(decide(other, entries, 1, false)).0, vec![1, 2, 3]);
        }
        assert_eq!(proposal(decide(&ms[0], &all, 2, false)).0.len(), 5, "f = 2");
    }

    #[test]
    fn fewer_masters_than_two_f_plus_one_form_once_everything_answered() {
        let me = master("a:5801", 7);
        let b = master("b:5801", 8);
        let entries = answered(&[me.clone(), b, worker("w:5802")]);
        let Decision::Propose {
            voters,
            acceptors,
            quorum,
            ..
        } = decide(&me, &entries, 1, false)
        else {
            panic!("two masters form")
        };
        assert_eq!(
            (voters.len(), quorum),
            (1, 2),
            "2 masters: 1 voter, both agree"
        );
        assert_eq!(learners(&acceptors, &voters).len(), 1);
        let alone = answered(&[me.clone(), worker("w:5802")]);
        assert_eq!(proposal(decide(&me, &alone, 0, false)), (vec![7], 1, 0));
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
        assert_eq!(decide(&me, &entries, 1, true), Decision::Follow);
        let restarted = Greeting {
            raft_initialized: true,
            ..me
        };
        assert_eq!(decide(&restarted, &[], 1, false), Decision::Follow);
    }

    #[test]
    fn a_master_answering_through_two_entries_is_one_master_at_its_first_entry() {
        let (a, b, c) = (
            master("127.0.0.1:5801", 30),
            master("127.0.0.1:5802", 10),
            master("127.0.0.1:5803", 20),
        );
        // a answers again through an alias the resolution did not merge (another address of
        // its host); whichever greeting a took for itself, it proposes the same.
        let alias = master("10.0.0.5:5801", 30);
        let entries = answered(&[a.clone(), alias.clone(), b.clone(), c.clone()]);
        let expected = voters(&[
            (30, "10.0.0.5:5801"),
            (10, "127.0.0.1:5802"),
            (20, "127.0.0.1:5803"),
        ]);
        for m in [&a, &alias, &b] {
            let Decision::Propose { voters, quorum, .. } = decide(m, &entries, 1, false) else {
                panic!("proposes")
            };
            assert_eq!((voters, quorum), (expected.clone(), 2));
        }
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
