//! `attesta`: the market from the command line.
//!
//! ```text
//! attesta models
//! attesta providers --model 0
//! attesta quote --model 0 --prompt "..." [--max-tokens N]
//! attesta job submit --model 0 --prompt "..." [--max-tokens N] [--budget ATT] [--wait]
//! attesta job status <id>
//! attesta provider register --stake ATT --price-in ATT --price-out ATT [--model 0] [--region eu] [--capacity 4]
//! attesta checker register --bond ATT
//! ```
//! `--url` may be given several times: the client fails over between them. `--suri` is the
//! signing account: a secret phrase, a hex seed or a dev URI (`//Alice`, the default).

use attesta_client::{market::ended, Error, JobRequest, Market, RetryPolicy, Settlement, Verdict};
use attesta_runtime::{Balance, RuntimeCall, UNIT};
use clap::{Parser, Subcommand};
use codec::Encode;
use pallet_providers::{HardwareClass, Price};
use sp_core::Pair;
use std::{process::ExitCode, time::Duration};

#[derive(Parser)]
#[command(name = "attesta", version, about = "The Attesta inference market from the command line")]
struct Cli {
	/// Node JSON-RPC endpoints, tried in order (repeatable).
	#[arg(long = "url", default_value = "ws://127.0.0.1:9944", global = true)]
	urls: Vec<String>,
	/// Signing account: secret phrase, hex seed or dev URI [default: $ATTESTA_SURI, else
	/// //Alice].
	#[arg(long, global = true)]
	suri: Option<String>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// The registered models.
	Models,
	/// The providers serving a model: price, region, stake, reputation, observed latency.
	Providers {
		#[arg(long, default_value_t = 0)]
		model: u32,
	},
	/// What a job would cost now.
	Quote(JobSpec),
	/// Jobs.
	#[command(subcommand)]
	Job(JobCommand),
	/// Serving jobs.
	#[command(subcommand)]
	Provider(ProviderCommand),
	/// Checking results.
	#[command(subcommand)]
	Checker(CheckerCommand),
}

#[derive(Subcommand)]
enum ProviderCommand {
	/// Registers the signing account as a provider of one model, bonding its stake. Its node
	/// answers jobs with the account's `prov` key (`attesta-node key insert --key-type prov`)
	/// and `--inference-model`.
	Register {
		#[arg(long, default_value_t = 0)]
		model: u32,
		/// Stake to bond, in ATT.
		#[arg(long)]
		stake: f64,
		/// Price per prompt token, in ATT.
		#[arg(long)]
		price_in: f64,
		/// Price per generated token, in ATT.
		#[arg(long)]
		price_out: f64,
		#[arg(long, default_value = "eu")]
		region: String,
		/// Jobs it runs at once.
		#[arg(long, default_value_t = 4)]
		capacity: u32,
	},
}

#[derive(Subcommand)]
enum CheckerCommand {
	/// Registers the signing account as a checker with its own key and a bond. Its node checks
	/// with the account's `chck` key (`attesta-node key insert --key-type chck`).
	Register {
		/// Bond to hold, in ATT.
		#[arg(long)]
		bond: f64,
	},
}

/// What is asked: model, prompt, output length.
#[derive(clap::Args)]
struct JobSpec {
	#[arg(long, default_value_t = 0)]
	model: u32,
	#[arg(long)]
	prompt: String,
	#[arg(long, default_value_t = 64)]
	max_tokens: u32,
}

#[derive(Subcommand)]
enum JobCommand {
	/// Submits a job; with --wait, prints the answer as soon as it is posted, then the
	/// settlement.
	Submit {
		#[command(flatten)]
		spec: JobSpec,
		/// Escrow in ATT (default: the market's largest; the unspent part is refunded).
		#[arg(long)]
		budget: Option<f64>,
		/// Only providers in this region.
		#[arg(long)]
		region: Option<String>,
		/// Blocks the provider gets to answer.
		#[arg(long, default_value_t = 20)]
		response_blocks: u32,
		/// Wait for the answer and the settlement.
		#[arg(long)]
		wait: bool,
		/// Longest wait, in seconds.
		#[arg(long, default_value_t = 600)]
		timeout: u64,
	},
	/// A job's status and result.
	Status { id: u64 },
}

/// ATT as typed (`1.5`) to plancks.
fn plancks(att: f64) -> Balance {
	(att * UNIT as f64).round() as Balance
}

/// An amount in ATT with its 12 decimals trimmed to 6.
fn att(b: Balance) -> String {
	let whole = b / UNIT;
	let frac = (b % UNIT) / (UNIT / 1_000_000);
	format!("{whole}.{frac:06} ATT")
}

fn verdict(v: Verdict) -> String {
	match v {
		Verdict::Unchecked => "not drawn for a check".into(),
		Verdict::Passed(n) =>
			format!("checked, passed ({n} check{})", if n == 1 { "" } else { "s" }),
		Verdict::Upheld => "disputed, upheld".into(),
		Verdict::FoundBad => "disputed, found bad: rejected and refunded".into(),
		Verdict::Undecided => "disputed, undecided: nobody paid, budget refunded".into(),
	}
}

fn print_settlement(s: &Settlement) {
	println!(
		"settled in block #{} after {:.1} s: paid {} (checkers' fee {}), refunded {}; {}",
		s.block,
		s.latency.as_secs_f64(),
		att(s.paid),
		att(s.fee),
		att(s.refunded),
		verdict(s.verdict)
	);
}

async fn run(cli: Cli) -> attesta_client::Result<()> {
	let suri = cli
		.suri
		.or_else(|| std::env::var("ATTESTA_SURI").ok())
		.unwrap_or_else(|| "//Alice".into());
	let market = Market::connect(&cli.urls, RetryPolicy::default()).await?;
	match cli.command {
		Command::Models =>
			for (id, m) in market.models().await? {
				println!(
					"{id}: {} ({:?}), weights sha256 {}, context {} tokens, output ≤ {} tokens{}",
					String::from_utf8_lossy(&m.name),
					m.architecture,
					sp_core::hexdisplay::HexDisplay::from(&m.weights_hash),
					m.max_context_tokens,
					m.max_output_tokens,
					if m.active { "" } else { ", retired" }
				);
			},
		Command::Providers { model } => {
			let providers = market.providers(model).await?;
			if providers.is_empty() {
				println!("no provider serves model {model}");
			}
			for p in providers {
				let r = &p.reputation;
				let latency = r
					.total_latency_blocks
					.checked_div(u64::from(r.jobs_completed))
					.map_or("-".into(), |b| format!("{b} blocks"));
				println!(
					"{}  {}/{} per in/out token  region {}  {:?}  stake {}  jobs {}/{} active  \
					 done {} missed {} failed checks {}  mean latency {latency}",
					p.who,
					att(p.price.input),
					att(p.price.output),
					String::from_utf8_lossy(&p.region),
					p.hardware,
					att(p.stake),
					p.active_jobs,
					p.capacity,
					r.jobs_completed,
					r.deadlines_missed,
					r.checks_failed,
				);
			}
		},
		Command::Quote(JobSpec { model, prompt, max_tokens }) => {
			let len = u32::try_from(prompt.len()).unwrap_or(u32::MAX);
			let (n, cost) = market.quote(model, len, max_tokens, None, None).await?;
			println!("{n} provider(s) can take it; the cheapest costs at most {}", att(cost));
		},
		Command::Provider(ProviderCommand::Register {
			model,
			stake,
			price_in,
			price_out,
			region,
			capacity,
		}) => {
			let signer = attesta_client::chain::signer(&suri)?;
			let call = RuntimeCall::Providers(pallet_providers::Call::register {
				stake: plancks(stake),
				models: vec![model],
				price: Price { input: plancks(price_in), output: plancks(price_out) },
				region: region.into_bytes(),
				hardware: HardwareClass::Cpu,
				capacity,
			});
			let done = market.execute(&signer, call).await?;
			println!("registered as a provider of model {model} in block #{}", done.number);
		},
		Command::Checker(CheckerCommand::Register { bond }) => {
			let signer = attesta_client::chain::signer(&suri)?;
			let account = attesta_runtime::AccountId::from(signer.public());
			let key_proof =
				attesta_primitives::selection::prove_key_with(&signer, &account.encode())
					.ok_or_else(|| Error::Invalid("cannot sign the checker key proof".into()))?;
			let call = RuntimeCall::Audits(pallet_audits::Call::register_checker {
				key: signer.public().0,
				bond: plancks(bond),
				key_proof,
			});
			let done = market.execute(&signer, call).await?;
			println!("registered as a checker in block #{}", done.number);
		},
		Command::Job(JobCommand::Status { id }) => {
			let job = market.job(id).await?.ok_or_else(|| {
				Error::Invalid(format!("no job {id} (never submitted, or pruned)"))
			})?;
			println!("job {id}: {:?}", job.status);
			if let Some(r) = &job.result {
				println!(
					"answer ({} tokens): {}",
					r.output_tokens.len(),
					String::from_utf8_lossy(&r.output_text)
				);
			}
			if !ended(&job) {
				println!("open: escrow {} held", att(job.budget));
			}
		},
		Command::Job(JobCommand::Submit {
			spec: JobSpec { model, prompt, max_tokens },
			budget,
			region,
			response_blocks,
			wait,
			timeout,
		}) => {
			let signer = attesta_client::chain::signer(&suri)?;
			let mut req = JobRequest::new(model, prompt, max_tokens);
			req.budget = budget.map(plancks);
			req.region = region;
			req.response_blocks = response_blocks;
			let job = market.submit_job(&signer, req).await?;
			println!("job {} in block #{} (escrow {})", job.job_id, job.block, att(job.budget));
			if wait {
				let (p, price) = market.assignment(&job, Duration::from_secs(timeout)).await?;
				println!(
					"assigned to {p} at {}/{} per in/out token",
					att(price.input),
					att(price.output)
				);
				let done = market
					.follow(&job, Duration::from_secs(timeout), |a| {
						println!(
							"answer after {:.1} s (block #{}, {} tokens, by {}):\n{}",
							a.latency.as_secs_f64(),
							a.block,
							a.output_tokens,
							a.provider,
							a.text
						)
					})
					.await?;
				print_settlement(&done);
			}
		},
	}
	Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
	match run(Cli::parse()).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("attesta: {e}");
			ExitCode::FAILURE
		},
	}
}
