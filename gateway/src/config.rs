//! The gateway's configuration file (TOML, or JSON when the name ends in `.json`): where it
//! listens, which nodes it talks to, and the API keys it accepts with the account each one signs
//! as and what it may spend.

use attesta_runtime::Balance;
use serde::Deserialize;
use std::{net::SocketAddr, path::Path};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// Address to listen on.
	#[serde(default = "default_listen")]
	pub listen: SocketAddr,
	/// Node JSON-RPC endpoints, tried in order (the client fails over between them).
	#[serde(default = "default_nodes")]
	pub nodes: Vec<String>,
	/// `max_tokens` of a request that gives none (capped by the model's limit).
	#[serde(default = "default_max_tokens")]
	pub default_max_tokens: u32,
	/// Blocks each provider gets to answer a job.
	#[serde(default = "default_response_blocks")]
	pub response_blocks: u32,
	/// Longest a request follows its job, in seconds.
	#[serde(default = "default_job_timeout")]
	pub job_timeout_secs: u64,
	/// The API keys.
	#[serde(default)]
	pub keys: Vec<KeyConfig>,
	/// Requests a second each client address may make to the read-only `/v1/attesta/*` views
	/// (which need no key); 0: no limit (behind a proxy that limits them itself).
	#[serde(default = "default_view_rate")]
	pub view_rate: u32,
	/// Requests a client address may make to the views at once, before the rate applies.
	#[serde(default = "default_view_burst")]
	pub view_burst: u32,
}

/// One API key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
	/// The key clients send as `Authorization: Bearer <key>`.
	pub key: String,
	/// The account its jobs are signed with: secret phrase, hex seed or dev URI (`//Alice`).
	#[serde(default)]
	pub suri: Option<String>,
	/// Or the name of an environment variable holding it, to keep secrets out of the file.
	#[serde(default)]
	pub suri_env: Option<String>,
	/// Most the key may spend on jobs, in ATT base units (10^-12 ATT); none: no limit.
	#[serde(default)]
	pub budget: Option<Amount>,
}

/// An amount in base units: a TOML/JSON integer, or a string for values beyond 64 bits.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Amount {
	/// Written as a number.
	Number(u64),
	/// Written as a decimal string.
	Text(String),
}

impl Amount {
	/// The value.
	pub fn value(&self) -> Result<Balance, String> {
		match self {
			Self::Number(n) => Ok(Balance::from(*n)),
			Self::Text(s) => s
				.trim()
				.replace('_', "")
				.parse()
				.map_err(|_| format!("budget {s:?} is not a whole number of base units")),
		}
	}
}

fn default_listen() -> SocketAddr {
	SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_nodes() -> Vec<String> {
	vec!["ws://127.0.0.1:9944".into()]
}

fn default_max_tokens() -> u32 {
	128
}

fn default_response_blocks() -> u32 {
	20
}

fn default_job_timeout() -> u64 {
	600
}

fn default_view_rate() -> u32 {
	10
}

fn default_view_burst() -> u32 {
	40
}

impl Config {
	/// Reads and checks `path`.
	pub fn load(path: &Path) -> Result<Self, String> {
		let text = std::fs::read_to_string(path)
			.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
		let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
		let config = Self::parse(&text, json).map_err(|e| format!("{}: {e}", path.display()))?;
		Ok(config)
	}

	/// Parses a file's text, as JSON or TOML.
	pub fn parse(text: &str, json: bool) -> Result<Self, String> {
		let config: Self = if json {
			serde_json::from_str(text).map_err(|e| e.to_string())?
		} else {
			toml::from_str(text).map_err(|e| e.to_string())?
		};
		config.check()?;
		Ok(config)
	}

	fn check(&self) -> Result<(), String> {
		if self.nodes.is_empty() {
			return Err("`nodes` is empty: give at least one node endpoint".into());
		}
		if self.default_max_tokens == 0 {
			return Err("`default_max_tokens` must be at least 1".into());
		}
		for (i, k) in self.keys.iter().enumerate() {
			if k.key.trim().is_empty() {
				return Err(format!("keys[{i}]: empty `key`"));
			}
			if self.keys.iter().skip(i.saturating_add(1)).any(|o| o.key == k.key) {
				return Err(format!("keys[{i}]: the same key is given twice"));
			}
			match (&k.suri, &k.suri_env) {
				(Some(_), None) | (None, Some(_)) => {},
				_ => return Err(format!("keys[{i}]: give exactly one of `suri` and `suri_env`")),
			}
			if let Some(b) = &k.budget {
				b.value().map_err(|e| format!("keys[{i}]: {e}"))?;
			}
		}
		Ok(())
	}
}

impl KeyConfig {
	/// The account's secret, from the file or the environment.
	pub fn secret(&self) -> Result<String, String> {
		match (&self.suri, &self.suri_env) {
			(Some(s), _) => Ok(s.clone()),
			(None, Some(var)) => std::env::var(var).map_err(|_| {
				format!("environment variable {var} (the key's `suri_env`) is not set")
			}),
			(None, None) => Err("the key has no `suri`".into()),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn toml_and_json_give_the_same_config() {
		let toml = r#"
			listen = "0.0.0.0:9000"
			nodes = ["ws://a:9944", "ws://b:9944"]
			[[keys]]
			key = "sk-1"
			suri = "//Ferdie"
			budget = 5_000_000
			[[keys]]
			key = "sk-2"
			suri_env = "SECRET"
			budget = "340282366920938463463374607431768211455"
		"#;
		let c = Config::parse(toml, false).unwrap();
		assert_eq!(c.listen.port(), 9000);
		assert_eq!(c.nodes.len(), 2);
		assert_eq!(c.keys[0].budget.as_ref().unwrap().value(), Ok(5_000_000));
		assert_eq!(c.keys[1].budget.as_ref().unwrap().value(), Ok(u128::MAX));
		assert_eq!(c.default_max_tokens, 128);

		let json = r#"{"keys": [{"key": "sk-1", "suri": "//Ferdie"}]}"#;
		let c = Config::parse(json, true).unwrap();
		assert!(c.keys[0].budget.is_none());
		assert_eq!(c.listen, default_listen());
	}

	#[test]
	fn bad_files_are_refused_with_the_reason() {
		let dup = "[[keys]]\nkey = \"a\"\nsuri = \"//A\"\n[[keys]]\nkey = \"a\"\nsuri = \"//B\"\n";
		assert!(Config::parse(dup, false).unwrap_err().contains("twice"));
		let both = "[[keys]]\nkey = \"a\"\nsuri = \"//A\"\nsuri_env = \"X\"\n";
		assert!(Config::parse(both, false).unwrap_err().contains("exactly one"));
		let typo = "[[keys]]\nkey = \"a\"\nsuri = \"//A\"\nbudjet = 1\n";
		assert!(Config::parse(typo, false).unwrap_err().contains("budjet"));
		let neg = "[[keys]]\nkey = \"a\"\nsuri = \"//A\"\nbudget = \"-1\"\n";
		assert!(Config::parse(neg, false).unwrap_err().contains("whole number"));
	}
}
