//! `attesta`: the market from the command line.
//!
//! ```text
//! attesta models | providers [--model 0] | quote [PROMPT] | balance [ACCOUNT]
//! attesta job submit [PROMPT] [--max-tokens N] [--temperature T] [--top-p P] [--seed S] [--budget ATT] [--wait]
//! attesta job status|cancel|challenge <id>          attesta job buy-checks <id> --rate PERCENT
//! attesta provider register --stake ATT --price-in ATT --price-out ATT [--model 0] [--region eu] [--capacity 4]
//! attesta provider update [--price-in ATT] [--price-out ATT] [--region R] [--capacity N] [--model M]
//! attesta provider bond-extra|unbond ATT           attesta provider withdraw|leave
//! attesta checker register --bond ATT              attesta checker leave
//! attesta checker report-silent ADDRESS
//! ```
//! A prompt is the positional argument, or standard input when there is none. `--json` prints
//! one JSON document on stdout (amounts as strings of plancks, as the node's `attesta_*` JSON-RPC
//! gives them); progress while waiting goes to stderr. Amounts are exact decimals of ATT.
//! `--url` may be given several times: the client fails over between them. The signing account
//! is `--suri` or `$ATTESTA_SURI`; `--dev` signs as `//Alice` on a development chain.
//!
//! Exit codes: 0 done; 2 bad input (or refused by the node's pool); 3 no node reachable; 4 the
//! job failed and was refunded; 5 the result was rejected by a dispute (refunded); 6 timed out;
//! 1 anything else (a call that failed on chain, with the runtime's named error).

use attesta_client::{
	amount::{format_att, parse_att, parse_decimal},
	chain,
	market::ended,
	Error, JobRequest, Market, RetryPolicy, Settlement, Submitted, Verdict,
};
use attesta_runtime::{AccountId, Balance, Runtime, RuntimeCall};
use clap::{Parser, Subcommand};
use codec::Encode;
use pallet_jobs::GenParams;
use pallet_providers::{HardwareClass, Price};
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use sp_runtime::Perbill;
use std::{io::Read, process::ExitCode, time::Duration};

#[derive(Parser)]
#[command(name = "attesta", version, about = "The Attesta inference market from the command line")]
struct Cli {
	/// Node JSON-RPC endpoints, tried in order (repeatable).
	#[arg(long = "url", default_value = "ws://127.0.0.1:9944", global = true)]
	urls: Vec<String>,
	/// Signing account: secret phrase, hex seed or URI [default: $ATTESTA_SURI].
	#[arg(long, global = true)]
	suri: Option<String>,
	/// A development chain: sign as //Alice unless --suri or $ATTESTA_SURI say otherwise.
	#[arg(long, global = true)]
	dev: bool,
	/// Print one JSON document on stdout instead of text.
	#[arg(long, global = true)]
	json: bool,
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
	/// An account's balance (default: the signing account's).
	Balance {
		#[arg(value_parser = account_arg)]
		account: Option<AccountId>,
	},
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

/// What is asked: model, prompt, output length.
#[derive(clap::Args)]
struct JobSpec {
	/// The prompt; without it, standard input is read.
	#[arg(conflicts_with = "prompt_flag")]
	prompt: Option<String>,
	/// The prompt, as an option.
	#[arg(long = "prompt", id = "prompt_flag", hide = true)]
	prompt_flag: Option<String>,
	/// A system message for the model (without it, the model's default); the chain binds it
	/// with the prompt, and checkers verify the answer to both.
	#[arg(long)]
	system: Option<String>,
	#[arg(long, default_value_t = 0)]
	model: u32,
	#[arg(long, default_value_t = 64)]
	max_tokens: u32,
}

impl JobSpec {
	/// The prompt from the argument, the option or standard input.
	fn prompt(&self) -> attesta_client::Result<String> {
		if let Some(p) = self.prompt.clone().or_else(|| self.prompt_flag.clone()) {
			return Ok(p);
		}
		let mut text = String::new();
		std::io::stdin()
			.read_to_string(&mut text)
			.map_err(|e| Error::Invalid(format!("no prompt given and stdin unreadable: {e}")))?;
		if text.trim().is_empty() {
			return Err(Error::Invalid("no prompt: give it as an argument or on stdin".into()));
		}
		Ok(text)
	}

	/// A greedy request for `prompt` with this spec's model, system message and length.
	fn request(&self, prompt: String) -> JobRequest {
		let mut req = JobRequest::new(self.model, prompt, self.max_tokens);
		req.system = self.system.clone();
		req
	}
}

#[derive(Subcommand)]
enum JobCommand {
	/// Submits a job; with --wait, follows it (progress on stderr) to its answer and settlement.
	Submit {
		#[command(flatten)]
		spec: JobSpec,
		/// Sampling temperature, 0 to 2 (0: greedy, what checkers reproduce exactly).
		#[arg(long, default_value = "0", value_parser = milli_arg)]
		temperature: u32,
		/// Nucleus sampling threshold, above 0 and at most 1.
		#[arg(long, default_value = "1", value_parser = milli_arg)]
		top_p: u32,
		/// Seed of the sampler (sampling is reproducible from it).
		#[arg(long, default_value_t = 0)]
		seed: u64,
		/// Escrow in ATT (default: the market's largest; the unspent part is refunded).
		#[arg(long, value_parser = att_arg)]
		budget: Option<Balance>,
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
	/// A job's status, result and audit.
	Status { id: u64 },
	/// Cancels a job no provider has started; the escrow comes back.
	Cancel { id: u64 },
	/// Disputes a job's posted result, holding the challenge bond.
	Challenge { id: u64 },
	/// Raises the chance that a job is checked, before its result is posted.
	BuyChecks {
		id: u64,
		/// The new chance, in percent (e.g. 75 or 12.5).
		#[arg(long, value_parser = percent_arg)]
		rate: Perbill,
	},
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
		#[arg(long, value_parser = att_arg)]
		stake: Balance,
		/// Price per prompt token, in ATT.
		#[arg(long, value_parser = att_arg)]
		price_in: Balance,
		/// Price per generated token, in ATT.
		#[arg(long, value_parser = att_arg)]
		price_out: Balance,
		#[arg(long, default_value = "eu")]
		region: String,
		/// Jobs it runs at once.
		#[arg(long, default_value_t = 4)]
		capacity: u32,
	},
	/// Changes prices, region, capacity or model; what is not given stays.
	Update {
		#[arg(long)]
		model: Option<u32>,
		#[arg(long, value_parser = att_arg)]
		price_in: Option<Balance>,
		#[arg(long, value_parser = att_arg)]
		price_out: Option<Balance>,
		#[arg(long)]
		region: Option<String>,
		#[arg(long)]
		capacity: Option<u32>,
	},
	/// Bonds more stake, in ATT.
	BondExtra {
		#[arg(value_parser = att_arg)]
		amount: Balance,
	},
	/// Starts unbonding stake, in ATT (held and slashable a day, then withdrawable).
	Unbond {
		#[arg(value_parser = att_arg)]
		amount: Balance,
	},
	/// Withdraws stake whose unbonding period is over.
	Withdraw,
	/// Leaves the market (no open job; stake unbonds).
	Leave,
	/// Names the operator (hot) key the node answers jobs with, so the stake stays with this
	/// cold account: insert it on the node with `key insert --key-type prov`. Rotating a key
	/// is this one command; the operator cannot bond, unbond or leave.
	SetOperator {
		/// The operator's SS58 address.
		#[arg(value_parser = account_arg, required_unless_present = "remove")]
		operator: Option<AccountId>,
		/// Removes the operator: the node must then hold this account's own key.
		#[arg(long, conflicts_with = "operator")]
		remove: bool,
	},
}

#[derive(Subcommand)]
enum CheckerCommand {
	/// Registers the signing account as a checker with its own key and a bond. Its node checks
	/// with the account's `chck` key (`attesta-node key insert --key-type chck`).
	Register {
		/// Bond to hold, in ATT.
		#[arg(long, value_parser = att_arg)]
		bond: Balance,
	},
	/// Leaves the checkers and gets the bond back (not while a verdict is open).
	Leave,
	/// Hands checking to an operator (hot) key, so the bond stays with this cold account: the
	/// key signs the node's verdicts and is its VRF key. Insert the same secret on the node with
	/// `key insert --key-type chck`. Rotating a key is this one command; the new key answers
	/// draws seeded from now on.
	SetOperator {
		/// The operator key's secret phrase, hex seed or URI (it proves the key to the chain).
		#[arg(long, value_parser = suri_arg, required_unless_present = "remove")]
		operator_suri: Option<String>,
		/// Removes the operator: the node must then hold this account's own key.
		#[arg(long, conflicts_with = "operator_suri")]
		remove: bool,
	},
	/// Reports a checker that answered far fewer draws than its chances say (the chain checks;
	/// nodes with a checker key do this by themselves). The reporter gets half the slash.
	ReportSilent {
		/// The checker's SS58 address.
		#[arg(value_parser = account_arg)]
		checker: AccountId,
	},
}

// Argument parsers: clap refuses bad input with exit code 2 before anything connects.

fn account_arg(address: &str) -> Result<AccountId, String> {
	AccountId::from_ss58check(address).map_err(|e| format!("not an SS58 address: {e:?}"))
}

/// A secret phrase, seed or URI, checked (the key is made from it where it is used).
fn suri_arg(suri: &str) -> Result<String, String> {
	chain::signer(suri).map(|_| suri.to_owned()).map_err(|e| e.to_string())
}

fn att_arg(text: &str) -> Result<Balance, String> {
	parse_att(text).map_err(|f| f.to_string())
}

/// `"12.5"` percent to a `Perbill`, exactly.
fn percent_arg(text: &str) -> Result<Perbill, String> {
	parse_decimal(text, 7)
		.ok()
		.and_then(|parts| u32::try_from(parts).ok())
		.filter(|parts| *parts <= 1_000_000_000)
		.map(Perbill::from_parts)
		.ok_or_else(|| format!("{text:?} is not a percentage from 0 to 100 (7 decimals at most)"))
}

fn milli_arg(text: &str) -> Result<u32, String> {
	parse_decimal(text, 3)
		.ok()
		.and_then(|m| u32::try_from(m).ok())
		.ok_or_else(|| "a number with at most 3 decimals".to_string())
}

/// Where output goes: text, or one JSON document.
struct Out {
	json: bool,
}

impl Out {
	/// Prints `text` or, with `--json`, `doc`.
	fn show(&self, text: impl FnOnce() -> String, doc: impl FnOnce() -> Value) {
		if self.json {
			println!("{}", doc());
		} else {
			println!("{}", text());
		}
	}

	/// Progress while waiting: on stderr, so stdout stays the result.
	fn progress(&self, line: String) {
		eprintln!("{line}");
	}
}

/// A failure and its exit code.
struct Failure {
	code: u8,
	message: String,
}

impl From<Error> for Failure {
	fn from(e: Error) -> Self {
		let code = match &e {
			Error::Invalid(_) => 2,
			Error::Unreachable(_) => 3,
			Error::JobFailed { .. } => 4,
			Error::Timeout(_) => 6,
			Error::Rpc(_) | Error::Failed(_) | Error::Decode(_) => 1,
		};
		Self { code, message: e.to_string() }
	}
}

fn invalid(message: impl Into<String>) -> Failure {
	Failure { code: 2, message: message.into() }
}

fn verdict(v: Verdict) -> &'static str {
	match v {
		Verdict::Unchecked => "not drawn for a check",
		Verdict::Passed(_) => "checked, passed",
		Verdict::Upheld => "disputed, upheld",
		Verdict::FoundBad => "disputed, found bad: rejected and refunded",
		Verdict::Undecided => "disputed, undecided: nobody paid, budget refunded",
	}
}

fn plancks(b: Balance) -> Value {
	json!(b.to_string())
}

/// The signing key: `--suri`, `$ATTESTA_SURI`, or `//Alice` with `--dev` only.
fn signer(cli_suri: &Option<String>, dev: bool) -> Result<sr25519::Pair, Failure> {
	let suri = match cli_suri.clone().or_else(|| std::env::var("ATTESTA_SURI").ok()) {
		Some(s) => s,
		None if dev => "//Alice".into(),
		None => return Err(invalid(
			"no signing account: give --suri or set $ATTESTA_SURI (or --dev to sign as //Alice on a development chain)",
		)),
	};
	Ok(chain::signer(&suri)?)
}

/// Sends `call` signed by `pair` and reports its block.
async fn send(
	market: &Market,
	out: &Out,
	pair: &sr25519::Pair,
	what: &str,
	call: RuntimeCall,
) -> Result<(), Failure> {
	let done = market.execute(pair, call).await?;
	out.show(
		|| format!("{what} in block #{}", done.number),
		|| json!({"done": what, "block": done.number, "blockHash": format!("{:?}", done.block)}),
	);
	Ok(())
}

impl Command {
	/// Whether it signs a transaction (or needs the signing account, as `balance` without one).
	fn signs(&self) -> bool {
		match self {
			Command::Job(JobCommand::Status { .. }) => false,
			Command::Job(_) | Command::Provider(_) | Command::Checker(_) => true,
			Command::Balance { account } => account.is_none(),
			_ => false,
		}
	}

	/// The job it asks about, if it takes a prompt.
	fn job_spec(&self) -> Option<&JobSpec> {
		match self {
			Command::Quote(spec) | Command::Job(JobCommand::Submit { spec, .. }) => Some(spec),
			_ => None,
		}
	}
}

async fn run(cli: Cli) -> Result<(), Failure> {
	let out = Out { json: cli.json };
	// All input is checked before connecting (clap checks the arguments): bad input is exit
	// code 2 whether or not a node answers.
	let pair = if cli.command.signs() { Some(signer(&cli.suri, cli.dev)?) } else { None };
	let prompt = cli.command.job_spec().map(JobSpec::prompt).transpose()?.unwrap_or_default();
	let market = Market::connect(&cli.urls, RetryPolicy::default()).await?;
	let rpc = market.rpc();
	let key = || pair.clone().ok_or_else(|| invalid("this command signs nothing"));
	match cli.command {
		Command::Models => {
			let models = market.models().await?;
			let doc: Value = rpc.request("attesta_models", vec![]).await?;
			out.show(
				|| {
					models
						.iter()
						.map(|(id, m)| {
							format!(
								"{id}: {} ({:?}), weights sha256 {}, context {} tokens, output ≤ {} tokens{}",
								String::from_utf8_lossy(&m.name),
								m.architecture,
								sp_core::hexdisplay::HexDisplay::from(&m.weights_hash),
								m.max_context_tokens,
								m.max_output_tokens,
								if m.active { "" } else { ", retired" }
							)
						})
						.collect::<Vec<_>>()
						.join("\n")
				},
				|| doc.clone(),
			);
		},
		Command::Providers { model } => {
			let providers = market.providers(model).await?;
			let doc: Value = rpc.request("attesta_providers", vec![json!(model)]).await?;
			out.show(
				|| {
					if providers.is_empty() {
						return format!("no provider serves model {model}");
					}
					providers
						.iter()
						.map(|p| {
							let r = &p.reputation;
							let latency = r
								.total_latency_blocks
								.checked_div(u64::from(r.jobs_completed))
								.map_or("-".into(), |b| format!("{b} blocks"));
							format!(
								"{}  {} / {} per in/out token  region {}  {:?}  stake {}  jobs {}/{} active  \
								 done {} missed {} failed checks {}  mean latency {latency}",
								p.who,
								format_att(p.price.input),
								format_att(p.price.output),
								String::from_utf8_lossy(&p.region),
								p.hardware,
								format_att(p.stake),
								p.active_jobs,
								p.capacity,
								r.jobs_completed,
								r.deadlines_missed,
								r.checks_failed,
							)
						})
						.collect::<Vec<_>>()
						.join("\n")
				},
				|| doc.clone(),
			);
		},
		Command::Quote(spec) => {
			let len = u32::try_from(spec.request(prompt.clone()).prompt_bytes().len())
				.unwrap_or(u32::MAX);
			let (n, cost) = market.quote(spec.model, len, spec.max_tokens, None, None).await?;
			out.show(
				|| {
					format!(
						"{n} provider(s) can take it; the cheapest costs at most {}",
						format_att(cost)
					)
				},
				|| json!({"providers": n, "cost": plancks(cost)}),
			);
		},
		Command::Balance { account } => {
			let who: AccountId = match account {
				Some(a) => a,
				None => key()?.public().into(),
			};
			let info: Option<
				frame_system::AccountInfo<u32, pallet_balances::AccountData<Balance>>,
			> = chain::storage(rpc, &frame_system::Account::<Runtime>::hashed_key_for(&who), None)
				.await?;
			let data = info.map(|i| i.data).unwrap_or_default();
			out.show(
				|| format!("{who}: free {}, held {}", format_att(data.free), format_att(data.reserved)),
				|| json!({"account": who.to_ss58check(), "free": plancks(data.free), "held": plancks(data.reserved)}),
			);
		},
		Command::Job(JobCommand::Status { id }) => {
			let job = market
				.job(id)
				.await?
				.ok_or_else(|| invalid(format!("no job {id} (never submitted, or pruned)")))?;
			let doc: Value = rpc.request("attesta_job", vec![json!(id)]).await?;
			out.show(
				|| {
					let mut lines =
						vec![format!("job {id}: {}", doc["stage"].as_str().unwrap_or("?"))];
					if let Some(r) = &job.result {
						lines.push(format!(
							"answer ({} tokens): {}",
							r.output_tokens.len(),
							String::from_utf8_lossy(&r.output_text)
						));
					}
					if !ended(&job) {
						lines.push(format!("open: escrow {} held", format_att(job.budget)));
					}
					lines.join("\n")
				},
				|| doc.clone(),
			);
		},
		Command::Job(JobCommand::Cancel { id }) => {
			let call = RuntimeCall::Jobs(pallet_jobs::Call::cancel_job { job_id: id });
			send(&market, &out, &key()?, &format!("job {id} cancelled"), call).await?;
		},
		Command::Job(JobCommand::Challenge { id }) => {
			let call = RuntimeCall::Audits(pallet_audits::Call::challenge { job_id: id });
			send(&market, &out, &key()?, &format!("job {id} challenged"), call).await?;
		},
		Command::Job(JobCommand::BuyChecks { id, rate }) => {
			let call = RuntimeCall::Audits(pallet_audits::Call::buy_checks { job_id: id, rate });
			send(&market, &out, &key()?, &format!("checks bought for job {id}"), call).await?;
		},
		Command::Job(JobCommand::Submit {
			spec,
			temperature,
			top_p,
			seed,
			budget,
			region,
			response_blocks,
			wait,
			timeout,
		}) => {
			let prompt = prompt.clone();
			let params = GenParams {
				max_tokens: spec.max_tokens,
				temperature_milli: temperature,
				top_p_milli: top_p,
				seed,
			};
			let pair = key()?;
			let mut req = spec.request(prompt);
			req.params = params;
			req.budget = budget;
			req.region = region;
			req.response_blocks = response_blocks;
			let job = market.submit_job(&pair, req).await?;
			if !wait {
				out.show(
					|| {
						format!(
							"job {} in block #{} (escrow {})",
							job.job_id,
							job.block,
							format_att(job.budget)
						)
					},
					|| submitted_json(&job),
				);
				return Ok(());
			}
			out.progress(format!(
				"submitted: job {} in block #{} (escrow {})",
				job.job_id,
				job.block,
				format_att(job.budget)
			));
			let limit = Duration::from_secs(timeout);
			let (provider, price) = market.assignment(&job, limit).await?;
			out.progress(format!(
				"assigned: to {provider} at {} / {} per in/out token",
				format_att(price.input),
				format_att(price.output)
			));
			let mut answer = None;
			let done = market
				.follow(&job, limit, |a| {
					out.progress(format!(
						"answered: block #{} after {:.1} s, {} tokens, by {}",
						a.block,
						a.latency.as_secs_f64(),
						a.output_tokens,
						a.provider
					));
					answer = Some(a.clone());
				})
				.await?;
			out.progress(format!("settled: block #{}, {}", done.block, verdict(done.verdict)));
			let text = answer.as_ref().map(|a| a.text.clone()).unwrap_or_default();
			out.show(
				|| format!("{text}\n{}", settlement_line(&done)),
				|| {
					let mut doc = submitted_json(&job);
					doc["provider"] = json!(provider.to_ss58check());
					doc["price"] = json!({"input": plancks(price.input), "output": plancks(price.output)});
					doc["answer"] = answer.as_ref().map_or(Value::Null, |a| {
						json!({"text": a.text, "outputTokens": a.output_tokens, "block": a.block, "provider": a.provider.to_ss58check()})
					});
					doc["settlement"] = json!({
						"block": done.block,
						"paid": plancks(done.paid),
						"fee": plancks(done.fee),
						"refunded": plancks(done.refunded),
						"verification": done.verdict.json(),
						"missedDeadline": done.missed.iter().map(Ss58Codec::to_ss58check).collect::<Vec<_>>(),
						"seconds": done.latency.as_secs_f64(),
					});
					doc
				},
			);
			if matches!(done.verdict, Verdict::FoundBad | Verdict::Undecided) {
				return Err(Failure {
					code: 5,
					message: format!(
						"job {}: the result was rejected by a dispute; {} refunded",
						job.job_id,
						format_att(done.refunded)
					),
				});
			}
		},
		Command::Provider(cmd) => provider(&market, &out, &key()?, cmd).await?,
		Command::Checker(CheckerCommand::Register { bond }) => {
			let pair = key()?;
			let account = AccountId::from(pair.public());
			let key_proof = attesta_primitives::selection::prove_key_with(&pair, &account.encode())
				.ok_or_else(|| invalid("cannot sign the checker key proof"))?;
			let call = RuntimeCall::Audits(pallet_audits::Call::register_checker {
				key: pair.public().0,
				bond,
				key_proof,
			});
			send(&market, &out, &pair, "registered as a checker", call).await?;
		},
		Command::Checker(CheckerCommand::SetOperator { operator_suri, .. }) => {
			let pair = key()?;
			let account = AccountId::from(pair.public());
			// The node's key: the operator's, or (removing it) the checker's own.
			let hot = operator_suri.as_deref().map(chain::signer).transpose()?;
			let node_key = hot.as_ref().unwrap_or(&pair);
			let key_proof =
				attesta_primitives::selection::prove_key_with(node_key, &account.encode())
					.ok_or_else(|| invalid("cannot sign the checker key proof"))?;
			let call = RuntimeCall::Audits(pallet_audits::Call::set_operator {
				operator: hot.as_ref().map(|h| h.public().into()),
				key: node_key.public().0,
				key_proof,
			});
			send(&market, &out, &pair, "checker operator set", call).await?;
		},
		Command::Checker(CheckerCommand::Leave) => {
			let call = RuntimeCall::Audits(pallet_audits::Call::deregister_checker {});
			send(&market, &out, &key()?, "left the checkers", call).await?;
		},
		Command::Checker(CheckerCommand::ReportSilent { checker }) => {
			let call = RuntimeCall::Audits(pallet_audits::Call::report_silent { checker });
			send(&market, &out, &key()?, "reported the checker as silent", call).await?;
		},
	}
	Ok(())
}

/// The provider commands.
async fn provider(
	market: &Market,
	out: &Out,
	pair: &sr25519::Pair,
	cmd: ProviderCommand,
) -> Result<(), Failure> {
	let (what, call) = match cmd {
		ProviderCommand::Register { model, stake, price_in, price_out, region, capacity } => (
			format!("registered as a provider of model {model}"),
			pallet_providers::Call::register {
				stake,
				models: vec![model],
				price: Price { input: price_in, output: price_out },
				region: region.into_bytes(),
				hardware: HardwareClass::Cpu,
				capacity,
			},
		),
		ProviderCommand::Update { model, price_in, price_out, region, capacity } => {
			let who = AccountId::from(pair.public());
			let key = pallet_providers::Providers::<Runtime>::hashed_key_for(&who);
			let now: pallet_providers::ProviderOf<Runtime> =
				chain::storage(market.rpc(), &key, None)
					.await?
					.ok_or_else(|| invalid(format!("{who} is not a registered provider")))?;
			(
				"provider updated".into(),
				pallet_providers::Call::update {
					models: model.map_or_else(|| now.models.to_vec(), |m| vec![m]),
					price: Price {
						input: price_in.unwrap_or(now.price.input),
						output: price_out.unwrap_or(now.price.output),
					},
					region: region.map_or_else(|| now.region.to_vec(), String::into_bytes),
					hardware: now.hardware,
					capacity: capacity.unwrap_or(now.capacity),
				},
			)
		},
		ProviderCommand::BondExtra { amount } => (
			format!("bonded {} more", format_att(amount)),
			pallet_providers::Call::bond_extra { amount },
		),
		ProviderCommand::Unbond { amount } =>
			(format!("unbonding {}", format_att(amount)), pallet_providers::Call::unbond { amount }),
		ProviderCommand::Withdraw =>
			("unbonded stake withdrawn".into(), pallet_providers::Call::withdraw_unbonded {}),
		ProviderCommand::Leave =>
			("left the providers".into(), pallet_providers::Call::deregister {}),
		ProviderCommand::SetOperator { operator, .. } => (
			match &operator {
				Some(op) => format!("operator set to {op}"),
				None => "operator removed".into(),
			},
			pallet_providers::Call::set_operator { operator },
		),
	};
	send(market, out, pair, &what, RuntimeCall::Providers(call)).await
}

fn submitted_json(job: &Submitted) -> Value {
	json!({"jobId": job.job_id, "block": job.block, "escrow": plancks(job.budget)})
}

fn settlement_line(s: &Settlement) -> String {
	format!(
		"settled in block #{} after {:.1} s: paid {} (checkers' fee {}), refunded {}; {}",
		s.block,
		s.latency.as_secs_f64(),
		format_att(s.paid),
		format_att(s.fee),
		format_att(s.refunded),
		match s.verdict {
			Verdict::Passed(n) =>
				format!("checked, passed ({n} check{})", if n == 1 { "" } else { "s" }),
			v => verdict(v).into(),
		}
	)
}

#[tokio::main]
async fn main() -> ExitCode {
	match run(Cli::parse()).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(f) => {
			eprintln!("attesta: {}", f.message);
			ExitCode::from(f.code)
		},
	}
}
