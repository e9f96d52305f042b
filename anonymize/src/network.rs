//! Network prefixes of IP addresses (DESIGN.md rule 3): the /24 of an IPv4 address, the /48 of
//! an IPv6 address. Only the IP version and a keyed pseudonym of the prefix reach the store.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// The version of an IP address. Not personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum IpVersion {
    /// IPv4, including IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`).
    #[serde(rename = "v4")]
    V4,
    /// IPv6.
    #[serde(rename = "v6")]
    V6,
}

impl IpVersion {
    /// `v4` or `v6`.
    pub fn as_str(self) -> &'static str {
        match self {
            IpVersion::V4 => "v4",
            IpVersion::V6 => "v6",
        }
    }
}

impl fmt::Display for IpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The IP version and the network prefix of `ip` in CIDR notation: the /24 of an IPv4 address
/// (`203.0.113.0/24`), the /48 of an IPv6 address in compressed form (`2001:db8:1::/48`). An
/// IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) counts as IPv4.
///
/// **The prefix is personal data** (it narrows a person down to a school's or a household's
/// network): pass it only to the pseudonymizer with
/// [`FieldClass::Network`](crate::FieldClass::Network), or use
/// [`Pseudonymizer::network`](crate::Pseudonymizer::network), which does both. Never store,
/// print or log it.
pub fn network_prefix(ip: IpAddr) -> (IpVersion, String) {
    match ip {
        IpAddr::V4(v4) => (IpVersion::V4, v4_prefix(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (IpVersion::V4, v4_prefix(v4)),
            None => {
                let [a, b, c, ..] = v6.segments();
                (IpVersion::V6, format!("{}/48", Ipv6Addr::new(a, b, c, 0, 0, 0, 0, 0)))
            }
        },
    }
}

fn v4_prefix(ip: Ipv4Addr) -> String {
    let [a, b, c, _] = ip.octets();
    format!("{a}.{b}.{c}.0/24")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(ip: &str) -> (IpVersion, String) {
        network_prefix(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_is_cut_to_24_bits() {
        assert_eq!(prefix("203.0.113.7"), (IpVersion::V4, "203.0.113.0/24".to_owned()));
        assert_eq!(prefix("203.0.113.255"), (IpVersion::V4, "203.0.113.0/24".to_owned()));
        assert_eq!(prefix("198.51.100.23").1, "198.51.100.0/24");
        assert_eq!(prefix("0.0.0.0").1, "0.0.0.0/24");
    }

    #[test]
    fn ipv6_is_cut_to_48_bits_and_compressed() {
        assert_eq!(prefix("2001:db8:1:2:3:4:5:6"), (IpVersion::V6, "2001:db8:1::/48".to_owned()));
        assert_eq!(prefix("2001:0db8:0001:ffff::1").1, "2001:db8:1::/48");
        // A zero third group compresses with the rest.
        assert_eq!(prefix("2001:db8::1").1, "2001:db8::/48");
        assert_eq!(prefix("2001:db8:0:abcd::1").1, "2001:db8::/48");
        assert_eq!(prefix("fe80::1").1, "fe80::/48");
        assert_eq!(prefix("::1").1, "::/48");
        assert_eq!(prefix("2a02:8108:1c40:7b00:d9c:1f2e:3a4b:5c6d").1, "2a02:8108:1c40::/48");
        // Upper-case input gives the canonical lower-case text: one prefix, one pseudonym.
        assert_eq!(prefix("2A02:8108:1C40::1").1, "2a02:8108:1c40::/48");
    }

    #[test]
    fn ipv4_mapped_ipv6_counts_as_ipv4() {
        assert_eq!(prefix("::ffff:203.0.113.7"), (IpVersion::V4, "203.0.113.0/24".to_owned()));
        assert_eq!(prefix("::ffff:cb00:7107"), (IpVersion::V4, "203.0.113.0/24".to_owned()));
        // The mapped form and the plain form give the same prefix, so the same pseudonym.
        assert_eq!(prefix("::ffff:198.51.100.1"), prefix("198.51.100.200"));
    }

    #[test]
    fn the_host_part_never_survives() {
        let (_, v4) = prefix("198.51.100.123");
        assert!(!v4.contains("123"));
        let (_, v6) = prefix("2001:db8:1:2:3:4:5:beef");
        assert!(!v6.contains("beef") && !v6.contains(":2:"));
    }

    #[test]
    fn version_names() {
        assert_eq!(IpVersion::V4.as_str(), "v4");
        assert_eq!(IpVersion::V6.to_string(), "v6");
        assert_eq!(serde_json::to_string(&IpVersion::V6).unwrap(), "\"v6\"");
    }
}
