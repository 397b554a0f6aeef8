//! Reads a table's DynamoDB stream for real (DescribeTable, DescribeStream, GetShardIterator,
//! GetRecords), as a Lambda event source mapping would.

use std::time::{Duration, Instant};

use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};

use crate::Error;

/// All records of `table`'s stream from its start, in sequence-number order.
///
/// Polls until at least `at_least` records arrived or `timeout` passed, then reads once more, so
/// that a test asserting an exact count also sees records it did not expect.
pub async fn read_stream_records(
    dynamodb: &aws_sdk_dynamodb::Client,
    streams: &aws_sdk_dynamodbstreams::Client,
    table: &str,
    at_least: usize,
    timeout: Duration,
) -> Result<Vec<Record>, Error> {
    let described = dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| Error::Stream(format!("DescribeTable {table}: {e:?}")))?;
    let stream_arn = described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .ok_or_else(|| Error::Stream(format!("table {table} has no stream")))?
        .to_string();

    let mut shard_ids = Vec::new();
    let mut start_shard: Option<String> = None;
    loop {
        let page = streams
            .describe_stream()
            .stream_arn(&stream_arn)
            .set_exclusive_start_shard_id(start_shard.clone())
            .send()
            .await
            .map_err(|e| Error::Stream(format!("DescribeStream: {e:?}")))?;
        let Some(description) = page.stream_description() else {
            break;
        };
        shard_ids.extend(
            description
                .shards()
                .iter()
                .filter_map(|s| s.shard_id().map(str::to_string)),
        );
        start_shard = description.last_evaluated_shard_id().map(str::to_string);
        if start_shard.is_none() {
            break;
        }
    }

    let mut iterators = Vec::new();
    for shard_id in &shard_ids {
        let iterator = streams
            .get_shard_iterator()
            .stream_arn(&stream_arn)
            .shard_id(shard_id)
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .map_err(|e| Error::Stream(format!("GetShardIterator {shard_id}: {e:?}")))?;
        iterators.push(iterator.shard_iterator().map(str::to_string));
    }

    let deadline = Instant::now() + timeout;
    let mut records = Vec::new();
    let mut extra_round_done = false;
    loop {
        for slot in iterators.iter_mut() {
            let Some(iterator) = slot.take() else {
                continue;
            };
            let page = streams
                .get_records()
                .shard_iterator(iterator)
                .send()
                .await
                .map_err(|e| Error::Stream(format!("GetRecords: {e:?}")))?;
            records.extend(page.records().iter().cloned());
            *slot = page.next_shard_iterator().map(str::to_string);
        }
        if records.len() >= at_least {
            if extra_round_done {
                break;
            }
            extra_round_done = true;
            continue;
        }
        if Instant::now() > deadline || iterators.iter().all(Option::is_none) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    records.sort_by_key(sequence_key);
    Ok(records)
}

/// Sequence numbers are decimal strings of varying length: shorter is smaller.
fn sequence_key(record: &Record) -> (usize, String) {
    let sequence = record
        .dynamodb()
        .and_then(|d| d.sequence_number())
        .unwrap_or_default();
    (sequence.len(), sequence.to_string())
}
