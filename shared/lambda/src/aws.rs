//! The store in AWS: the repository on DynamoDB, built once per cold start.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use standing_store::{DynamoDbEngine, Repository};

use crate::Config;

/// The repository on the table `config.table`, with the SDK's credentials and region from the
/// Lambda environment. Call it once, at init: the client is reused by every invocation.
pub async fn repository_on_dynamodb(config: &Config) -> Repository {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .load()
        .await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let engine = DynamoDbEngine::new(client, config.table.clone());
    // The TLS handshake with DynamoDB (and the SDK's first-call setup) is paid at init rather
    // than by the first invocation. Over plain HTTP (DynamoDB Local) there is no handshake to
    // move, only a request that would lengthen init. A failure is only logged: the first
    // request then connects as it would have, and answers for itself.
    let https = sdk
        .endpoint_url()
        .is_none_or(|url| url.starts_with("https://"));
    if https && let Err(e) = engine.warm_up().await {
        tracing::warn!(error = %e, "the connection to the table could not be opened at init");
    }
    Repository::new(Arc::new(engine))
}

/// The SDK's own HTTPS client, on rustls with ring (not the SDK's default, aws-lc: without it
/// and EnvFilter's regular expressions each bootstrap is 1.8 MB smaller), trusting only the
/// roots DynamoDB's endpoints chain to, compiled in: the default reads and parses the system's
/// whole certificate store at every cold start (about 2 ms of a 7 ms init on this machine,
/// `infra/measure_cold_start.py`).
fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    let context = TlsContext::builder()
        .with_trust_store(amazon_roots())
        .build();
    let builder = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::Ring,
    ));
    match context {
        Ok(context) => builder.tls_context(context).build_https(),
        // Building a context from a trust store cannot fail today; should it ever, the
        // system's roots still work, a little slower.
        Err(_) => builder.build_https(),
    }
}

/// The roots AWS service endpoints chain to (Amazon Trust Services: Amazon Root CA 1 to 4, and
/// the Starfield root that cross-signs them), taken from Mozilla's set: a test holds this file to
/// the `webpki-root-certs` crate's copies, so only these five are linked, not the whole set.
const AMAZON_ROOTS_PEM: &str = include_str!("amazon_roots.pem");

/// Amazon Trust Services' roots, and nothing else.
fn amazon_roots() -> TrustStore {
    let mut store = TrustStore::empty().with_native_roots(false);
    for certificate in AMAZON_ROOTS_PEM.split_inclusive("-----END CERTIFICATE-----\n") {
        store.add_pem_certificate(certificate.as_bytes());
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    /// Names in the subjects of Amazon Trust Services' roots.
    const AMAZON_ROOTS: [&[u8]; 2] = [
        b"Amazon Root CA",
        b"Starfield Services Root Certificate Authority",
    ];

    /// A DER certificate in PEM armour.
    fn pem(der: &[u8]) -> String {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }

    #[test]
    fn the_compiled_in_roots_are_mozillas_copies_of_amazons_four_and_the_starfield_root() {
        let expected: String = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| c.as_ref())
            .filter(|der| {
                AMAZON_ROOTS
                    .iter()
                    .any(|name| der.windows(name.len()).any(|w| w == *name))
            })
            .map(pem)
            .collect();
        assert_eq!(expected.matches("BEGIN CERTIFICATE").count(), 5);
        assert_eq!(
            AMAZON_ROOTS_PEM, expected,
            "shared/lambda/src/amazon_roots.pem differs from webpki-root-certs: write the expected text to it"
        );
    }

    #[test]
    fn the_trust_store_holds_each_root_once() {
        let pieces: Vec<&str> = AMAZON_ROOTS_PEM
            .split_inclusive("-----END CERTIFICATE-----\n")
            .collect();
        assert_eq!(pieces.len(), 5);
        assert!(
            pieces
                .iter()
                .all(|p| p.starts_with("-----BEGIN CERTIFICATE-----\n"))
        );
        let _ = amazon_roots();
    }
}
