//! DynamoDB's rules for attribute values, for the embedded engine to apply as DynamoDB does:
//! number normalisation, equality, item size and validation; plus conversions to the SDK's types.

use std::collections::HashMap;

use aws_sdk_dynamodb::{primitives::Blob, types::AttributeValue as SdkValue};
use serde_dynamo::{AttributeValue, Item};

use crate::error::StoreError;
#[cfg(feature = "embedded")]
use crate::table::{Index, PARTITION_KEY, SORT_KEY};

#[cfg(feature = "embedded")]
/// DynamoDB's item size limit.
pub(crate) const MAX_ITEM_BYTES: usize = 400 * 1024;
#[cfg(feature = "embedded")]
const MAX_SIGNIFICANT_DIGITS: usize = 38;

#[cfg(feature = "embedded")]
/// The number as DynamoDB stores and returns it: plain decimal notation, no leading zeros, no
/// trailing fractional zeros, no sign on zero. Refuses what DynamoDB refuses (not a number, more
/// than 38 significant digits, magnitude outside 1E-130 ..= 9.99..E+125).
pub(crate) fn normalize_number(raw: &str) -> Result<String, String> {
    let invalid = || format!("{raw:?} is not a valid number");
    let (negative, unsigned) = match raw.as_bytes().first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => {
            let text = &unsigned[at + 1..];
            let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(invalid());
            }
            let value: i64 = text.parse().map_err(|_| invalid())?;
            (&unsigned[..at], value)
        }
        None => (unsigned, 0),
    };
    let (integer, fraction) = match mantissa.find('.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (integer.is_empty() && fraction.is_empty()) || !all_digits(integer) || !all_digits(fraction)
    {
        return Err(invalid());
    }
    let joined = format!("{integer}{fraction}");
    let significant = joined.trim_start_matches('0');
    if significant.is_empty() {
        return Ok("0".to_string());
    }
    let trimmed = significant.trim_end_matches('0');
    // value = trimmed × 10^exponent
    let exponent = exponent - fraction.len() as i64 + (significant.len() - trimmed.len()) as i64;
    if trimmed.len() > MAX_SIGNIFICANT_DIGITS {
        return Err(format!(
            "{raw:?} has more than {MAX_SIGNIFICANT_DIGITS} significant digits"
        ));
    }
    let magnitude = trimmed.len() as i64 - 1 + exponent;
    if !(-130..=125).contains(&magnitude) {
        return Err(format!("{raw:?} is out of DynamoDB's number range"));
    }
    let mut out = String::with_capacity(trimmed.len() + 8);
    if negative {
        out.push('-');
    }
    let len = trimmed.len() as i64;
    if exponent >= 0 {
        out.push_str(trimmed);
        out.extend(std::iter::repeat_n('0', exponent as usize));
    } else if -exponent < len {
        let point = (len + exponent) as usize;
        out.push_str(&trimmed[..point]);
        out.push('.');
        out.push_str(&trimmed[point..]);
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exponent - len) as usize));
        out.push_str(trimmed);
    }
    Ok(out)
}

#[cfg(feature = "embedded")]
fn numbers_equal(a: &str, b: &str) -> bool {
    match (normalize_number(a), normalize_number(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(feature = "embedded")]
/// Equality as DynamoDB's `=` and its change detection see it: numbers by value, sets without
/// regard to order.
pub(crate) fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    match (a, b) {
        (V::N(a), V::N(b)) => numbers_equal(a, b),
        (V::Ns(a), V::Ns(b)) => {
            a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| numbers_equal(x, y)))
        }
        (V::Ss(a), V::Ss(b)) => a.len() == b.len() && a.iter().all(|x| b.contains(x)),
        (V::Bs(a), V::Bs(b)) => a.len() == b.len() && a.iter().all(|x| b.contains(x)),
        (V::L(a), V::L(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_equal(x, y))
        }
        (V::M(a), V::M(b)) => maps_equal(a, b),
        _ => a == b,
    }
}

#[cfg(feature = "embedded")]
fn maps_equal(a: &HashMap<String, AttributeValue>, b: &HashMap<String, AttributeValue>) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| values_equal(v, w)))
}

#[cfg(feature = "embedded")]
/// Whether two items hold the same data (DynamoDB writes no stream record for such a put).
pub(crate) fn items_equal(a: &Item, b: &Item) -> bool {
    maps_equal(a, b)
}

#[cfg(feature = "embedded")]
fn number_size(n: &str) -> usize {
    let digits = n.bytes().filter(u8::is_ascii_digit).count();
    digits.div_ceil(2) + 1
}

#[cfg(feature = "embedded")]
fn value_size(value: &AttributeValue) -> usize {
    use AttributeValue as V;
    match value {
        V::S(s) => s.len(),
        V::N(n) => number_size(n),
        V::B(b) => b.len(),
        V::Bool(_) | V::Null(_) => 1,
        V::Ss(ss) => ss.iter().map(String::len).sum(),
        V::Ns(ns) => ns.iter().map(|n| number_size(n)).sum(),
        V::Bs(bs) => bs.iter().map(Vec::len).sum(),
        V::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        V::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
    }
}

#[cfg(feature = "embedded")]
/// DynamoDB's item size: attribute names plus values, by its published rules (approximate for
/// nested documents).
pub(crate) fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

#[cfg(feature = "embedded")]
fn normalize_value(value: AttributeValue) -> Result<AttributeValue, String> {
    use AttributeValue as V;
    Ok(match value {
        V::N(n) => V::N(normalize_number(&n)?),
        V::Ns(ns) => {
            let ns = ns
                .iter()
                .map(|n| normalize_number(n))
                .collect::<Result<Vec<_>, _>>()?;
            check_set(&ns, "number")?;
            V::Ns(ns)
        }
        V::Ss(ss) => {
            check_set(&ss, "string")?;
            V::Ss(ss)
        }
        V::Bs(bs) => {
            check_set(&bs, "binary")?;
            V::Bs(bs)
        }
        V::Null(false) => return Err("a NULL attribute value must be true".into()),
        V::L(l) => V::L(
            l.into_iter()
                .map(normalize_value)
                .collect::<Result<_, _>>()?,
        ),
        V::M(m) => V::M(
            m.into_iter()
                .map(|(k, v)| normalize_value(v).map(|v| (k, v)))
                .collect::<Result<_, _>>()?,
        ),
        other => other,
    })
}

#[cfg(feature = "embedded")]
fn check_set<T: PartialEq>(set: &[T], kind: &str) -> Result<(), String> {
    if set.is_empty() {
        return Err(format!("a {kind} set may not be empty"));
    }
    for (i, x) in set.iter().enumerate() {
        if set[i + 1..].contains(x) {
            return Err(format!("a {kind} set may not contain duplicates"));
        }
    }
    Ok(())
}

/// A key attribute's value: a non-empty string.
pub(crate) fn key_string<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, String> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::S(s)) if !s.is_empty() => Ok(Some(s)),
        Some(AttributeValue::S(_)) => Err(format!("key attribute {name} may not be empty")),
        Some(_) => Err(format!("key attribute {name} must be a string")),
    }
}

#[cfg(feature = "embedded")]
/// What DynamoDB would store for this put, or why it refuses it: keys present and well typed
/// (index keys too, when present), numbers normalised, sets valid, within the size limit.
pub(crate) fn prepare_item(item: Item) -> Result<Item, StoreError> {
    let mut prepared = HashMap::with_capacity(item.len());
    for (name, value) in item.into_inner() {
        if name.is_empty() {
            return Err(StoreError::Validation(
                "attribute names may not be empty".into(),
            ));
        }
        let value = normalize_value(value).map_err(StoreError::Validation)?;
        prepared.insert(name, value);
    }
    let prepared = Item::from(prepared);
    for name in [PARTITION_KEY, SORT_KEY] {
        if key_string(&prepared, name)
            .map_err(StoreError::Validation)?
            .is_none()
        {
            return Err(StoreError::Validation(format!(
                "the item has no key attribute {name}"
            )));
        }
    }
    for index in Index::GLOBAL_SECONDARY {
        for name in [index.partition_key(), index.sort_key()] {
            key_string(&prepared, name).map_err(StoreError::Validation)?;
        }
    }
    let size = item_size(&prepared);
    if size > MAX_ITEM_BYTES {
        return Err(StoreError::Validation(format!(
            "the item is {size} bytes, over DynamoDB's {MAX_ITEM_BYTES}"
        )));
    }
    Ok(prepared)
}

/// Converts a value for the SDK.
pub fn to_sdk_value(value: AttributeValue) -> SdkValue {
    use AttributeValue as V;
    match value {
        V::S(s) => SdkValue::S(s),
        V::N(n) => SdkValue::N(n),
        V::B(b) => SdkValue::B(Blob::new(b)),
        V::Bool(b) => SdkValue::Bool(b),
        V::Null(n) => SdkValue::Null(n),
        V::Ss(ss) => SdkValue::Ss(ss),
        V::Ns(ns) => SdkValue::Ns(ns),
        V::Bs(bs) => SdkValue::Bs(bs.into_iter().map(Blob::new).collect()),
        V::L(l) => SdkValue::L(l.into_iter().map(to_sdk_value).collect()),
        V::M(m) => SdkValue::M(m.into_iter().map(|(k, v)| (k, to_sdk_value(v))).collect()),
    }
}

/// Converts a value from the SDK; a type this crate does not know is an error, not a panic.
pub fn from_sdk_value(value: SdkValue) -> Result<AttributeValue, StoreError> {
    use AttributeValue as V;
    Ok(match value {
        SdkValue::S(s) => V::S(s),
        SdkValue::N(n) => V::N(n),
        SdkValue::B(b) => V::B(b.into_inner()),
        SdkValue::Bool(b) => V::Bool(b),
        SdkValue::Null(n) => V::Null(n),
        SdkValue::Ss(ss) => V::Ss(ss),
        SdkValue::Ns(ns) => V::Ns(ns),
        SdkValue::Bs(bs) => V::Bs(bs.into_iter().map(Blob::into_inner).collect()),
        SdkValue::L(l) => V::L(
            l.into_iter()
                .map(from_sdk_value)
                .collect::<Result<_, _>>()?,
        ),
        SdkValue::M(m) => V::M(
            m.into_iter()
                .map(|(k, v)| from_sdk_value(v).map(|v| (k, v)))
                .collect::<Result<_, _>>()?,
        ),
        other => {
            return Err(StoreError::Backend(format!(
                "DynamoDB returned an attribute type this crate does not know: {other:?}"
            )));
        }
    })
}

/// Converts an item for the SDK.
pub fn item_to_sdk(item: Item) -> HashMap<String, SdkValue> {
    item.into_inner()
        .into_iter()
        .map(|(k, v)| (k, to_sdk_value(v)))
        .collect()
}

/// Converts an item from the SDK.
pub fn item_from_sdk(item: HashMap<String, SdkValue>) -> Result<Item, StoreError> {
    item.into_iter()
        .map(|(k, v)| from_sdk_value(v).map(|v| (k, v)))
        .collect::<Result<HashMap<_, _>, _>>()
        .map(Item::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_as_dynamodb_returns_them() {
        for (raw, want) in [
            ("0", "0"),
            ("-0", "0"),
            ("0.000", "0"),
            ("007", "7"),
            ("1.50", "1.5"),
            ("+3", "3"),
            ("-12.340", "-12.34"),
            ("1e2", "100"),
            ("1.5E1", "15"),
            ("1e-5", "0.00001"),
            ("123.456e-2", "1.23456"),
            ("12345e-2", "123.45"),
            (".5", "0.5"),
            ("5.", "5"),
        ] {
            assert_eq!(normalize_number(raw).as_deref(), Ok(want), "{raw}");
        }
    }

    #[test]
    fn what_dynamodb_refuses_as_a_number_is_refused() {
        for raw in [
            "",
            "-",
            "abc",
            "1e",
            "1e+",
            "1.2.3",
            "0x10",
            " 1",
            "1e999999999999",
            "1e126",
            "1e-131",
        ] {
            assert!(normalize_number(raw).is_err(), "{raw}");
        }
        assert!(normalize_number(&"1".repeat(39)).is_err());
        assert!(normalize_number(&"1".repeat(38)).is_ok());
    }

    #[test]
    fn sets_and_numbers_compare_by_value() {
        use AttributeValue as V;
        assert!(values_equal(&V::N("1.0".into()), &V::N("1".into())));
        assert!(values_equal(
            &V::Ss(vec!["a".into(), "b".into()]),
            &V::Ss(vec!["b".into(), "a".into()])
        ));
        assert!(!values_equal(&V::N("1".into()), &V::S("1".into())));
    }

    #[test]
    fn an_item_without_its_sort_key_is_invalid() {
        let item = Item::from(HashMap::from([(
            PARTITION_KEY.to_string(),
            AttributeValue::S("p".into()),
        )]));
        assert!(matches!(prepare_item(item), Err(StoreError::Validation(_))));
    }

    #[test]
    fn sdk_conversion_round_trips() {
        use AttributeValue as V;
        let value = V::M(HashMap::from([
            ("b".to_string(), V::B(vec![1, 2])),
            ("l".to_string(), V::L(vec![V::Null(true), V::Bool(false)])),
            ("ns".to_string(), V::Ns(vec!["1".into()])),
        ]));
        assert_eq!(
            from_sdk_value(to_sdk_value(value.clone())).ok(),
            Some(value)
        );
    }
}
