//! Prometheus metrics of the market, served beside the node's own on `--prometheus-port`.
//!
//! Counted from the finalized chain, so a reorganisation never counts an event twice:
//!
//! - `attesta_market_events_total{event}`: every `Jobs`, `Audits`, `Providers` and `Models` event
//!   (`Jobs.JobSubmitted`, `Jobs.JobSettled`, `Audits.CheckPassed`, `Audits.DisputeOpened`,
//!   `Audits.Slashed`, …);
//! - `attesta_market_output_tokens_total`: output tokens of posted results (its rate is the
//!   market's generation throughput);
//! - `attesta_market_open_jobs`: open jobs at the last finalized block;
//! - `attesta_market_finalized_block`: the block those numbers are from;
//! - `attesta_engine_tasks`: tasks queued or running on this node's inference engine (0 without
//!   one), sampled at each finalized block.

use crate::service::FullClient;
use attesta_primitives::offchain::InferenceHost;
use attesta_runtime::{Hash, Runtime, RuntimeEvent};
use codec::Decode;
use futures::StreamExt;
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_core::storage::StorageKey;
use sp_runtime::traits::Header;
use std::sync::Arc;
use substrate_prometheus_endpoint::{
	register, Counter, CounterVec, Gauge, Opts, PrometheusError, Registry, U64,
};

/// The market's metrics.
struct Metrics {
	events: CounterVec<U64>,
	output_tokens: Counter<U64>,
	open_jobs: Gauge<U64>,
	finalized: Gauge<U64>,
	engine_tasks: Gauge<U64>,
}

impl Metrics {
	fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			events: register(
				CounterVec::new(
					Opts::new(
						"attesta_market_events_total",
						"Market events on the finalized chain",
					),
					&["event"],
				)?,
				registry,
			)?,
			output_tokens: register(
				Counter::new(
					"attesta_market_output_tokens_total",
					"Output tokens of results posted on the finalized chain",
				)?,
				registry,
			)?,
			open_jobs: register(
				Gauge::new("attesta_market_open_jobs", "Open jobs at the last finalized block")?,
				registry,
			)?,
			finalized: register(
				Gauge::new("attesta_market_finalized_block", "Block the market metrics are from")?,
				registry,
			)?,
			engine_tasks: register(
				Gauge::new(
					"attesta_engine_tasks",
					"Tasks queued or running on this node's engine",
				)?,
				registry,
			)?,
		})
	}
}

/// `Pallet.Event` of a market event, `None` for other pallets': `Jobs.JobSettled`.
fn event_name(event: &RuntimeEvent) -> Option<String> {
	matches!(
		event,
		RuntimeEvent::Jobs(_) |
			RuntimeEvent::Audits(_) |
			RuntimeEvent::Providers(_) |
			RuntimeEvent::Models(_)
	)
	.then(|| attesta_runtime::variant_name(event))
}

/// Follows finality and updates the metrics until the node stops.
pub async fn run(
	client: Arc<FullClient>,
	registry: Registry,
	inference: Option<Arc<dyn InferenceHost>>,
) {
	let metrics = match Metrics::register(&registry) {
		Ok(m) => m,
		Err(e) => {
			log::warn!("market metrics not registered: {e}");
			return;
		},
	};
	let storage =
		|hash: Hash, key: &StorageKey| client.storage(hash, key).ok().flatten().map(|data| data.0);
	let mut finality = client.finality_notification_stream();
	while let Some(note) = finality.next().await {
		// Blocks finalized implicitly come first, oldest first; the notified one last.
		for hash in note.tree_route.iter().chain(std::iter::once(&note.hash)) {
			observe(&metrics, &storage, *hash);
		}
		metrics.finalized.set(u64::from(*note.header.number()));
		metrics
			.engine_tasks
			.set(inference.as_ref().map_or(0, |engine| engine.pending() as u64));
	}
}

/// Reads the events and counters of one finalized block.
fn observe<S>(metrics: &Metrics, storage: &S, hash: Hash)
where
	S: Fn(Hash, &StorageKey) -> Option<Vec<u8>>,
{
	// `System.Events`, as `frame_system` lays it out (the storage item itself is private).
	let events_key = StorageKey(
		[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat(),
	);
	let events = storage(hash, &events_key)
		.and_then(|raw| {
			Vec::<frame_system::EventRecord<RuntimeEvent, Hash>>::decode(&mut &raw[..]).ok()
		})
		.unwrap_or_default();
	for record in events {
		if let RuntimeEvent::Jobs(pallet_jobs::Event::ResultSubmitted { output_tokens, .. }) =
			&record.event
		{
			metrics.output_tokens.inc_by(u64::from(*output_tokens));
		}
		if let Some(name) = event_name(&record.event) {
			metrics.events.with_label_values(&[&name]).inc();
		}
	}
	let open_key = StorageKey(pallet_jobs::OpenJobs::<Runtime>::hashed_key().to_vec());
	let open = storage(hash, &open_key)
		.and_then(|raw| u32::decode(&mut &raw[..]).ok())
		.unwrap_or_default();
	metrics.open_jobs.set(u64::from(open));
}
