//! Aura equivocations: one authority sealing two different headers for the same slot.
//!
//! An honest node seals at most one header per slot, so two sealed headers for one slot under
//! one key prove the key's holder equivocated, whoever shows them. The validator nodes that
//! import both headers report them (unsigned, from their own pool into their own blocks, as
//! GRANDPA's reports go) with a `pallet_session::historical` proof of which validator held the
//! key; the offence goes to `pallet-offences` and from there to this pallet's removal of the
//! offender. An offence is known by its offender and slot, so each is punished once.
//!
//! The proof's session need not be the slot's: only the key's holder can seal, and the key's
//! holder in any provable session is the validator it names (a key can pass to another account
//! only if that account registers a key it does not hold, and then the blame is its own).

use crate::{Call, Config, Error, Pallet};
use alloc::{boxed::Box, vec, vec::Vec};
use codec::Encode;
use frame_support::traits::{Get, KeyOwnerProofSystem};
use frame_system::pallet_prelude::HeaderFor;
use sp_consensus_aura::digests::CompatibleDigestItem;
use sp_runtime::{
	traits::Header as HeaderT,
	transaction_validity::{
		InvalidTransaction, TransactionPriority, TransactionSource, TransactionValidity,
		TransactionValidityError, ValidTransaction,
	},
	DispatchError, KeyTypeId, Perbill, RuntimeAppPublic,
};
use sp_session::{GetSessionNumber, GetValidatorCount};
use sp_staking::{
	offence::{Kind, Offence, OffenceReportSystem, ReportOffence},
	SessionIndex,
};

pub use sp_consensus_aura::{
	sr25519::{AuthorityId as AuraId, AuthoritySignature as AuraSignature},
	Slot,
};

/// Two headers for one slot, both sealed by `offender`.
pub type AuraEquivocationProof<Header> = sp_consensus_slots::EquivocationProof<Header, AuraId>;

/// The key type of Aura keys in the session keys.
pub const AURA_KEY_TYPE: KeyTypeId = <AuraId as RuntimeAppPublic>::ID;

/// The slot a header claims (Aura's pre-runtime digest).
pub fn slot_of<H: HeaderT>(header: &H) -> Option<Slot> {
	header
		.digest()
		.logs()
		.iter()
		.find_map(CompatibleDigestItem::<AuraSignature>::as_aura_pre_digest)
}

/// The hash `header`'s author signed (the header without its seal), if `key` sealed it.
fn sealed_by<H: HeaderT>(header: &H, key: &AuraId) -> Option<H::Hash> {
	let mut unsealed = header.clone();
	let seal = unsealed.digest_mut().pop()?;
	let signature = CompatibleDigestItem::<AuraSignature>::as_aura_seal(&seal)?;
	let pre_hash = unsealed.hash();
	key.verify(&pre_hash.as_ref(), &signature).then_some(pre_hash)
}

/// Whether `proof` shows its offender sealing two different headers for its slot. Headers that
/// differ only in their seal are not different: what the author signed must differ.
pub fn is_valid<H: HeaderT>(proof: &AuraEquivocationProof<H>) -> bool {
	let slot = Some(proof.slot);
	if slot_of(&proof.first_header) != slot || slot_of(&proof.second_header) != slot {
		return false;
	}
	match (
		sealed_by(&proof.first_header, &proof.offender),
		sealed_by(&proof.second_header, &proof.offender),
	) {
		(Some(first), Some(second)) => first != second,
		_ => false,
	}
}

/// An Aura equivocation, as `pallet-offences` records it.
pub struct AuraEquivocationOffence<Offender> {
	/// The slot both headers claim.
	pub slot: Slot,
	/// The session the key ownership was proven for.
	pub session_index: SessionIndex,
	/// Validators in that session.
	pub validator_set_count: u32,
	/// Who held the key.
	pub offender: Offender,
}

impl<Offender: Clone> Offence<Offender> for AuraEquivocationOffence<Offender> {
	const ID: Kind = *b"aura:equivocatio";
	type Slot = Slot;

	fn offenders(&self) -> Vec<Offender> {
		vec![self.offender.clone()]
	}

	fn session_index(&self) -> SessionIndex {
		self.session_index
	}

	fn validator_set_count(&self) -> u32 {
		self.validator_set_count
	}

	fn slot(&self) -> Slot {
		self.slot
	}

	/// As for BABE's equivocations: (3k / n)², capped at one. Unused by this pallet (validators
	/// hold no stake; the offender leaves the set), kept meaningful for other handlers.
	fn slash_fraction(&self, offenders_count: u32) -> Perbill {
		Perbill::from_rational(offenders_count.saturating_mul(3), self.validator_set_count).square()
	}
}

/// Checks Aura equivocation reports and reports the offence to `R` (`pallet-offences`); `P`
/// proves key ownership (`pallet_session::historical`), `L` is how long a report stays valid
/// in the pool.
pub struct EquivocationReportSystem<T, R, P, L>(core::marker::PhantomData<(T, R, P, L)>);

impl<T, R, P, L>
	OffenceReportSystem<
		Option<T::AccountId>,
		(AuraEquivocationProof<HeaderFor<T>>, T::KeyOwnerProof),
	> for EquivocationReportSystem<T, R, P, L>
where
	T: Config + frame_system::offchain::CreateBare<Call<T>>,
	R: ReportOffence<
		T::AccountId,
		P::IdentificationTuple,
		AuraEquivocationOffence<P::IdentificationTuple>,
	>,
	P: KeyOwnerProofSystem<(KeyTypeId, AuraId), Proof = T::KeyOwnerProof>,
	P::IdentificationTuple: Clone,
	L: Get<u64>,
{
	type Longevity = L;

	fn publish_evidence(
		(proof, key_owner_proof): (AuraEquivocationProof<HeaderFor<T>>, T::KeyOwnerProof),
	) -> Result<(), ()> {
		use frame_system::offchain::SubmitTransaction;
		let call = Call::report_equivocation_unsigned {
			equivocation_proof: Box::new(proof),
			key_owner_proof,
		};
		SubmitTransaction::<T, Call<T>>::submit_transaction(T::create_bare(call.into()))
	}

	fn check_evidence(
		(proof, key_owner_proof): (AuraEquivocationProof<HeaderFor<T>>, T::KeyOwnerProof),
	) -> Result<(), TransactionValidityError> {
		if !is_valid(&proof) {
			return Err(InvalidTransaction::BadProof.into());
		}
		let offender = P::check_proof((AURA_KEY_TYPE, proof.offender), key_owner_proof)
			.ok_or(InvalidTransaction::BadProof)?;
		if R::is_known_offence(&[offender], &proof.slot) {
			return Err(InvalidTransaction::Stale.into());
		}
		Ok(())
	}

	fn process_evidence(
		reporter: Option<T::AccountId>,
		(proof, key_owner_proof): (AuraEquivocationProof<HeaderFor<T>>, T::KeyOwnerProof),
	) -> Result<(), DispatchError> {
		if !is_valid(&proof) {
			return Err(Error::<T>::InvalidEquivocationProof.into());
		}
		let session_index = key_owner_proof.session();
		let validator_set_count = key_owner_proof.validator_count();
		let offender = P::check_proof((AURA_KEY_TYPE, proof.offender), key_owner_proof)
			.ok_or(Error::<T>::InvalidKeyOwnershipProof)?;
		let offence = AuraEquivocationOffence {
			slot: proof.slot,
			session_index,
			validator_set_count,
			offender,
		};
		R::report_offence(reporter.into_iter().collect(), offence)
			.map_err(|_| Error::<T>::DuplicateOffenceReport.into())
	}
}

impl<T: Config> Pallet<T> {
	/// Pool validity of a report: only from the node's own pool or in a block (a report is
	/// never gossiped), checked in full, one per offender and slot, at the highest priority.
	pub(crate) fn validate_report(
		source: TransactionSource,
		call: &Call<T>,
	) -> TransactionValidity {
		let Call::report_equivocation_unsigned { equivocation_proof, key_owner_proof } = call
		else {
			return InvalidTransaction::Call.into();
		};
		if !matches!(source, TransactionSource::Local | TransactionSource::InBlock) {
			return InvalidTransaction::Call.into();
		}
		T::EquivocationReportSystem::check_evidence((
			(**equivocation_proof).clone(),
			key_owner_proof.clone(),
		))?;
		ValidTransaction::with_tag_prefix("AuraEquivocation")
			.priority(TransactionPriority::MAX)
			.and_provides((equivocation_proof.offender.clone(), *equivocation_proof.slot))
			.longevity(<T::EquivocationReportSystem as OffenceReportSystem<_, _>>::Longevity::get())
			.propagate(false)
			.build()
	}

	/// The same checks when a block includes a report.
	pub(crate) fn pre_dispatch_report(call: &Call<T>) -> Result<(), TransactionValidityError> {
		let Call::report_equivocation_unsigned { equivocation_proof, key_owner_proof } = call
		else {
			return Err(InvalidTransaction::Call.into());
		};
		T::EquivocationReportSystem::check_evidence((
			(**equivocation_proof).clone(),
			key_owner_proof.clone(),
		))
	}

	/// Submits a report from the node's off-chain context (the runtime API the node's watcher
	/// calls); `None` if the pool refused it.
	pub fn submit_unsigned_report(
		proof: AuraEquivocationProof<HeaderFor<T>>,
		key_owner_proof: T::KeyOwnerProof,
	) -> Option<()> {
		T::EquivocationReportSystem::publish_evidence((proof, key_owner_proof)).ok()
	}
}

/// The encoded size of `proof`, which its weight grows with (each header is hashed twice).
pub fn proof_len<H: Encode>(proof: &AuraEquivocationProof<H>) -> u32 {
	u32::try_from(proof.encoded_size()).unwrap_or(u32::MAX)
}

sp_api::decl_runtime_apis! {
	/// What a validator node needs to report the Aura equivocations it sees.
	pub trait AuraEquivocationApi {
		/// A proof that `authority` is a validator's Aura key in the current session (encoded
		/// `KeyOwnerProof`); `None` if it is no validator's.
		fn generate_key_ownership_proof(authority: AuraId) -> Option<sp_runtime::OpaqueValue>;

		/// Puts a report into the node's own pool (call it from an off-chain context, with the
		/// pool registered); `None` if the proof does not decode or the pool refused it.
		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: AuraEquivocationProof<Block::Header>,
			key_owner_proof: sp_runtime::OpaqueValue,
		) -> Option<()>;
	}
}
