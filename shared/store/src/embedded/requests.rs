//! A canonical text of a transaction request, so that a repeated client request token can be
//! told apart from a reused one: the same request always yields the same text (maps by sorted
//! key, sets sorted, numbers normalised), a different one a different text.

use std::fmt::Write;

use serde_dynamo::{AttributeValue, Item};

use crate::{
    attr::normalize_number,
    condition::Condition,
    engine::{Key, TransactOp},
};

pub(super) fn canonical(operations: &[TransactOp]) -> String {
    let mut out = String::new();
    for operation in operations {
        match operation {
            TransactOp::Put { item, condition } => {
                out.push_str("put(");
                item_text(item, &mut out);
                out.push(',');
                condition_text(condition, &mut out);
            }
            TransactOp::Delete { key, condition } => {
                out.push_str("delete(");
                key_text(key, &mut out);
                out.push(',');
                condition_text(condition, &mut out);
            }
            TransactOp::ConditionCheck { key, condition } => {
                out.push_str("check(");
                key_text(key, &mut out);
                out.push(',');
                condition_text(condition, &mut out);
            }
        }
        out.push_str(");");
    }
    out
}

fn quoted(text: &str, out: &mut String) {
    let _ = write!(out, "{text:?}");
}

fn key_text(key: &Key, out: &mut String) {
    quoted(&key.pk, out);
    out.push('/');
    quoted(&key.sk, out);
}

fn item_text(item: &Item, out: &mut String) {
    let mut names: Vec<&String> = item.keys().collect();
    names.sort();
    out.push('{');
    for name in names {
        quoted(name, out);
        out.push(':');
        if let Some(value) = item.get(name) {
            value_text(value, out);
        }
        out.push(',');
    }
    out.push('}');
}

fn number(n: &str) -> String {
    normalize_number(n).unwrap_or_else(|_| n.to_string())
}

fn value_text(value: &AttributeValue, out: &mut String) {
    use AttributeValue as V;
    match value {
        V::S(s) => {
            out.push('S');
            quoted(s, out);
        }
        V::N(n) => {
            out.push('N');
            quoted(&number(n), out);
        }
        V::B(b) => {
            let _ = write!(out, "B{b:?}");
        }
        V::Bool(b) => {
            let _ = write!(out, "BOOL{b}");
        }
        V::Null(n) => {
            let _ = write!(out, "NULL{n}");
        }
        V::Ss(ss) => {
            let mut ss: Vec<&String> = ss.iter().collect();
            ss.sort();
            let _ = write!(out, "SS{ss:?}");
        }
        V::Ns(ns) => {
            let mut ns: Vec<String> = ns.iter().map(|n| number(n)).collect();
            ns.sort();
            let _ = write!(out, "NS{ns:?}");
        }
        V::Bs(bs) => {
            let mut bs: Vec<&Vec<u8>> = bs.iter().collect();
            bs.sort();
            let _ = write!(out, "BS{bs:?}");
        }
        V::L(l) => {
            out.push_str("L[");
            for v in l {
                value_text(v, out);
                out.push(',');
            }
            out.push(']');
        }
        V::M(m) => {
            out.push('M');
            item_text(&Item::from(m.clone()), out);
        }
    }
}

fn condition_text(condition: &Condition, out: &mut String) {
    match condition {
        Condition::None => out.push_str("none"),
        Condition::NotExists => out.push_str("not_exists"),
        Condition::Exists => out.push_str("exists"),
        Condition::VersionEquals(v) => {
            let _ = write!(out, "version={v}");
        }
        Condition::AttributeEquals { name, value } => {
            quoted(name, out);
            out.push('=');
            value_text(value, out);
        }
        Condition::AttributeExists(name) => {
            out.push_str("has:");
            quoted(name, out);
        }
        Condition::AttributeNotExists(name) => {
            out.push_str("lacks:");
            quoted(name, out);
        }
        Condition::All(all) => {
            out.push_str("all[");
            for c in all {
                condition_text(c, out);
                out.push(',');
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn put(extra: (&str, AttributeValue)) -> Vec<TransactOp> {
        let item = Item::from(HashMap::from([
            ("PK".to_string(), AttributeValue::S("p".into())),
            ("SK".to_string(), AttributeValue::S("s".into())),
            (extra.0.to_string(), extra.1),
        ]));
        vec![TransactOp::Put {
            item,
            condition: Condition::NotExists,
        }]
    }

    #[test]
    fn the_same_request_has_the_same_text_whatever_the_order_of_its_maps_and_sets() {
        let a = put(("tags", AttributeValue::Ss(vec!["x".into(), "y".into()])));
        let b = put(("tags", AttributeValue::Ss(vec!["y".into(), "x".into()])));
        assert_eq!(canonical(&a), canonical(&b));
        for _ in 0..10 {
            assert_eq!(canonical(&a), canonical(&a.clone()));
        }
    }

    #[test]
    fn a_different_request_has_a_different_text() {
        let a = put(("n", AttributeValue::N("1".into())));
        let b = put(("n", AttributeValue::N("2".into())));
        let c = put(("n", AttributeValue::S("1".into())));
        assert_ne!(canonical(&a), canonical(&b));
        assert_ne!(canonical(&a), canonical(&c));
    }
}
