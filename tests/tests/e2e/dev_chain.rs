//! A `--dev` node, driven over JSON-RPC: it authors and finalizes blocks, a signed transfer
//! lands with its event, bad extrinsics are refused, and the metadata decodes. A twin holding
//! its author's Aura key seals blocks for the same slots, and the nodes report it.

use attesta_e2e::*;
use attesta_runtime::{BalancesCall, RuntimeCall, RuntimeEvent, UNIT};
use codec::Decode;
use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
use jsonrpsee::{core::client::ClientT, rpc_params};
use sp_core::bytes;
use sp_keyring::Sr25519Keyring;
use std::{sync::atomic::Ordering, time::Duration};

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_finalizes_accepts_transfers_and_rejects_garbage() -> Result<()> {
	let node = Node::start("dev", &["--dev", "--tmp"]).await?;
	let c = node.client().await?;

	// Blocks are authored and finalized.
	let fin = wait_finalized(&c, 2, Duration::from_secs(120))
		.await
		.map_err(|e| format!("{e}\n{}", node.log_tail()))?;
	assert!(best_number(&c).await? >= fin);

	// The metadata decodes with the standard decoder and lists our pallets.
	let meta: String =
		c.request("state_getMetadata", rpc_params![]).await.map_err(|e| e.to_string())?;
	let meta = RuntimeMetadataPrefixed::decode(&mut &from_hex(&meta)?[..])
		.map_err(|e| format!("metadata does not decode: {e}"))?;
	let RuntimeMetadata::V14(m) = meta.1 else {
		return Err(format!("unexpected metadata version {:?}", meta.1.version()));
	};
	let names: Vec<_> = m.pallets.iter().map(|p| p.name.as_str()).collect();
	for want in ["System", "Aura", "Grandpa", "Balances", "TransactionPayment", "Sudo", "Council"] {
		assert!(names.contains(&want), "pallet {want} missing from metadata: {names:?}");
	}

	// A signed transfer from Alice to Bob lands and its event reads back.
	let info = chain_info(&c).await?;
	let alice = Sr25519Keyring::Alice;
	let bob = Sr25519Keyring::Bob.to_account_id();
	let bob_before = free_balance(&c, &bob).await?;
	let amount = 42 * UNIT;
	let call = RuntimeCall::Balances(BalancesCall::transfer_keep_alive {
		dest: bob.clone().into(),
		value: amount,
	});
	let nonce = next_nonce(&c, &alice.to_account_id()).await?;
	let xt = sign(call.clone(), alice, nonce, &info);
	let block = submit_and_wait_in_block(&c, &xt).await?;
	let events = events_at(&c, block).await?;
	assert!(
		events.iter().any(|e| matches!(
			e,
			RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount: a })
				if *from == alice.to_account_id() && *to == bob && *a == amount
		)),
		"no Transfer event in block {block:?}: {events:?}"
	);
	assert_eq!(free_balance(&c, &bob).await?, bob_before + amount);

	// Replaying the same signed extrinsic is refused (stale nonce).
	let replay = c
		.request::<String, _>(
			"author_submitExtrinsic",
			rpc_params![bytes::to_hex(&codec::Encode::encode(&xt), false)],
		)
		.await;
	assert!(replay.is_err(), "a replayed extrinsic was accepted");

	// Garbage bytes and a forged signature are refused with an error.
	let garbage = c.request::<String, _>("author_submitExtrinsic", rpc_params!["0x1234"]).await;
	assert!(garbage.is_err(), "garbage was accepted as an extrinsic");
	let forged =
		sign_claiming(call.clone(), alice.to_account_id(), Sr25519Keyring::Eve, nonce + 1, &info);
	let forged = c
		.request::<String, _>(
			"author_submitExtrinsic",
			rpc_params![bytes::to_hex(&codec::Encode::encode(&forged), false)],
		)
		.await;
	let err = forged.err().ok_or("a forged signature was accepted")?.to_string();
	assert!(
		err.contains("Invalid") || err.contains("bad signature") || err.contains("1010"),
		"{err}"
	);

	// A hardware wallet's transfer: signed in metadata-hash mode with the hash computed from what
	// the node serves (metadata, runtime version, token symbol and decimals), it lands; signed
	// with the hash of other token facts (decimals 18, as if the Wasm were built with them) it
	// is refused, so the Wasm's hash matches the chain spec's ATT with 12 decimals.
	let rpc = attesta_client::rpc::Rpc::connect(&[node.url()], Default::default())
		.await
		.map_err(|e| e.to_string())?;
	let hashed = attesta_client::chain::ChainInfo::read_with_metadata_hash(&rpc)
		.await
		.map_err(|e| e.to_string())?;
	let nonce = next_nonce(&c, &alice.to_account_id()).await?;
	let block = submit_and_wait_in_block(&c, &sign(call.clone(), alice, nonce, &hashed)).await?;
	assert!(
		events_at(&c, block).await?.iter().any(|e| matches!(
			e,
			RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, .. })
				if *from == alice.to_account_id()
		)),
		"the metadata-hash mode transfer did not land in {block:?}"
	);
	let meta: Option<Vec<u8>> =
		runtime_call(&c, "Metadata_metadata_at_version", &codec::Encode::encode(&15u32)).await?;
	let version: serde_json::Value = c
		.request("state_getRuntimeVersion", rpc_params![])
		.await
		.map_err(|e| e.to_string())?;
	let mut props: serde_json::Value =
		c.request("system_properties", rpc_params![]).await.map_err(|e| e.to_string())?;
	assert_eq!(
		(props["tokenSymbol"].as_str(), props["tokenDecimals"].as_u64()),
		(Some("ATT"), Some(12))
	);
	props["tokenDecimals"] = 18.into();
	let other =
		attesta_client::chain::metadata_hash(&meta.ok_or("no metadata v15")?, &version, &props)
			.map_err(|e| e.to_string())?;
	assert_ne!(Some(other), hashed.metadata_hash);
	let wrong = ChainInfo { metadata_hash: Some(other), ..hashed };
	let refused = c
		.request::<String, _>(
			"author_submitExtrinsic",
			rpc_params![bytes::to_hex(
				&codec::Encode::encode(&sign(call.clone(), alice, nonce + 1, &wrong)),
				false
			)],
		)
		.await;
	let err = refused
		.err()
		.ok_or("a transfer signed over the wrong metadata hash was accepted")?;
	assert!(err.to_string().contains("bad signature") || err.to_string().contains("1010"), "{err}");

	// The node keeps going after the rejections.
	let before = best_number(&c).await?;
	wait_for("a new block after the rejections", Duration::from_secs(60), || async {
		Ok((best_number(&c).await? > before).then_some(()))
	})
	.await?;
	Ok(())
}

/// Alice's Aura key on a second node: both nodes author each of Alice's slots (all of them: she is
/// the dev chain's one validator), so each slot gets two sealed blocks. The validator nodes
/// notice it on import and report it; the chain records the offence once per slot and keeps
/// Alice, as the set never falls below its minimum of one (`runtime/tests/equivocation.rs` shows
/// an offender leaving a larger set).
#[tokio::test(flavor = "multi_thread")]
async fn a_validator_sealing_two_blocks_for_one_slot_is_reported() -> Result<()> {
	let alice = Node::start("dev-equivocating", &["--dev", "--tmp"]).await?;
	let c = alice.client().await?;
	wait_finalized(&c, 1, Duration::from_secs(120)).await?;
	let boot = alice.multiaddr().await?;
	let twin = Node::start(
		"dev-equivocating-twin",
		&[
			"--chain",
			"dev",
			"--tmp",
			"--validator",
			"--bootnodes",
			&boot,
			// A validator's network key must exist beforehand; any fixed one does here.
			"--node-key",
			"0000000000000000000000000000000000000000000000000000000000000001",
		],
	)
	.await?;
	insert_key(&twin.client().await?, "aura", Sr25519Keyring::Alice).await?;

	// The next block of Alice's best chain to look at.
	let next = &std::sync::atomic::AtomicU32::new(1);
	let offence =
		wait_for("the equivocation reported on chain", Duration::from_secs(240), || async {
			let best = best_number(&c).await?;
			while next.load(Ordering::Relaxed) <= best {
				let number = next.fetch_add(1, Ordering::Relaxed);
				let events = events_at(&c, block_hash(&c, number).await?).await?;
				let reported = events.iter().any(|e| {
					matches!(
						e,
						RuntimeEvent::Offences(pallet_offences::Event::Offence { kind, .. })
							if kind == b"aura:equivocatio"
					)
				});
				if reported {
					return Ok(Some(events));
				}
			}
			Ok(None)
		})
		.await
		.map_err(|e| {
			format!(
				"{e}
Alice:
{}
twin:
{}",
				alice.log_tail(),
				twin.log_tail()
			)
		})?;
	assert!(
		offence.iter().any(|e| matches!(
			e,
			RuntimeEvent::Validators(pallet_validators::Event::OffenderKept { who, .. })
				if *who == Sr25519Keyring::Alice.to_account_id()
		)),
		"the offender is named and kept (the set's minimum): {offence:?}"
	);
	assert!(alice.log_text().contains("sealed two blocks for slot"), "Alice's node saw it");
	Ok(())
}

/// The genesis registry pins the reference model to what the engine implements and to the rule
/// the engine's calibration recommends (a new engine version or rule must change both).
#[test]
fn the_genesis_model_is_pinned_to_the_engine_class_and_calibrated_rule() {
	let (.., rule, class) = attesta_runtime::genesis_config_presets::reference_model();
	assert_eq!(rule, attesta_inference::RECOMMENDED_RULE);
	assert_eq!(class, attesta_inference::InferenceDevice::Cpu.default_class());
	assert!(rule.is_valid());
}
