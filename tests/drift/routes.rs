use std::collections::BTreeSet;

use standing_tests::{sam_template, untag};

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
    // The contract (api.md) has 26 routes outside the local-only /_dev ones and /metrics (19,
    // the policy lab's four, the transparency statements, the OpenAPI document and the report
    // queue the console reads).
    assert_eq!(code.len(), 26);
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
        ["rate(1 hour)", "rate(1 minute)"],
        "evaluate-freelancer re-evaluates the standings due by time every hour, and continues a policy rollout every minute"
    );
    // The rollout's rule is known to the function by its name's ending.
    let rollout =
        events("EvaluateFreelancerFunction")["PolicyRollout"]["Properties"]["Name"].clone();
    assert_eq!(
        untag(&rollout).as_str(),
        Some(
            format!(
                "${{AWS::StackName}}{}",
                evaluate_freelancer::ROLLOUT_RULE_SUFFIX
            )
            .as_str()
        )
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

/// Every `HttpApi` event of the template's functions: one per route.
fn http_api_events(template: &serde_yaml_ng::Value) -> Vec<&serde_yaml_ng::Value> {
    template["Resources"]
        .as_mapping()
        .into_iter()
        .flat_map(|resources| resources.values())
        .filter_map(|r| r["Properties"]["Events"].as_mapping())
        .flat_map(|events| events.values())
        .filter(|e| e["Type"].as_str() == Some("HttpApi"))
        .collect()
}

#[test]
fn every_route_is_throttled_and_the_list_and_profile_routes_more_tightly() {
    let template = sam_template().unwrap();
    let api = &template["Resources"]["HttpApi"]["Properties"];
    let defaults = &api["DefaultRouteSettings"];
    assert!(
        !defaults["ThrottlingRateLimit"].is_null() && !defaults["ThrottlingBurstLimit"].is_null(),
        "the HTTP API has default route throttling"
    );
    let parameter = |name: &str| -> i64 {
        template["Parameters"][name]["Default"]
            .as_i64()
            .unwrap_or_else(|| panic!("parameter {name} has a number default"))
    };
    assert!(parameter("ListThrottleRate") < parameter("ApiThrottleRate"));
    assert!(parameter("ListThrottleBurst") < parameter("ApiThrottleBurst"));
    // The routes that answer lists or the profile carry the tighter limit.
    let tight: BTreeSet<String> = http_api_events(&template)
        .into_iter()
        .filter(|e| {
            untag(&e["Properties"]["RouteSettings"]["ThrottlingRateLimit"]).as_str()
                == Some("ListThrottleRate")
        })
        .filter_map(|e| e["Properties"]["Path"].as_str().map(str::to_owned))
        .collect();
    let lists: BTreeSet<String> = [
        "/complaints",
        "/appeals",
        "/freelancers/{freelancer_id}/profile",
        "/freelancers/{freelancer_id}/audit",
        "/policies",
        "/policies/{version}/shadow-report",
        "/transparency/statements",
        "/feedback-reports",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(tight, lists);
    // Reserved concurrency is an option: by default none is reserved, so a new account deploys.
    assert_eq!(parameter("FunctionReservedConcurrency"), 0);
    assert!(!template["Globals"]["Function"]["ReservedConcurrentExecutions"].is_null());
}

#[test]
fn only_the_openapi_document_is_served_without_the_jwt_authorizer() {
    let template = sam_template().unwrap();
    let api = &template["Resources"]["HttpApi"]["Properties"]["Auth"];
    assert_eq!(api["DefaultAuthorizer"].as_str(), Some("JwtAuthorizer"));
    let open: BTreeSet<String> = http_api_events(&template)
        .into_iter()
        .filter(|e| !e["Properties"]["Auth"].is_null())
        .map(|e| {
            assert_eq!(
                e["Properties"]["Auth"]["Authorizer"].as_str(),
                Some("NONE"),
                "a route's Auth may only turn the authorizer off: {e:?}"
            );
            e["Properties"]["Path"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(open, BTreeSet::from(["/openapi.json".to_owned()]));
}
