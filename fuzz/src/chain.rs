//! The runtime under test, natively, from the `development` genesis: blocks are built the way
//! the node builds them (Aura slot digest, timestamp inherent, signed extrinsics through
//! `Executive`), and extrinsics are signed for real so the whole transaction pipeline runs.

use attesta_runtime::{
	genesis_config_presets, tx_extension, AccountId, Executive, Header, RuntimeCall,
	RuntimeGenesisConfig, SignedPayload, UncheckedExtrinsic, SLOT_DURATION,
};
use codec::Encode;
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{generic::Era, traits::Header as _, ApplyExtrinsicResult, Digest, DigestItem};

/// Storage of the `development` genesis (Alice is sudo, the twelve dev accounts are endowed,
/// the reference model is registered).
pub fn development_genesis() -> Result<sp_io::TestExternalities, String> {
	let json = genesis_config_presets::full_preset(genesis_config_presets::DEVELOPMENT_PRESET)
		.ok_or("no development preset")?;
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(json)
			.map_err(|e| e.to_string())
	})?;
	Ok(ext)
}

/// Where the chain is: the next block's number and parent.
pub struct Chain {
	/// Number of the last finished block.
	pub number: u32,
	parent: H256,
	/// Aura slot of the last finished block.
	slot: u64,
}

impl Chain {
	/// Before block 1.
	pub fn at_genesis() -> Self {
		// Genesis has slot 0; Aura wants every block's slot above the last.
		Self { number: 0, parent: H256::repeat_byte(69), slot: 1_000 }
	}

	/// Opens the next block: its header with an Aura slot digest, then the timestamp inherent.
	pub fn open_block(&mut self) -> Result<(), String> {
		self.number += 1;
		self.slot += 1;
		let digest = Digest {
			logs: vec![DigestItem::PreRuntime(
				sp_consensus_aura::AURA_ENGINE_ID,
				sp_consensus_aura::Slot::from(self.slot).encode(),
			)],
		};
		let header =
			Header::new(self.number, Default::default(), Default::default(), self.parent, digest);
		Executive::initialize_block(&header);
		let now = self.slot * SLOT_DURATION;
		let inherent =
			UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
				now,
			}));
		match Executive::apply_extrinsic(inherent) {
			Ok(Ok(())) => Ok(()),
			other => Err(format!("timestamp inherent failed: {other:?}")),
		}
	}

	/// Closes the block (`on_idle`, `on_finalize`, the storage root).
	pub fn close_block(&mut self) {
		let header = Executive::finalize_block();
		self.parent = header.hash();
	}
}

/// `call` signed by `signer` at `nonce`, immortal, as a wallet signs it.
pub fn signed(call: RuntimeCall, signer: &sr25519::Pair, nonce: u32) -> UncheckedExtrinsic {
	let extension = tx_extension(Era::Immortal, nonce, false);
	let payload = SignedPayload::new(call, extension).expect("the extensions' implicit data");
	let signature = payload.using_encoded(|p| signer.sign(p));
	let (call, extension, _) = payload.deconstruct();
	let who: AccountId = signer.public().into();
	UncheckedExtrinsic::new_signed(call, who.into(), signature.into(), extension)
}

/// Applies an extrinsic through `Executive`, as block import does.
pub fn apply(xt: UncheckedExtrinsic) -> ApplyExtrinsicResult {
	Executive::apply_extrinsic(xt)
}
