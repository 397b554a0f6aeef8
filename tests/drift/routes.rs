use std::collections::BTreeSet;

use standing_tests::sam_template;

/// (function resource, method, path) as the template binds them.
fn template_routes() -> BTreeSet<(String, String, String)> {
    let template = sam_template().unwrap();
    let mut routes = BTreeSet::new();
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values() {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let p = &event["Properties"];
            routes.insert((
                name.as_str().unwrap().to_owned(),
                p["Method"].as_str().unwrap().to_uppercase(),
                p["Path"].as_str().unwrap().to_owned(),
            ));
        }
    }
    routes
}

/// The routes each function's code serves.
fn code_routes() -> BTreeSet<(String, String, String)> {
    fn add<H>(
        set: &mut BTreeSet<(String, String, String)>,
        function: &str,
        routes: &[standing_lambda::Route<H>],
    ) {
        for r in routes {
            set.insert((
                function.to_owned(),
                r.method.to_string(),
                r.template.to_owned(),
            ));
        }
    }
    let mut set = BTreeSet::new();
    add(&mut set, "SubmitFeedbackFunction", submit_feedback::ROUTES);
    add(&mut set, "FileComplaintFunction", file_complaint::ROUTES);
    add(
        &mut set,
        "EvaluateFreelancerFunction",
        evaluate_freelancer::ROUTES,
    );
    add(&mut set, "ProcessAppealFunction", process_appeal::ROUTES);
    set
}

#[test]
fn every_route_the_functions_serve_is_bound_in_the_template_to_the_same_function_and_no_other() {
    let template = template_routes();
    let code = code_routes();
    let missing: Vec<_> = code.difference(&template).collect();
    let extra: Vec<_> = template.difference(&code).collect();
    assert!(
        missing.is_empty(),
        "served but not in the template: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in the template but not served: {extra:?}"
    );
    // The contract (api.md) has 19 routes outside the local-only /_dev ones.
    assert_eq!(code.len(), 19);
}

#[test]
fn the_daily_and_hourly_schedules_and_the_stream_trigger_are_in_the_template() {
    let template = sam_template().unwrap();
    let events = |f: &str| template["Resources"][f]["Properties"]["Events"].clone();
    let schedules = |f: &str| -> Vec<String> {
        events(f)
            .as_mapping()
            .unwrap()
            .values()
            .filter(|e| e["Type"].as_str() == Some("Schedule"))
            .filter_map(|e| e["Properties"]["Schedule"].as_str().map(str::to_owned))
            .collect()
    };
    // The local stack fires them at the same moments (shared/local/src/schedule.rs).
    assert_eq!(
        schedules("ProcessAppealFunction"),
        ["cron(0 3 * * ? *)"],
        "process-appeal runs the daily check at 03:00 UTC"
    );
    assert_eq!(
        schedules("EvaluateFreelancerFunction"),
        ["rate(1 hour)"],
        "evaluate-freelancer re-evaluates the standings due by time every hour"
    );
    let evaluate = events("EvaluateFreelancerFunction");
    let stream = evaluate
        .as_mapping()
        .unwrap()
        .values()
        .find(|e| e["Type"].as_str() == Some("DynamoDB"))
        .unwrap()
        .clone();
    let p = &stream["Properties"];
    assert_eq!(
        p["FunctionResponseTypes"][0].as_str(),
        Some("ReportBatchItemFailures")
    );
    assert_eq!(p["BisectBatchOnFunctionError"].as_bool(), Some(true));
    assert!(p["MaximumRetryAttempts"].as_i64().is_some_and(|n| n >= 0));
    assert!(
        p["MaximumRecordAgeInSeconds"]
            .as_i64()
            .is_some_and(|n| n > 0)
    );
    assert!(!p["DestinationConfig"]["OnFailure"]["Destination"].is_null());
}
