//! Keyed pseudonyms (DESIGN.md rule 4): `blake3::keyed_hash` under a per-class subkey of the
//! epoch key, 128 bits as prefixed lowercase hex.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use crate::keys::EpochKey;
use crate::network::{IpVersion, network_prefix};

/// The role of an identifier, which picks the subkey and the prefix of its pseudonym. Not
/// personal data. Equal strings in different classes never give equal pseudonyms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldClass {
    /// A person (DESIGN.md "Participant"): the account, else the BBB user id. Prefix `p_`.
    Participant,
    /// One join: the BBB user id. Prefix `s_`.
    Session,
    /// A meeting (the internal meeting id). Prefix `m_`.
    Meeting,
    /// A room: the external meeting id. Prefix `r_`.
    Room,
    /// A network prefix (/24 of IPv4, /48 of IPv6, see [`network_prefix`]). Prefix `n_`.
    Network,
}

impl FieldClass {
    /// Every class, in declaration order.
    pub const ALL: [FieldClass; 5] =
        [FieldClass::Participant, FieldClass::Session, FieldClass::Meeting, FieldClass::Room, FieldClass::Network];

    /// The class's name, as used in the subkey's derivation context: `participant`, `session`,
    /// `meeting`, `room`, `network`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldClass::Participant => "participant",
            FieldClass::Session => "session",
            FieldClass::Meeting => "meeting",
            FieldClass::Room => "room",
            FieldClass::Network => "network",
        }
    }

    /// The prefix of the class's pseudonyms: `p_`, `s_`, `m_`, `r_`, `n_`.
    pub fn prefix(self) -> &'static str {
        match self {
            FieldClass::Participant => "p_",
            FieldClass::Session => "s_",
            FieldClass::Meeting => "m_",
            FieldClass::Room => "r_",
            FieldClass::Network => "n_",
        }
    }

    /// The `blake3::derive_key` context of the class's subkey. Fixed forever: changing it
    /// changes every pseudonym.
    fn context(self) -> &'static str {
        match self {
            FieldClass::Participant => "confstats 2026-11 pseudonym participant",
            FieldClass::Session => "confstats 2026-11 pseudonym session",
            FieldClass::Meeting => "confstats 2026-11 pseudonym meeting",
            FieldClass::Room => "confstats 2026-11 pseudonym room",
            FieldClass::Network => "confstats 2026-11 pseudonym network",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for FieldClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Length of a pseudonym's hash part in bytes (128 bits).
const PSEUDONYM_BYTES: usize = 16;
/// Length of a pseudonym's text: two prefix characters and 32 hex digits.
const PSEUDONYM_LEN: usize = 2 + 2 * PSEUDONYM_BYTES;

/// A keyed pseudonym such as `p_3f9a…` (prefix + 32 lowercase hex digits). Not personal data:
/// it is a keyed hash, unlinkable to its input once the epoch key is deleted, so it may be
/// stored, displayed and serialised. Cheap to clone (shared text).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pseudonym(std::sync::Arc<str>);

impl Serialize for Pseudonym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Pseudonym {
    /// The pseudonym's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pseudonym's text, owned.
    pub fn into_string(self) -> String {
        self.0.to_string()
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Pseudonym {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Pseudonym> for String {
    fn from(p: Pseudonym) -> String {
        p.0.to_string()
    }
}

/// Makes the pseudonyms of one epoch. Secret (it holds subkeys of the epoch key): `Debug` prints
/// `Pseudonymizer(<redacted>)`. Cheap to share across threads (`Sync`, no interior state).
#[derive(Clone)]
pub struct Pseudonymizer {
    /// One subkey per [`FieldClass`], indexed by [`FieldClass::index`].
    subkeys: [[u8; 32]; FieldClass::ALL.len()],
}

impl Pseudonymizer {
    /// Derives one subkey per field class from `key` with `blake3::derive_key`.
    pub fn new(key: &EpochKey) -> Pseudonymizer {
        let subkeys = FieldClass::ALL.map(|class| blake3::derive_key(class.context(), key.as_bytes()));
        Pseudonymizer { subkeys }
    }

    /// The pseudonym of `value` in `class`: the class prefix and the first 128 bits of
    /// `blake3::keyed_hash(subkey, value)` in lowercase hex.
    pub fn pseudonym(&self, class: FieldClass, value: &str) -> Pseudonym {
        let hash = blake3::keyed_hash(&self.subkeys[class.index()], value.as_bytes());
        encode(class, hash.as_bytes())
    }

    /// The participant pseudonym (DESIGN.md "Participant"): of the account when known, else of
    /// the BBB user id (guests, dial-in); `None` when neither is known. Empty strings count as
    /// unknown. The input is tagged (`a:` account, `u:` user id), so an account and a user id
    /// that are the same string still give different pseudonyms.
    pub fn participant(&self, account: Option<&str>, bbb_user: Option<&str>) -> Option<Pseudonym> {
        let (tag, value) = match (account.filter(|a| !a.is_empty()), bbb_user.filter(|u| !u.is_empty())) {
            (Some(account), _) => (b"a:", account),
            (None, Some(user)) => (b"u:", user),
            (None, None) => return None,
        };
        // Streaming the tag and the value gives exactly keyed_hash(subkey, tag + value) without
        // building the concatenated string.
        let mut hasher = blake3::Hasher::new_keyed(&self.subkeys[FieldClass::Participant.index()]);
        hasher.update(tag);
        hasher.update(value.as_bytes());
        Some(encode(FieldClass::Participant, hasher.finalize().as_bytes()))
    }

    /// The IP version and the `n_` pseudonym of the network prefix of `ip` (/24 for IPv4, /48
    /// for IPv6; DESIGN.md rule 3). The prefix itself never leaves this function.
    pub fn network(&self, ip: IpAddr) -> (IpVersion, Pseudonym) {
        let (version, prefix) = network_prefix(ip);
        (version, self.pseudonym(FieldClass::Network, &prefix))
    }
}

impl fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pseudonymizer(<redacted>)")
    }
}

/// `prefix` + the first [`PSEUDONYM_BYTES`] of `hash` as lowercase hex.
fn encode(class: FieldClass, hash: &[u8; 32]) -> Pseudonym {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(PSEUDONYM_LEN);
    text.push_str(class.prefix());
    for &byte in &hash[..PSEUDONYM_BYTES] {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    Pseudonym(text.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyStore;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn key(byte: u8) -> EpochKey {
        EpochKey::from_bytes([byte; 32])
    }

    fn assert_well_formed(p: &Pseudonym, class: FieldClass) {
        let text = p.as_str();
        assert_eq!(text.len(), PSEUDONYM_LEN, "{text}");
        assert!(text.starts_with(class.prefix()), "{text}");
        assert!(text[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{text}");
    }

    #[test]
    fn stable_for_the_same_key() {
        let a = Pseudonymizer::new(&key(1));
        let b = Pseudonymizer::new(&key(1));
        for class in FieldClass::ALL {
            assert_eq!(a.pseudonym(class, "iserv-4711/klasse-4b"), b.pseudonym(class, "iserv-4711/klasse-4b"));
        }
        assert_eq!(a.participant(Some("anna.schmidt"), None), b.participant(Some("anna.schmidt"), None));
    }

    #[test]
    fn matches_keyed_hash_of_the_derived_subkey() {
        // The documented construction, spelled out: a pseudonym is reproducible from the key alone.
        let k = key(9);
        let subkey = blake3::derive_key("confstats 2026-11 pseudonym meeting", k.as_bytes());
        let hash = blake3::keyed_hash(&subkey, b"meeting-1");
        let hex: String = hash.as_bytes()[..16].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Pseudonymizer::new(&k).pseudonym(FieldClass::Meeting, "meeting-1").as_str(), format!("m_{hex}"));
    }

    #[test]
    fn different_for_another_key() {
        let a = Pseudonymizer::new(&key(1));
        let b = Pseudonymizer::new(&key(2));
        for class in FieldClass::ALL {
            assert_ne!(a.pseudonym(class, "w_abc123"), b.pseudonym(class, "w_abc123"));
        }
    }

    #[test]
    fn different_across_classes() {
        let p = Pseudonymizer::new(&key(1));
        let all: Vec<_> = FieldClass::ALL.iter().map(|&c| p.pseudonym(c, "same-string")).collect();
        // Not only the prefix: the hash parts differ too.
        let hashes: HashSet<_> = all.iter().map(|p| p.as_str()[2..].to_owned()).collect();
        assert_eq!(hashes.len(), FieldClass::ALL.len());
    }

    #[test]
    fn prefix_and_length() {
        let p = Pseudonymizer::new(&key(3));
        for class in FieldClass::ALL {
            for value in ["", "x", "anna.schmidt@schule.example", "2001:db8:1::/48", "ä ö ü ß"] {
                assert_well_formed(&p.pseudonym(class, value), class);
            }
        }
        assert_eq!(p.pseudonym(FieldClass::Participant, "x").as_str().len(), 34);
        let prefixes: Vec<_> = FieldClass::ALL.iter().map(|c| c.prefix()).collect();
        assert_eq!(prefixes, ["p_", "s_", "m_", "r_", "n_"]);
    }

    #[test]
    fn participant_uses_the_account_else_the_user_id() {
        let p = Pseudonymizer::new(&key(4));
        let by_account = p.participant(Some("anna.schmidt"), Some("w_abc")).unwrap();
        assert_eq!(Some(by_account.clone()), p.participant(Some("anna.schmidt"), Some("w_other")));
        assert_eq!(Some(by_account.clone()), p.participant(Some("anna.schmidt"), None));
        assert_eq!(by_account, p.pseudonym(FieldClass::Participant, "a:anna.schmidt"));

        let by_user = p.participant(None, Some("w_abc")).unwrap();
        assert_eq!(by_user, p.pseudonym(FieldClass::Participant, "u:w_abc"));
        assert_eq!(Some(by_user.clone()), p.participant(Some(""), Some("w_abc")));
        assert_well_formed(&by_user, FieldClass::Participant);
        // A guest's participant pseudonym is not its session pseudonym.
        assert_ne!(by_user.as_str()[2..], p.pseudonym(FieldClass::Session, "w_abc").as_str()[2..]);

        assert_eq!(p.participant(None, None), None);
        assert_eq!(p.participant(Some(""), Some("")), None);
    }

    #[test]
    fn account_and_user_id_of_the_same_string_differ() {
        let p = Pseudonymizer::new(&key(5));
        assert_ne!(p.participant(Some("12345"), None), p.participant(None, Some("12345")));
    }

    #[test]
    fn network_pseudonym_is_of_the_prefix() {
        let p = Pseudonymizer::new(&key(6));
        let (v, a) = p.network("203.0.113.7".parse().unwrap());
        let (_, b) = p.network("203.0.113.200".parse().unwrap());
        let (_, c) = p.network("198.51.100.7".parse().unwrap());
        assert_eq!(v, IpVersion::V4);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, p.pseudonym(FieldClass::Network, "203.0.113.0/24"));
        let (v6, d) = p.network("2001:db8:1:2::5".parse().unwrap());
        assert_eq!(v6, IpVersion::V6);
        assert_well_formed(&d, FieldClass::Network);
    }

    #[test]
    fn display_serialize_and_debug() {
        let p = Pseudonymizer::new(&key(7));
        let s = p.pseudonym(FieldClass::Room, "iserv-4711/klasse-4b");
        assert_eq!(s.to_string(), s.as_str());
        assert_eq!(s.as_ref(), s.as_str());
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        assert_eq!(format!("{p:?}"), "Pseudonymizer(<redacted>)");
    }

    #[test]
    fn purging_the_key_makes_pseudonyms_unreproducible() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::open(tmp.path(), 1).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        let inputs = ["anna.schmidt", "w_abc123", "iserv-4711/klasse-4b"];
        let before: Vec<_> = {
            let p = Pseudonymizer::new(&store.get_or_create(day).unwrap());
            inputs.iter().map(|v| p.pseudonym(FieldClass::Participant, v)).collect()
        };
        // Still reproducible while the key exists.
        let again = Pseudonymizer::new(&store.get_or_create(day).unwrap());
        assert_eq!(before, inputs.iter().map(|v| again.pseudonym(FieldClass::Participant, v)).collect::<Vec<_>>());

        assert!(store.purge(store.epoch_start(day)).unwrap());
        assert!(store.get(day).unwrap().is_none());
        let after = Pseudonymizer::new(&store.get_or_create(day).unwrap());
        for (input, old) in inputs.iter().zip(&before) {
            assert_ne!(&after.pseudonym(FieldClass::Participant, input), old);
        }
    }

    /// Whether `value` is made only of characters a pseudonym can contain. Such an input can
    /// appear in a 32-digit hash by chance (three hex digits do with about 0.7 % probability),
    /// which says nothing about leaking; every other input never can.
    fn fits_pseudonym_alphabet(value: &str) -> bool {
        value.bytes().all(|b| b.is_ascii_digit() || b"abcdef_psmrn".contains(&b))
    }

    proptest! {
        #[test]
        fn pseudonym_never_contains_its_input(value in "\\PC{3,40}", class_index in 0usize..5) {
            let lower = value.to_lowercase();
            prop_assume!(!fits_pseudonym_alphabet(&lower));
            let class = FieldClass::ALL[class_index];
            let p = Pseudonymizer::new(&key(8));
            let pseudonym = p.pseudonym(class, &value);
            prop_assert!(!pseudonym.as_str().contains(lower.as_str()));
            prop_assert_eq!(pseudonym.as_str().len(), PSEUDONYM_LEN);
            prop_assert!(pseudonym.as_str().starts_with(class.prefix()));
            prop_assert!(pseudonym.as_str()[2..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        }

        #[test]
        fn realistic_identifiers_never_survive(
            value in "([A-Z][a-z]{2,12} [A-Z][a-z]{2,12}|[a-z]{3,10}\\.[a-z]{3,10}(@schule\\.example)?|w_[a-z0-9]{10,12}|[0-9]{1,3}(\\.[0-9]{1,3}){3})",
            account in proptest::option::of("[a-z]{3,10}\\.[a-z]{3,10}"),
        ) {
            let lower = value.to_lowercase();
            prop_assume!(!fits_pseudonym_alphabet(&lower));
            let p = Pseudonymizer::new(&key(10));
            for class in FieldClass::ALL {
                let pseudonym = p.pseudonym(class, &value);
                prop_assert!(!pseudonym.as_str().contains(lower.as_str()));
            }
            let participant = p.participant(account.as_deref(), Some(&value)).unwrap();
            prop_assert!(!participant.as_str().contains(lower.as_str()));
            if let Some(account) = &account {
                prop_assert!(!participant.as_str().contains(account.as_str()));
            }
            prop_assert_eq!(participant.as_str().len(), PSEUDONYM_LEN);
        }
    }
}
