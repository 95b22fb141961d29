//! `attesta-gateway --config gateway.toml`: serves the OpenAI-compatible API until stopped.

use attesta_gateway::{config::Config, http, jobs::Gateway, limit::RateLimit};
use clap::Parser;
use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc};

#[derive(Parser)]
#[command(
	name = "attesta-gateway",
	version,
	about = "An OpenAI-compatible HTTP API whose completions are Attesta inference jobs"
)]
struct Args {
	/// Configuration file: TOML, or JSON if the name ends in `.json`.
	#[arg(long)]
	config: PathBuf,
	/// Address to listen on, instead of the file's `listen`.
	#[arg(long)]
	listen: Option<SocketAddr>,
	/// Node endpoints, instead of the file's `nodes` (repeatable).
	#[arg(long = "url")]
	urls: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
	let args = Args::parse();
	match run(args).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("attesta-gateway: {e}");
			ExitCode::FAILURE
		},
	}
}

async fn run(args: Args) -> Result<(), String> {
	let mut config = Config::load(&args.config)?;
	if let Some(listen) = args.listen {
		config.listen = listen;
	}
	if !args.urls.is_empty() {
		config.nodes = args.urls;
	}
	if config.keys.is_empty() {
		eprintln!("warning: no API keys configured: every request will be refused (401)");
	}
	let gateway = Arc::new(Gateway::connect(&config).await?);
	tokio::spawn(gateway.clone().watch(config.nodes.clone()));
	let listener = tokio::net::TcpListener::bind(config.listen)
		.await
		.map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
	let addr = listener.local_addr().map_err(|e| e.to_string())?;
	for k in gateway.keys() {
		let limit = k.budget.standing().limit.map_or("no limit".into(), |l| format!("budget {l}"));
		println!("key {} -> {} ({limit})", attesta_gateway::jobs::mask(&k.key), k.account);
	}
	let limit = (config.view_rate > 0)
		.then(|| Arc::new(RateLimit::new(config.view_rate, config.view_burst)));
	// Tests and scripts wait for this line.
	println!("listening on http://{addr} (chain at {})", config.nodes.join(", "));
	tokio::select! {
		() = http::serve(listener, gateway, limit) => Ok(()),
		r = tokio::signal::ctrl_c() => r.map_err(|e| e.to_string()),
	}
}
