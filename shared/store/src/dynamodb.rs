//! The DynamoDB engine: each engine call is one aws-sdk-dynamodb call, with conditions rendered
//! to expressions, consumed capacity recorded, and DynamoDB's errors mapped to [`StoreError`].

use std::{collections::HashMap, fmt::Debug};

use aws_sdk_dynamodb::{
    Client,
    error::{DisplayErrorContext, ProvideErrorMetadata, SdkError},
    operation::{
        delete_item::DeleteItemError, put_item::PutItemError,
        transact_write_items::TransactWriteItemsError,
    },
    types::{
        AttributeValue as SdkValue, ConditionCheck, ConsumedCapacity, Delete, Put,
        ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    },
};
use serde_dynamo::Item;

use crate::{
    attr::{item_from_sdk, item_to_sdk},
    condition::Condition,
    engine::{
        BoxFuture, Capacity, CapacityMeter, ClientRequestToken, Engine, GetOutput, Key, Page,
        Query, SortKeyCondition, TransactOp, WriteOutput, validate_transaction,
    },
    error::{CancelCode, CancelReason, StoreError},
    table::Index,
};

/// The engine backed by a DynamoDB table (or DynamoDB Local) through aws-sdk-dynamodb.
#[derive(Debug)]
pub struct DynamoDbEngine {
    client: Client,
    table: String,
    meter: CapacityMeter,
}

impl DynamoDbEngine {
    /// An engine on `table_name` through `client` (built once, at init).
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        DynamoDbEngine {
            client,
            table: table_name.into(),
            meter: CapacityMeter::default(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens the connection to the table before the first request needs it: one eventually
    /// consistent GetItem of a key no item has (half a read unit). The SDK builds its connector,
    /// resolves the endpoint and the credentials and connects (TLS in AWS) at its first call;
    /// made at init, that cost is not the first invocation's.
    pub async fn warm_up(&self) -> Result<(), StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(item_to_sdk(Key::new("WARM-UP", "WARM-UP").to_item())))
            .send()
            .await
            .map_err(|e| service_error("GetItem", e))?;
        Ok(())
    }

    async fn get_item(&self, key: Key) -> Result<GetOutput, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(item_to_sdk(key.to_item())))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| service_error("GetItem", e))?;
        let capacity = read_capacity(output.consumed_capacity());
        self.meter.record(capacity);
        let item = output.item.map(item_from_sdk).transpose()?;
        Ok(GetOutput { item, capacity })
    }

    async fn put_item(&self, item: Item, condition: Condition) -> Result<WriteOutput, StoreError> {
        let expression = condition.render();
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item_to_sdk(item)))
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let request = match &expression {
            Some(e) => request
                .condition_expression(&e.text)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                ),
            None => request,
        };
        match request.send().await {
            Ok(output) => {
                let capacity = write_capacity(output.consumed_capacity());
                self.meter.record(capacity);
                Ok(WriteOutput { capacity })
            }
            Err(err) => {
                if let Some(PutItemError::ConditionalCheckFailedException(e)) =
                    err.as_service_error()
                {
                    return Err(StoreError::ConditionFailed {
                        item: e.item().cloned().map(item_from_sdk).transpose()?,
                    });
                }
                Err(service_error("PutItem", err))
            }
        }
    }

    async fn delete_item(&self, key: Key, condition: Condition) -> Result<WriteOutput, StoreError> {
        let expression = condition.render();
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(item_to_sdk(key.to_item())))
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let request = match &expression {
            Some(e) => request
                .condition_expression(&e.text)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                ),
            None => request,
        };
        match request.send().await {
            Ok(output) => {
                let capacity = write_capacity(output.consumed_capacity());
                self.meter.record(capacity);
                Ok(WriteOutput { capacity })
            }
            Err(err) => {
                if let Some(DeleteItemError::ConditionalCheckFailedException(e)) =
                    err.as_service_error()
                {
                    return Err(StoreError::ConditionFailed {
                        item: e.item().cloned().map(item_from_sdk).transpose()?,
                    });
                }
                Err(service_error("DeleteItem", err))
            }
        }
    }

    fn transact_item(&self, operation: TransactOp) -> Result<TransactWriteItem, StoreError> {
        let built = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Validation(e.to_string());
        let on_failure = ReturnValuesOnConditionCheckFailure::AllOld;
        Ok(match operation {
            TransactOp::Put { item, condition } => {
                let e = condition.render();
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item_to_sdk(item)))
                    .set_condition_expression(e.as_ref().map(|e| e.text.clone()))
                    .set_expression_attribute_names(e.as_ref().and_then(|e| e.names()))
                    .set_expression_attribute_values(e.as_ref().and_then(|e| e.values()))
                    .set_return_values_on_condition_check_failure(
                        e.as_ref().map(|_| on_failure.clone()),
                    )
                    .build()
                    .map_err(built)?;
                TransactWriteItem::builder().put(put).build()
            }
            TransactOp::Delete { key, condition } => {
                let e = condition.render();
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(item_to_sdk(key.to_item())))
                    .set_condition_expression(e.as_ref().map(|e| e.text.clone()))
                    .set_expression_attribute_names(e.as_ref().and_then(|e| e.names()))
                    .set_expression_attribute_values(e.as_ref().and_then(|e| e.values()))
                    .set_return_values_on_condition_check_failure(
                        e.as_ref().map(|_| on_failure.clone()),
                    )
                    .build()
                    .map_err(built)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            TransactOp::ConditionCheck { key, condition } => {
                let Some(e) = condition.render() else {
                    return Err(StoreError::Validation(
                        "a condition check needs a condition".into(),
                    ));
                };
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(item_to_sdk(key.to_item())))
                    .condition_expression(e.text.clone())
                    .set_expression_attribute_names(e.names())
                    .set_expression_attribute_values(e.values())
                    .return_values_on_condition_check_failure(on_failure)
                    .build()
                    .map_err(built)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        })
    }

    async fn transact(
        &self,
        operations: Vec<TransactOp>,
        token: Option<ClientRequestToken>,
    ) -> Result<WriteOutput, StoreError> {
        // DynamoDB refuses these itself; DynamoDB Local does not check one operation per item,
        // so check here and behave as DynamoDB does on either.
        validate_transaction(&operations)?;
        let items = operations
            .into_iter()
            .map(|op| self.transact_item(op))
            .collect::<Result<Vec<_>, _>>()?;
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token.map(|t| t.as_str().to_string()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(output) => {
                let capacity = sum_write_capacity(output.consumed_capacity());
                self.meter.record(capacity);
                Ok(WriteOutput { capacity })
            }
            Err(err) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(e)) =
                    err.as_service_error()
                {
                    let reasons = e
                        .cancellation_reasons()
                        .iter()
                        .map(|reason| {
                            let code = reason.code().unwrap_or("None");
                            if code == "None" {
                                return Ok(None);
                            }
                            Ok(Some(CancelReason {
                                code: CancelCode::parse(code),
                                message: reason.message().map(str::to_string),
                                item: reason.item().cloned().map(item_from_sdk).transpose()?,
                            }))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    return Err(StoreError::TransactionCanceled { reasons });
                }
                Err(service_error("TransactWriteItems", err))
            }
        }
    }

    async fn run_query(&self, query: Query) -> Result<Page, StoreError> {
        let index = query.index;
        let mut names = HashMap::from([("#pk".to_string(), index.partition_key().to_string())]);
        let mut values = HashMap::from([(":pk".to_string(), SdkValue::S(query.partition))]);
        let mut expression = "#pk = :pk".to_string();
        if let Some(sort) = query.sort {
            names.insert("#sk".to_string(), index.sort_key().to_string());
            let clause = match sort {
                SortKeyCondition::Equals(v) => {
                    values.insert(":sk".into(), SdkValue::S(v));
                    "#sk = :sk"
                }
                SortKeyCondition::BeginsWith(v) => {
                    values.insert(":sk".into(), SdkValue::S(v));
                    "begins_with(#sk, :sk)"
                }
                SortKeyCondition::Between { low, high } => {
                    values.insert(":lo".into(), SdkValue::S(low));
                    values.insert(":hi".into(), SdkValue::S(high));
                    "#sk BETWEEN :lo AND :hi"
                }
                SortKeyCondition::GreaterOrEqual(v) => {
                    values.insert(":sk".into(), SdkValue::S(v));
                    "#sk >= :sk"
                }
                SortKeyCondition::LessOrEqual(v) => {
                    values.insert(":sk".into(), SdkValue::S(v));
                    "#sk <= :sk"
                }
            };
            expression.push_str(" AND ");
            expression.push_str(clause);
        }
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.name().map(str::to_string))
            // Global secondary indexes are only eventually consistent; DynamoDB refuses more.
            .consistent_read(index == Index::Primary)
            .key_condition_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(query.forward)
            .set_limit(query.limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)))
            .set_exclusive_start_key(query.exclusive_start_key.map(item_to_sdk))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| service_error("Query", e))?;
        let capacity = read_capacity(output.consumed_capacity());
        self.meter.record(capacity);
        let items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(item_from_sdk)
            .collect::<Result<Vec<_>, _>>()?;
        let last_evaluated_key = output.last_evaluated_key.map(item_from_sdk).transpose()?;
        Ok(Page {
            items,
            last_evaluated_key,
            capacity,
        })
    }
}

impl Engine for DynamoDbEngine {
    fn table_name(&self) -> &str {
        &self.table
    }

    fn get(&self, key: Key) -> BoxFuture<'_, Result<GetOutput, StoreError>> {
        Box::pin(self.get_item(key))
    }

    fn put(
        &self,
        item: Item,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(self.put_item(item, condition))
    }

    fn delete(
        &self,
        key: Key,
        condition: Condition,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(self.delete_item(key, condition))
    }

    fn transact_write(
        &self,
        operations: Vec<TransactOp>,
        token: Option<ClientRequestToken>,
    ) -> BoxFuture<'_, Result<WriteOutput, StoreError>> {
        Box::pin(self.transact(operations, token))
    }

    fn query(&self, query: Query) -> BoxFuture<'_, Result<Page, StoreError>> {
        Box::pin(self.run_query(query))
    }

    fn capacity(&self) -> &CapacityMeter {
        &self.meter
    }
}

fn read_capacity(consumed: Option<&ConsumedCapacity>) -> Option<Capacity> {
    consumed.map(|c| Capacity {
        read_units: c
            .read_capacity_units()
            .or(c.capacity_units())
            .unwrap_or(0.0),
        write_units: 0.0,
    })
}

fn write_capacity(consumed: Option<&ConsumedCapacity>) -> Option<Capacity> {
    consumed.map(|c| Capacity {
        read_units: 0.0,
        write_units: c
            .write_capacity_units()
            .or(c.capacity_units())
            .unwrap_or(0.0),
    })
}

/// A transaction reports capacity per table; this engine writes one table, but add them up.
fn sum_write_capacity(consumed: &[ConsumedCapacity]) -> Option<Capacity> {
    consumed
        .iter()
        .filter_map(|c| write_capacity(Some(c)))
        .reduce(|a, b| Capacity {
            read_units: a.read_units + b.read_units,
            write_units: a.write_units + b.write_units,
        })
}

/// Maps what every operation can fail with; conditional failures are handled by the callers,
/// which know their operation's error type.
fn service_error<E, R>(operation: &str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    let message = || err.message().unwrap_or_default().to_string();
    match err.code() {
        Some("ValidationException") => StoreError::Validation(message()),
        Some("IdempotentParameterMismatchException") => StoreError::IdempotentParameterMismatch,
        Some(
            code @ ("ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TransactionInProgressException"
            | "TransactionConflictException"),
        ) => StoreError::Retryable(format!("{operation}: {code}: {}", message())),
        _ => StoreError::Backend(format!("{operation}: {}", DisplayErrorContext(&err))),
    }
}
