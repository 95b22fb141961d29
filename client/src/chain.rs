//! Reading the chain and sending signed extrinsics, with the runtime's own types: storage,
//! runtime API calls, events, signing (the same transaction extensions a wallet uses, mortal)
//! and submission that finds its extrinsic in a block even if the node it was sent to died.

use crate::{
	rpc::{header_number, Requester, Rpc},
	Error, Result,
};
use attesta_runtime::{
	AccountId, Hash, RuntimeCall, RuntimeEvent, SignedPayload, UncheckedExtrinsic,
};
use codec::{Decode, Encode};
use serde_json::{json, Value};
use sp_core::{bytes, sr25519, Pair, H256};
use sp_runtime::{generic::Era, DispatchError, MultiAddress, MultiSignature};
use std::time::{Duration, Instant};

/// Blocks a signed transaction stays valid for.
const MORTALITY: u64 = 64;

/// Decodes a `0x…` hex string.
pub fn from_hex(s: &str) -> Result<Vec<u8>> {
	bytes::from_hex(s).map_err(|e| Error::Decode(format!("bad hex {s}: {e:?}")))
}

fn hex(data: &[u8]) -> Value {
	Value::String(bytes::to_hex(data, false))
}

/// An account that signs: sr25519 from a secret phrase, a hex seed or a dev URI (`//Alice`).
pub fn signer(suri: &str) -> Result<sr25519::Pair> {
	sr25519::Pair::from_string(suri, None)
		.map_err(|e| Error::Invalid(format!("not a secret phrase, seed or URI ({e:?})")))
}

/// The chain facts a signer needs: genesis hash, spec and transaction versions, and, for a
/// signer in metadata-hash mode, the metadata hash it checked.
#[derive(Clone, Copy, Debug)]
pub struct ChainInfo {
	/// Hash of block 0.
	pub genesis: H256,
	/// Runtime spec version.
	pub spec_version: u32,
	/// Runtime transaction version.
	pub tx_version: u32,
	/// `Some`: sign with `CheckMetadataHash` enabled, committing to this hash (RFC 78), as a
	/// hardware wallet does; the runtime refuses the transaction unless it is its own.
	pub metadata_hash: Option<[u8; 32]>,
}

impl ChainInfo {
	/// Reads them from the node.
	pub async fn read(rpc: &impl Requester) -> Result<Self> {
		let genesis: String = rpc.call("chain_getBlockHash", vec![json!(0)]).await?;
		let (spec_version, tx_version) = runtime_versions(rpc).await?;
		Ok(Self {
			genesis: H256::from_slice(&from_hex(&genesis)?),
			spec_version,
			tx_version,
			metadata_hash: None,
		})
	}

	/// These facts as they are now, for signing after a runtime upgrade: the spec version (and
	/// in metadata-hash mode the hash) follow the chain; a transaction version other than the
	/// one this client was built for means call encodings changed, and is refused rather than
	/// signed wrongly. One request when nothing changed.
	pub async fn current(&self, rpc: &impl Requester) -> Result<Self> {
		let (spec_version, tx_version) = runtime_versions(rpc).await?;
		let built = attesta_runtime::VERSION.transaction_version;
		if tx_version != built {
			return Err(Error::Invalid(format!(
				"the chain's transactions are version {tx_version}, this client's {built}: use a \
				 client built for the chain's runtime"
			)));
		}
		if spec_version == self.spec_version {
			return Ok(*self);
		}
		match self.metadata_hash {
			Some(_) => Self::read_with_metadata_hash(rpc).await,
			None => Ok(Self { spec_version, tx_version, ..*self }),
		}
	}

	/// The same, signing in metadata-hash mode: the hash is computed here from what the node
	/// serves (metadata v15, runtime version, and the chain spec's token properties), as a wallet
	/// computes it from what it shows its user.
	pub async fn read_with_metadata_hash(rpc: &impl Requester) -> Result<Self> {
		let info = Self::read(rpc).await?;
		let metadata: Option<Vec<u8>> =
			runtime_call(rpc, "Metadata_metadata_at_version", &15u32.encode()).await?;
		let metadata =
			metadata.ok_or_else(|| Error::Decode("the runtime serves no metadata v15".into()))?;
		let version: Value = rpc.call("state_getRuntimeVersion", vec![]).await?;
		let properties: Value = rpc.call("system_properties", vec![]).await?;
		Ok(Self { metadata_hash: Some(metadata_hash(&metadata, &version, &properties)?), ..info })
	}
}

/// The runtime's spec and transaction versions at the best block.
async fn runtime_versions(rpc: &impl Requester) -> Result<(u32, u32)> {
	let version: Value = rpc.call("state_getRuntimeVersion", vec![]).await?;
	let field = |k: &str| {
		version[k]
			.as_u64()
			.and_then(|v| u32::try_from(v).ok())
			.ok_or_else(|| Error::Decode(format!("runtime version lacks {k}")))
	};
	Ok((field("specVersion")?, field("transactionVersion")?))
}

/// The RFC 78 metadata hash that `CheckMetadataHash` compares with the runtime's own: the
/// merkleized `metadata` (SCALE-encoded v15) with the spec name and version of `version`
/// (`state_getRuntimeVersion`) and the address prefix, token symbol and decimals of `properties`
/// (`system_properties`).
pub fn metadata_hash(metadata: &[u8], version: &Value, properties: &Value) -> Result<[u8; 32]> {
	let metadata = frame_metadata::RuntimeMetadataPrefixed::decode(&mut &metadata[..])
		.map_err(|e| Error::Decode(format!("metadata does not decode: {e}")))?
		.1;
	let missing = |what: &str| Error::Decode(format!("the node does not say its {what}"));
	let number = |v: &Value, key: &str| v[key].as_u64().ok_or_else(|| missing(key));
	let extra = merkleized_metadata::ExtraInfo {
		spec_version: u32::try_from(number(version, "specVersion")?)
			.map_err(|_| missing("specVersion"))?,
		spec_name: version["specName"].as_str().ok_or_else(|| missing("specName"))?.into(),
		base58_prefix: u16::try_from(number(properties, "ss58Format")?)
			.map_err(|_| missing("ss58Format"))?,
		decimals: u8::try_from(number(properties, "tokenDecimals")?)
			.map_err(|_| missing("tokenDecimals"))?,
		token_symbol: properties["tokenSymbol"]
			.as_str()
			.ok_or_else(|| missing("tokenSymbol"))?
			.into(),
	};
	Ok(merkleized_metadata::generate_metadata_digest(&metadata, extra)
		.map_err(|e| Error::Decode(format!("cannot merkleize the metadata: {e}")))?
		.hash())
}

/// Number of the best block.
pub async fn best_number(rpc: &impl Requester) -> Result<u32> {
	header_number(&rpc.call("chain_getHeader", vec![]).await?)
}

/// Number of the last finalized block.
pub async fn finalized_number(rpc: &impl Requester) -> Result<u32> {
	let hash: Value = rpc.call("chain_getFinalizedHead", vec![]).await?;
	header_number(&rpc.call("chain_getHeader", vec![hash]).await?)
}

/// The hash of block `number`, if the node has it.
pub async fn block_hash(rpc: &impl Requester, number: u32) -> Result<Option<H256>> {
	rpc.call("chain_getBlockHash", vec![json!(number)]).await
}

/// The finalized head: its hash and number.
pub async fn finalized_head(rpc: &impl Requester) -> Result<(H256, u32)> {
	let hash: H256 = rpc.call("chain_getFinalizedHead", vec![]).await?;
	let number = header_number(&rpc.call("chain_getHeader", vec![json!(hash)]).await?)?;
	Ok((hash, number))
}

/// The block a transaction signed now is mortal from: the finalized head, so that a fork
/// cannot invalidate it, unless finality lags so far behind the best block that a transaction
/// born there would be (nearly) expired at once; then the best block.
pub async fn birth_block(rpc: &impl Requester) -> Result<(u32, H256)> {
	let (fin_hash, fin_number) = finalized_head(rpc).await?;
	let best = best_number(rpc).await?;
	if !finality_lags(best, fin_number) {
		return Ok((fin_number, fin_hash));
	}
	let hash = block_hash(rpc, best)
		.await?
		.ok_or_else(|| Error::Decode(format!("the node has no block #{best}")))?;
	Ok((best, hash))
}

/// Whether the finalized block is too old to be a transaction's birth: more than half its
/// mortality behind the best block.
fn finality_lags(best: u32, finalized: u32) -> bool {
	u64::from(best.saturating_sub(finalized)) > MORTALITY / 2
}

/// The next nonce of `who`, counting its transactions still in the node's pool.
pub async fn next_nonce(rpc: &impl Requester, who: &AccountId) -> Result<u32> {
	rpc.call("system_accountNextIndex", vec![json!(who.to_string())]).await
}

/// The raw bytes of the storage item at `key` (at block `at`, or the best block).
pub async fn raw_storage(
	rpc: &impl Requester,
	key: &[u8],
	at: Option<H256>,
) -> Result<Option<Vec<u8>>> {
	let mut params = vec![hex(key)];
	if let Some(at) = at {
		params.push(json!(at));
	}
	let raw: Option<String> = rpc.call("state_getStorage", params).await?;
	raw.map(|raw| from_hex(&raw)).transpose()
}

/// Reads the storage item at `key` (at block `at`, or the best block) and decodes it as `T`.
pub async fn storage<T: Decode>(
	rpc: &impl Requester,
	key: &[u8],
	at: Option<H256>,
) -> Result<Option<T>> {
	raw_storage(rpc, key, at)
		.await?
		.map(|raw| T::decode(&mut &raw[..]).map_err(|e| Error::Decode(e.to_string())))
		.transpose()
}

/// The keys under `prefix` at the best block (at most 1,000).
pub async fn storage_keys(rpc: &impl Requester, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
	let keys: Vec<String> = rpc.call("state_getKeysPaged", vec![hex(prefix), json!(1000)]).await?;
	keys.iter().map(|k| from_hex(k)).collect()
}

/// Calls runtime API `method` (e.g. `JobsApi_job`) with SCALE-encoded `args` at the best block
/// and decodes the answer as `R`.
pub async fn runtime_call<R: Decode>(rpc: &impl Requester, method: &str, args: &[u8]) -> Result<R> {
	let raw: String = rpc.call("state_call", vec![json!(method), hex(args)]).await?;
	R::decode(&mut &from_hex(&raw)?[..])
		.map_err(|e| Error::Decode(format!("{method}: cannot decode: {e}")))
}

/// The events of block `at`, with the extrinsic each belongs to.
pub async fn events_at(rpc: &impl Requester, at: H256) -> Result<Vec<(Option<u32>, RuntimeEvent)>> {
	// `System::Events` is private to its pallet: its key from FRAME's hashing and the name the
	// runtime gives the pallet.
	let system = <attesta_runtime::System as frame_support::traits::PalletInfoAccess>::name();
	let key = frame_support::storage::storage_prefix(system.as_bytes(), b"Events");
	let records: Vec<frame_system::EventRecord<RuntimeEvent, Hash>> =
		storage(rpc, &key, Some(at)).await?.unwrap_or_default();
	Ok(records
		.into_iter()
		.map(|r| {
			let index = match r.phase {
				frame_system::Phase::ApplyExtrinsic(i) => Some(i),
				_ => None,
			};
			(index, r.event)
		})
		.collect())
}

/// A dispatch error by name (`Jobs.NoEligibleProvider`), as the runtime's metadata calls it.
pub fn describe(error: DispatchError) -> String {
	attesta_runtime::error_name(error)
}

/// Signs `call` as `signer` with `nonce`, mortal from `birth` ([`birth_block`]): the extrinsic
/// a wallet would send.
pub fn sign(
	call: RuntimeCall,
	signer: &sr25519::Pair,
	nonce: u32,
	info: &ChainInfo,
	birth: (u32, H256),
) -> UncheckedExtrinsic {
	let sender = signer.public().into();
	sign_as(call, sender, signer, nonce, info, Some(birth))
}

/// Signs `call` with `signer`'s key but names `sender` as its origin (a forgery when they
/// differ: tests use it), mortal from `birth` or immortal.
pub fn sign_as(
	call: RuntimeCall,
	sender: AccountId,
	signer: &sr25519::Pair,
	nonce: u32,
	info: &ChainInfo,
	birth: Option<(u32, H256)>,
) -> UncheckedExtrinsic {
	let (era, birth_hash) = match birth {
		Some((number, hash)) => (Era::mortal(MORTALITY, u64::from(number)), hash),
		None => (Era::Immortal, info.genesis),
	};
	let tx_ext = attesta_runtime::tx_extension(era, nonce, info.metadata_hash.is_some());
	let implicit = (
		(),
		(),
		info.spec_version,
		info.tx_version,
		info.genesis,
		birth_hash,
		(),
		(),
		(),
		info.metadata_hash,
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), tx_ext.clone(), implicit);
	let signature = payload.using_encoded(|bytes| signer.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(sender),
		MultiSignature::Sr25519(signature),
		tx_ext,
	)
}

/// Where a submitted extrinsic landed, and what it did.
#[derive(Debug)]
pub struct Included {
	/// The block.
	pub block: H256,
	/// Its number.
	pub number: u32,
	/// The extrinsic's own events.
	pub events: Vec<RuntimeEvent>,
}

/// Signs `call` with the signer's next nonce, submits it and waits (up to `timeout`) until it
/// is in a block; fails with the named dispatch error if it failed there.
pub async fn submit(
	rpc: &Rpc,
	info: &ChainInfo,
	signer: &sr25519::Pair,
	call: RuntimeCall,
	timeout: Duration,
) -> Result<Included> {
	let deadline = Instant::now() + timeout;
	let nonce = next_nonce(rpc, &signer.public().into()).await?;
	let xt = sign(call, signer, nonce, info, birth_block(rpc).await?);
	let encoded = xt.encode();
	let from = best_number(rpc).await?.saturating_add(1);
	send(rpc, &encoded).await?;
	await_inclusion(rpc, &encoded, from, deadline).await
}

/// Waits until the sent extrinsic `encoded` is in a block numbered `from` or later, looking
/// at each block as the node announces it; fails with the named dispatch error if it failed
/// there, and with [`Error::Timeout`] after `deadline`.
///
/// If the node goes away, the same bytes are sent again through the next endpoint (a node that
/// already has them says so, which is fine) and the search goes on from the block where it
/// was, so nothing is sent twice and nothing is missed.
pub async fn await_inclusion(
	rpc: &Rpc,
	encoded: &[u8],
	from: u32,
	deadline: Instant,
) -> Result<Included> {
	let xt_hash = sp_crypto_hashing::blake2_256(encoded);
	let mut sent_to = rpc.endpoint().await;
	let mut next = from;
	let mut heads = rpc.heads();
	while let Some(best) = heads.next(deadline).await? {
		while next <= best {
			if let Some(found) = find_in_block(rpc, next, &xt_hash).await? {
				return Ok(found);
			}
			next = next.saturating_add(1);
		}
		// Failed over since sending: the new node may not have the extrinsic yet.
		if rpc.endpoint().await != sent_to {
			sent_to = send(rpc, encoded).await?;
		}
	}
	Err(Error::Timeout(format!(
		"extrinsic 0x{} not in a block in time",
		bytes::to_hex(&xt_hash, false)
	)))
}

/// Sends an encoded extrinsic; returns the endpoint it went to. "Already imported" and
/// "outdated" (its nonce is used: it is probably in a block already) are not errors here.
async fn send(rpc: &Rpc, encoded: &[u8]) -> Result<String> {
	match rpc.request::<Value>("author_submitExtrinsic", vec![hex(encoded)]).await {
		Ok(_) => Ok(rpc.endpoint().await),
		Err(Error::Rpc(e))
			if e.contains("already imported") ||
				e.contains("outdated") ||
				e.contains("Stale") ||
				e.contains("stale") =>
			Ok(rpc.endpoint().await),
		Err(Error::Rpc(e)) => Err(Error::Invalid(format!("the node refused the transaction: {e}"))),
		Err(e) => Err(e),
	}
}

/// Looks for the extrinsic with hash `xt_hash` in block `number`.
async fn find_in_block(rpc: &Rpc, number: u32, xt_hash: &[u8; 32]) -> Result<Option<Included>> {
	let Some(block) = block_hash(rpc, number).await? else { return Ok(None) };
	let body: Value = rpc.request("chain_getBlock", vec![json!(block)]).await?;
	let extrinsics = body["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
	for (i, x) in extrinsics.iter().enumerate() {
		let bytes = from_hex(x.as_str().unwrap_or_default())?;
		if sp_crypto_hashing::blake2_256(&bytes) != *xt_hash {
			continue;
		}
		let index = u32::try_from(i).map_err(|e| Error::Decode(e.to_string()))?;
		let events: Vec<RuntimeEvent> = events_at(rpc, block)
			.await?
			.into_iter()
			.filter(|(at, _)| *at == Some(index))
			.map(|(_, e)| e)
			.collect();
		for e in &events {
			if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
				dispatch_error,
				..
			}) = e
			{
				return Err(Error::Failed(describe(*dispatch_error)));
			}
		}
		return Ok(Some(Included { block, number, events }));
	}
	Ok(None)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A transaction born at a finalized block that lags the best by more than half the
	/// mortality would expire before it could be included: such a transaction follows the
	/// best block instead.
	#[test]
	fn transactions_follow_the_best_block_when_finality_lags() {
		assert!(!finality_lags(100, 100));
		assert!(!finality_lags(132, 100));
		assert!(finality_lags(133, 100));
		assert!(!finality_lags(5, 9), "a finalized block ahead of the best one read");
	}
}
