//! Governance end to end on the four-validator local testnet (no sudo key), over JSON-RPC: the
//! council proposes, votes on and closes a motion through different nodes; from the next block
//! every node applies the new sample rate to new jobs, while a job submitted before keeps the
//! terms it started with. Then two motions (whitelist, dispatch as Root) authorise the next
//! spec version of the runtime, which anyone then applies: every node runs it, blocks keep
//! finalizing, the open jobs keep their terms and new transactions are signed for it. Last, a
//! fifth validator registers its session keys, is added by motion and authors blocks, and one
//! of the four is removed by motion while the others keep finalizing.
//!
//! It prints what it measured (`cargo test --workspace --test e2e governance:: -- --nocapture`):
//! blocks from the first motion of each change to its effect, and block intervals around the
//! upgrade.

use attesta_e2e::{market::*, testnet::*, *};
use attesta_runtime::{AccountId, Runtime, RuntimeCall, RuntimeEvent, UNIT};
use codec::Encode;
use frame_support::dispatch::GetDispatchInfo;
use pallet_jobs::GenParams;
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve, Ferdie};
use sp_runtime::{traits::Hash, Perbill};
use std::time::Duration;

type CouncilEvent = pallet_collective::Event<Runtime, pallet_collective::Instance1>;
type CouncilCall = pallet_collective::Call<Runtime, pallet_collective::Instance1>;

/// A council motion on `proposal`: Alice proposes it with `threshold` through the first node,
/// each of `ayes` votes aye through its own node, Charlie closes it through the third; returns
/// the closing block's events, checked to hold the motion's successful execution.
async fn motion(
	clients: &[WsClient],
	info: &ChainInfo,
	threshold: u32,
	ayes: &[Sr25519Keyring],
	proposal: RuntimeCall,
) -> Result<Vec<RuntimeEvent>> {
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&proposal);
	let length_bound = proposal.encoded_size() as u32;
	let propose = RuntimeCall::Council(CouncilCall::propose {
		threshold,
		proposal: Box::new(proposal.clone()),
		length_bound,
	});
	let index = execute(&clients[0], info, Alice, propose)
		.await?
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Council(CouncilEvent::Proposed { proposal_index, .. }) =>
				Some(*proposal_index),
			_ => None,
		})
		.ok_or("no Proposed event")?;
	for (who, c) in ayes.iter().zip(clients) {
		let vote = RuntimeCall::Council(CouncilCall::vote { proposal: hash, index, approve: true });
		execute(c, info, *who, vote).await?;
	}
	let close = RuntimeCall::Council(CouncilCall::close {
		proposal_hash: hash,
		index,
		proposal_weight_bound: proposal.get_dispatch_info().call_weight,
		length_bound,
	});
	let events = execute(&clients[2], info, Charlie, close).await?;
	assert!(
		events.iter().any(|e| matches!(
			e,
			RuntimeEvent::Council(CouncilEvent::Executed { result: Ok(()), .. })
		)),
		"the motion did not execute: {events:?}"
	);
	Ok(events)
}

/// The intervals, in seconds, between the timestamps of blocks `from..=to` on the node at `c`.
async fn block_intervals(c: &WsClient, from: u32, to: u32) -> Result<Vec<f64>> {
	use frame_support::traits::PalletInfoAccess;
	let pallet = <attesta_runtime::Timestamp as PalletInfoAccess>::name();
	let key = frame_support::storage::storage_prefix(pallet.as_bytes(), b"Now");
	let mut stamps = Vec::new();
	for n in from..=to {
		let at = block_hash(c, n).await?;
		let ms: u64 = attesta_client::chain::storage(c, &key, Some(at)).await?.unwrap_or_default();
		stamps.push(ms);
	}
	Ok(stamps.windows(2).map(|w| w[1].saturating_sub(w[0]) as f64 / 1000.0).collect())
}

/// The runtime's next spec version, built by `scripts/build-next-runtime.sh`.
fn next_runtime() -> Result<Vec<u8>> {
	let script =
		std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/build-next-runtime.sh");
	let out = std::process::Command::new(&script)
		.output()
		.map_err(|e| format!("{}: {e}", script.display()))?;
	if !out.status.success() {
		return Err(format!(
			"{} failed: {}",
			script.display(),
			String::from_utf8_lossy(&out.stderr)
		));
	}
	let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
	std::fs::read(&path).map_err(|e| format!("{path}: {e}"))
}

/// `who`'s `Session.set_keys` call: its dev Aura and GRANDPA keys, with the proof that it holds
/// them (each key's signature over the account).
fn set_session_keys(who: Sr25519Keyring) -> RuntimeCall {
	use sp_core::{proof_of_possession::ProofOfPossessionGenerator, Pair};
	use std::str::FromStr;
	let owner = who.to_account_id().encode();
	let mut aura = who.pair();
	let mut grandpa = sp_keyring::Ed25519Keyring::from_str(&who.to_string())
		.expect("a dev ed25519 key of the same name")
		.pair();
	let keys = attesta_runtime::opaque::SessionKeys {
		aura: aura.public().into(),
		grandpa: grandpa.public().into(),
	};
	let proof =
		(aura.generate_proof_of_possession(&owner), grandpa.generate_proof_of_possession(&owner))
			.encode();
	RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof })
}

/// The validators of the current session, as the node at `c` sees them.
async fn session_validators(c: &WsClient) -> Result<Vec<AccountId>> {
	let key = pallet_session::Validators::<Runtime>::hashed_key();
	Ok(storage::<Vec<AccountId>>(c, &key).await?.unwrap_or_default())
}

/// Ferdie submits a job for model 0 through `c`; returns its id.
async fn submit_job(c: &WsClient, info: &ChainInfo) -> Result<u64> {
	let deadline = best_number(c).await? + 300;
	let call = submit_job_call(
		b"Name a prime number.",
		GenParams::greedy(8),
		PROVIDER_PRICE,
		None,
		UNIT,
		deadline,
	);
	let events = execute(c, info, Ferdie, call).await?;
	events
		.iter()
		.find_map(|e| match e {
			RuntimeEvent::Jobs(pallet_jobs::Event::JobSubmitted { job_id, .. }) => Some(*job_id),
			_ => None,
		})
		.ok_or_else(|| "no JobSubmitted event".into())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_council_motion_changes_the_sample_rate_for_new_jobs_on_every_node() -> Result<()> {
	let tmp = std::env::temp_dir().join(format!("attesta-governance-{}", std::process::id()));
	let nodes = start_local_testnet(&tmp).await?;
	let mut clients = Vec::new();
	for n in &nodes {
		clients.push(n.client().await?);
	}
	let info = chain_info(&clients[0]).await?;
	let old = DefaultMarketSettings::get();
	// A dapp's client connected before the upgrade, kept across it.
	let market = attesta_client::Market::connect(&[nodes[1].url()], Default::default())
		.await
		.map_err(|e| e.to_string())?;

	// A provider whose node runs no worker: its jobs stay open for the whole test.
	register_provider(&clients[3], &info, Eve, "eu", 4).await?;
	let before = submit_job(&clients[3], &info).await?;

	// Alice moves, through her node, that every result be checked at 90 %, never below 20 %.
	let new = MarketSettings {
		initial_rate: Perbill::from_percent(90),
		floor_rate: Perbill::from_percent(20),
		..old
	};
	// Alice and Bob vote aye, each through their own node; Charlie closes through his.
	let proposal = RuntimeCall::Audits(pallet_audits::Call::set_settings { new });
	let events = motion(&clients, &info, 2, &[Alice, Bob], proposal).await?;
	assert!(
		events.contains(&RuntimeEvent::Audits(pallet_audits::Event::SettingsUpdated { old, new })),
		"no SettingsUpdated {{ old, new }}: {events:?}"
	);

	// Every node has the new settings, and a job submitted now runs under them.
	let settings_key = pallet_audits::Settings::<Runtime>::hashed_key();
	for (n, c) in nodes.iter().zip(&clients) {
		wait_for(&format!("the new settings on {}", n.name), Duration::from_secs(60), || async {
			let s: Option<MarketSettings<_, _>> = storage(c, &settings_key).await?;
			Ok((s == Some(new)).then_some(()))
		})
		.await?;
	}
	let after = submit_job(&clients[1], &info).await?;
	for (n, c) in nodes.iter().zip(&clients) {
		let (old_job, new_job) =
			wait_for(&format!("both jobs on {}", n.name), Duration::from_secs(60), || async {
				Ok(job_view(c, before).await?.zip(job_view(c, after).await?))
			})
			.await?;
		assert_eq!(old_job.terms.initial_check_rate, old.initial_rate, "{}: job {before}", n.name);
		assert_eq!(old_job.terms.floor_check_rate, old.floor_rate, "{}: job {before}", n.name);
		assert_eq!(new_job.terms.initial_check_rate, new.initial_rate, "{}: job {after}", n.name);
		assert_eq!(new_job.terms.floor_check_rate, new.floor_rate, "{}: job {after}", n.name);
	}

	// The runtime upgrade: its code's hash is authorised by Root, reached in two motions.
	let code = next_runtime()?;
	let upgrade_proposed = best_number(&clients[0]).await?;
	let code_hash = <Runtime as frame_system::Config>::Hashing::hash(&code);
	let authorize = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash });
	let call_hash = <Runtime as frame_system::Config>::Hashing::hash_of(&authorize);
	let whitelist = RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash });
	motion(&clients, &info, 2, &[Alice, Bob], whitelist).await?;
	let dispatch =
		RuntimeCall::Whitelist(pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
			call: Box::new(authorize),
		});
	let events = motion(&clients, &info, 3, &[Alice, Bob, Charlie], dispatch).await?;
	assert!(
		events.iter().any(|e| matches!(
			e,
			RuntimeEvent::System(frame_system::Event::UpgradeAuthorized { code_hash: h, .. })
				if *h == code_hash
		)),
		"the upgrade was not authorised: {events:?}"
	);
	// Anyone applies the authorised code; here Eve, through the fourth node.
	let apply = RuntimeCall::System(frame_system::Call::apply_authorized_upgrade { code });
	let events = execute(&clients[3], &info, Eve, apply).await?;
	assert!(
		events
			.iter()
			.any(|e| matches!(e, RuntimeEvent::System(frame_system::Event::CodeUpdated { .. }))),
		"no CodeUpdated: {events:?}"
	);
	let upgraded_at = best_number(&clients[3]).await?;
	let mut all_upgraded = upgraded_at;
	for (n, c) in nodes.iter().zip(&clients) {
		wait_for(
			&format!("the next spec version on {}", n.name),
			Duration::from_secs(60),
			|| async {
				let v = chain_info(c).await?;
				Ok((v.spec_version == info.spec_version + 1).then_some(()))
			},
		)
		.await?;
		all_upgraded = all_upgraded.max(best_number(c).await?);
		wait_finalized(c, upgraded_at + 2, Duration::from_secs(90)).await?;
	}
	let around =
		block_intervals(&clients[0], upgraded_at.saturating_sub(3), upgraded_at + 3).await?;
	println!(
		"measured: upgrade: first motion at #{upgrade_proposed}, code applied in #{upgraded_at} \
		 ({} blocks), every node on the new spec by #{all_upgraded}; block intervals from \
		 #{} to #{}: {around:?} s",
		upgraded_at - upgrade_proposed,
		upgraded_at.saturating_sub(3),
		upgraded_at + 3,
	);
	// The open jobs keep their terms; a transaction signed for the new version goes through.
	let upgraded = chain_info(&clients[0]).await?;
	let third = submit_job(&clients[0], &upgraded).await?;
	// The client connected before the upgrade follows it: it signs with the new spec version.
	let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: Eve.to_account_id().into(),
		value: attesta_runtime::UNIT,
	});
	market
		.execute(&Ferdie.pair(), transfer)
		.await
		.map_err(|e| format!("the pre-upgrade client's transfer: {e}"))?;
	for (n, c) in nodes.iter().zip(&clients) {
		let old_job = job_view(c, before).await?.ok_or("the job before is gone")?;
		assert_eq!(old_job.terms.initial_check_rate, old.initial_rate, "{}: job {before}", n.name);
		wait_for(&format!("job {third} on {}", n.name), Duration::from_secs(60), || async {
			job_view(c, third).await
		})
		.await?;
	}

	// A fifth validator, Eve: her node holds her keys, she registers them as session keys
	// (with the proof that she holds them), and a two-thirds motion adds her.
	let spec = tmp.join("local-testnet-raw.json").to_string_lossy().into_owned();
	prepare_validator(&spec, &tmp.join("eve").to_string_lossy(), "eve")?;
	let eve = join_local_testnet(&tmp, "eve", &nodes[0], &["--validator"]).await?;
	let info = upgraded;
	execute(&clients[3], &info, Eve, set_session_keys(Eve)).await?;
	let add = RuntimeCall::Validators(pallet_validators::Call::add_validator {
		who: Eve.to_account_id(),
	});
	let add_proposed = best_number(&clients[0]).await?;
	motion(&clients, &info, 2, &[Alice, Bob], add).await?;
	let add_closed = best_number(&clients[0]).await?;
	for (n, c) in nodes.iter().zip(&clients) {
		wait_for(
			&format!("Eve among the validators on {}", n.name),
			Duration::from_secs(240),
			|| async {
				Ok(session_validators(c).await?.contains(&Eve.to_account_id()).then_some(()))
			},
		)
		.await?;
	}
	wait_for("a block authored by Eve", Duration::from_secs(120), || async {
		Ok(eve.log_text().contains("Prepared block for proposing").then_some(()))
	})
	.await
	.map_err(|e| format!("{e}\n{}", eve.log_tail()))?;
	let eve_authors = best_number(&clients[0]).await?;
	println!(
		"measured: validator added: motion from #{add_proposed} to #{add_closed}, Eve authoring \
		 by #{eve_authors} ({} blocks after the motion closed)",
		eve_authors - add_closed
	);
	// One removed by motion: Dave leaves the set, and the other four keep finalizing.
	let remove = RuntimeCall::Validators(pallet_validators::Call::remove_validator {
		who: Dave.to_account_id(),
	});
	let remove_proposed = best_number(&clients[0]).await?;
	motion(&clients, &info, 2, &[Alice, Bob], remove).await?;
	let remove_closed = best_number(&clients[0]).await?;
	wait_for("Dave out of the validators", Duration::from_secs(240), || async {
		Ok((!session_validators(&clients[0]).await?.contains(&Dave.to_account_id())).then_some(()))
	})
	.await?;
	let dave_out = best_number(&clients[0]).await?;
	println!(
		"measured: validator removed: motion from #{remove_proposed} to #{remove_closed}, out of \
		 the set by #{dave_out} ({} blocks after the motion closed)",
		dave_out - remove_closed
	);
	let now = best_number(&clients[0]).await?;
	wait_finalized(&clients[0], now + 3, Duration::from_secs(120)).await?;
	drop(eve);
	drop(nodes);
	let _ = std::fs::remove_dir_all(&tmp);
	Ok(())
}
