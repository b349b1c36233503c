//! Client addresses: which address a request comes from (behind trusted proxies), and which
//! budget of the rate limits it draws on (an IPv4 address, or an IPv6 /64 — a host usually
//! holds a whole /64, so counting single IPv6 addresses would give it billions of budgets).

use std::net::{IpAddr, Ipv6Addr};

use thiserror::Error;

/// A proxy setting that is neither an address nor a network (in Russian: the clinic's staff
/// read it in the settings).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("«{0}» — не IP-адрес и не сеть (нужно, например, 10.0.0.1, 10.0.0.0/8 или fd00::/8)")]
pub struct BadNetwork(pub String);

/// An address or a network (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Result<Network, BadNetwork> {
        let bad = || BadNetwork(text.to_owned());
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || (a[full] ^ b[full]) >> (8 - rest) == 0
}

/// An address as a client or proxy header gives it: `203.0.113.7`, `2001:db8::1`,
/// `[2001:db8::1]`, `203.0.113.7:5123`, `[2001:db8::1]:443`, IPv4-mapped IPv6 as IPv4.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    let ip = if let Ok(ip) = t.parse::<IpAddr>() {
        ip
    } else if let Some(rest) = t.strip_prefix('[') {
        rest.split_once(']')?.0.parse().ok()?
    } else {
        // "a.b.c.d:port"
        let (host, port) = t.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        IpAddr::V4(host.parse().ok()?)
    };
    Some(canonical(ip))
}

/// IPv4-mapped IPv6 (`::ffff:203.0.113.7`, what a dual-stack socket reports) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The address a request comes from. `remote` is the TCP peer; only when it is one of
/// `trusted` is `forwarded_for` (`X-Forwarded-For`: client, proxy1, proxy2 …) believed, read
/// from the right: the first address that is not a trusted proxy is the client. An entry that
/// is not an address stops the walk at the last hop known good. `None` when `remote` itself
/// is not an address.
pub fn client(remote: &str, forwarded_for: Option<&str>, trusted: &[Network]) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = parse_ip(remote)?;
    if !is_trusted(client) {
        return Some(client);
    }
    for hop in forwarded_for.unwrap_or("").rsplit(',') {
        let hop = hop.trim();
        if hop.is_empty() {
            continue;
        }
        let Some(ip) = parse_ip(hop) else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    Some(client)
}

/// The rate limits' unit for an address: IPv4 as is, IPv6 cut to its /64 (`2001:db8:1:2::/64`).
pub fn budget(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<Network> {
        list.iter().map(|n| Network::parse(n).unwrap()).collect()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let n = Network::parse("10.1.0.0/16").unwrap();
        assert!(n.contains("10.1.200.3".parse().unwrap()));
        assert!(!n.contains("10.2.0.1".parse().unwrap()));
        assert!(
            n.contains("::ffff:10.1.0.1".parse().unwrap()),
            "mapped IPv4"
        );
        let n = Network::parse("2001:db8::/33").unwrap();
        assert!(n.contains("2001:db8:7fff::1".parse().unwrap()));
        assert!(!n.contains("2001:db8:8000::1".parse().unwrap()));
        assert!(Network::parse("192.0.2.1")
            .unwrap()
            .contains("192.0.2.1".parse().unwrap()));
        assert!(Network::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "example.com",
            "10.0.0.0/x",
            "10.0.0/8",
        ] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let trusted = nets(&["127.0.0.1", "10.0.0.0/8"]);
        let c = |remote, xff| client(remote, xff, &trusted).map(|ip| ip.to_string());
        // not from a proxy: the header is the visitor's own text
        assert_eq!(
            c("203.0.113.7", Some("198.51.100.1")),
            Some("203.0.113.7".into())
        );
        // through one proxy, and through a chain (the visitor's own header left of it ignored)
        assert_eq!(
            c("127.0.0.1", Some("198.51.100.1")),
            Some("198.51.100.1".into())
        );
        assert_eq!(
            c("127.0.0.1", Some("1.2.3.4, 198.51.100.1, 10.0.0.5")),
            Some("198.51.100.1".into())
        );
        // a proxy that sent no header; an entry that is no address
        assert_eq!(c("127.0.0.1", None), Some("127.0.0.1".into()));
        assert_eq!(
            c("127.0.0.1", Some("junk, 10.0.0.9")),
            Some("10.0.0.9".into())
        );
        assert_eq!(
            c("127.0.0.1", Some("[2001:db8::1]:443")),
            Some("2001:db8::1".into())
        );
        assert_eq!(c("nonsense", None), None);
        // nothing trusted by default
        assert_eq!(
            client("127.0.0.1", Some("198.51.100.1"), &[]).map(|i| i.to_string()),
            Some("127.0.0.1".into())
        );
    }

    #[test]
    fn ipv6_counts_per_64() {
        let b = |s: &str| budget(s.parse().unwrap());
        assert_eq!(b("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(b("2001:db8:1:2::ffff"), b("2001:db8:1:2:1:2:3:4"));
        assert_ne!(b("2001:db8:1:2::1"), b("2001:db8:1:3::1"));
        assert_eq!(b("203.0.113.7"), "203.0.113.7");
        assert_eq!(b("::ffff:203.0.113.7"), "203.0.113.7");
    }
}
