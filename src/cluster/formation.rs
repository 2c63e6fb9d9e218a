//! Agreeing on the first voters when not every member-list entry answers: one round of
//! single-decree Paxos among the masters, whose only value is the initial voter set.
//!
//! Why an agreement round at all: the member list names masters and workers alike, so an entry
//! that does not answer may be either. Forming by a fixed rule over what answered ([`super::
//! bootstrap::decide`]) is safe only when every master that decides saw the same entries, which
//! holds once every entry before the first `2f+1` masters answered. A worker not started yet
//! (or a master down) earlier in the list would then hold the group back for good, while a
//! majority of the masters is enough for Raft. Two masters that saw different entries could
//! pick different voter sets, and openraft splits brain at birth if `initialize` is called with
//! two memberships. So every initial voter set is first *chosen* by a quorum of masters, each of
//! which accepts at most one value per ballot and persists its promise before it answers; a set
//! is initialized only once chosen, and Paxos makes every later proposal carry the chosen set.
//!
//! The quorum is a majority of the masters presumed to exist ([`quorum`]): every master that
//! answered, and up to `2f+1` (`backup-count` = f) if entries that did not answer may be
//! masters. Two quorums therefore intersect as long as no more masters exist than the larger of
//! `2f+1` and those that answered the proposer: the documented assumption is that a cluster
//! runs its first `2f+1` masters together, and masters beyond them are started once the group
//! formed (they join as learners). With every entry answered the count is exact.
//!
//! Pure: the acceptor's state transitions and the proposer's choices; the master's shell
//! (`node::formation`) persists the acceptor state and carries the calls.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::raft::NodeId;

/// The initial voters: node id → member address.
pub type Voters = BTreeMap<NodeId, String>;

/// A proposal number, unique per proposer (its node id breaks ties) and ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ballot {
    pub round: u64,
    pub node: NodeId,
}

/// What a master, as acceptor, has promised and accepted. Persisted before every answer that
/// changes it: a master that forgot a promise after a restart could help choose a second set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acceptor {
    /// The highest ballot this master promised not to go below.
    pub promised: Option<Ballot>,
    /// The last value accepted, with its ballot.
    pub accepted: Option<(Ballot, Voters)>,
}

/// The answer to a prepare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promise {
    /// The acceptor promised this ballot (no earlier one may now be accepted).
    pub granted: bool,
    /// The acceptor's highest promise: a refused proposer retries above it.
    pub promised: Option<Ballot>,
    pub accepted: Option<(Ballot, Voters)>,
}

/// The answer to an accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub accepted: bool,
    pub promised: Option<Ballot>,
}

impl Acceptor {
    /// Phase 1: promise `ballot` unless a higher or equal one was promised already. The
    /// returned state is to be persisted before the promise is sent.
    pub fn prepare(&self, ballot: Ballot) -> (Acceptor, Promise) {
        if self.promised.is_some_and(|p| p >= ballot) {
            return (self.clone(), self.promise(false));
        }
        let next = Acceptor {
            promised: Some(ballot),
            accepted: self.accepted.clone(),
        };
        let promise = next.promise(true);
        (next, promise)
    }

    /// Phase 2: accept `voters` under `ballot` unless a higher ballot was promised since.
    pub fn accept(&self, ballot: Ballot, voters: &Voters) -> (Acceptor, Acceptance) {
        if self.promised.is_some_and(|p| p > ballot) {
            return (
                self.clone(),
                Acceptance {
                    accepted: false,
                    promised: self.promised,
                },
            );
        }
        let next = Acceptor {
            promised: Some(ballot),
            accepted: Some((ballot, voters.clone())),
        };
        let promised = next.promised;
        (
            next,
            Acceptance {
                accepted: true,
                promised,
            },
        )
    }

    fn promise(&self, granted: bool) -> Promise {
        Promise {
            granted,
            promised: self.promised,
            accepted: self.accepted.clone(),
        }
    }
}

/// The value a proposer must send in phase 2, given the promises it was granted: the set
/// accepted under the highest ballot among them, else its own. This is what keeps a chosen set
/// chosen: any quorum of promises contains an acceptor that accepted it.
pub fn value_to_propose<'a>(granted: impl IntoIterator<Item = &'a Promise>, own: Voters) -> Voters {
    granted
        .into_iter()
        .filter_map(|p| p.accepted.as_ref())
        .max_by_key(|(ballot, _)| *ballot)
        .map(|(_, voters)| voters.clone())
        .unwrap_or(own)
}

/// The round a proposer tries next: above every round it has seen promised or accepted.
pub fn next_round<'a>(seen: impl IntoIterator<Item = &'a Ballot>) -> u64 {
    seen.into_iter().map(|b| b.round).max().unwrap_or(0) + 1
}

/// How many distinct masters must promise and accept for a set to be chosen: a majority of the
/// masters presumed to exist. `known` masters answered, `unanswered` entries may be masters,
/// and `backup_count` (f) asks for `2f+1`; more than `2f+1` are presumed only when that many
/// answered.
pub fn quorum(known: usize, unanswered: usize, backup_count: usize) -> usize {
    let wanted = 2 * backup_count + 1;
    let presumed = known.max(wanted.min(known + unanswered));
    presumed / 2 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ballot(round: u64, node: NodeId) -> Ballot {
        Ballot { round, node }
    }

    fn set(ids: &[NodeId]) -> Voters {
        ids.iter().map(|id| (*id, format!("m{id}:5801"))).collect()
    }

    #[test]
    fn an_acceptor_keeps_its_promise_and_reports_what_it_accepted() {
        let a = Acceptor::default();
        let (a, p) = a.prepare(ballot(1, 7));
        assert!(p.granted);
        assert_eq!(p.accepted, None);
        // A lower or equal ballot is refused, naming the promise to go above.
        let (same, refused) = a.prepare(ballot(1, 7));
        assert!(!refused.granted);
        assert_eq!(refused.promised, Some(ballot(1, 7)));
        assert_eq!(same, a);
        assert!(!a.prepare(ballot(1, 3)).1.granted);
        let (a, ok) = a.accept(ballot(1, 7), &set(&[7, 8]));
        assert!(ok.accepted);
        // A higher ballot is promised and learns the accepted set.
        let (a, p) = a.prepare(ballot(2, 3));
        assert!(p.granted);
        assert_eq!(p.accepted, Some((ballot(1, 7), set(&[7, 8]))));
        // The older proposer can no longer get a value accepted.
        let (_, late) = a.accept(ballot(1, 7), &set(&[7]));
        assert!(!late.accepted);
        assert_eq!(late.promised, Some(ballot(2, 3)));
    }

    #[test]
    fn a_proposer_carries_the_highest_accepted_set() {
        let promises = [
            Promise {
                granted: true,
                promised: Some(ballot(5, 1)),
                accepted: Some((ballot(2, 9), set(&[1, 9]))),
            },
            Promise {
                granted: true,
                promised: Some(ballot(5, 1)),
                accepted: Some((ballot(3, 4), set(&[4, 9]))),
            },
            Promise {
                granted: true,
                promised: Some(ballot(5, 1)),
                accepted: None,
            },
        ];
        assert_eq!(value_to_propose(&promises, set(&[1])), set(&[4, 9]));
        assert_eq!(value_to_propose(&promises[2..], set(&[1])), set(&[1]));
        assert_eq!(next_round([&ballot(3, 4), &ballot(5, 1)]), 6);
        assert_eq!(next_round([]), 1);
    }

    #[test]
    fn the_quorum_is_a_majority_of_the_masters_presumed_to_exist() {
        // f = 1: three masters presumed while entries may still be masters.
        assert_eq!(quorum(2, 3, 1), 2);
        assert_eq!(quorum(3, 2, 1), 2);
        assert_eq!(quorum(1, 4, 1), 2, "a lone master never decides for three");
        // Every entry answered: the count is exact.
        assert_eq!(quorum(1, 0, 1), 1);
        assert_eq!(quorum(2, 0, 1), 2);
        // More masters answered than 2f+1: a majority of them.
        assert_eq!(quorum(5, 1, 1), 3);
        assert_eq!(quorum(3, 4, 2), 3, "f = 2: five presumed");
    }

    /// Deterministic xorshift, so a failing interleaving can be replayed from its seed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Three masters (f = 1), each proposing the set its own view gives, with every message to
    /// an acceptor delivered or lost at random and the two phases of different proposers
    /// interleaved (a proposer's accepts may go out long after another one prepared): across
    /// thousands of runs, no two different sets are ever chosen.
    #[test]
    fn interleaved_proposers_with_lost_messages_never_choose_two_sets() {
        const MASTERS: usize = 3;
        let own = [set(&[1]), set(&[2, 3]), set(&[1, 2, 3])];
        let q = quorum(2, 1, 1);
        let mut runs_choosing = 0;
        for seed in 1..=4000u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut acceptors = vec![Acceptor::default(); MASTERS];
            let mut chosen: Option<Voters> = None;
            let mut rounds = [0u64; MASTERS];
            // A proposer's phase 2 waiting to be sent: its ballot and value.
            let mut pending: [Option<(Ballot, Voters)>; MASTERS] = Default::default();
            for _step in 0..80 {
                let p = rng.below(MASTERS);
                if let Some((b, value)) = pending[p].take().filter(|_| rng.below(2) == 0) {
                    let mut accepted = 0;
                    for acceptor in acceptors.iter_mut() {
                        if rng.below(3) == 0 {
                            continue; // lost
                        }
                        let (next, a) = acceptor.accept(b, &value);
                        *acceptor = next;
                        accepted += usize::from(a.accepted);
                    }
                    if accepted >= q {
                        match &chosen {
                            Some(c) => assert_eq!(c, &value, "seed {seed}: two sets chosen"),
                            None => chosen = Some(value),
                        }
                    }
                    continue;
                }
                rounds[p] += 1 + rng.below(2) as u64;
                let b = ballot(rounds[p], p as NodeId + 1);
                let mut granted = Vec::new();
                for acceptor in acceptors.iter_mut() {
                    if rng.below(3) == 0 {
                        continue;
                    }
                    let (next, promise) = acceptor.prepare(b);
                    *acceptor = next;
                    if promise.granted {
                        granted.push(promise);
                    } else if let Some(pr) = promise.promised {
                        rounds[p] = rounds[p].max(pr.round);
                    }
                }
                if granted.len() >= q {
                    pending[p] = Some((b, value_to_propose(&granted, own[p].clone())));
                }
            }
            runs_choosing += usize::from(chosen.is_some());
        }
        assert!(
            runs_choosing > 1000,
            "the simulation rarely chooses anything: {runs_choosing}"
        );
    }
}
