//! What every function sends to CloudWatch Logs: JSON lines (the functions' own level filter
//! and Logs Insights' queries need them), its own lines from INFO, Lambda's platform lines only
//! from WARN (no START/REPORT pair per invocation, half of an event's log bytes by
//! infra/README.md's cost table), into a log group of its own that expires.

use standing_tests::sam_template;

#[test]
fn every_function_logs_json_from_info_without_lambdas_per_invocation_lines_into_a_group_that_expires()
 {
    let template = sam_template().unwrap();
    let resources = template["Resources"].as_mapping().unwrap();
    let functions: Vec<_> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .collect();
    assert_eq!(functions.len(), 4, "the four functions");
    for (name, function) in functions {
        let logging = &function["Properties"]["LoggingConfig"];
        assert_eq!(logging["LogFormat"], "JSON", "{name:?}");
        assert_eq!(logging["ApplicationLogLevel"], "INFO", "{name:?}");
        assert_eq!(logging["SystemLogLevel"], "WARN", "{name:?}");
        let group = match &logging["LogGroup"] {
            serde_yaml_ng::Value::Tagged(tagged) if tagged.tag == "!Ref" => tagged.value.as_str(),
            _ => None,
        }
        .unwrap_or_else(|| panic!("{name:?}: LogGroup is not a !Ref: {logging:?}"));
        let group = &template["Resources"][group];
        assert_eq!(group["Type"], "AWS::Logs::LogGroup", "{name:?}");
        assert!(
            !group["Properties"]["RetentionInDays"].is_null(),
            "{name:?}: its log group keeps logs forever"
        );
    }
}
