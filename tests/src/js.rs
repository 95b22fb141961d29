//! The Node.js side of the end-to-end tests: the pinned npm packages of `tests/js`
//! (polkadot.js, playwright-core) and Debian's chromium that the web page is tested in.

use crate::Result;
use serde_json::Value;
use std::{
	path::{Path, PathBuf},
	time::Duration,
};

/// What fixes a missing piece.
const FIX: &str =
	"run scripts/setup.sh (it installs Node.js and chromium, and runs npm ci in tests/js)";

/// `tests/js`.
pub fn js_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// Checks that Node.js runs and `tests/js/node_modules` holds the versions `package.json` pins.
pub fn check_js_installed() -> Result<()> {
	let node = std::process::Command::new("node").arg("--version").output();
	if !node.is_ok_and(|o| o.status.success()) {
		return Err(format!("Node.js (`node`) is not on the PATH: {FIX}"));
	}
	let read = |path: PathBuf| -> Result<Value> {
		let text = std::fs::read_to_string(&path)
			.map_err(|e| format!("{}: {e}; {FIX}", path.display()))?;
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
				"tests/js/node_modules has {name} {}, package.json pins {}: {FIX}",
				have.unwrap_or("?"),
				want.unwrap_or("?")
			));
		}
	}
	Ok(())
}

/// Debian's chromium (`ATTESTA_CHROMIUM` overrides).
pub fn chromium() -> Result<PathBuf> {
	let path = std::env::var_os("ATTESTA_CHROMIUM")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
	if path.exists() {
		Ok(path)
	} else {
		Err(format!("no chromium at {}: {FIX}", path.display()))
	}
}

/// Runs `node <script> <args>` in `tests/js`, killed after `limit`; returns its output (stdout
/// then stderr), or an error carrying it and the last `FAILED` line.
pub async fn run_script(script: &str, args: &[&str], limit: Duration) -> Result<String> {
	let run = tokio::process::Command::new("node")
		.arg(script)
		.args(args)
		.current_dir(js_dir())
		.kill_on_drop(true)
		.output();
	let out = tokio::time::timeout(limit, run)
		.await
		.map_err(|_| format!("{script} ran over {} s", limit.as_secs()))?
		.map_err(|e| format!("cannot run node: {e}"))?;
	let output =
		format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
	if out.status.success() {
		Ok(output)
	} else {
		let last = output.lines().rfind(|l| l.contains("FAILED")).unwrap_or("no FAILED line");
		Err(format!("{script} failed ({}): {last}\n{output}", out.status))
	}
}
