//! The accounts the fuzzer acts as: the funded development accounts (Alice is sudo) and a few
//! that start empty, so transfers create and reap accounts.

use attesta_runtime::AccountId;
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;

/// Index of Alice, the development chain's sudo key, in [`actors`].
pub const SUDO: usize = 0;

/// One account with its key.
pub struct Actor {
	/// Signs its extrinsics, and its VRF draws when it is a checker.
	pub pair: sr25519::Pair,
	/// Its account.
	pub id: AccountId,
}

/// Alice, Bob, Charlie, Dave, Eve, Ferdie and two stashes (funded at genesis), then three
/// accounts with nothing.
pub fn actors() -> Vec<Actor> {
	let funded = [
		Sr25519Keyring::Alice,
		Sr25519Keyring::Bob,
		Sr25519Keyring::Charlie,
		Sr25519Keyring::Dave,
		Sr25519Keyring::Eve,
		Sr25519Keyring::Ferdie,
		Sr25519Keyring::AliceStash,
		Sr25519Keyring::BobStash,
	]
	.map(|k| k.pair());
	let empty = ["//Fuzz1", "//Fuzz2", "//Fuzz3"]
		.map(|s| sr25519::Pair::from_string(s, None).expect("a valid derivation path"));
	funded
		.into_iter()
		.chain(empty)
		.map(|pair| Actor { id: pair.public().into(), pair })
		.collect()
}
