//! Reading a JSON body into typed values, naming the field of every problem: the one place a
//! request's field errors are worded. Each value is parsed by the domain's own constructor
//! (`UserId::parse`, `Score::parse`, `Text::parse`…), whose error already says what to send;
//! a value of the wrong JSON kind is described in JSON's words ("must be an array (got string
//! "x")"). Nothing here reads serde's messages.

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use standing_domain::{
    AppealId, AppealKind, AppealOutcome, Area, Areas, ComplaintCategory, ComplaintId,
    ComplaintOutcome, ContractId, Currency, FeedbackId, ReasonEnded, Recommend, ReportId,
    ReportOutcome, ReportReason, SanctionId, Score, Text, UserId, model::PolicyMode,
};

/// A value of a request body, read from the JSON found at the field path `at` (`public.scores`,
/// `evidence[1]`; empty for the body itself).
pub trait FromJson: Sized {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError>;
}

/// The path of `name` inside `at`.
pub fn field_path(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

/// `value` as a person would name it in JSON: `string "x"`, `integer `7``, `an array`.
fn described(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// The problem "must be {expected} (got …)" at `at`. For the body itself, it is not JSON of the
/// right shape at all.
pub fn mismatch(at: &str, expected: &str, got: &Value) -> ApiError {
    if at.is_empty() {
        return ApiError::invalid_json(format!(
            "the request body must be a JSON object (got {})",
            described(got)
        ));
    }
    ApiError::invalid_field(at, format!("must be {expected} (got {})", described(got)))
}

/// A JSON object being read field by field. It is made knowing every field the command
/// accepts, so a misspelt field is refused rather than silently dropped.
#[derive(Debug)]
pub struct Object {
    at: String,
    fields: Map<String, Value>,
}

impl Object {
    /// `value` as an object of at most the `accepted` fields.
    pub fn read(value: Value, at: &str, accepted: &[&str]) -> Result<Self, ApiError> {
        let Value::Object(fields) = value else {
            return Err(mismatch(at, "an object", &value));
        };
        if let Some(unknown) = fields.keys().find(|k| !accepted.contains(&k.as_str())) {
            let expected = match accepted {
                [] => String::new(),
                [one] => format!("; expected `{one}`"),
                many => format!(
                    "; expected one of {}",
                    many.iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(ApiError::invalid_field(
                field_path(at, unknown),
                format!("is not accepted here{expected}"),
            ));
        }
        Ok(Self {
            at: at.to_owned(),
            fields,
        })
    }

    /// The field `name`, which must be present (`null` is handed to `T`, which refuses it).
    pub fn required<T: FromJson>(&mut self, name: &str) -> Result<T, ApiError> {
        let at = field_path(&self.at, name);
        match self.fields.remove(name) {
            Some(value) => T::from_json(value, &at),
            None => Err(ApiError::invalid_field(at, "is required")),
        }
    }

    /// The field `name`, absent or `null` as `None`.
    pub fn optional<T: FromJson>(&mut self, name: &str) -> Result<Option<T>, ApiError> {
        match self.fields.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::from_json(value, &field_path(&self.at, name)).map(Some),
        }
    }

    /// The field `name`, absent as the type's default (an empty note, no evidence). `null` is
    /// not absent: the contract types these fields as a string or an array, and `T` refuses it.
    pub fn defaulted<T: FromJson + Default>(&mut self, name: &str) -> Result<T, ApiError> {
        match self.fields.remove(name) {
            None => Ok(T::default()),
            Some(value) => T::from_json(value, &field_path(&self.at, name)),
        }
    }

    /// Whether the body named `name` at all, whatever its value (`null` included).
    pub fn names(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// The field `name` as raw JSON, to be read later (or never).
    pub fn raw(&mut self, name: &str) -> Option<Value> {
        self.fields.remove(name)
    }

    /// The fields not read yet, with their paths.
    pub fn into_rest(self) -> impl Iterator<Item = (String, Value)> {
        let at = self.at;
        self.fields
            .into_iter()
            .map(move |(name, value)| (field_path(&at, &name), value))
    }
}

/// A JSON document read into a [`Value`], refusing an object that gives a key twice. JSON
/// allows it and a `Value` would keep the last; but a gateway, a log or a client that reads the
/// first would then see another request than the one decided on, so it is refused.
#[derive(Debug)]
pub struct UniqueKeys(pub Value);

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(UniqueKeysVisitor)
            .map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the field `{key}` is given twice; send each field once"
                )));
            }
            let UniqueKeys(value) = map.next_value()?;
            fields.insert(key, value);
        }
        Ok(Value::Object(fields))
    }
}

impl FromJson for bool {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        value
            .as_bool()
            .ok_or_else(|| mismatch(at, "a boolean", &value))
    }
}

/// A whole number from 0 to `max`.
pub fn whole_number(value: &Value, at: &str, max: u64) -> Result<u64, ApiError> {
    value
        .as_u64()
        .filter(|n| *n <= max)
        .ok_or_else(|| mismatch(at, &format!("a whole number from 0 to {max}"), value))
}

macro_rules! unsigned {
    ($($ty:ty),+) => {$(
        impl FromJson for $ty {
            fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
                let n = whole_number(&value, at, <$ty>::MAX.into())?;
                // In range: whole_number checked it against MAX.
                Ok(<$ty>::try_from(n).unwrap_or(<$ty>::MAX))
            }
        }
    )+};
}
unsigned!(u8, u16, u32, u64);

impl FromJson for DateTime<Utc> {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let expected = "an RFC 3339 timestamp such as 2026-01-31T17:00:00Z";
        let parsed = value
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        match parsed {
            Some(t) => Ok(t.to_utc()),
            None => Err(mismatch(at, expected, &value)),
        }
    }
}

/// A string, or "must be a string (got …)".
pub fn string(value: Value, at: &str) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(mismatch(at, "a string", &other)),
    }
}

impl<const MIN: usize, const MAX: usize> FromJson for Text<MIN, MAX> {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        Text::parse(string(value, at)?).map_err(|e| ApiError::invalid_field(at, e))
    }
}

macro_rules! parsed_from_string {
    ($($ty:ty),+) => {$(
        impl FromJson for $ty {
            fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
                <$ty>::try_from(string(value, at)?).map_err(|e| ApiError::invalid_field(at, e))
            }
        }
    )+};
}
parsed_from_string!(
    UserId,
    ContractId,
    FeedbackId,
    ReportId,
    ComplaintId,
    AppealId,
    SanctionId,
    Currency
);

macro_rules! bounded {
    ($($ty:ty),+) => {$(
        impl FromJson for $ty {
            fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
                let range = format!("a whole number from {} to {}", <$ty>::MIN, <$ty>::MAX);
                match value.as_i64() {
                    Some(n) => <$ty>::parse(n).map_err(|e| ApiError::invalid_field(at, e)),
                    None => Err(mismatch(at, &range, &value)),
                }
            }
        }
    )+};
}
bounded!(Score, Recommend);

/// The accepted words, quoted: "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
fn choice<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = words.map(|w| format!("`{w}`")).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        many => format!("one of {}", many.join(", ")),
    }
}

macro_rules! vocabulary {
    ($($ty:ty),+) => {$(
        impl FromJson for $ty {
            fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
                let found = value
                    .as_str()
                    .and_then(|word| <$ty>::ALL.iter().copied().find(|v| v.as_str() == word));
                found.ok_or_else(|| {
                    let words = choice(<$ty>::ALL.iter().map(|v| v.as_str()));
                    let got = match &value {
                        Value::String(word) => format!("`{word}`"),
                        other => described(other),
                    };
                    ApiError::invalid_field(at, format!("must be {words} (got {got})"))
                })
            }
        }
    )+};
}
vocabulary!(
    Area,
    ReasonEnded,
    ReportReason,
    ReportOutcome,
    ComplaintCategory,
    ComplaintOutcome,
    AppealKind,
    AppealOutcome,
    PolicyMode
);

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        let Value::Array(items) = value else {
            return Err(mismatch(at, "an array", &value));
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| T::from_json(item, &format!("{at}[{i}]")))
            .collect()
    }
}

impl FromJson for Areas {
    fn from_json(value: Value, at: &str) -> Result<Self, ApiError> {
        Ok(Vec::<Area>::from_json(value, at)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(e: ApiError) -> (String, String) {
        match e {
            ApiError::Domain(standing_domain::DomainError::InvalidField { field, problem }) => {
                (field, problem)
            }
            other => panic!("expected invalid_field, got {other:?}"),
        }
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_described_in_json_words() {
        let cases = [
            (json!("yes"), r#"must be a boolean (got string "yes")"#),
            (json!(1.5), "must be a boolean (got floating point `1.5`)"),
            (json!([true]), "must be a boolean (got an array)"),
            (json!({}), "must be a boolean (got an object)"),
            (json!(null), "must be a boolean (got null)"),
        ];
        for (value, expected) in cases {
            let (field, said) = problem(bool::from_json(value, "consent").unwrap_err());
            assert_eq!((field.as_str(), said.as_str()), ("consent", expected));
        }
    }

    #[test]
    fn an_unsigned_number_names_its_range_and_refuses_what_its_type_cannot_hold() {
        assert_eq!(u8::from_json(json!(255), "n"), Ok(255));
        let (_, said) = problem(u8::from_json(json!(256), "n").unwrap_err());
        assert_eq!(
            said,
            "must be a whole number from 0 to 255 (got integer `256`)"
        );
        let (_, said) = problem(u64::from_json(json!(-5), "n").unwrap_err());
        assert_eq!(
            said,
            "must be a whole number from 0 to 18446744073709551615 (got integer `-5`)"
        );
    }

    #[test]
    fn a_vocabulary_word_outside_the_list_is_answered_with_the_list() {
        assert_eq!(
            AppealKind::from_json(json!("contest"), "kind"),
            Ok(AppealKind::Contest)
        );
        let (_, said) = problem(AppealKind::from_json(json!("mercy"), "kind").unwrap_err());
        assert_eq!(said, "must be `reinstatement` or `contest` (got `mercy`)");
        let (_, said) = problem(AppealKind::from_json(json!(2), "kind").unwrap_err());
        assert_eq!(
            said,
            "must be `reinstatement` or `contest` (got integer `2`)"
        );
        let (_, said) = problem(PolicyMode::from_json(json!("on"), "mode").unwrap_err());
        assert_eq!(said, "must be one of `live`, `shadow`, `off` (got `on`)");
    }

    #[test]
    fn a_domain_value_is_refused_with_the_domains_own_reason() {
        let (field, said) = problem(UserId::from_json(json!("a#b"), "client_id").unwrap_err());
        assert_eq!(field, "client_id");
        assert!(said.contains("letters, digits"), "{said}");
        let (_, said) = problem(Score::from_json(json!(9), "skills").unwrap_err());
        assert_eq!(said, "must be a whole number from 1 to 5 (got 9)");
        let (_, said) = problem(Score::from_json(json!("5"), "skills").unwrap_err());
        assert_eq!(
            said,
            r#"must be a whole number from 1 to 5 (got string "5")"#
        );
    }

    #[test]
    fn an_array_names_the_index_of_its_bad_element() {
        let (field, said) =
            problem(Vec::<UserId>::from_json(json!(["a", 7]), "evidence").unwrap_err());
        assert_eq!(field, "evidence[1]");
        assert_eq!(said, "must be a string (got integer `7`)");
    }

    #[test]
    fn an_object_refuses_a_field_it_does_not_accept_listing_those_it_does() {
        let e = Object::read(json!({"a": 1, "zz": 2}), "outer", &["a", "b"]).unwrap_err();
        assert_eq!(
            problem(e),
            (
                "outer.zz".to_owned(),
                "is not accepted here; expected one of `a`, `b`".to_owned()
            )
        );
        let e = Object::read(json!({"x": 1}), "", &[]).unwrap_err();
        assert_eq!(problem(e).1, "is not accepted here");
    }

    #[test]
    fn a_missing_field_is_required_and_an_absent_or_null_optional_one_is_none() {
        let mut o = Object::read(json!({"n": null, "d": null}), "p", &["n", "m", "d"]).unwrap();
        let (field, said) = problem(o.defaulted::<Vec<u8>>("d").unwrap_err());
        assert_eq!(
            (field.as_str(), said.as_str()),
            ("p.d", "must be an array (got null)"),
            "a defaulted field may be left out, not sent as null"
        );
        assert_eq!(o.optional::<u8>("n"), Ok(None));
        assert_eq!(o.optional::<u8>("m"), Ok(None));
        let (field, said) = problem(o.required::<u8>("m").unwrap_err());
        assert_eq!((field.as_str(), said.as_str()), ("p.m", "is required"));
    }

    #[test]
    fn a_key_given_twice_is_refused_at_any_depth_and_a_document_without_one_is_kept_whole() {
        for text in [
            r#"{"consent": false, "consent": true}"#,
            r#"{"public": {"scores": {"skills": 1, "skills": 5}}}"#,
            r#"{"items": [{"a": 1}, {"b": 2, "b": 2}]}"#,
        ] {
            let e = serde_json::from_str::<UniqueKeys>(text).unwrap_err();
            assert!(e.to_string().contains("is given twice"), "{text}: {e}");
        }
        let text = r#"{"a": [1, -2, 2.5, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#;
        let UniqueKeys(value) = serde_json::from_str(text).unwrap();
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn a_body_that_is_not_an_object_is_invalid_json_not_a_field_error() {
        match Object::read(json!([1]), "", &["a"]) {
            Err(ApiError::InvalidJson { message, .. }) => {
                assert_eq!(
                    message,
                    "the request body must be a JSON object (got an array)"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
