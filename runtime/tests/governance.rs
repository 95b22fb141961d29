//! Governance in the real runtime, from the `local_testnet` genesis: a two-thirds council motion
//! changes the market settings and the council itself; two motions (whitelist, then dispatch by
//! three quarters) act as Root and authorise a runtime upgrade; a minority motion, a
//! non-member, a plain signed account, sudo and settings under which cheating pays are all
//! refused with named errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

mod common;

use attesta_runtime::{
	configs::DefaultMarketSettings, genesis_config_presets, AccountId, Audits, Balance,
	BlockNumber, Council, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, System, UNIT,
};
use codec::Encode;
use common::{chain, local_testnet};
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, traits::Get};
use pallet_audits::MarketSettings;
use sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave};
use sp_runtime::{traits::Hash, DispatchError, Perbill};

fn signed(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.to_account_id())
}

/// The settings the tests propose: half of all results checked, a two-minute window.
fn proposed() -> MarketSettings<Balance, BlockNumber> {
	MarketSettings {
		initial_rate: Perbill::from_percent(50),
		floor_rate: Perbill::from_percent(50),
		challenge_window: 20,
		..DefaultMarketSettings::get()
	}
}

fn set_settings(new: MarketSettings<Balance, BlockNumber>) -> RuntimeCall {
	RuntimeCall::Audits(pallet_audits::Call::set_settings { new })
}

/// `proposer` moves `call` with `threshold` ayes needed; returns the motion's hash and index.
fn propose(proposer: Sr25519Keyring, threshold: u32, call: RuntimeCall) -> (sp_core::H256, u32) {
	let index = pallet_collective::ProposalCount::<Runtime, pallet_collective::Instance1>::get();
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
	let length_bound = call.encoded_size() as u32;
	assert_ok!(Council::propose(signed(proposer), threshold, Box::new(call), length_bound));
	(hash, index)
}

fn vote(who: Sr25519Keyring, motion: (sp_core::H256, u32), approve: bool) {
	assert_ok!(Council::vote(signed(who), motion.0, motion.1, approve));
}

/// Closes a motion on `call`, by `who` (anyone may).
fn close(who: Sr25519Keyring, motion: (sp_core::H256, u32), call: &RuntimeCall) {
	let weight = call.get_dispatch_info().call_weight;
	assert_ok!(Council::close(signed(who), motion.0, motion.1, weight, call.encoded_size() as u32));
}

/// What the last executed motion's call returned.
fn last_motion_result() -> Result<(), DispatchError> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Council(pallet_collective::Event::Executed { result, .. }) =>
				Some(result),
			_ => None,
		})
		.expect("a motion was executed")
}

#[test]
fn a_two_thirds_motion_changes_the_settings_and_names_old_and_new() {
	local_testnet().execute_with(|| {
		let old = pallet_audits::Settings::<Runtime>::get();
		assert_eq!(old, DefaultMarketSettings::get());
		let call = set_settings(proposed());
		let motion = propose(Alice, 2, call.clone());
		vote(Alice, motion, true);
		vote(Bob, motion, true);
		// Anyone, member or not, may close a motion that has its ayes.
		close(Dave, motion, &call);
		assert_eq!(last_motion_result(), Ok(()));
		assert_eq!(pallet_audits::Settings::<Runtime>::get(), proposed());
		System::assert_has_event(
			pallet_audits::Event::SettingsUpdated { old, new: proposed() }.into(),
		);
		// The providers pallet reads its minimum stake from the same settings.
		let minimum: Balance = <Runtime as pallet_providers::Config>::MinimumStake::get();
		assert_eq!(minimum, proposed().minimum_stake);
	});
}

#[test]
fn a_minority_cannot_change_the_settings() {
	local_testnet().execute_with(|| {
		// Threshold 1: the motion runs at once with one of three members behind it.
		let call = set_settings(proposed());
		propose(Alice, 1, call.clone());
		assert_eq!(last_motion_result(), Err(DispatchError::BadOrigin));
		// Threshold 2 with one aye and two nays: disapproved when closed.
		let motion = propose(Alice, 2, call.clone());
		vote(Alice, motion, true);
		vote(Bob, motion, false);
		vote(Charlie, motion, false);
		close(Alice, motion, &call);
		System::assert_has_event(
			pallet_collective::Event::<Runtime, pallet_collective::Instance1>::Disapproved {
				proposal_hash: motion.0,
			}
			.into(),
		);
		// Threshold 2 with one aye: it cannot close before the motion's time is up...
		let motion = propose(Bob, 2, call.clone());
		vote(Bob, motion, true);
		let weight = call.get_dispatch_info().call_weight;
		let len = call.encoded_size() as u32;
		assert_noop!(
			Council::close(signed(Bob), motion.0, motion.1, weight, len),
			pallet_collective::Error::<Runtime, pallet_collective::Instance1>::TooEarly
		);
		// ...and after it, the silent members count as nays (no prime): disapproved.
		let end = System::block_number() + attesta_runtime::configs::CouncilMotionDuration::get();
		System::set_block_number(end + 1);
		close(Bob, motion, &call);
		System::assert_has_event(
			pallet_collective::Event::<Runtime, pallet_collective::Instance1>::Disapproved {
				proposal_hash: motion.0,
			}
			.into(),
		);
		assert_eq!(pallet_audits::Settings::<Runtime>::get(), DefaultMarketSettings::get());
	});
}

#[test]
fn outsiders_signed_accounts_and_sudo_are_refused() {
	local_testnet().execute_with(|| {
		let call = set_settings(proposed());
		assert_noop!(
			Council::propose(signed(Dave), 2, Box::new(call.clone()), 1_000),
			pallet_collective::Error::<Runtime, pallet_collective::Instance1>::NotMember
		);
		let motion = propose(Alice, 2, call);
		assert_noop!(
			Council::vote(signed(Dave), motion.0, motion.1, true),
			pallet_collective::Error::<Runtime, pallet_collective::Instance1>::NotMember
		);
		// A council member acting alone, outside a motion, is just a signed account.
		assert_noop!(Audits::set_settings(signed(Alice), proposed()), DispatchError::BadOrigin);
		assert_noop!(
			attesta_runtime::Models::set_active(signed(Alice), 0, false),
			DispatchError::BadOrigin
		);
		// The local testnet has no sudo key.
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_noop!(
			attesta_runtime::Sudo::sudo(signed(Alice), Box::new(set_settings(proposed()))),
			pallet_sudo::Error::<Runtime>::RequireSudo
		);
	});
	// The development chain has one, and it governs.
	chain(genesis_config_presets::DEVELOPMENT_PRESET).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Alice.to_account_id()));
		assert_ok!(attesta_runtime::Sudo::sudo(signed(Alice), Box::new(set_settings(proposed()))));
		assert_eq!(pallet_audits::Settings::<Runtime>::get(), proposed());
	});
}

#[test]
fn settings_out_of_range_or_where_cheating_pays_fail_with_named_errors() {
	local_testnet().execute_with(|| {
		let cases = [
			(
				MarketSettings { floor_rate: Perbill::from_percent(1), ..proposed() },
				pallet_audits::Error::<Runtime>::CheatingPays,
			),
			(
				MarketSettings { max_job_budget: 1_000 * UNIT, ..proposed() },
				pallet_audits::Error::<Runtime>::CheatingPays,
			),
			(
				MarketSettings { supermajority: Perbill::from_percent(40), ..proposed() },
				pallet_audits::Error::<Runtime>::SupermajorityTooLow,
			),
			(
				MarketSettings { challenge_window: 0, ..proposed() },
				pallet_audits::Error::<Runtime>::InvalidChallengeWindow,
			),
		];
		for (settings, error) in cases {
			let call = set_settings(settings);
			let motion = propose(Alice, 2, call.clone());
			vote(Alice, motion, true);
			vote(Charlie, motion, true);
			close(Alice, motion, &call);
			assert_eq!(last_motion_result(), Err(error.into()), "{settings:?}");
		}
		assert_eq!(pallet_audits::Settings::<Runtime>::get(), DefaultMarketSettings::get());
	});
}

#[test]
fn the_council_changes_its_own_membership_and_other_pallets_answer_to_it() {
	local_testnet().execute_with(|| {
		let members: Vec<AccountId> = [Alice, Bob, Charlie, Dave].map(|k| k.to_account_id()).into();
		let call = RuntimeCall::Council(pallet_collective::Call::set_members {
			new_members: members.clone(),
			prime: None,
			old_count: 3,
		});
		let motion = propose(Bob, 2, call.clone());
		vote(Bob, motion, true);
		vote(Charlie, motion, true);
		close(Bob, motion, &call);
		assert_eq!(last_motion_result(), Ok(()));
		assert_eq!(pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get(), {
			let mut sorted = members;
			sorted.sort();
			sorted
		});
		// Four members now: two ayes are not two thirds, three are.
		let retire =
			RuntimeCall::Models(pallet_models::Call::set_active { model_id: 0, active: false });
		let motion = propose(Dave, 2, retire.clone());
		vote(Dave, motion, true);
		vote(Alice, motion, true);
		close(Dave, motion, &retire);
		assert_eq!(last_motion_result(), Err(DispatchError::BadOrigin));
		let motion = propose(Dave, 3, retire.clone());
		for who in [Dave, Alice, Bob] {
			vote(who, motion, true);
		}
		close(Dave, motion, &retire);
		assert_eq!(last_motion_result(), Ok(()));
		assert!(!pallet_models::Models::<Runtime>::get(0).unwrap().active);
	});
}

/// `pallet_models`' and `pallet_validators`' genesis builds panic on an invalid entry on purpose
/// (a chain must not start from a registry that silently dropped a model, nor without its
/// validators); every preset this runtime ships builds, with its reference model registered and
/// its validators in the session, so no shipped chain reaches those panics.
#[test]
fn every_shipped_preset_builds_with_its_model_and_validators() {
	for id in genesis_config_presets::preset_names() {
		let name = String::from_utf8_lossy(id.as_ref()).into_owned();
		chain(&name).execute_with(|| {
			assert!(pallet_models::Models::<Runtime>::get(0).is_some(), "{name}: no model 0");
			// The validators pallet's genesis checks passed too: its set is the session's.
			let set = pallet_validators::Validators::<Runtime>::get().into_inner();
			assert!(!set.is_empty(), "{name}: no validators");
			assert_eq!(pallet_session::Validators::<Runtime>::get(), set, "{name}");
		});
	}
}

/// A motion by Alice on `call` that `ayes` vote for, closed by Dave; returns what it returned.
fn motion(threshold: u32, ayes: &[Sr25519Keyring], call: RuntimeCall) -> Result<(), DispatchError> {
	let motion = propose(Alice, threshold, call.clone());
	for who in ayes {
		vote(*who, motion, true);
	}
	close(Dave, motion, &call);
	last_motion_result()
}

/// The Root call the upgrade tests govern: authorising a runtime's code by its hash.
fn authorize_upgrade(code_hash: sp_core::H256) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash })
}

/// The code hash the last `UpgradeAuthorized` event names, if any.
fn authorized() -> Option<sp_core::H256> {
	System::events().into_iter().rev().find_map(|r| match r.event {
		RuntimeEvent::System(frame_system::Event::UpgradeAuthorized { code_hash, .. }) =>
			Some(code_hash),
		_ => None,
	})
}

fn dispatch_as_root(call: &RuntimeCall) -> RuntimeCall {
	RuntimeCall::Whitelist(pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
		call: Box::new(call.clone()),
	})
}

fn whitelist(call: &RuntimeCall) -> RuntimeCall {
	let call_hash = <Runtime as frame_system::Config>::Hashing::hash_of(call);
	RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash })
}

#[test]
fn the_council_reaches_root_in_two_motions_and_authorizes_an_upgrade() {
	local_testnet().execute_with(|| {
		let code_hash = sp_core::H256::repeat_byte(7);
		let root_call = authorize_upgrade(code_hash);
		// Two thirds of the council cannot act as Root: not directly...
		assert_eq!(motion(2, &[Alice, Bob], root_call.clone()), Err(DispatchError::BadOrigin));
		// ...nor by dispatching through the whitelist, which needs three quarters.
		assert_eq!(
			motion(2, &[Alice, Bob], dispatch_as_root(&root_call)),
			Err(DispatchError::BadOrigin)
		);
		// A signed account cannot whitelist, nor dispatch what is not whitelisted.
		assert_noop!(
			attesta_runtime::Whitelist::whitelist_call(signed(Alice), code_hash),
			DispatchError::BadOrigin
		);
		assert!(attesta_runtime::Whitelist::dispatch_whitelisted_call_with_preimage(
			signed(Dave),
			Box::new(root_call.clone())
		)
		.is_err());
		// Motion one, two thirds: the exact call is published by its hash.
		assert_eq!(motion(2, &[Alice, Bob], whitelist(&root_call)), Ok(()));
		assert_eq!(authorized(), None);
		// Motion two, three quarters (all three members): it runs as Root.
		assert_eq!(motion(3, &[Alice, Bob, Charlie], dispatch_as_root(&root_call)), Ok(()));
		let dispatched = <Runtime as frame_system::Config>::Hashing::hash_of(&root_call);
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Whitelist(pallet_whitelist::Event::WhitelistedCallDispatched {
				call_hash,
				result: Ok(_),
			}) if *call_hash == dispatched
		)));
		assert_eq!(authorized(), Some(code_hash));
		// Once run, the whitelisting is spent: the same call cannot be replayed.
		assert!(attesta_runtime::Whitelist::dispatch_whitelisted_call_with_preimage(
			signed(Dave),
			Box::new(root_call)
		)
		.is_err());
	});
}

#[test]
fn a_dispatch_voted_before_its_whitelist_waits_for_it_then_anyone_relays_it() {
	local_testnet().execute_with(|| {
		let root_call = authorize_upgrade(sp_core::H256::repeat_byte(9));
		assert_eq!(motion(3, &[Alice, Bob, Charlie], dispatch_as_root(&root_call)), Ok(()));
		assert_eq!(authorized(), None, "deferred");
		assert_eq!(motion(2, &[Alice, Bob], whitelist(&root_call)), Ok(()));
		assert_ok!(attesta_runtime::Whitelist::dispatch_whitelisted_call_with_preimage(
			signed(Dave),
			Box::new(root_call)
		));
		assert!(authorized().is_some());
	});
}
