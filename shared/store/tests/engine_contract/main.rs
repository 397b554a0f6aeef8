//! The engine contract: the same test bodies run against the embedded engine and against the
//! DynamoDB engine on AWS's DynamoDB Local. A test that passes on one and fails on the other is a
//! difference between the engines, which is what this suite exists to catch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test support code

mod cases;
mod harness;
mod parity;
mod table_definition;

/// Runs each case of `cases` once per engine: `embedded::<case>` and `dynamodb::<case>`.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $case() {
                    let harness = crate::harness::Harness::embedded().await;
                    crate::cases::$case(&harness).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test]
                async fn $case() {
                    let harness = crate::harness::Harness::dynamodb().await;
                    crate::cases::$case(&harness).await;
                }
            )*
        }
    };
}

contract!(
    a_put_item_reads_back_as_written,
    numbers_read_back_as_dynamodb_normalises_them,
    a_missing_item_reads_as_none,
    a_put_conditioned_on_absence_is_refused_when_the_item_exists,
    a_version_check_accepts_the_current_version_and_refuses_a_stale_one,
    an_attribute_condition_compares_numbers_by_value,
    a_conditional_delete_is_refused_and_a_missing_item_deletes_quietly,
    a_transaction_writes_nothing_when_one_condition_fails_and_names_it,
    a_transaction_reports_every_failing_operation,
    a_transaction_writes_all_its_operations_when_every_condition_holds,
    a_repeated_token_with_the_same_request_succeeds_without_writing_again,
    a_reused_token_with_a_different_request_is_refused,
    a_canceled_transaction_can_be_retried_with_the_same_token,
    a_transaction_touching_one_item_twice_is_invalid,
    invalid_items_are_refused,
    malformed_keys_and_queries_are_invalid,
    queries_select_sort_key_ranges_forward_and_backward,
    queries_page_with_a_limit_and_resume_after_the_last_evaluated_key,
    a_page_that_fills_its_limit_exactly_still_returns_a_start_key,
    a_global_secondary_index_holds_only_items_carrying_both_its_keys,
    index_queries_page_through_items_sharing_an_index_key,
    the_change_stream_records_inserts_modifies_and_removes_with_images,
    a_put_that_changes_nothing_adds_no_change_record,
    a_transaction_records_one_change_per_written_item,
);
