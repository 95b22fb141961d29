//! GRANDPA equivocations in the real runtime, from the `local_testnet` genesis: a validator that
//! votes twice in one round is reported (unsigned, with a `historical` proof that the key was
//! its own), the offence is recorded once, and the validator leaves the set at the next
//! rotation; false, replayed and misattributed reports are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

mod common;

use attesta_runtime::{Grandpa, Historical, Runtime, RuntimeEvent, RuntimeOrigin, System};
use common::local_testnet;
use frame_support::{assert_ok, traits::KeyOwnerProofSystem};
use sp_consensus_grandpa::{
	localized_payload, AuthorityId, Equivocation, EquivocationProof, KEY_TYPE,
};
use sp_core::{Pair, H256};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_session::MembershipProof;

type Vote = finality_grandpa::Prevote<H256, u32>;

/// `voter`'s signed prevote for `target` in round 1 of set 0.
fn signed_prevote(
	voter: Ed25519Keyring,
	target: H256,
) -> (Vote, sp_consensus_grandpa::AuthoritySignature) {
	let vote = Vote { target_hash: target, target_number: 1 };
	let payload = localized_payload(1, 0, &finality_grandpa::Message::Prevote(vote.clone()));
	(vote, voter.pair().sign(&payload).into())
}

/// `voter` prevoting for two different blocks in one round.
fn equivocation(voter: Ed25519Keyring, a: H256, b: H256) -> Box<EquivocationProof<H256, u32>> {
	let identity: AuthorityId = voter.public().into();
	Box::new(EquivocationProof::new(
		0,
		Equivocation::Prevote(finality_grandpa::Equivocation {
			round_number: 1,
			identity,
			first: signed_prevote(voter, a),
			second: signed_prevote(voter, b),
		}),
	))
}

fn ownership(voter: Ed25519Keyring) -> MembershipProof {
	Historical::prove((KEY_TYPE, AuthorityId::from(voter.public()))).expect("a validator's key")
}

fn report(proof: Box<EquivocationProof<H256, u32>>, owner: MembershipProof) -> Result<(), String> {
	Grandpa::report_equivocation_unsigned(RuntimeOrigin::none(), proof, owner)
		.map(|_| ())
		.map_err(|e| format!("{:?}", e.error))
}

fn validators() -> Vec<sp_runtime::AccountId32> {
	pallet_validators::Validators::<Runtime>::get().into_inner()
}

#[test]
fn an_equivocating_voter_is_reported_once_and_leaves_the_set() {
	local_testnet().execute_with(|| {
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert!(validators().contains(&bob));
		let (a, b) = (H256::repeat_byte(1), H256::repeat_byte(2));
		assert_ok!(report(equivocation(Ed25519Keyring::Bob, a, b), ownership(Ed25519Keyring::Bob)));
		let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
		assert!(
			events.iter().any(|e| matches!(e, RuntimeEvent::Offences(_))),
			"the offence is recorded: {events:?}"
		);
		assert!(events.contains(&RuntimeEvent::Validators(
			pallet_validators::Event::OffenderRemoved { who: bob.clone(), session: 0 }
		)));
		assert!(!validators().contains(&bob), "Bob leaves the governed set");
		assert_eq!(validators().len(), 3);

		// The same offence again, even with the votes in the other order, is a duplicate.
		let again = report(equivocation(Ed25519Keyring::Bob, b, a), ownership(Ed25519Keyring::Bob));
		assert!(again.unwrap_err().contains("DuplicateOffenceReport"));
	});
}

#[test]
fn false_and_misattributed_reports_are_refused() {
	local_testnet().execute_with(|| {
		let a = H256::repeat_byte(1);
		// The same vote twice is no equivocation.
		let same =
			report(equivocation(Ed25519Keyring::Charlie, a, a), ownership(Ed25519Keyring::Charlie));
		assert!(same.unwrap_err().contains("InvalidEquivocationProof"));
		// Votes of a key that is no validator's: what the trie proves is its absence.
		let stranger = Ed25519Keyring::Eve;
		let absent = Historical::prove((KEY_TYPE, AuthorityId::from(stranger.public()))).unwrap();
		let stranger = report(equivocation(stranger, a, H256::repeat_byte(2)), absent);
		assert!(stranger.unwrap_err().contains("InvalidKeyOwnershipProof"));
		// Charlie's votes with Dave's proof of ownership.
		let wrong = report(
			equivocation(Ed25519Keyring::Charlie, a, H256::repeat_byte(2)),
			ownership(Ed25519Keyring::Dave),
		);
		assert!(wrong.unwrap_err().contains("InvalidKeyOwnershipProof"));
		// A forged signature: Eve signs the second vote, claiming to be Charlie.
		let forged = Box::new(EquivocationProof::new(
			0,
			Equivocation::Prevote(finality_grandpa::Equivocation {
				round_number: 1,
				identity: AuthorityId::from(Ed25519Keyring::Charlie.public()),
				first: signed_prevote(Ed25519Keyring::Charlie, a),
				second: signed_prevote(Ed25519Keyring::Eve, H256::repeat_byte(2)),
			}),
		));
		let forged = report(forged, ownership(Ed25519Keyring::Charlie));
		assert!(forged.unwrap_err().contains("InvalidEquivocationProof"));
		assert_eq!(validators().len(), 4, "nobody was removed");
	});
}
