use std::collections::BTreeSet;

use serde_yaml_ng::Value;
use standing_tests::{sam_template, untag};

/// What each function's ports call in the repository (shared/store/src/repository/mod.rs):
/// DynamoDB actions on the table, and the indexes it queries. Kept by hand beside the
/// repository; the test below holds the template to it, both ways.
fn expected(role: &str) -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
    let table: BTreeSet<&str> = [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
    ]
    .into_iter()
    .collect();
    let indexes: BTreeSet<&str> = match role {
        "FileComplaintRole" => ["GSI1"].into_iter().collect(),
        // GSI1: a report by its id; GSI2: the reports waiting.
        "SubmitFeedbackRole" => ["GSI1", "GSI2"].into_iter().collect(),
        "ProcessAppealRole" => ["GSI1", "GSI2"].into_iter().collect(),
        // GSI2: the standings due by time; GSI1: the STANDINGS# shards a policy rollout walks.
        "EvaluateFreelancerRole" => ["GSI1", "GSI2"].into_iter().collect(),
        _ => BTreeSet::new(),
    };
    (table, indexes)
}

fn statements(role: &Value) -> Vec<Value> {
    role["Properties"]["Policies"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["PolicyDocument"]["Statement"]
                .as_sequence()
                .unwrap()
                .clone()
        })
        .collect()
}

fn actions(statement: &Value) -> Vec<String> {
    match &statement["Action"] {
        Value::String(a) => vec![a.clone()],
        Value::Sequence(list) => list
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("unexpected Action {other:?}"),
    }
}

fn resources(statement: &Value) -> Vec<String> {
    let one = |v: &Value| match untag(v) {
        Value::String(s) => s.clone(),
        Value::Sequence(parts) => format!("{parts:?}"),
        other => format!("{other:?}"),
    };
    match &statement["Resource"] {
        Value::Sequence(list) => list.iter().map(one).collect(),
        other => vec![one(other)],
    }
}

#[test]
fn each_function_role_grants_exactly_the_dynamodb_actions_and_indexes_its_store_calls() {
    let template = sam_template().unwrap();
    for role in [
        "SubmitFeedbackRole",
        "FileComplaintRole",
        "EvaluateFreelancerRole",
        "ProcessAppealRole",
    ] {
        let (want_table, want_indexes) = expected(role);
        let mut table = BTreeSet::new();
        let mut indexes = BTreeSet::new();
        for statement in statements(&template["Resources"][role]) {
            for resource in resources(&statement) {
                for action in actions(&statement) {
                    if !action.starts_with("dynamodb:")
                        || action.contains("Stream")
                        || action == "dynamodb:GetRecords"
                        || action == "dynamodb:GetShardIterator"
                    {
                        continue;
                    }
                    if resource == "Table.Arn" {
                        table.insert(action.clone());
                    } else if let Some(index) = resource.strip_prefix("${Table.Arn}/index/") {
                        assert_eq!(action, "dynamodb:Query", "{role}: only queries on indexes");
                        indexes.insert(index.to_owned());
                    } else {
                        panic!("{role}: {action} on an unexpected resource {resource}");
                    }
                }
            }
        }
        let want_table: BTreeSet<String> = want_table.iter().map(|s| (*s).to_owned()).collect();
        let want_indexes: BTreeSet<String> = want_indexes.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(table, want_table, "{role}: table actions");
        assert_eq!(indexes, want_indexes, "{role}: indexes (no wildcard)");
    }
}
