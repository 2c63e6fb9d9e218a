//! Member addresses as written in `tcp-ip.member-list` and the client's `cluster-members`,
//! with Hazelcast's rules for which addresses an entry stands for.
//!
//! Accepted forms (Hazelcast's `AddressUtil`): `host`, `host:port`, IPv4 `a.b.c.d`, a range or
//! wildcard in the last octet (`192.168.1.0-7`, `10.0.0.*`), bare IPv6 (`::1`, no port possible)
//! and bracketed IPv6 with a port (`[fe80::1]:5801`). One list entry may hold several addresses
//! separated by `,`, `;` or spaces.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

use super::Role;

/// One member-list entry as resolved: the ports it stands for and the IP addresses its host
/// resolved to (empty while it does not resolve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEntry {
    pub entry: String,
    pub ports: BTreeSet<u16>,
    pub ips: BTreeSet<IpAddr>,
}

/// An entry left out because another entry names the same member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub alias: String,
    pub kept: String,
}

/// Which entries name distinct members; returns the positions of the entries kept, in list
/// order, and the aliases left out.
///
/// Two entries name the same member when they are the same text, or stand for the same ports
/// and their hosts resolved to a common IP address (`localhost:5801` and `127.0.0.1:5801`); an
/// entry that did not resolve is a member of its own. Of each group of aliases the entry whose
/// text sorts first is kept, whatever the list order, so masters whose lists name the same
/// aliases in another order greet, count and order the same members.
pub fn distinct_entries(entries: &[ResolvedEntry]) -> (Vec<usize>, Vec<Alias>) {
    let same = |a: &ResolvedEntry, b: &ResolvedEntry| {
        a.entry == b.entry || (a.ports == b.ports && !a.ips.is_disjoint(&b.ips))
    };
    // Each entry's group is named by its first member; aliasing is made transitive by merging.
    let mut group: Vec<usize> = (0..entries.len()).collect();
    for j in 0..entries.len() {
        for i in 0..j {
            if same(&entries[i], &entries[j]) {
                let (from, to) = (group[j].max(group[i]), group[j].min(group[i]));
                for g in group.iter_mut().filter(|g| **g == from) {
                    *g = to;
                }
            }
        }
    }
    let mut kept_of: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, g) in group.iter().enumerate() {
        let kept = kept_of.entry(*g).or_insert(i);
        if entries[i].entry < entries[*kept].entry {
            *kept = i;
        }
    }
    let mut kept: Vec<usize> = kept_of.values().copied().collect();
    kept.sort_unstable();
    let aliases = group
        .iter()
        .enumerate()
        .filter(|(i, g)| kept_of[g] != *i)
        .map(|(i, g)| Alias {
            alias: entries[i].entry.clone(),
            kept: entries[kept_of[g]].entry.clone(),
        })
        .collect();
    (kept, aliases)
}

/// `host` and port of a candidate (`host:port`, `[v6]:port`).
pub fn split_candidate(candidate: &str) -> Option<(&str, u16)> {
    let (host, port) = candidate.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host, port.parse().ok()?))
}

/// The IP addresses the hosts of `candidates` (`host:port`) resolve to; `None` when none
/// resolves. Blocking: name lookups may wait on DNS.
pub fn resolve_candidates(candidates: &[String]) -> Option<BTreeSet<IpAddr>> {
    // The port does not change what a host resolves to: each host is looked up once.
    let hosts: BTreeSet<&str> = candidates
        .iter()
        .filter_map(|c| split_candidate(c).map(|(host, _)| host))
        .collect();
    let ips: BTreeSet<IpAddr> = hosts
        .into_iter()
        .filter_map(|host| (host, 0).to_socket_addrs().ok())
        .flatten()
        .map(|a| a.ip())
        .collect();
    (!ips.is_empty()).then_some(ips)
}

/// The host of a member-list entry (`host:port`, `[v6]:port` or a bare host).
fn host_of(entry: &str) -> &str {
    split_candidate(entry).map_or(entry, |(host, _)| host)
}

/// Whether `ip` is an address of this machine: one a socket can bind to here.
pub fn is_local_ip(ip: IpAddr) -> bool {
    std::net::TcpListener::bind((ip, 0)).is_ok()
}

/// The key every member-list finding names.
pub const MEMBER_LIST_KEY: &str = "hazelcast.network.join.tcp-ip.member-list";

/// What the member-list rules need to know about the node being checked.
#[derive(Debug, Clone)]
pub struct OwnNode<'a> {
    pub role: Role,
    /// The member ports this node may bind (`network.port.port` and its auto-increment range).
    pub ports: BTreeSet<u16>,
    /// The host of `network.public-address`, when set: an entry with this host names the node
    /// even when it does not resolve to a local address (NAT, containers).
    pub public_host: Option<&'a str>,
    /// The files are checked for another machine (Ansible's golden files): which entry names
    /// this node cannot be told here, so that rule is left out.
    pub elsewhere: bool,
}

/// Why a member list can never form a cluster; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberListProblem(pub String);

/// The `config check` rules for a member list that can never form (issue 14): `entries` as
/// resolved ([`resolve_candidates`], empty `ips` when a host does not resolve here), `is_local`
/// says whether an address is one of this machine's. Returns the warnings (aliases, entries
/// that may name this node but do not resolve here) or the problem.
///
/// Pure, so every rule is unit-tested without the machine's network: an empty list, no entry
/// naming this node, and a worker that names no member but itself can never join a cluster,
/// whereas aliases only cost a warning because the runtime merges them
/// ([`distinct_entries`]). A master alone in its list is a valid single-master cluster.
pub fn check_member_list(
    entries: &[ResolvedEntry],
    own: &OwnNode<'_>,
    is_local: &dyn Fn(IpAddr) -> bool,
) -> Result<Vec<String>, MemberListProblem> {
    let example = |port: u16| format!("127.0.0.1:{port}");
    let first_port = own.ports.iter().next().copied().unwrap_or_default();
    if entries.is_empty() {
        return Err(MemberListProblem(format!(
            "the member list is empty: list every master and worker as host:port, this node \
             included (e.g. {})",
            example(first_port)
        )));
    }
    let mut warnings = Vec::new();
    let (kept, aliases) = distinct_entries(entries);
    for a in &aliases {
        warnings.push(format!(
            "member-list entries {} and {} name the same member; it is counted once: list each \
             member once",
            a.kept, a.alias
        ));
    }
    let with_own_port: Vec<&ResolvedEntry> = entries
        .iter()
        .filter(|e| !e.ports.is_disjoint(&own.ports))
        .collect();
    let own_entries: BTreeSet<&str> = with_own_port
        .iter()
        .filter(|e| {
            e.ips.iter().any(|ip| is_local(*ip)) || own.public_host == Some(host_of(&e.entry))
        })
        .map(|e| e.entry.as_str())
        .collect();
    let unresolved_own: Vec<&str> = with_own_port
        .iter()
        .filter(|e| e.ips.is_empty())
        .map(|e| e.entry.as_str())
        .collect();
    // Whether this node's entry is known; `false` when it cannot be told here.
    let own_known = !own.elsewhere && !own_entries.is_empty();
    if !own.elsewhere && own_entries.is_empty() {
        if unresolved_own.is_empty() {
            return Err(MemberListProblem(format!(
                "no entry names this node (its member port {first_port} on an address of this \
                 machine{}): add it, e.g. {} or this host's address with port {first_port}",
                own.public_host
                    .map(|h| format!(" or the public address {h}"))
                    .unwrap_or_default(),
                example(first_port)
            )));
        }
        warnings.push(format!(
            "cannot tell whether {} names this node: it does not resolve here; make sure it \
             resolves to an address of this machine",
            unresolved_own.join(", ")
        ));
    }
    if own.role == Role::Worker {
        // Each alias stands for the entry kept in its place.
        let kept_of: BTreeMap<&str, &str> = aliases
            .iter()
            .map(|a| (a.alias.as_str(), a.kept.as_str()))
            .collect();
        let own_members: BTreeSet<&str> = own_entries
            .iter()
            .map(|e| kept_of.get(e).copied().unwrap_or(e))
            .collect();
        let others = kept
            .iter()
            .filter(|i| !own_members.contains(entries[**i].entry.as_str()))
            .count();
        // Without knowing this node's entry, one of the members is presumably this worker.
        let lonely = if own_known {
            others == 0
        } else {
            kept.len() < 2
        };
        if lonely {
            return Err(MemberListProblem(
                "the member list names no member but this worker, so it can never reach a \
                 master: list every master as host:port"
                    .into(),
            ));
        }
    }
    Ok(warnings)
}

/// Largest value of an IPv4 octet; `*` in the last octet means `0-255`.
const OCTET_MAX: u8 = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Name(String),
    V4(Ipv4Addr),
    /// `prefix.first-last`, inclusive.
    V4Range {
        prefix: [u8; 3],
        first: u8,
        last: u8,
    },
    V6(Ipv6Addr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAddress {
    pub host: Host,
    /// `None` when the entry names no port: see [`MemberAddress::candidates`].
    pub port: Option<u16>,
}

/// One concrete address to try.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Splits one list entry into addresses the way Hazelcast does (on `,`, `;` and spaces).
pub fn split_entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

impl MemberAddress {
    /// Parses one address; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<MemberAddress, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the address is empty".into());
        }
        if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) = rest
                .split_once(']')
                .ok_or("an IPv6 address opened with '[' needs a closing ']'")?;
            let port = match after {
                "" => None,
                p => Some(parse_port(
                    p.strip_prefix(':')
                        .ok_or("after ']' only ':port' may follow")?,
                )?),
            };
            return Ok(MemberAddress {
                host: Host::V6(parse_v6(inside)?),
                port,
            });
        }
        match text.matches(':').count() {
            0 => Ok(MemberAddress {
                host: parse_host(text)?,
                port: None,
            }),
            1 => {
                let (host, port) = text.split_once(':').unwrap_or((text, ""));
                Ok(MemberAddress {
                    host: parse_host(host)?,
                    port: Some(parse_port(port)?),
                })
            }
            _ => Ok(MemberAddress {
                host: Host::V6(parse_v6(text)?),
                port: None,
            }),
        }
    }

    /// The addresses Hazelcast's TCP joiner tries for this entry: the given port only, or
    /// without one the member's own `network.port.port` and, when `auto-increment` is on, the
    /// following ports up to `hazelcast.tcp.join.port.try.count` in all. Ranges expand to every
    /// address in the last octet.
    pub fn candidates(&self, own_port: u16, auto_increment: bool, try_count: u32) -> Vec<Target> {
        let (first_port, count) = match self.port {
            Some(p) => (p, 1),
            None if auto_increment => (own_port, try_count.max(1)),
            None => (own_port, 1),
        };
        let ports: Vec<u16> = (0..count)
            .filter_map(|i| u16::try_from(u32::from(first_port) + i).ok())
            .collect();
        let hosts: Vec<String> = match &self.host {
            Host::Name(n) => vec![n.clone()],
            Host::V4(a) => vec![a.to_string()],
            Host::V6(a) => vec![a.to_string()],
            Host::V4Range {
                prefix,
                first,
                last,
            } => (*first..=*last)
                .map(|o| Ipv4Addr::new(prefix[0], prefix[1], prefix[2], o).to_string())
                .collect(),
        };
        hosts
            .iter()
            .flat_map(|h| {
                ports.iter().map(move |&port| Target {
                    host: h.clone(),
                    port,
                })
            })
            .collect()
    }
}

impl fmt::Display for MemberAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.host, self.port) {
            (Host::V6(a), Some(p)) => return write!(f, "[{a}]:{p}"),
            (Host::V6(a), None) => write!(f, "{a}")?,
            (Host::Name(n), _) => write!(f, "{n}")?,
            (Host::V4(a), _) => write!(f, "{a}")?,
            (
                Host::V4Range {
                    prefix,
                    first,
                    last,
                },
                _,
            ) => write!(
                f,
                "{}.{}.{}.{first}-{last}",
                prefix[0], prefix[1], prefix[2]
            )?,
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("the port '{text}' is not between 1 and 65535")),
    }
}

fn parse_v6(text: &str) -> Result<Ipv6Addr, String> {
    if text.contains('%') {
        return Err("IPv6 zone ids ('%eth0') are not supported; use a global address".into());
    }
    text.parse()
        .map_err(|_| format!("'{text}' is not an IPv6 address"))
}

fn parse_octet(part: &str) -> Option<u8> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// An IPv4 address, a last-octet range, or a host name.
fn parse_host(text: &str) -> Result<Host, String> {
    if text.is_empty() {
        return Err("the host is empty".into());
    }
    let parts: Vec<&str> = text.split('.').collect();
    let ipv4_like = parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'*')
        });
    if !ipv4_like {
        let valid = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
        if !valid || text.starts_with('.') || text.ends_with('.') {
            return Err(format!("'{text}' is not a valid host name"));
        }
        return Ok(Host::Name(text.to_string()));
    }
    let mut prefix = [0u8; 3];
    for (i, part) in parts[..3].iter().enumerate() {
        prefix[i] = parse_octet(part).ok_or_else(|| {
            format!("'{text}': only the last octet of an IPv4 address may be a range or '*'")
        })?;
    }
    let last = parts[3];
    let bad = || format!("'{text}' is not an IPv4 address or last-octet range");
    if last == "*" {
        return Ok(Host::V4Range {
            prefix,
            first: 0,
            last: OCTET_MAX,
        });
    }
    if let Some((a, b)) = last.split_once('-') {
        let (first, end) = (
            parse_octet(a).ok_or_else(bad)?,
            parse_octet(b).ok_or_else(bad)?,
        );
        if first > end {
            return Err(format!("'{text}': the range {first}-{end} runs backwards"));
        }
        return Ok(Host::V4Range {
            prefix,
            first,
            last: end,
        });
    }
    let o = parse_octet(last).ok_or_else(bad)?;
    Ok(Host::V4(Ipv4Addr::new(prefix[0], prefix[1], prefix[2], o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, port: u16) -> Target {
        Target {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn host_and_host_port() {
        let a = MemberAddress::parse("localhost:5801").unwrap();
        assert_eq!(a.host, Host::Name("localhost".into()));
        assert_eq!(a.port, Some(5801));
        let b = MemberAddress::parse("seatunnel-0.seatunnel.default.svc.cluster.local").unwrap();
        assert_eq!(b.port, None);
        assert_eq!(
            b.to_string(),
            "seatunnel-0.seatunnel.default.svc.cluster.local"
        );
    }

    #[test]
    fn ipv4_and_last_octet_ranges() {
        let a = MemberAddress::parse("192.168.1.0-7:5801").unwrap();
        assert_eq!(
            a.host,
            Host::V4Range {
                prefix: [192, 168, 1],
                first: 0,
                last: 7
            }
        );
        assert_eq!(a.to_string(), "192.168.1.0-7:5801");
        let c = a.candidates(5802, true, 3);
        assert_eq!(c.len(), 8);
        assert_eq!(c[0], t("192.168.1.0", 5801));
        assert_eq!(c[7], t("192.168.1.7", 5801));
        let star = MemberAddress::parse("10.0.0.*").unwrap();
        assert_eq!(star.candidates(5801, false, 3).len(), 256);
        assert_eq!(
            MemberAddress::parse("10.0.0.9").unwrap().host,
            Host::V4(Ipv4Addr::new(10, 0, 0, 9))
        );
    }

    #[test]
    fn ipv6_bare_and_bracketed() {
        let a = MemberAddress::parse("[::1]:5802").unwrap();
        assert_eq!(a.host, Host::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(a.port, Some(5802));
        assert_eq!(a.to_string(), "[::1]:5802");
        assert_eq!(a.candidates(5801, true, 3), vec![t("::1", 5802)]);
        assert_eq!(a.candidates(5801, true, 3)[0].to_string(), "[::1]:5802");
        let b = MemberAddress::parse("fe80::1").unwrap();
        assert_eq!(b.port, None);
    }

    #[test]
    fn without_a_port_the_own_port_is_used_as_hazelcast_does() {
        let a = MemberAddress::parse("localhost").unwrap();
        // auto-increment off (the shipped files): only the member's own port.
        assert_eq!(a.candidates(5802, false, 30), vec![t("localhost", 5802)]);
        // auto-increment on: own port and the next ones up to the try count.
        assert_eq!(
            a.candidates(5801, true, 3),
            vec![
                t("localhost", 5801),
                t("localhost", 5802),
                t("localhost", 5803)
            ]
        );
        // an explicit port is never incremented.
        let b = MemberAddress::parse("localhost:5801").unwrap();
        assert_eq!(b.candidates(5802, true, 30), vec![t("localhost", 5801)]);
    }

    #[test]
    fn entries_split_like_hazelcast() {
        let v: Vec<&str> = split_entries("a:1, b;c  d").collect();
        assert_eq!(v, vec!["a:1", "b", "c", "d"]);
    }

    #[test]
    fn bad_addresses_say_why() {
        for (input, needle) in [
            ("host:0", "not between 1 and 65535"),
            ("host:99999", "not between 1 and 65535"),
            ("host:abc", "not between 1 and 65535"),
            ("192.168.1-2.1", "only the last octet"),
            ("10.0.0.9-3", "runs backwards"),
            ("10.0.0.300", "not an IPv4 address"),
            ("[::1", "closing ']'"),
            ("[fe80::1%eth0]:5801", "zone ids"),
            ("bad host!", "not a valid host name"),
            (":5801", "host is empty"),
            ("", "empty"),
        ] {
            let err = MemberAddress::parse(input).unwrap_err();
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    /// 127.0.0.0/8 stands for this machine's addresses; 192.0.2.0/24 (TEST-NET-1) for others.
    fn local(ip: IpAddr) -> bool {
        ip.is_loopback()
    }

    fn resolved(entry: &str, ips: &[&str]) -> ResolvedEntry {
        ResolvedEntry {
            entry: entry.into(),
            ports: split_candidate(entry).map(|(_, p)| p).into_iter().collect(),
            ips: ips.iter().map(|ip| ip.parse().unwrap()).collect(),
        }
    }

    fn node(role: Role, port: u16) -> OwnNode<'static> {
        OwnNode {
            role,
            ports: [port].into(),
            public_host: None,
            elsewhere: false,
        }
    }

    fn problem(entries: &[ResolvedEntry], own: &OwnNode<'_>) -> String {
        check_member_list(entries, own, &local).unwrap_err().0
    }

    #[test]
    fn an_empty_member_list_is_refused_with_an_example() {
        let p = problem(&[], &node(Role::Master, 5801));
        assert!(p.contains("empty") && p.contains("127.0.0.1:5801"), "{p}");
    }

    #[test]
    fn a_list_without_this_node_is_refused_unless_checked_for_another_host() {
        let list = [
            resolved("192.0.2.1:5801", &["192.0.2.1"]),
            resolved("127.0.0.1:5802", &["127.0.0.1"]),
        ];
        let p = problem(&list, &node(Role::Master, 5801));
        assert!(
            p.contains("no entry names this node") && p.contains("127.0.0.1:5801"),
            "{p}"
        );
        let elsewhere = OwnNode {
            elsewhere: true,
            ..node(Role::Master, 5801)
        };
        assert_eq!(check_member_list(&list, &elsewhere, &local), Ok(vec![]));
        // The public address names this node even where it is no local address.
        let public = OwnNode {
            public_host: Some("192.0.2.1"),
            ..node(Role::Master, 5801)
        };
        assert_eq!(check_member_list(&list, &public, &local), Ok(vec![]));
    }

    #[test]
    fn an_entry_for_this_node_that_does_not_resolve_here_is_a_warning() {
        let list = [
            resolved("st-m1:5801", &[]),
            resolved("192.0.2.2:5801", &["192.0.2.2"]),
        ];
        let w = check_member_list(&list, &node(Role::Master, 5801), &local).unwrap();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("cannot tell whether st-m1:5801 names this node"),
            "{w:?}"
        );
    }

    #[test]
    fn a_worker_that_lists_only_itself_can_never_reach_a_master() {
        let twice = [
            resolved("127.0.0.1:5802", &["127.0.0.1"]),
            resolved("localhost:5802", &["127.0.0.1", "::1"]),
        ];
        let p = problem(&twice, &node(Role::Worker, 5802));
        assert!(p.contains("names no member but this worker"), "{p}");
        // A master alone is a single-master cluster: valid, the alias only warns.
        let w = check_member_list(&twice, &node(Role::Master, 5802), &local).unwrap();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("127.0.0.1:5802 and localhost:5802 name the same member"),
            "{w:?}"
        );
        // Checked for another host, a worker needs two distinct members.
        let elsewhere = OwnNode {
            elsewhere: true,
            ..node(Role::Worker, 5802)
        };
        assert!(check_member_list(&twice, &elsewhere, &local).is_err());
    }

    #[test]
    fn a_worker_with_a_master_passes_and_aliases_of_it_only_warn() {
        let list = [
            resolved("localhost:5801", &["127.0.0.1"]),
            resolved("127.0.0.1:5801", &["127.0.0.1"]),
            resolved("localhost:5802", &["127.0.0.1"]),
        ];
        let w = check_member_list(&list, &node(Role::Worker, 5802), &local).unwrap();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("127.0.0.1:5801 and localhost:5801"), "{w:?}");
    }
}
