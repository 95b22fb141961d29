//! Reports Aura equivocations, which FRAME's Aura import only logs: every imported header is
//! remembered by slot with the authority whose turn the slot was, and when one authority has
//! sealed two different headers for one slot, a report with the proof of its key's ownership
//! goes into this node's pool, from where this node's next block includes it
//! (`pallet_validators::equivocation`). Runs on validator nodes: reports are never gossiped.

use crate::service::FullClient;
use attesta_runtime::opaque::Block;
use futures::StreamExt;
use pallet_validators::equivocation::{slot_of, AuraEquivocationApi, AuraEquivocationProof};
use sc_client_api::BlockchainEvents;
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_consensus_aura::{sr25519::AuthorityId as AuraId, AuraApi, Slot};
use sp_runtime::traits::{Block as BlockT, Header as _};
use std::{collections::BTreeMap, sync::Arc};

const LOG: &str = "attesta::equivocation";

/// Slots remembered: an hour of 6-second slots. A second header imported later than that is
/// not compared with the first (nodes import headers of a slot within moments of each other).
const RECENT_SLOTS: u64 = 600;
/// Headers remembered per slot: two from one author prove it, more add nothing, and an
/// equivocating author cannot fill the node's memory.
const HEADERS_PER_SLOT: usize = 4;

type Header = <Block as BlockT>::Header;

/// Watches imports until the node stops.
pub async fn report_aura_equivocations(
	client: Arc<FullClient>,
	pool: OffchainTransactionPoolFactory<Block>,
) {
	let mut imports = client.import_notification_stream();
	let mut seen = Seen::default();
	while let Some(block) = imports.next().await {
		let header = block.header;
		let Some(slot) = slot_of(&header) else { continue };
		let Some(author) = slot_author(&client, &header, slot) else { continue };
		if let Some(first) = seen.note(slot, author.clone(), header.clone()) {
			log::warn!(
				target: LOG,
				"{author} sealed two blocks for slot {slot}: {} and {}; reporting it",
				first.hash(),
				header.hash()
			);
			let proof = AuraEquivocationProof {
				offender: author,
				slot,
				first_header: first,
				second_header: header,
			};
			report(&client, &pool, proof);
		}
	}
}

/// Recent headers by slot, with the authority whose turn each slot was.
#[derive(Default)]
struct Seen(BTreeMap<Slot, Vec<(AuraId, Header)>>);

impl Seen {
	/// Remembers `header`; returns an earlier, different header `author` sealed for `slot`.
	fn note(&mut self, slot: Slot, author: AuraId, header: Header) -> Option<Header> {
		let oldest = Slot::from(u64::from(slot).saturating_sub(RECENT_SLOTS));
		self.0 = self.0.split_off(&oldest);
		let headers = self.0.entry(slot).or_default();
		if headers.iter().any(|(_, h)| h.hash() == header.hash()) {
			return None;
		}
		let first = headers.iter().find(|(a, _)| *a == author).map(|(_, h)| h.clone());
		if headers.len() < HEADERS_PER_SLOT {
			headers.push((author, header));
		}
		first
	}
}

/// The authority whose turn `slot` was, by the set at `header`'s parent (as Aura's import
/// verifies it).
fn slot_author(client: &FullClient, header: &Header, slot: Slot) -> Option<AuraId> {
	let authorities = client.runtime_api().authorities(*header.parent_hash()).ok()?;
	let count = u64::try_from(authorities.len()).ok().filter(|n| *n > 0)?;
	let index = usize::try_from(u64::from(slot) % count).ok()?;
	authorities.get(index).cloned()
}

/// Proves the offender's key a validator's at the best block and submits the report.
fn report(
	client: &FullClient,
	pool: &OffchainTransactionPoolFactory<Block>,
	proof: AuraEquivocationProof<Header>,
) {
	let best = client.info().best_hash;
	let mut api = client.runtime_api();
	let owner = match api.generate_key_ownership_proof(best, proof.offender.clone()) {
		Ok(Some(owner)) => owner,
		Ok(None) => {
			log::warn!(target: LOG, "{} is no validator's key now: not reported", proof.offender);
			return;
		},
		Err(e) => {
			log::warn!(target: LOG, "cannot prove who holds {}: {e}", proof.offender);
			return;
		},
	};
	api.register_extension(pool.offchain_transaction_pool(best));
	match api.submit_report_equivocation_unsigned_extrinsic(best, proof, owner) {
		Ok(Some(())) => log::info!(target: LOG, "equivocation report in the pool"),
		Ok(None) => log::warn!(target: LOG, "the pool refused the report (known already?)"),
		Err(e) => log::warn!(target: LOG, "cannot submit the report: {e}"),
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::{crypto::UncheckedFrom, H256};
	use sp_runtime::generic::Digest;

	fn header(number: u32, state: u8) -> Header {
		Header::new(number, H256::zero(), H256::repeat_byte(state), H256::zero(), Digest::default())
	}

	fn key(byte: u8) -> AuraId {
		AuraId::unchecked_from([byte; 32])
	}

	/// A second header of one author for one slot is found; the same header again, another
	/// author's, or another slot's is not; old slots and extra headers are forgotten.
	#[test]
	fn a_second_header_of_one_author_for_one_slot_is_found() {
		let mut seen = Seen::default();
		let slot = Slot::from(1_000);
		assert_eq!(seen.note(slot, key(1), header(1, 1)), None);
		assert_eq!(seen.note(slot, key(1), header(1, 1)), None, "the same header again");
		assert_eq!(seen.note(slot, key(2), header(1, 2)), None, "another author");
		assert_eq!(seen.note(slot + 1, key(1), header(2, 3)), None, "another slot");
		assert_eq!(seen.note(slot, key(1), header(1, 4)), Some(header(1, 1)));

		for state in 5..20 {
			seen.note(slot, key(3), header(1, state));
		}
		assert_eq!(seen.0.get(&slot).map(Vec::len), Some(HEADERS_PER_SLOT));
		seen.note(slot + RECENT_SLOTS + 1, key(1), header(3, 1));
		assert!(!seen.0.contains_key(&slot), "an hour later the slot is forgotten");
	}
}
