//! The reviewer console's files, embedded: the local stack serves them at `/console/`, and the
//! same files (`assets/`) are what an S3 bucket behind CloudFront serves in AWS. No build step:
//! plain HTML, CSS and JavaScript modules that talk only to the public HTTP API with the
//! reviewer's token.

/// One file of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static [u8],
}

const FILES: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../assets/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/api.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/style.css"),
    ),
];

/// The file at `path` below `/console/` (`""` is the page itself).
pub fn asset(path: &str) -> Option<Asset> {
    let name = if path.is_empty() { "index.html" } else { path };
    FILES
        .iter()
        .find(|(file, _, _)| *file == name)
        .map(|(_, content_type, body)| Asset { content_type, body })
}

/// Every file's name, for deployment and tests.
pub fn names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, _, _)| *name)
}

/// The headers every console file is served with: no inline script or style, nothing from
/// another origin except the API (`connect_src`), never framed, never sniffed.
pub fn security_headers(connect_src: &str) -> [(&'static str, String); 4] {
    let connect = match connect_src {
        "" => "'self'".to_owned(),
        api => format!("'self' {api}"),
    };
    [
        (
            "content-security-policy",
            format!(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
            ),
        ),
        ("x-content-type-options", "nosniff".to_owned()),
        ("referrer-policy", "no-referrer".to_owned()),
        ("cache-control", "no-cache".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_modules_are_served_with_their_types_and_nothing_else_is() {
        assert_eq!(asset("").unwrap().content_type, "text/html; charset=utf-8");
        assert_eq!(asset("index.html"), asset(""));
        assert!(
            asset("app.js")
                .unwrap()
                .content_type
                .starts_with("text/javascript")
        );
        assert!(asset("style.css").is_some());
        assert!(asset("../Cargo.toml").is_none());
        assert!(asset("secret").is_none());
    }

    #[test]
    fn the_page_loads_only_its_own_files() {
        let page = std::str::from_utf8(asset("").unwrap().body).unwrap();
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no CDN"
        );
        assert!(page.contains(r#"src="app.js""#));
        assert!(!page.contains("<script>"), "no inline script");
        for name in names() {
            assert!(!asset(name).unwrap().body.is_empty(), "{name}");
        }
    }
}
