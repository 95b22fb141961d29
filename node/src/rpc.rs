//! The node's JSON-RPC: merges the RPC modules beside the standard ones `sc-service` serves.

use attesta_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use jsonrpsee::RpcModule;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use std::sync::Arc;

/// What the RPC modules need from the node.
pub struct FullDeps<C, P> {
	/// The client, for state and runtime API calls.
	pub client: Arc<C>,
	/// The transaction pool, for nonces that count pending transactions.
	pub pool: Arc<P>,
}

/// All RPC modules of a full node: `system_accountNextIndex`, `payment_*`, and the market's
/// `attesta_*` ([`crate::market_rpc`]).
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ sc_client_api::BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ BlockBuilder<Block>
		+ pallet_jobs_runtime_api::JobsApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
{
	use crate::market_rpc::{Market, MarketApiServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool } = deps;
	module.merge(Market::new(client.clone()).into_rpc())?;
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client).into_rpc())?;
	Ok(module)
}
