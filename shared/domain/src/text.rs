//! Bounded free text: comments, notes, statements, claims.

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a string is not acceptable text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters long (got {len})")]
    TooLong { max: usize, len: usize },
    #[error("must not contain control characters other than line breaks and tabs")]
    ControlCharacter,
    #[error(
        "must not contain invisible formatting characters (bidirectional overrides, zero-width characters; found U+{found:04X})"
    )]
    FormatCharacter { found: u32 },
}

/// Text of `MIN..=MAX` characters (Unicode scalar values), trimmed of surrounding white space,
/// without control characters except line breaks and tabs, and without Unicode format
/// characters (§10: a bidirectional override or a zero-width character would let one text
/// display as another on the public profile, or slip a claim past the one-open-per-claim rule).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> Text<MIN, MAX> {
    pub fn parse(raw: impl AsRef<str>) -> Result<Self, TextError> {
        let trimmed = raw.as_ref().trim();
        let len = trimmed.chars().count();
        if len < MIN {
            return Err(TextError::Empty);
        }
        if len > MAX {
            return Err(TextError::TooLong { max: MAX, len });
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(TextError::ControlCharacter);
        }
        if let Some(found) = trimmed
            .chars()
            .find(|c| c.general_category() == GeneralCategory::Format)
        {
            return Err(TextError::FormatCharacter {
                found: u32::from(found),
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Text that may be empty defaults to empty.
impl<const MAX: usize> Default for Text<0, MAX> {
    fn default() -> Self {
        Self(String::new())
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for Text<MIN, MAX> {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl<const MIN: usize, const MAX: usize> From<Text<MIN, MAX>> for String {
    fn from(t: Text<MIN, MAX>) -> String {
        t.0
    }
}

/// The public comment of a feedback (may be empty).
pub type Comment = Text<0, 5000>;
/// The private note of a client's feedback, or a reviewer's note.
pub type Note = Text<0, 2000>;
/// A freelancer's public response to feedback.
pub type ResponseText = Text<1, 5000>;
/// The credential a complaint disputes, e.g. "AWS Certified Solutions Architect".
pub type ClaimText = Text<1, 200>;
/// A complaint's or an appeal's statement.
pub type Statement = Text<1, 5000>;
/// One piece of evidence: a link or a short text.
pub type EvidenceText = Text<1, 2000>;
/// The clause of the Terms of Service or Optional Service Contract Terms a decision cites.
pub type TermsClause = Text<1, 200>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_of_exactly_five_thousand_characters_is_accepted_and_one_more_is_refused() {
        assert!(Comment::parse("é".repeat(5000)).is_ok());
        assert_eq!(
            Comment::parse("é".repeat(5001)),
            Err(TextError::TooLong {
                max: 5000,
                len: 5001
            })
        );
    }

    #[test]
    fn a_statement_of_only_white_space_is_empty() {
        assert_eq!(Statement::parse("  \n "), Err(TextError::Empty));
    }

    #[test]
    fn text_with_a_nul_byte_is_refused_but_line_breaks_are_kept() {
        assert_eq!(Note::parse("a\u{0}b"), Err(TextError::ControlCharacter));
        assert_eq!(Note::parse(" a\nb ").unwrap().as_str(), "a\nb");
    }

    #[test]
    fn bidirectional_overrides_and_zero_width_characters_are_refused_in_every_text() {
        for (text, code) in [
            ("evil\u{202E}gnp.exe", 0x202E),
            ("AWS\u{200B} SA", 0x200B),
            ("a\u{2066}b", 0x2066),
            ("\u{FEFF}x", 0xFEFF),
            ("soft\u{00AD}hyphen", 0x00AD),
        ] {
            assert_eq!(
                ClaimText::parse(text),
                Err(TextError::FormatCharacter { found: code }),
                "{text:?}"
            );
            assert!(Comment::parse(text).is_err(), "{text:?}");
        }
        // Letters of every script, emoji and accents are text, not formatting.
        assert!(Comment::parse("Müller, 東京, ✓ 👍").is_ok());
    }
}
