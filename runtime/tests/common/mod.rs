//! Shared set-up of the runtime's integration tests: the real runtime's genesis presets, built
//! into externalities.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use attesta_runtime::{genesis_config_presets, RuntimeGenesisConfig, System};

/// Externalities holding the genesis state of `preset`, at block 1.
pub fn chain(preset: &str) -> sp_io::TestExternalities {
	let json = genesis_config_presets::full_preset(preset).expect("preset exists");
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(json).unwrap();
		System::set_block_number(1);
	});
	ext
}

/// The four-validator `local` testnet's genesis.
pub fn local_testnet() -> sp_io::TestExternalities {
	chain(genesis_config_presets::LOCAL_TESTNET_PRESET)
}
