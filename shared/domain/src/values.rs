//! Small parsed values of the rule book: scores, money, areas and the closed vocabularies.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a number is out of its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number from {min} to {max} (got {got})")]
pub struct RangeError {
    pub min: i64,
    pub max: i64,
    pub got: i64,
}

macro_rules! bounded_u8 {
    ($(#[$doc:meta])* $name:ident, $min:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "u8")]
        pub struct $name(u8);

        impl $name {
            pub const MIN: u8 = $min;
            pub const MAX: u8 = $max;

            pub fn parse(raw: i64) -> Result<Self, RangeError> {
                if (i64::from($min)..=i64::from($max)).contains(&raw) {
                    Ok(Self(raw as u8))
                } else {
                    Err(RangeError { min: $min, max: $max, got: raw })
                }
            }

            pub fn get(self) -> u8 {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = RangeError;
            fn try_from(raw: i64) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for u8 {
            fn from(v: $name) -> u8 {
                v.0
            }
        }
    };
}

bounded_u8!(
    /// A public score, 1 to 5.
    Score, 1, 5
);
bounded_u8!(
    /// How likely the client is to recommend the freelancer, 0 to 10.
    Recommend, 0, 10
);

/// The six public scores of a feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scores {
    pub skills: Score,
    pub quality: Score,
    pub availability: Score,
    pub deadlines: Score,
    pub communication: Score,
    pub cooperation: Score,
}

impl Scores {
    /// Every score equal: handy for tests and fixtures.
    pub fn all(score: Score) -> Self {
        Self {
            skills: score,
            quality: score,
            availability: score,
            deadlines: score,
            communication: score,
            cooperation: score,
        }
    }

    /// The mean of the six scores to one decimal, rounded half up.
    pub fn overall(&self) -> Overall {
        let sum: u16 = [
            self.skills,
            self.quality,
            self.availability,
            self.deadlines,
            self.communication,
            self.cooperation,
        ]
        .iter()
        .map(|s| u16::from(s.get()))
        .sum();
        // tenths = round(sum * 10 / 6), half up, in integers.
        Overall((sum * 20 + 6) / 12)
    }
}

/// An overall score in tenths (42 is 4.2); serialised as a number with one decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Overall(u16);

impl Overall {
    pub fn tenths(self) -> u16 {
        self.0
    }
}

impl Serialize for Overall {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f64::from(self.0) / 10.0)
    }
}

impl<'de> Deserialize<'de> for Overall {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if !(1.0..=5.0).contains(&v) {
            return Err(serde::de::Error::custom("overall must be from 1.0 to 5.0"));
        }
        Ok(Overall((v * 10.0).round() as u16))
    }
}

/// An ISO 4217-shaped currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a three-letter upper-case currency code such as USD (got {0:?})")]
pub struct CurrencyError(pub String);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, CurrencyError> {
        match raw.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(CurrencyError(raw.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters are ever stored, so this cannot fail; fall back defensively.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// Money in integer minor units (cents) with its currency. Never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: u64,
    currency: Currency,
}

impl Money {
    pub fn new(minor: u64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses the API's `total_charged_minor`, which must not be negative.
    pub fn parse(minor: i64, currency: &str) -> Result<Self, MoneyError> {
        let minor = u64::try_from(minor).map_err(|_| MoneyError::Negative)?;
        let currency = Currency::parse(currency).map_err(MoneyError::Currency)?;
        Ok(Self { minor, currency })
    }

    pub fn minor(&self) -> u64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must not be negative")]
    Negative,
    #[error(transparent)]
    Currency(CurrencyError),
}

/// Declares a closed vocabulary with its wire names in one place.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The accepted wire names, for error messages.
            pub fn expected() -> String {
                [$($wire),+].join(", ")
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// Whose feedback it is: `client` is the client's feedback about the freelancer.
    Direction { Client => "client", Freelancer => "freelancer" }
);

vocabulary!(
    /// Why the contract ended, in the client's private feedback.
    ReasonEnded {
        CompletedSuccessfully => "completed_successfully",
        Unresponsive => "unresponsive",
        LackedSkills => "lacked_skills",
        Unavailable => "unavailable",
        QualityIssues => "quality_issues",
        ClientChangedPlans => "client_changed_plans",
        Other => "other",
    }
);

vocabulary!(
    /// What a client can say they were dissatisfied with; also the areas of a negative feedback.
    Area {
        Skills => "skills",
        Experience => "experience",
        Availability => "availability",
        Performance => "performance",
    }
);

vocabulary!(
    /// Why a freelancer reports a feedback.
    ReportReason {
        CoercionOrExtortion => "coercion_or_extortion",
        Irrelevant => "irrelevant",
        AbusiveOrDiscriminatory => "abusive_or_discriminatory",
        NotAboutTheWork => "not_about_the_work",
        Manipulation => "manipulation",
    }
);

vocabulary!(
    /// A reviewer's decision on a report.
    ReportOutcome { Removed => "removed", Kept => "kept" }
);

vocabulary!(
    /// The part of a professional background a complaint disputes.
    ComplaintCategory {
        JobPosition => "job_position",
        Degree => "degree",
        License => "license",
        Certification => "certification",
        Badge => "badge",
    }
);

vocabulary!(
    /// A reviewer's decision on a complaint.
    ComplaintOutcome { Substantiated => "substantiated", Unsubstantiated => "unsubstantiated" }
);

vocabulary!(
    /// What an appeal asks for.
    AppealKind { Reinstatement => "reinstatement", Contest => "contest" }
);

vocabulary!(
    /// A reviewer's decision on an appeal.
    AppealOutcome { Granted => "granted", Denied => "denied" }
);

/// A set of [`Area`]s, as a bit set: cheap to build on the evaluation's hot path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Areas(u8);

impl Areas {
    pub const EMPTY: Areas = Areas(0);

    fn bit(area: Area) -> u8 {
        1 << (area as u8)
    }

    pub fn with(self, area: Area) -> Areas {
        Areas(self.0 | Self::bit(area))
    }

    pub fn contains(self, area: Area) -> bool {
        self.0 & Self::bit(area) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: Areas) -> Areas {
        Areas(self.0 | other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Area> {
        Area::ALL.iter().copied().filter(move |a| self.contains(*a))
    }
}

impl FromIterator<Area> for Areas {
    fn from_iter<I: IntoIterator<Item = Area>>(iter: I) -> Self {
        iter.into_iter().fold(Areas::EMPTY, Areas::with)
    }
}

impl Serialize for Areas {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Areas {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let areas: Vec<Area> = Vec::deserialize(d)?;
        Ok(areas.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: i64) -> Score {
        Score::parse(v).unwrap()
    }

    #[test]
    fn a_score_outside_one_to_five_is_refused() {
        assert!(Score::parse(0).is_err());
        assert!(Score::parse(6).is_err());
        assert_eq!(Score::parse(5).map(u8::from), Ok(5));
        assert!(Recommend::parse(10).is_ok());
        assert!(Recommend::parse(11).is_err());
        assert!(Recommend::parse(-1).is_err());
    }

    #[test]
    fn overall_is_the_mean_of_six_scores_to_one_decimal_rounded_half_up() {
        assert_eq!(Scores::all(s(4)).overall().tenths(), 40);
        let mut scores = Scores::all(s(4));
        scores.skills = s(5); // 25 / 6 = 4.1666…
        assert_eq!(scores.overall().tenths(), 42);
        scores.quality = s(5); // 26 / 6 = 4.333…
        assert_eq!(scores.overall().tenths(), 43);
        scores.availability = s(5); // 27 / 6 = 4.5
        assert_eq!(scores.overall().tenths(), 45);
        assert_eq!(serde_json::to_string(&scores.overall()).unwrap(), "4.5");
    }

    #[test]
    fn money_refuses_negative_amounts_and_bad_currencies() {
        assert_eq!(Money::parse(-1, "USD"), Err(MoneyError::Negative));
        assert!(matches!(
            Money::parse(1, "usd"),
            Err(MoneyError::Currency(_))
        ));
        assert_eq!(Money::parse(25_000, "EUR").map(|m| m.minor()), Ok(25_000));
    }

    #[test]
    fn vocabularies_use_their_wire_names() {
        assert_eq!(
            serde_json::to_string(&ReasonEnded::QualityIssues).unwrap(),
            "\"quality_issues\""
        );
        assert!(serde_json::from_str::<ComplaintCategory>("\"diploma\"").is_err());
        let areas: Areas = serde_json::from_str("[\"skills\",\"performance\",\"skills\"]").unwrap();
        assert_eq!(
            areas.iter().collect::<Vec<_>>(),
            vec![Area::Skills, Area::Performance]
        );
    }
}
