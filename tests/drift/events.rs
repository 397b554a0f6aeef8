//! The Pipe that publishes decisions cannot drift from the outbox the store writes: it reads the
//! table's stream, passes exactly the inserts of outbox items, reads fields an outbox item has,
//! puts them on the template's bus, and its role can do that and nothing else.

use chrono::{TimeZone, Utc};
use serde_yaml_ng::Value;
use standing_domain::UserId;
use standing_domain::model::{Notice, NoticeKind, event};
use standing_store::keys::entity;
use standing_store::{AttributeValue, Envelope, Item, OutboxItem};
use standing_tests::{sam_template, untag};

fn resource(name: &str) -> Value {
    let template = sam_template().unwrap();
    template["Resources"][name].clone()
}

/// An outbox item as the store writes it, attribute by attribute.
fn an_outbox_item() -> Item {
    let notice = Notice {
        freelancer_id: UserId::parse("fl-1").unwrap(),
        kind: NoticeKind::ReinstatementOpen,
        subject: "sn_1".to_owned(),
        at: Utc.with_ymd_and_hms(2032, 1, 1, 0, 0, 0).unwrap(),
        message: "You may now ask for reinstatement.".to_owned(),
    };
    let data = OutboxItem::from_domain(&event::of_notice(&notice)).unwrap();
    Envelope::new("FL#fl-1".into(), "OUTBOX#x".into(), entity::OUTBOX, 1, data)
        .to_item()
        .unwrap()
}

/// The attribute a Pipe path (`$.dynamodb.NewImage.a.M.b.S`) names in a stream record's new
/// image of `item`, if it is a string.
fn at_path<'a>(item: &'a Item, path: &str) -> Option<&'a AttributeValue> {
    let rest = path.strip_prefix("$.dynamodb.NewImage.")?;
    let parts: Vec<&str> = rest.split('.').collect();
    let (last, names) = parts.split_last()?;
    let mut value = item.get(*names.first()?)?;
    // Then pairs of (the map's `M`, the attribute's name).
    for pair in names[1..].chunks(2) {
        match (value, pair) {
            (AttributeValue::M(map), ["M", name]) => value = map.get(*name)?,
            _ => return None,
        }
    }
    match (value, *last) {
        (AttributeValue::S(_), "S") => Some(value),
        _ => None,
    }
}

#[test]
fn the_pipe_publishes_exactly_the_inserts_of_outbox_items_from_the_tables_stream_onto_the_bus() {
    let bus = resource("EventBus");
    assert_eq!(bus["Type"].as_str(), Some("AWS::Events::EventBus"));
    assert_eq!(
        untag(&bus["Properties"]["Name"]).as_str(),
        Some("EventBusName")
    );
    let template = sam_template().unwrap();
    assert_eq!(
        template["Parameters"]["EventBusName"]["Default"].as_str(),
        Some("standing")
    );

    let pipe = resource("EventsPipe");
    assert_eq!(pipe["Type"].as_str(), Some("AWS::Pipes::Pipe"));
    let p = &pipe["Properties"];
    assert_eq!(untag(&p["Source"]).as_str(), Some("Table.StreamArn"));
    assert_eq!(untag(&p["Target"]).as_str(), Some("EventBus.Arn"));
    assert_eq!(untag(&p["RoleArn"]).as_str(), Some("EventsPipeRole.Arn"));
    let filters = p["SourceParameters"]["FilterCriteria"]["Filters"]
        .as_sequence()
        .unwrap();
    assert_eq!(filters.len(), 1);
    let pattern: serde_json::Value =
        serde_json::from_str(filters[0]["Pattern"].as_str().unwrap()).unwrap();
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
    assert_eq!(
        pattern["dynamodb"]["NewImage"]["entity_type"]["S"],
        serde_json::json!([entity::OUTBOX])
    );
    assert!(
        untag(&p["SourceParameters"]["DynamoDBStreamParameters"]["DeadLetterConfig"]["Arn"])
            .as_str()
            == Some("EventsPipeDeadLetterQueue.Arn")
    );
}

#[test]
fn every_field_the_pipe_reads_is_a_string_an_outbox_item_carries() {
    let item = an_outbox_item();
    let p = resource("EventsPipe")["Properties"].clone();
    let bus = &p["TargetParameters"]["EventBridgeEventBusParameters"];
    let mut paths: Vec<String> = ["DetailType", "Time"]
        .iter()
        .map(|k| bus[*k].as_str().unwrap().to_owned())
        .collect();
    let template = p["TargetParameters"]["InputTemplate"].as_str().unwrap();
    paths.extend(
        template
            .split('<')
            .skip(1)
            .filter_map(|s| s.split_once('>').map(|(path, _)| path.to_owned())),
    );
    assert!(paths.len() >= 7, "{paths:?}");
    for path in &paths {
        assert!(
            at_path(&item, path).is_some(),
            "the Pipe reads {path}, which an outbox item does not carry as a string"
        );
    }
    // The template is JSON once its placeholders hold strings.
    let filled = paths.iter().fold(template.to_owned(), |t, path| {
        t.replace(&format!("<{path}>"), "x")
    });
    let detail: serde_json::Value = serde_json::from_str(&filled).unwrap();
    for field in ["event_id", "type", "freelancer_id", "occurred_at", "body"] {
        assert_eq!(detail[field], "x", "{field} in {filled}");
    }
    assert_eq!(bus["Source"].as_str(), Some("standing"));
}

#[test]
fn the_pipes_role_reads_this_stream_and_puts_on_this_bus_and_nothing_else() {
    let role = resource("EventsPipeRole");
    let assume = &role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(
        assume["Principal"]["Service"].as_str(),
        Some("pipes.amazonaws.com")
    );
    let mut granted: Vec<(String, String)> = Vec::new();
    for policy in role["Properties"]["Policies"].as_sequence().unwrap() {
        for statement in policy["PolicyDocument"]["Statement"].as_sequence().unwrap() {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"));
            let resource = untag(&statement["Resource"]).as_str().unwrap().to_owned();
            let actions: Vec<String> = match &statement["Action"] {
                Value::Sequence(list) => list
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect(),
                one => vec![one.as_str().unwrap().to_owned()],
            };
            granted.extend(actions.into_iter().map(|a| (a, resource.clone())));
        }
    }
    granted.sort();
    let mut expected: Vec<(String, String)> = [
        ("dynamodb:DescribeStream", "Table.StreamArn"),
        ("dynamodb:GetRecords", "Table.StreamArn"),
        ("dynamodb:GetShardIterator", "Table.StreamArn"),
        ("dynamodb:ListStreams", "Table.StreamArn"),
        ("events:PutEvents", "EventBus.Arn"),
        ("sqs:SendMessage", "EventsPipeDeadLetterQueue.Arn"),
    ]
    .iter()
    .map(|(a, r)| ((*a).to_owned(), (*r).to_owned()))
    .collect();
    expected.sort();
    assert_eq!(granted, expected);
}

#[test]
fn what_the_pipe_gives_up_on_is_alarmed() {
    let alarm = resource("EventsPipeFailuresAlarm");
    let dimension = &alarm["Properties"]["Dimensions"][0]["Value"];
    assert_eq!(
        untag(dimension).as_str(),
        Some("EventsPipeDeadLetterQueue.QueueName")
    );
}

/// The alarms on the functions' own metrics read names the code emits, under its namespace, with
/// the `function` dimension every EMF line carries.
#[test]
fn the_alarms_on_the_functions_metrics_read_metrics_the_code_emits() {
    let template = standing_tests::sam_template().unwrap();
    let functions = [
        "submit-feedback",
        "file-complaint",
        "evaluate-freelancer",
        "process-appeal",
    ];
    let mut read = std::collections::BTreeSet::new();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        let p = &resource["Properties"];
        if resource["Type"].as_str() != Some("AWS::CloudWatch::Alarm")
            || p["Namespace"].as_str() != Some(standing_lambda::metrics::NAMESPACE)
        {
            continue;
        }
        let metric = p["MetricName"].as_str().unwrap();
        assert!(
            standing_lambda::metrics::NAMES.contains(&metric),
            "{name:?} reads {metric}, which no function emits"
        );
        let function = p["Dimensions"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|d| d["Name"].as_str() == Some("function"))
            .and_then(|d| d["Value"].as_str())
            .unwrap_or_else(|| panic!("{name:?} has no function dimension"));
        assert!(functions.contains(&function), "{name:?}: {function}");
        read.insert(metric.to_owned());
    }
    for wanted in [
        "stream_batch_failures",
        "sanctions_imposed",
        "evaluation_latency",
    ] {
        assert!(read.contains(wanted), "no alarm reads {wanted}");
    }
}
