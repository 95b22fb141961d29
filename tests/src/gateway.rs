//! The OpenAI-compatible gateway (`attesta-gateway`) as a process beside a node, for its
//! end-to-end test and bench: started with a generated configuration file, talked to over plain
//! HTTP/1.1, and the Python environment with the official `openai` package that
//! `scripts/setup.sh` makes.

use crate::Result;
use std::{
	io::{Read, Write},
	net::TcpStream,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// The gateway binary: `$ATTESTA_GATEWAY`, else the one built beside this test binary.
pub fn gateway_binary() -> PathBuf {
	if let Some(p) = std::env::var_os("ATTESTA_GATEWAY") {
		return PathBuf::from(p);
	}
	let exe = std::env::current_exe().unwrap_or_default();
	let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
	let beside = dir.join("attesta-gateway");
	if beside.exists() {
		return beside;
	}
	dir.parent().map(Path::to_path_buf).unwrap_or_default().join("attesta-gateway")
}

/// The Python interpreter of the venv `scripts/setup.sh` makes (`$ATTESTA_PY_VENV`, else
/// `~/.cache/attesta/py-venv`), checked to import `openai`.
pub fn python() -> Result<PathBuf> {
	let venv = std::env::var_os("ATTESTA_PY_VENV").map(PathBuf::from).unwrap_or_else(|| {
		PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/attesta/py-venv")
	});
	let python = venv.join("bin/python");
	let ok = Command::new(&python)
		.args(["-c", "import openai"])
		.stdout(Stdio::null())
		.stderr(Stdio::null())
		.status()
		.is_ok_and(|s| s.success());
	if ok {
		Ok(python)
	} else {
		Err(format!(
			"no Python with the `openai` package at {}: run scripts/setup.sh",
			python.display()
		))
	}
}

/// One API key of a generated configuration.
pub struct KeySpec<'a> {
	/// The bearer token.
	pub key: &'a str,
	/// The account's secret URI.
	pub suri: &'a str,
	/// Its budget in base units; `None`: no limit.
	pub budget: Option<u128>,
}

/// A running gateway; killed when dropped.
pub struct Gateway {
	/// `host:port` it listens on.
	pub addr: String,
	child: Option<Child>,
	log: PathBuf,
}

impl Gateway {
	/// Writes a configuration for `node_url` and `keys`, starts the gateway on a free port and
	/// waits until it listens.
	pub async fn start(name: &str, node_url: &str, keys: &[KeySpec<'_>]) -> Result<Gateway> {
		let dir = std::env::temp_dir();
		let stamp = crate::free_port();
		let config = dir.join(format!("attesta-gateway-{name}-{stamp}.toml"));
		let log = dir.join(format!("attesta-gateway-{name}-{stamp}.log"));
		let mut text = format!("listen = \"127.0.0.1:0\"\nnodes = [\"{node_url}\"]\n");
		for k in keys {
			text.push_str(&format!("\n[[keys]]\nkey = \"{}\"\nsuri = \"{}\"\n", k.key, k.suri));
			if let Some(b) = k.budget {
				text.push_str(&format!("budget = \"{b}\"\n"));
			}
		}
		std::fs::write(&config, text).map_err(|e| format!("cannot write config: {e}"))?;
		let out = std::fs::File::create(&log).map_err(|e| format!("cannot create log: {e}"))?;
		let err = out.try_clone().map_err(|e| e.to_string())?;
		let bin = gateway_binary();
		let child = Command::new(&bin)
			.arg("--config")
			.arg(&config)
			.stdout(Stdio::from(out))
			.stderr(Stdio::from(err))
			.spawn()
			.map_err(|e| format!("cannot start {}: {e}; build it first", bin.display()))?;
		let mut gateway = Gateway { addr: String::new(), child: Some(child), log };
		let deadline = Instant::now() + Duration::from_secs(60);
		while Instant::now() < deadline {
			let text = gateway.log_text();
			if let Some(addr) = text
				.lines()
				.find_map(|l| l.strip_prefix("listening on http://"))
				.and_then(|rest| rest.split_whitespace().next())
			{
				gateway.addr = addr.to_string();
				return Ok(gateway);
			}
			if let Some(Ok(Some(status))) = gateway.child.as_mut().map(|c| c.try_wait()) {
				return Err(format!("the gateway exited with {status}:\n{text}"));
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
		Err(format!("the gateway did not listen within 60 s:\n{}", gateway.log_text()))
	}

	/// `http://host:port`.
	pub fn url(&self) -> String {
		format!("http://{}", self.addr)
	}

	/// Its output so far.
	pub fn log_text(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// Sends one request and returns the status and body.
	pub fn request(
		&self,
		method: &str,
		path: &str,
		key: Option<&str>,
		body: Option<&str>,
	) -> Result<(u16, String)> {
		http(&self.addr, method, path, key, body)
	}
}

impl Drop for Gateway {
	fn drop(&mut self) {
		if let Some(mut c) = self.child.take() {
			let _ = c.kill();
			let _ = c.wait();
		}
	}
}

/// A bare HTTP/1.1 request (one connection, closed after the reply): status and body.
pub fn http(
	addr: &str,
	method: &str,
	path: &str,
	key: Option<&str>,
	body: Option<&str>,
) -> Result<(u16, String)> {
	let mut s = TcpStream::connect(addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
	s.set_read_timeout(Some(Duration::from_secs(600))).map_err(|e| e.to_string())?;
	let body = body.unwrap_or("");
	let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
	let head = format!(
		"{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\n\
		 Content-Length: {}\r\nConnection: close\r\n\r\n",
		body.len()
	);
	s.write_all(head.as_bytes())
		.and_then(|()| s.write_all(body.as_bytes()))
		.map_err(|e| format!("cannot send to {addr}: {e}"))?;
	let mut raw = Vec::new();
	s.read_to_end(&mut raw).map_err(|e| format!("cannot read from {addr}: {e}"))?;
	let text = String::from_utf8_lossy(&raw);
	let (head, rest) = text.split_once("\r\n\r\n").ok_or("no HTTP header in the reply")?;
	let status = head
		.split_whitespace()
		.nth(1)
		.and_then(|s| s.parse().ok())
		.ok_or_else(|| format!("bad status line: {head}"))?;
	let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
	Ok((status, if chunked { dechunk(rest) } else { rest.to_string() }))
}

/// The payload of a `Transfer-Encoding: chunked` body.
fn dechunk(mut rest: &str) -> String {
	let mut out = String::new();
	while let Some((size, tail)) = rest.split_once("\r\n") {
		let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
		let (Some(data), Some(next)) = (tail.get(..n), tail.get(n..)) else { break };
		if n == 0 {
			break;
		}
		out.push_str(data);
		rest = next.trim_start_matches("\r\n");
	}
	out
}
