//! polkadot.js, the library most Substrate dapps are written with, works against a `--dev` node
//! unmodified: `tests/js/polkadot-api.mjs` reads the metadata and the runtime API with no custom
//! types, signs calls with the dev accounts, reads events and a module error, and compares a job
//! with the `attesta_*` JSON-RPC. Node.js and the pinned npm packages come from
//! `scripts/setup.sh`; without them this test fails, so CI cannot skip it unnoticed.

use attesta_e2e::*;
use serde_json::Value;
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

/// The JS package: `package.json`, its lock file and the script.
fn js_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// Node.js is on the `PATH` and `node_modules` holds the versions `package.json` pins (a stale
/// install would test other code than the lock file names).
fn check_js_installed() -> Result<()> {
	let fix = "run scripts/setup.sh (it installs Node.js and runs npm ci in tests/js)";
	let node = std::process::Command::new("node").arg("--version").output();
	if !node.is_ok_and(|o| o.status.success()) {
		return Err(format!("Node.js (`node`) is not on the PATH: {fix}"));
	}
	let read = |path: PathBuf| -> Result<Value> {
		let text = std::fs::read_to_string(&path)
			.map_err(|e| format!("{}: {e}; {fix}", path.display()))?;
		serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
	};
	let manifest = read(js_dir().join("package.json"))?;
	let pins = manifest["dependencies"]
		.as_object()
		.ok_or("tests/js/package.json: no dependencies")?;
	for (name, pinned) in pins {
		let installed = read(js_dir().join("node_modules").join(name).join("package.json"))?;
		let (have, want) = (installed["version"].as_str(), pinned.as_str());
		if have != want {
			return Err(format!(
				"tests/js/node_modules has {name} {}, package.json pins {}: {fix}",
				have.unwrap_or("?"),
				want.unwrap_or("?")
			));
		}
	}
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_reads_signs_and_decodes_without_custom_types() -> Result<()> {
	check_js_installed()?;
	let node = Node::start("polkadot-js", &["--dev", "--tmp"]).await?;

	let started = Instant::now();
	let script = tokio::process::Command::new("node")
		.arg("polkadot-api.mjs")
		.arg(node.url())
		.current_dir(js_dir())
		.kill_on_drop(true)
		.output();
	// The script gives up on its own after 240 s; this only guards against a hung process.
	let Ok(out) = tokio::time::timeout(Duration::from_secs(300), script).await else {
		eprintln!("node log tail:\n{}", node.log_tail());
		return Err("polkadot-api.mjs ran over 300 s".into());
	};
	let out = out.map_err(|e| format!("cannot run node: {e}"))?;
	let output =
		format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
	if !out.status.success() {
		// The test harness shows what a failing test printed: the script's lines, then the node's.
		eprintln!("polkadot-api.mjs output:\n{output}\nnode log tail:\n{}", node.log_tail());
		let last = output.lines().rfind(|l| l.contains("FAILED")).unwrap_or("no FAILED line");
		return Err(format!("polkadot-api.mjs failed ({}): {last}", out.status));
	}
	println!("{output}polkadot.js checks took {:.1} s", started.elapsed().as_secs_f64());
	Ok(())
}
