//! What a storage operation can fail with, the same for every engine.

use serde_dynamo::Item;

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The write's condition did not hold. `item` is the item as it was, when it existed.
    #[error("the condition of the write did not hold")]
    ConditionFailed { item: Option<Item> },
    /// Nothing of the transaction was written. One entry per operation, in order: `None` for
    /// an operation that did not fail.
    #[error("the transaction was canceled: {}", describe_reasons(reasons))]
    TransactionCanceled { reasons: Vec<Option<CancelReason>> },
    /// The client request token was used, within the last ten minutes, for a different request.
    #[error("the client request token was already used for a different request")]
    IdempotentParameterMismatch,
    /// DynamoDB would refuse this request as it is (bad item, bad key, bad query).
    #[error("invalid request: {0}")]
    Validation(String),
    /// A transient refusal (throttling, a concurrent transaction): the same request may succeed later.
    #[error("temporarily refused, retry: {0}")]
    Retryable(String),
    /// Anything else: the service, the network, the disk.
    #[error("storage backend error: {0}")]
    Backend(String),
    /// A stored item that does not decode into what its type says: a fault of ours, which
    /// retrying will not mend. Names the item's key, never its content.
    #[error("a stored item does not decode: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Whether repeating the same request may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Retryable(_) => true,
            StoreError::TransactionCanceled { reasons } => {
                reasons.iter().flatten().all(|r| {
                    matches!(
                        r.code,
                        CancelCode::TransactionConflict | CancelCode::Throttled
                    )
                }) && reasons.iter().any(Option::is_some)
            }
            _ => false,
        }
    }

    /// For a canceled transaction, the positions of the operations that failed.
    pub fn failed_operations(&self) -> Vec<usize> {
        match self {
            StoreError::TransactionCanceled { reasons } => reasons
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.as_ref().map(|_| i))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Why one operation of a canceled transaction failed.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelReason {
    pub code: CancelCode,
    pub message: Option<String>,
    /// The item as it was, for a failed condition on an existing item.
    pub item: Option<Item>,
}

/// DynamoDB's cancellation reason codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelCode {
    ConditionalCheckFailed,
    TransactionConflict,
    ItemCollectionSizeLimitExceeded,
    /// ThrottlingError or ProvisionedThroughputExceeded.
    Throttled,
    ValidationError,
    Other(String),
}

impl CancelCode {
    pub fn parse(code: &str) -> CancelCode {
        match code {
            "ConditionalCheckFailed" => CancelCode::ConditionalCheckFailed,
            "TransactionConflict" => CancelCode::TransactionConflict,
            "ItemCollectionSizeLimitExceeded" => CancelCode::ItemCollectionSizeLimitExceeded,
            "ThrottlingError" | "ProvisionedThroughputExceeded" => CancelCode::Throttled,
            "ValidationError" => CancelCode::ValidationError,
            other => CancelCode::Other(other.to_string()),
        }
    }
}

fn describe_reasons(reasons: &[Option<CancelReason>]) -> String {
    let failed: Vec<String> = reasons
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().map(|r| format!("operation {i}: {:?}", r.code)))
        .collect();
    if failed.is_empty() {
        "no reason given".to_string()
    } else {
        failed.join(", ")
    }
}
