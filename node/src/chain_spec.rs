//! Chain specifications: built from the runtime's genesis presets, so the runtime stays the one
//! source of genesis state (`chain-spec/` holds the exported JSON).

use attesta_runtime::genesis_config_presets;
use attesta_runtime_wasm::WASM_BINARY;
use sc_service::ChainType;

/// A chain spec for the Attesta runtime (no extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token metadata that wallets and explorers display.
fn properties() -> sc_service::Properties {
	let mut p = sc_service::Properties::new();
	p.insert("tokenSymbol".into(), "ATT".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime Wasm was not built: build without SKIP_WASM_BUILD (see README.md)".to_string()
	})
}

/// `--dev`: one validator (Alice), sudo, instant start.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Attesta Development")
		.with_id("attesta_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(genesis_config_presets::DEVELOPMENT_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: four validators (Alice, Bob, Charlie, Dave) and a council, no sudo.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Attesta Local Testnet")
		.with_id("attesta_local_testnet")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(genesis_config_presets::LOCAL_TESTNET_PRESET)
		.with_properties(properties())
		.build())
}
