//! The keys a node holds for the market, inserted with `attesta-node key insert` like any session
//! key. Off-chain workers sign their transactions with them, so each key is also the account that
//! acts on chain: a provider's key is its provider account, a checker's key its checker account
//! (and the key of its VRF).

use sp_application_crypto::KeyTypeId;

/// Key type of a provider's key (`key insert --key-type prov`).
pub const PROVIDER_KEY_TYPE: KeyTypeId = KeyTypeId(*b"prov");
/// Key type of a checker's key (`key insert --key-type chck`).
pub const CHECKER_KEY_TYPE: KeyTypeId = KeyTypeId(*b"chck");

/// The provider key: sr25519, under [`PROVIDER_KEY_TYPE`].
pub mod provider {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::PROVIDER_KEY_TYPE);
}

/// The checker key: sr25519, under [`CHECKER_KEY_TYPE`].
pub mod checker {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::CHECKER_KEY_TYPE);
}
