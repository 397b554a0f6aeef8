//! What every scenario stands on: the `standing` binary, a stack on a store of the test's own,
//! callers with tokens, HTTP (and raw bytes for what no client sends), bounded polling, a fresh
//! evaluation beside the stored one, and running one scenario on both stores.

mod binary;
mod callers;
mod evaluation;
mod process;
mod raw;
pub mod receiver;
mod stack;

pub use binary::binary;
pub use callers::{Caller, token_with};
pub use evaluation::evaluate_afresh;
pub use process::run;
pub use raw::{send_chunked, trickle};
pub use stack::{Clock, Stack, Store};
pub use standing_testkit::http::send_raw;
pub use standing_testkit::http::{Reply, send};
pub use standing_testkit::poll;

/// Turns `fn scenario(store: Store)` into two tests, `scenario::on_the_embedded_store` and
/// `scenario::on_dynamodb_local`, each on a store of its own.
macro_rules! on_both_stores {
    ($scenario:ident) => {
        mod $scenario {
            #[test]
            fn on_the_embedded_store() {
                super::$scenario($crate::support::Store::embedded(stringify!($scenario)));
            }

            #[test]
            fn on_dynamodb_local() {
                super::$scenario($crate::support::Store::dynamodb_local(stringify!(
                    $scenario
                )));
            }
        }
    };
}
pub(crate) use on_both_stores;
