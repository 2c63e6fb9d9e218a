//! Member addresses as written in `tcp-ip.member-list` and the client's `cluster-members`,
//! with Hazelcast's rules for which addresses an entry stands for.
//!
//! Accepted forms (Hazelcast's `AddressUtil`): `host`, `host:port`, IPv4 `a.b.c.d`, a range or
//! wildcard in the last octet (`192.168.1.0-7`, `10.0.0.*`), bare IPv6 (`::1`, no port possible)
//! and bracketed IPv6 with a port (`[fe80::1]:5801`). One list entry may hold several addresses
//! separated by `,`, `;` or spaces.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

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
}
