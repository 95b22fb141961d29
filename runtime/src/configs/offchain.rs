//! How the runtime's off-chain workers turn a call into a signed transaction: the same checks
//! ([`crate::tx_extension`]) as any wallet's transaction, signed with a key from the node's
//! keystore.

use super::BlockHashCount;
use crate::{Address, Runtime, RuntimeCall, Signature, SignedPayload, System, UncheckedExtrinsic};
use codec::Encode;
use frame_system::offchain::{
	AppCrypto, CreateBare, CreateSignedTransaction, CreateTransactionBase, SigningTypes,
};
use sp_runtime::{generic::Era, traits::Verify, SaturatedConversion};

impl SigningTypes for Runtime {
	type Public = <Signature as Verify>::Signer;
	type Signature = Signature;
}

impl<C> CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> CreateSignedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<A: AppCrypto<Self::Public, Self::Signature>>(
		call: RuntimeCall,
		public: Self::Public,
		account: Self::AccountId,
		nonce: Self::Nonce,
	) -> Option<UncheckedExtrinsic> {
		// Valid for about half the block-hash history from the block the worker runs on.
		let period = BlockHashCount::get().checked_next_power_of_two().map_or(2, |p| p / 2);
		let current = System::block_number().saturated_into::<u64>().saturating_sub(1);
		let tx_ext = crate::tx_extension(Era::mortal(period.into(), current), nonce, false);
		let payload = SignedPayload::new(call, tx_ext)
			.map_err(|e| log::warn!(target: "attesta::offchain", "cannot sign: {e:?}"))
			.ok()?;
		let signature = payload.using_encoded(|bytes| A::sign(bytes, public))?;
		let (call, tx_ext, _) = payload.deconstruct();
		Some(UncheckedExtrinsic::new_signed(call, Address::Id(account), signature, tx_ext))
	}
}

/// Unsigned transactions (GRANDPA's equivocation reports), which the pallets validate
/// themselves.
impl<C> CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}
