//! A deliberately naive reference model of `evaluate`, written from EVALUATION.md and policy.md
//! (not from the implementation), and a randomized agreement test against it.
//!
//! `model` reads the raw event history and recomputes everything at each evaluation; `history`
//! generates random histories and simulates the store that turns events into the record the real
//! `evaluate` reads; `agreement` runs both and checks the rule book's properties; `sanity` holds
//! hand-worked histories the reference alone must get right; `found` holds the disagreements the
//! random test found, as small fixed histories.
//!
//! Environment: REFERENCE_SEED (base seed: a number, 0x… hex, or `random`),
//! REFERENCE_HISTORIES (how many, default 10,000), REFERENCE_HISTORY (replay one history by its
//! printed seed, with its steps and failures shown).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agreement;
mod found;
mod history;
mod model;
mod sanity;
