//! Equivocations in the real runtime, from the `local_testnet` genesis: a validator that votes
//! twice in one GRANDPA round, or seals two blocks for one Aura slot, is reported (unsigned,
//! with a `historical` proof that the key was its own), the offence is recorded once, and the
//! validator leaves the set at the next rotation; false, replayed and misattributed reports are
//! refused, and reports come only from the node's own pool or a block.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::arithmetic_side_effects)]

mod common;

use attesta_runtime::{
	Grandpa, Header, Historical, Runtime, RuntimeEvent, RuntimeOrigin, System, Validators,
};
// The pool's check of unsigned reports, as FRAME still names it.
use common::local_testnet;
#[allow(deprecated)]
use frame_support::pallet_prelude::{TransactionSource, ValidateUnsigned};
use frame_support::{assert_ok, traits::KeyOwnerProofSystem};
use pallet_validators::equivocation::{
	AuraEquivocationProof, AuraId, AuraSignature, AURA_KEY_TYPE,
};
use sp_consensus_aura::digests::CompatibleDigestItem;
use sp_consensus_grandpa::{
	localized_payload, AuthorityId, Equivocation, EquivocationProof, KEY_TYPE,
};
use sp_core::{Pair, H256};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{
	generic::{Digest, DigestItem},
	traits::Header as _,
};
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

/// Two headers of block 1 for `slot` (different state roots), each sealed by `author` as an Aura
/// author seals; the proof blames `offender`.
fn aura_equivocation(
	author: Sr25519Keyring,
	offender: Sr25519Keyring,
	slot: u64,
) -> Box<AuraEquivocationProof<Header>> {
	let header = |state: u8| {
		let pre_digest =
			<DigestItem as CompatibleDigestItem<AuraSignature>>::aura_pre_digest(slot.into());
		let mut h = Header::new(
			1,
			H256::zero(),
			H256::repeat_byte(state),
			H256::zero(),
			Digest { logs: vec![pre_digest] },
		);
		let seal = AuraSignature::from(author.pair().sign(h.hash().as_ref()));
		h.digest_mut().push(<DigestItem as CompatibleDigestItem<_>>::aura_seal(seal));
		h
	};
	Box::new(AuraEquivocationProof {
		offender: AuraId::from(offender.public()),
		slot: slot.into(),
		first_header: header(1),
		second_header: header(2),
	})
}

/// What the pool makes of a report from `source`.
#[allow(deprecated)]
fn pool_validity(
	source: TransactionSource,
	call: &pallet_validators::Call<Runtime>,
) -> sp_runtime::transaction_validity::TransactionValidity {
	Validators::validate_unsigned(source, call)
}

fn aura_ownership(who: Sr25519Keyring) -> MembershipProof {
	Historical::prove((AURA_KEY_TYPE, AuraId::from(who.public()))).expect("a validator's key")
}

fn report_aura(
	proof: Box<AuraEquivocationProof<Header>>,
	owner: MembershipProof,
) -> Result<(), String> {
	Validators::report_equivocation_unsigned(RuntimeOrigin::none(), proof, owner)
		.map(|_| ())
		.map_err(|e| format!("{:?}", e.error))
}

#[test]
fn an_author_sealing_two_blocks_for_one_slot_is_reported_once_and_leaves_the_set() {
	local_testnet().execute_with(|| {
		let alice = Sr25519Keyring::Alice.to_account_id();
		assert!(validators().contains(&alice));
		let proof = aura_equivocation(Sr25519Keyring::Alice, Sr25519Keyring::Alice, 42);
		// The pool takes it from the node itself only: a report is never gossiped, so a
		// flood from the network costs nothing.
		let call = pallet_validators::Call::<Runtime>::report_equivocation_unsigned {
			equivocation_proof: proof.clone(),
			key_owner_proof: aura_ownership(Sr25519Keyring::Alice),
		};
		let external = pool_validity(TransactionSource::External, &call);
		assert!(external.is_err(), "from the network: {external:?}");
		let local = pool_validity(TransactionSource::Local, &call);
		assert!(local.is_ok(), "from the node itself: {local:?}");

		assert_ok!(report_aura(proof, aura_ownership(Sr25519Keyring::Alice)));
		let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
		assert!(
			events.iter().any(|e| matches!(
				e,
				RuntimeEvent::Offences(pallet_offences::Event::Offence { kind, .. })
					if kind == b"aura:equivocatio"
			)),
			"the offence is recorded: {events:?}"
		);
		assert!(events.contains(&RuntimeEvent::Validators(
			pallet_validators::Event::OffenderRemoved { who: alice.clone(), session: 0 }
		)));
		assert!(!validators().contains(&alice), "Alice leaves the governed set");

		// The same slot again is a duplicate, in the pool and in a block.
		let again = aura_equivocation(Sr25519Keyring::Alice, Sr25519Keyring::Alice, 42);
		let pooled = pool_validity(
			TransactionSource::Local,
			&pallet_validators::Call::report_equivocation_unsigned {
				equivocation_proof: again.clone(),
				key_owner_proof: aura_ownership(Sr25519Keyring::Alice),
			},
		);
		assert!(pooled.is_err(), "a known offence: {pooled:?}");
		let again = report_aura(again, aura_ownership(Sr25519Keyring::Alice));
		assert!(again.unwrap_err().contains("DuplicateOffenceReport"));
	});
}

#[test]
fn false_and_misattributed_aura_reports_are_refused() {
	use Sr25519Keyring::{Bob, Charlie, Eve};
	local_testnet().execute_with(|| {
		// Bob's seals blamed on Charlie, with Charlie's proof of ownership.
		let framed = report_aura(aura_equivocation(Bob, Charlie, 42), aura_ownership(Charlie));
		assert!(framed.unwrap_err().contains("InvalidEquivocationProof"));
		// Bob's seals with Charlie's proof of ownership.
		let wrong = report_aura(aura_equivocation(Bob, Bob, 42), aura_ownership(Charlie));
		assert!(wrong.unwrap_err().contains("InvalidKeyOwnershipProof"));
		// A key that is no validator's: the trie proves its absence.
		let absent = Historical::prove((AURA_KEY_TYPE, AuraId::from(Eve.public()))).unwrap();
		let stranger = report_aura(aura_equivocation(Eve, Eve, 42), absent);
		assert!(stranger.unwrap_err().contains("InvalidKeyOwnershipProof"));
		// Unsigned only.
		let signed = Validators::report_equivocation_unsigned(
			RuntimeOrigin::signed(Bob.to_account_id()),
			aura_equivocation(Bob, Bob, 42),
			aura_ownership(Bob),
		);
		assert!(signed.is_err());
		assert_eq!(validators().len(), 4, "nobody was removed");
	});
}
