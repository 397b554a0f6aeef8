//! `--webhook URL`: the local stack posts every event of the outbox to one receiver, signed per
//! the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64
//! HMAC-SHA256 of "id.timestamp.body">` under the secret `STANDING_WEBHOOK_SECRET`, `whsec_` and
//! base64). Events go in the order they were written; while the receiver fails (no connection,
//! a timeout, anything but 2xx) the same event is retried with exponential backoff and nothing
//! after it is sent. Undelivered events are the store's pending index, so they survive a
//! restart. Delivery is at least once: a receiver de-duplicates by `webhook-id`. The loop runs
//! on its own task and reads the store only; it never holds up an evaluation.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use sha2::Sha256;
use standing_store::{PendingEvent, Repository};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// The environment variable that holds the signing secret.
pub const SECRET_VARIABLE: &str = "STANDING_WEBHOOK_SECRET";
/// Events read from the pending index at a time.
const BATCH: u32 = 25;
/// How often the pending index is read when it was empty.
const IDLE_POLL: Duration = Duration::from_millis(200);
/// The first pause after a failed delivery; it doubles with every failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long one delivery may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where events are posted: an `http://` URL (a receiver behind TLS sits behind a local proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port`, as connected to and sent in `Host`.
    authority: String,
    path: String,
    url: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!(
                "--webhook must be an http:// URL like http://127.0.0.1:9000/events (got `{url}`)"
            )
        })?;
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(format!(
                "--webhook must name a host (and port) without credentials, like http://127.0.0.1:9000/events (got `{url}`)"
            ));
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()))
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(Self {
            authority,
            path: path.to_owned(),
            url: url.to_owned(),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The signing key: `whsec_` followed by the base64 of 24 to 64 random bytes.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub fn parse(text: &str) -> Result<Self, String> {
        let how = format!(
            "make one with: export {SECRET_VARIABLE}=whsec_$(head -c 32 /dev/urandom | base64)"
        );
        let encoded = text.trim().strip_prefix("whsec_").ok_or_else(|| {
            format!(
                "{SECRET_VARIABLE} must start with `whsec_` (the Standard Webhooks form); {how}"
            )
        })?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| format!("{SECRET_VARIABLE} is not base64 after `whsec_`; {how}"))?;
        if !(24..=64).contains(&key.len()) {
            return Err(format!(
                "{SECRET_VARIABLE} must hold 24 to 64 bytes (it holds {}); {how}",
                key.len()
            ));
        }
        Ok(Self(key))
    }

    /// The secret from the environment; `Err` with a sentence when it is missing or malformed.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(SECRET_VARIABLE) {
            Ok(text) => Self::parse(&text),
            Err(_) => Err(format!(
                "--webhook needs {SECRET_VARIABLE} to sign what it posts; export {SECRET_VARIABLE}=whsec_$(head -c 32 /dev/urandom | base64)"
            )),
        }
    }

    /// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => return String::new(),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The delivery loop.
pub struct Webhook {
    store: Repository,
    target: Target,
    secret: Secret,
}

impl Webhook {
    pub fn new(store: Repository, target: Target, secret: Secret) -> Self {
        Self {
            store,
            target,
            secret,
        }
    }

    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            if *stop.borrow_and_update() {
                return;
            }
            let pause = match self.store.pending_events(BATCH).await {
                Ok(events) if events.is_empty() => IDLE_POLL,
                Ok(events) => match self.deliver_in_order(&events).await {
                    Ok(()) => {
                        backoff = FIRST_BACKOFF;
                        Duration::ZERO
                    }
                    Err(failed) => {
                        tracing::warn!(
                            event_id = %failed.event_id,
                            retry_in_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                            reason = %failed.reason,
                            url = %self.target.url,
                            "webhook delivery failed; retrying"
                        );
                        let pause = backoff;
                        backoff = backoff.saturating_mul(2).min(MAX_BACKOFF);
                        pause
                    }
                },
                Err(e) => {
                    tracing::error!(error = %e, "reading the pending events failed; retrying");
                    Duration::from_secs(1)
                }
            };
            if pause.is_zero() {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Posts each event in turn; stops at the first the receiver does not accept.
    async fn deliver_in_order(&self, events: &[PendingEvent]) -> Result<(), Failed> {
        for event in events {
            self.post(event).await.map_err(|reason| Failed {
                event_id: event.event_id().to_owned(),
                reason,
            })?;
            tracing::info!(event_id = %event.event_id(), event_type = %event.event_type(), "webhook delivered");
            if let Err(e) = self.store.mark_event_delivered(event, Utc::now()).await {
                // Delivered, not marked: it goes again (same id) and the receiver drops it.
                tracing::warn!(event_id = %event.event_id(), error = %e, "a delivered event could not be marked; it will be sent again");
            }
        }
        Ok(())
    }

    async fn post(&self, event: &PendingEvent) -> Result<(), String> {
        let timestamp = Utc::now().timestamp();
        let signature = self.secret.sign(event.event_id(), timestamp, event.body());
        let request = Request::post(self.target.path.as_str())
            .header("host", self.target.authority.as_str())
            .header("content-type", "application/json")
            .header("user-agent", "standing-local")
            .header("webhook-id", event.event_id())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(Full::new(Bytes::from(event.body().to_owned())))
            .map_err(|e| format!("the request cannot be built: {e}"))?;
        let exchange = async {
            let stream = TcpStream::connect(self.target.authority.as_str())
                .await
                .map_err(|e| format!("cannot connect: {e}"))?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| format!("HTTP handshake failed: {e}"))?;
            let driver = tokio::spawn(connection);
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| format!("no response: {e}"));
            let outcome = match response {
                Ok(response) => {
                    let status = response.status();
                    // Read to the end so the connection closes cleanly; the body is not used.
                    let _ = response.into_body().collect().await;
                    if status.is_success() {
                        Ok(())
                    } else {
                        Err(format!("the receiver answered {status}"))
                    }
                }
                Err(e) => Err(e),
            };
            driver.abort();
            outcome
        };
        tokio::time::timeout(ATTEMPT_TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {ATTEMPT_TIMEOUT:?}")))
    }
}

struct Failed {
    event_id: String,
    reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_url_must_be_plain_http_with_a_host() {
        let t = Target::parse("http://127.0.0.1:9000/events").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:9000", "/events")
        );
        let t = Target::parse("http://localhost").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("localhost:80", "/")
        );
        for bad in [
            "https://x.example/",
            "ftp://x",
            "http://",
            "http://u:p@h:1/",
        ] {
            let e = Target::parse(bad).unwrap_err();
            assert!(e.starts_with("--webhook must"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_secret_must_be_whsec_base64_of_24_to_64_bytes() {
        let ok = format!("whsec_{}", STANDARD.encode([7u8; 32]));
        assert!(Secret::parse(&ok).is_ok());
        for bad in [
            STANDARD.encode([7u8; 32]),
            "whsec_not base64!".to_owned(),
            format!("whsec_{}", STANDARD.encode([7u8; 8])),
        ] {
            let e = Secret::parse(&bad).unwrap_err();
            assert!(
                e.contains(SECRET_VARIABLE) && e.contains("head -c 32"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_signature_is_the_standard_webhooks_example() {
        // The example in the Standard Webhooks specification (spec/standard-webhooks.md).
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
