//! The store in AWS: the repository on DynamoDB, built once per cold start.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use base64::Engine as _;
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
    Repository::new(Arc::new(DynamoDbEngine::new(client, config.table.clone())))
}

/// The SDK's own HTTPS client (rustls on aws-lc) trusting only the roots DynamoDB's endpoints
/// chain to, compiled in: the default reads and parses the system's whole certificate store at
/// every cold start (about 2 ms of a 7 ms init on this machine, `infra/measure_cold_start.py`).
fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    let context = TlsContext::builder()
        .with_trust_store(amazon_roots())
        .build();
    let builder = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::AwsLc,
    ));
    match context {
        Ok(context) => builder.tls_context(context).build_https(),
        // Building a context from a trust store cannot fail today; should it ever, the
        // system's roots still work, a little slower.
        Err(_) => builder.build_https(),
    }
}

/// Names in the subjects of the roots AWS service endpoints chain to (Amazon Trust Services:
/// Amazon Root CA 1 to 4, and the Starfield root that cross-signs them).
const AMAZON_ROOTS: [&[u8]; 2] = [
    b"Amazon Root CA",
    b"Starfield Services Root Certificate Authority",
];

/// Amazon Trust Services' roots from Mozilla's set, as PEM.
fn amazon_roots() -> TrustStore {
    let mut store = TrustStore::empty().with_native_roots(false);
    for root in amazon_root_certificates() {
        store.add_pem_certificate(pem(root));
    }
    store
}

fn amazon_root_certificates() -> impl Iterator<Item = &'static [u8]> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|c| c.as_ref())
        .filter(|der| {
            AMAZON_ROOTS
                .iter()
                .any(|name| der.windows(name.len()).any(|w| w == *name))
        })
}

/// A DER certificate in PEM armour.
fn pem(der: &[u8]) -> Vec<u8> {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_are_amazons_four_and_the_starfield_root() {
        let roots: Vec<&[u8]> = amazon_root_certificates().collect();
        assert_eq!(
            roots.len(),
            5,
            "Amazon Root CA 1-4 and Starfield Services G2"
        );
    }

    #[test]
    fn a_root_in_pem_armour_decodes_back_to_its_der() {
        for der in amazon_root_certificates() {
            let text = String::from_utf8(pem(der)).unwrap();
            assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
            assert!(text.ends_with("\n-----END CERTIFICATE-----\n"));
            assert!(text.lines().all(|l| l.len() <= 64));
            let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap();
            assert_eq!(decoded, der);
        }
    }
}
