//! The reviewer console in AWS: its files in a bucket nobody reads but the console's CloudFront
//! distribution, served over HTTPS with the same Content-Security-Policy the local stack sends
//! (but for the API's origin), and the API answering the console's origin.

use standing_tests::{sam_template, untag};

fn resource(name: &str) -> serde_yaml_ng::Value {
    sam_template().unwrap()["Resources"][name].clone()
}

#[test]
fn the_consoles_bucket_is_private_and_read_only_by_its_distribution() {
    let bucket = resource("ConsoleBucket");
    let block = &bucket["Properties"]["PublicAccessBlockConfiguration"];
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[flag].as_bool(), Some(true), "{flag}");
    }
    let statements = resource("ConsoleBucketPolicy")["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap()
        .clone();
    assert_eq!(statements.len(), 1);
    let only = &statements[0];
    assert_eq!(only["Effect"].as_str(), Some("Allow"));
    assert_eq!(
        only["Principal"]["Service"].as_str(),
        Some("cloudfront.amazonaws.com")
    );
    assert_eq!(only["Action"].as_str(), Some("s3:GetObject"));
    let source = untag(&only["Condition"]["StringEquals"]["AWS:SourceArn"]);
    assert!(
        source
            .as_str()
            .unwrap_or("")
            .contains("${ConsoleDistribution}"),
        "{source:?}"
    );
    let distribution = &resource("ConsoleDistribution")["Properties"]["DistributionConfig"];
    assert_eq!(
        distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"].as_str(),
        Some("redirect-to-https")
    );
    assert!(!distribution["Origins"][0]["OriginAccessControlId"].is_null());
}

#[test]
fn the_console_is_served_with_the_local_stacks_policy_and_the_api_allows_its_origin() {
    let policy = resource("ConsoleHeadersPolicy");
    let csp = untag(
        &policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
            ["ContentSecurityPolicy"]["ContentSecurityPolicy"],
    )
    .as_str()
    .unwrap()
    .to_owned();
    let local = standing_console::security_headers("")[0].1.clone();
    let directives = |text: &str| -> Vec<String> {
        text.split(';')
            .map(str::trim)
            .filter(|d| !d.is_empty() && !d.starts_with("connect-src"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(directives(&csp), directives(&local));
    assert!(
        csp.contains("connect-src 'self' https://*.execute-api."),
        "{csp}"
    );
    let cors = &resource("HttpApi")["Properties"]["CorsConfiguration"];
    let origin = untag(&cors["AllowOrigins"][0])
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        origin.contains("ConsoleDistribution.DomainName"),
        "{origin}"
    );
    let headers: Vec<&str> = cors["AllowHeaders"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str())
        .collect();
    assert!(headers.contains(&"authorization"), "{headers:?}");
}
