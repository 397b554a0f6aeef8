//! Typed write conditions: evaluated by the embedded engine, rendered to a ConditionExpression
//! with placeholders for DynamoDB. No free-form expression strings cross the engine boundary.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue as SdkValue;
use serde_dynamo::AttributeValue;
#[cfg(feature = "embedded")]
use serde_dynamo::Item;

use crate::{
    attr::to_sdk_value,
    table::{PARTITION_KEY, VERSION_ATTRIBUTE},
};

/// A condition on the item a write targets, as it is before the write.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Condition {
    /// Unconditional.
    #[default]
    None,
    /// The item does not exist.
    NotExists,
    /// The item exists.
    Exists,
    /// The item exists and its numeric `version` attribute equals this (optimistic locking).
    VersionEquals(u64),
    /// The item exists and this attribute equals this value (numbers by value, sets unordered).
    AttributeEquals { name: String, value: AttributeValue },
    /// The item exists and has this attribute.
    AttributeExists(String),
    /// The item does not exist, or lacks this attribute.
    AttributeNotExists(String),
    /// Every one of these holds (an empty list always holds).
    All(Vec<Condition>),
}

impl Condition {
    pub fn attribute_equals(name: impl Into<String>, value: AttributeValue) -> Self {
        Condition::AttributeEquals {
            name: name.into(),
            value,
        }
    }

    /// Whether the condition constrains anything (DynamoDB gets no expression otherwise).
    pub fn is_unconditional(&self) -> bool {
        match self {
            Condition::None => true,
            Condition::All(all) => all.iter().all(Condition::is_unconditional),
            _ => false,
        }
    }

    /// Evaluates the condition against the item as it currently is, as DynamoDB does.
    #[cfg(feature = "embedded")]
    pub(crate) fn holds(&self, current: Option<&Item>) -> bool {
        use crate::attr::values_equal;
        match self {
            Condition::None => true,
            Condition::NotExists => current.is_none(),
            Condition::Exists => current.is_some(),
            Condition::VersionEquals(version) => current
                .and_then(|item| item.get(VERSION_ATTRIBUTE))
                .is_some_and(|v| values_equal(v, &AttributeValue::N(version.to_string()))),
            Condition::AttributeEquals { name, value } => current
                .and_then(|item| item.get(name))
                .is_some_and(|v| values_equal(v, value)),
            Condition::AttributeExists(name) => current.is_some_and(|item| item.contains_key(name)),
            Condition::AttributeNotExists(name) => {
                !current.is_some_and(|item| item.contains_key(name))
            }
            Condition::All(all) => all.iter().all(|c| c.holds(current)),
        }
    }

    /// The ConditionExpression with its placeholders, or `None` when unconditional.
    pub(crate) fn render(&self) -> Option<Expression> {
        if self.is_unconditional() {
            return None;
        }
        let mut expression = Expression::default();
        let text = expression.render(self);
        expression.text = text;
        Some(expression)
    }
}

/// A rendered condition: text plus the names and values its placeholders stand for.
#[derive(Debug, Default)]
pub(crate) struct Expression {
    pub text: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, SdkValue>,
}

impl Expression {
    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    pub fn values(&self) -> Option<HashMap<String, SdkValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }

    fn name(&mut self, attribute: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, a)| *a == attribute) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names
            .insert(placeholder.clone(), attribute.to_string());
        placeholder
    }

    fn value(&mut self, value: &AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values
            .insert(placeholder.clone(), to_sdk_value(value.clone()));
        placeholder
    }

    fn render(&mut self, condition: &Condition) -> String {
        match condition {
            Condition::None => String::new(),
            Condition::NotExists => format!("attribute_not_exists({})", self.name(PARTITION_KEY)),
            Condition::Exists => format!("attribute_exists({})", self.name(PARTITION_KEY)),
            Condition::VersionEquals(version) => {
                let name = self.name(VERSION_ATTRIBUTE);
                let value = self.value(&AttributeValue::N(version.to_string()));
                format!("{name} = {value}")
            }
            Condition::AttributeEquals { name, value } => {
                let name = self.name(name);
                let value = self.value(value);
                format!("{name} = {value}")
            }
            Condition::AttributeExists(name) => format!("attribute_exists({})", self.name(name)),
            Condition::AttributeNotExists(name) => {
                format!("attribute_not_exists({})", self.name(name))
            }
            Condition::All(all) => {
                let parts: Vec<String> = all
                    .iter()
                    .filter(|c| !c.is_unconditional())
                    .map(|c| format!("({})", self.render(c)))
                    .collect();
                parts.join(" AND ")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(version: &str) -> Item {
        Item::from(HashMap::from([
            ("PK".to_string(), AttributeValue::S("p".into())),
            ("SK".to_string(), AttributeValue::S("s".into())),
            ("version".to_string(), AttributeValue::N(version.into())),
        ]))
    }

    #[test]
    fn a_version_check_needs_an_existing_item_with_that_version() {
        assert!(Condition::VersionEquals(3).holds(Some(&item("3"))));
        assert!(!Condition::VersionEquals(3).holds(Some(&item("4"))));
        assert!(!Condition::VersionEquals(3).holds(None));
    }

    #[test]
    fn conditions_render_with_placeholders_only() {
        let condition = Condition::All(vec![
            Condition::Exists,
            Condition::None,
            Condition::VersionEquals(7),
            Condition::attribute_equals("entity_type", AttributeValue::S("appeal".into())),
        ]);
        let rendered = condition.render().expect("an expression");
        assert_eq!(
            rendered.text,
            "(attribute_exists(#n0)) AND (#n1 = :v0) AND (#n2 = :v1)"
        );
        assert_eq!(
            rendered.names.get("#n2").map(String::as_str),
            Some("entity_type")
        );
        assert_eq!(rendered.values.get(":v0"), Some(&SdkValue::N("7".into())));
    }

    #[test]
    fn an_unconditional_write_renders_no_expression() {
        assert!(Condition::None.render().is_none());
        assert!(Condition::All(vec![Condition::None]).render().is_none());
    }
}
