//! polkadot.js, the library most Substrate dapps are written with, works against a `--dev` node
//! unmodified: `tests/js/polkadot-api.mjs` reads the metadata and the runtime API with no custom
//! types, signs calls with the dev accounts, reads events and a module error, and compares a job
//! with the `attesta_*` JSON-RPC. Node.js and the pinned npm packages come from
//! `scripts/setup.sh`; without them this test fails, so CI cannot skip it unnoticed.

use attesta_e2e::{js, *};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_reads_signs_and_decodes_without_custom_types() -> Result<()> {
	js::check_js_installed()?;
	let node = Node::start("polkadot-js", &["--dev", "--tmp"]).await?;
	let started = Instant::now();
	// The script gives up on its own after 240 s; the limit only guards against a hung process.
	match js::run_script("polkadot-api.mjs", &[&node.url()], Duration::from_secs(300)).await {
		Ok(output) => {
			println!("{output}polkadot.js checks took {:.1} s", started.elapsed().as_secs_f64());
			Ok(())
		},
		Err(e) => {
			// The test harness shows what a failing test printed: the script's, then the node's.
			eprintln!("node log tail:\n{}", node.log_tail());
			Err(e)
		},
	}
}
