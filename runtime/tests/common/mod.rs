//! Shared set-up of the runtime's integration tests: the real runtime's genesis presets, built
//! into externalities.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use attesta_runtime::{genesis_config_presets, RuntimeGenesisConfig, System};
use serde_json::Value;

/// `patch` laid over `base`, objects merged key by key (how chain specs apply presets).
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(b), Value::Object(p)) =>
			for (k, v) in p {
				merge(b.entry(k).or_insert(Value::Null), v);
			},
		(b, p) => *b = p,
	}
}

/// Externalities holding the genesis state of `preset`, at block 1.
pub fn chain(preset: &str) -> sp_io::TestExternalities {
	let mut json = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	let patch = genesis_config_presets::get_preset(&preset.into()).expect("preset exists");
	merge(&mut json, serde_json::from_slice(&patch).unwrap());
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(&json).unwrap(),
		)
		.unwrap();
		System::set_block_number(1);
	});
	ext
}

/// The four-validator `local` testnet's genesis.
pub fn local_testnet() -> sp_io::TestExternalities {
	chain(genesis_config_presets::LOCAL_TESTNET_PRESET)
}
