//! `attesta-infer`: command-line front end for running, verifying and benchmarking jobs.

use std::{path::PathBuf, process::ExitCode, time::Instant};

use attesta_inference::{
	commitment, engine::set_compute_threads, eval, generate, load::hex, sampling, tiny, verify,
	CheckPlan, ComputePath, GenParams, InferenceDevice, LoadedModel, Tolerance, VerificationRule,
};

type CliResult<T> = std::result::Result<T, String>;

/// Runs, verifies and benchmarks inference jobs with the chain's engine.
#[derive(clap::Parser)]
#[command(name = "attesta-infer", version)]
struct Cli {
	/// Compute threads (0: the engine's default).
	#[arg(long, global = true, default_value_t = 0)]
	threads: usize,
	#[command(subcommand)]
	command: Command,
}

/// The weights and where they run.
#[derive(clap::Args)]
struct ModelArgs {
	/// The GGUF weights file.
	#[arg(long)]
	model: PathBuf,
	/// blocks: block-quantized weights against f32 activations in one fixed summation order (the
	/// default on the CPU); f32: weights dequantized at load (the default on a GPU); quantized:
	/// candle's own kernels. Part of the model class.
	#[arg(long, value_parser = ["blocks", "f32", "quantized"])]
	compute: Option<String>,
	/// cpu or cuda[:N] (cuda needs a build with --features cuda and serves the f32 and
	/// quantized classes only: the block kernels are CPU-only).
	#[arg(long, default_value = "cpu")]
	inference_device: String,
}

/// How to generate.
#[derive(clap::Args)]
struct Params {
	#[arg(long, default_value_t = 64)]
	max_tokens: u32,
	/// 0 = greedy.
	#[arg(long, default_value_t = 0.0)]
	temperature: f64,
	#[arg(long, default_value_t = 1.0)]
	top_p: f64,
	#[arg(long, default_value_t = 0)]
	seed: u64,
}

impl Params {
	fn gen(&self) -> CliResult<GenParams> {
		let (t, p) = (self.temperature, self.top_p);
		if !(0.0..=100.0).contains(&t) || !(0.0..=1.0).contains(&p) {
			return Err("--temperature must be in [0, 100] and --top-p in [0, 1]".into());
		}
		Ok(GenParams {
			max_tokens: self.max_tokens,
			temperature_milli: (t * 1000.0).round() as u32,
			top_p_milli: (p * 1000.0).round() as u32,
			seed: self.seed,
		})
	}
}

/// The prompt.
#[derive(clap::Args)]
struct PromptArgs {
	#[arg(long)]
	prompt: String,
	/// A system prompt instead of the model's default one.
	#[arg(long)]
	system: Option<String>,
	/// The prompt's tokens as they are, without the chat template.
	#[arg(long)]
	raw: bool,
}

/// A job: the model, the prompt and how to generate.
#[derive(clap::Args)]
struct JobArgs {
	#[command(flatten)]
	model: ModelArgs,
	#[command(flatten)]
	prompt: PromptArgs,
	#[command(flatten)]
	params: Params,
}

#[derive(clap::Subcommand)]
enum Command {
	/// Generates an answer and prints its tokens, timings and the chain's commitment.
	Run(JobArgs),
	/// Checks a claimed output as a checker does (one teacher-forced pass).
	Verify {
		#[command(flatten)]
		job: JobArgs,
		/// The claimed output tokens, comma-separated.
		#[arg(long)]
		output_tokens: String,
		/// Check this many positions only (0: all).
		#[arg(long, default_value_t = 0)]
		sample: u32,
		#[arg(long, default_value_t = 0)]
		sample_seed: u64,
		/// The verification rule: K,MILLI,PPM,PERMILLE.
		#[arg(long)]
		rule: Option<String>,
	},
	/// Prefill, decode and verification speed, memory.
	Bench {
		#[command(flatten)]
		model: ModelArgs,
		#[arg(long, default_value_t = 128)]
		gen_tokens: u32,
		#[arg(long, default_value_t = 128)]
		prompt_tokens: usize,
		#[arg(long, default_value_t = 3)]
		reps: usize,
	},
	/// False rejects and accepts over many prompts, against another quantization.
	Sweep {
		#[command(flatten)]
		model: ModelArgs,
		#[arg(long, default_value_t = 200)]
		prompts: usize,
		#[arg(long, default_value_t = 32)]
		max_tokens: u32,
		/// The other quantization (q4_0, q4_1, q8_0, f32).
		#[arg(long, default_value = "q4_0")]
		other: String,
		#[arg(long, default_value_t = 0.0)]
		noise: f32,
	},
	/// Detection and false-reject rates of verification rules against real adversaries.
	Calibrate {
		#[command(flatten)]
		model: ModelArgs,
		#[arg(long, default_value_t = 240)]
		jobs: usize,
		#[arg(long, default_value_t = 48)]
		max_tokens: u32,
		/// Jobs per adversary [default: --jobs].
		#[arg(long)]
		adversary_jobs: Option<usize>,
		/// Rules to compare: K,MILLI,PPM,PERMILLE[;...] [default: the engine's recommended].
		#[arg(long)]
		rule: Option<String>,
		/// Also a provider on another compute path (f32).
		#[arg(long, value_parser = ["f32"])]
		cross_path: Option<String>,
	},
	/// Token ids of a text.
	Tokenize {
		#[command(flatten)]
		model: ModelArgs,
		#[arg(long)]
		text: String,
		/// As the user turn of the chat template.
		#[arg(long)]
		chat: bool,
	},
	/// Writes a tiny random model (for tests).
	MakeTiny {
		#[arg(long)]
		out: PathBuf,
		#[arg(long, default_value_t = 1)]
		seed: u64,
		/// q4_0, q4_1, q8_0 or f32.
		#[arg(long, default_value = "q4_1")]
		dtype: String,
	},
	/// Perplexity of a fixed text.
	Ppl {
		#[command(flatten)]
		model: ModelArgs,
		/// The text [default: the one shipped with the crate].
		#[arg(long)]
		text_file: Option<PathBuf>,
		#[arg(long, default_value_t = 512)]
		window: usize,
	},
}

fn device(args: &ModelArgs) -> CliResult<InferenceDevice> {
	args.inference_device.parse()
}

fn load(args: &ModelArgs) -> CliResult<LoadedModel> {
	let device = device(args)?;
	let compute = match args.compute.as_deref() {
		None => device.default_compute(),
		Some("f32") => ComputePath::DequantizedF32,
		Some("quantized") => ComputePath::Quantized,
		Some(_) => ComputePath::BlockF32,
	};
	LoadedModel::load_on(&args.model, device, compute).map_err(|e| e.to_string())
}

fn prompt_tokens(model: &LoadedModel, args: &PromptArgs) -> CliResult<Vec<u32>> {
	Ok(if args.raw {
		model.tokenizer.encode(&args.prompt, false)
	} else {
		model.tokenizer.encode_chat(args.system.as_deref(), &args.prompt)
	})
}

fn cmd_run(job: &JobArgs) -> CliResult<()> {
	let (model, prompt) = (load(&job.model)?, &job.prompt);
	let input = prompt_tokens(&model, prompt)?;
	let params = job.params.gen()?;
	let g = generate(&model, &input, &params).map_err(|e| e.to_string())?;
	println!("{}", g.text);
	println!("---");
	println!("model_sha256: {}", model.id);
	println!("input_tokens: {}", join(&g.input_tokens));
	println!("output_tokens: {}", join(&g.output_tokens));
	println!("stopped_on_eos: {}", g.stopped_on_eos);
	print_commitment(&model, prompt, &params, &g.output_tokens);
	let n = g.output_tokens.len().max(1) as f64;
	println!(
		"prefill: {:.1} ms, decode: {:.1} tok/s",
		g.prefill_micros as f64 / 1e3,
		n / (g.decode_micros.max(1) as f64 / 1e6)
	);
	Ok(())
}

/// Prints the chain's commitment when the prompt is in chain form (the user turn of the chat
/// template with its default system prompt), the only form a job on chain has.
fn print_commitment(model: &LoadedModel, prompt: &PromptArgs, params: &GenParams, output: &[u32]) {
	if !prompt.raw && prompt.system.is_none() {
		let c = commitment(&model.id.0, prompt.prompt.as_bytes(), params, output);
		println!("commitment: 0x{}", hex(&c));
	}
}

fn join(t: &[u32]) -> String {
	t.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

fn cmd_verify(
	job: &JobArgs,
	output_tokens: &str,
	sample: u32,
	sample_seed: u64,
	rule: Option<&str>,
) -> CliResult<()> {
	let (model, prompt) = (load(&job.model)?, &job.prompt);
	let input = prompt_tokens(&model, prompt)?;
	let params = job.params.gen()?;
	let out: Vec<u32> = output_tokens
		.split(',')
		.filter(|s| !s.trim().is_empty())
		.map(|s| {
			s.trim()
				.parse()
				.map_err(|_| format!("--output-tokens: `{s}` is not a token id"))
		})
		.collect::<CliResult<_>>()?;
	let plan = match sample {
		0 => CheckPlan::All,
		count => CheckPlan::Sample { count, seed: sample_seed },
	};
	let tol = rule.map_or(Ok(Tolerance::default()), |r| {
		parse_rule(r).map(|rule| Tolerance::from_rule(&rule))
	})?;
	let v = verify(&model, &input, &params, &out, &tol, &plan).map_err(|e| e.to_string())?;
	println!("accepted: {}", v.accepted);
	println!("reason: {:?}", v.reason);
	println!("first_divergence: {:?}", v.first_divergence);
	println!("failed_positions: {} of {} checked", v.failed_positions, v.checked_positions);
	println!("min_margin: {}", v.min_margin);
	for e in &v.evidence {
		println!(
			"  position {}: claimed {} ({:?}), model {} ({:?}), margin {}",
			e.position,
			e.claimed,
			model.tokenizer.decode(&[e.claimed], false),
			e.expected,
			model.tokenizer.decode(&[e.expected], false),
			e.margin
		);
	}
	print_commitment(&model, prompt, &params, &out);
	println!("verify_ms: {:.1}", v.micros as f64 / 1e3);
	if v.accepted {
		Ok(())
	} else {
		Err("claim rejected".into())
	}
}

fn median(mut v: Vec<f64>) -> f64 {
	v.sort_by(f64::total_cmp);
	v[v.len() / 2]
}

fn cmd_bench(args: &ModelArgs, gen_tokens: u32, prompt_len: usize, reps: usize) -> CliResult<()> {
	let model = load(args)?;
	let rss_loaded = rss_bytes();
	let reps = reps.max(1);
	let e = |e: attesta_inference::Error| e.to_string();
	let base = "The history of science is a story of curiosity, patience and argument. ";
	let mut long = model.tokenizer.encode(&base.repeat(64), false);
	long.truncate(prompt_len);
	let chat = model
		.tokenizer
		.encode_chat(None, "Write a long story about a dragon who learns to paint.");
	let eos = model.tokenizer.eos_id() as usize;
	// Warm-up (allocations, thread pool start).
	let mut c = model.llama.new_cache();
	model.llama.forward_logits(&long[..16.min(long.len())], &mut c).map_err(e)?;

	let mut prefill = Vec::new();
	let mut prefill_cpu = Vec::new();
	for _ in 0..reps {
		let mut c = model.llama.new_cache();
		let (t, cpu) = (Instant::now(), cpu_seconds());
		model.llama.forward_logits(&long, &mut c).map_err(e)?;
		prefill.push(long.len() as f64 / t.elapsed().as_secs_f64());
		prefill_cpu.push(cpu_seconds() - cpu);
		drop(c);
		attesta_inference::kernels::release_memory();
	}
	let rss_prefill = max_rss_bytes();
	let mut decode = Vec::new();
	let mut decode_cpu = Vec::new();
	let mut gen_cost = Vec::new();
	let mut out = Vec::new();
	for _ in 0..reps {
		let mut c = model.llama.new_cache_for(long.len() + gen_tokens as usize);
		let t0 = Instant::now();
		let mut logits = model.llama.forward_logits(&long, &mut c).map_err(e)?;
		let (t1, cpu) = (Instant::now(), cpu_seconds());
		out.clear();
		for step in 0..gen_tokens {
			// Greedy, but never stop: the bench needs exactly `gen_tokens` decode steps.
			if let Some(l) = logits.get_mut(eos) {
				*l = f32::NEG_INFINITY;
			}
			let tok = sampling::argmax(&logits);
			out.push(tok);
			if step + 1 < gen_tokens {
				logits = model.llama.forward_logits(&[tok], &mut c).map_err(e)?;
			}
		}
		let decode_s = t1.elapsed().as_secs_f64();
		decode_cpu.push(cpu_seconds() - cpu);
		drop(c);
		attesta_inference::kernels::release_memory();
		decode.push(f64::from(gen_tokens.saturating_sub(1)) / decode_s);
		gen_cost.push(t0.elapsed().as_secs_f64());
	}
	let rss_decode = max_rss_bytes();
	let params = GenParams::greedy(gen_tokens);
	let mut ver = Vec::new();
	let mut ver_sample = Vec::new();
	let mut ver_cpu = Vec::new();
	for _ in 0..reps {
		let (t, cpu) = (Instant::now(), cpu_seconds());
		verify(&model, &long, &params, &out, &Tolerance::default(), &CheckPlan::All).map_err(e)?;
		ver.push(t.elapsed().as_secs_f64());
		ver_cpu.push(cpu_seconds() - cpu);
		let t = Instant::now();
		let plan = CheckPlan::Sample { count: 16, seed: 7 };
		verify(&model, &long, &params, &out, &Tolerance::default(), &plan).map_err(e)?;
		ver_sample.push(t.elapsed().as_secs_f64());
	}
	let (g, v, vs) = (median(gen_cost), median(ver), median(ver_sample));
	println!("model: {} ({})", model.path.display(), model.id);
	println!("prefill_prompt: {}", join(&long));
	println!("chat_prompt: {}", join(&chat));
	println!("compute: {:?} on {}", model.compute, device(args)?);
	println!("threads: {}", attesta_inference::kernels::threads());
	println!("prefill_tok_s: {:.1}  ({} prompt tokens)", median(prefill), long.len());
	println!(
		"decode_tok_s: {:.1}  ({} tokens after the {}-token prompt)",
		median(decode),
		gen_tokens,
		long.len()
	);
	println!("generation_s: {:.3}", g);
	println!("verify_all_s: {:.3}  ratio {:.3}", v, v / g);
	println!("verify_sample16_s: {:.3}  ratio {:.3}", vs, vs / g);
	println!("kernel_isa: {:?}", attesta_inference::kernels::isa());
	// CPU seconds of all threads: a contention-independent cost where the machine is shared.
	println!("prefill_cpu_ms_per_token: {:.3}", median(prefill_cpu) * 1e3 / long.len() as f64);
	println!(
		"decode_cpu_ms_per_token: {:.3}",
		median(decode_cpu) * 1e3 / f64::from(gen_tokens.saturating_sub(1).max(1))
	);
	println!("verify_all_cpu_s: {:.3}", median(ver_cpu));
	if let Some(b) = model.llama.native_weight_bytes() {
		println!("weight_bytes: {b}");
	}
	println!("rss_after_load_bytes: {rss_loaded}");
	println!("max_rss_after_prefill_bytes: {rss_prefill}");
	println!("max_rss_after_decode_bytes: {rss_decode}");
	println!("rss_bytes: {}", rss_bytes());
	println!("max_rss_bytes: {}", max_rss_bytes());
	Ok(())
}

/// CPU time consumed so far by all threads of this process (Linux; 0 where unknown).
fn cpu_seconds() -> f64 {
	let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
	tasks
		.filter_map(|t| t.ok())
		.filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
		.filter_map(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()))
		.sum::<u64>() as f64 /
		1e9
}

/// Peak resident set size of this process (Linux; 0 where unknown).
fn max_rss_bytes() -> u64 {
	proc_status_bytes("VmHWM:")
}

/// Current resident set size of this process (Linux; 0 where unknown).
fn rss_bytes() -> u64 {
	proc_status_bytes("VmRSS:")
}

fn proc_status_bytes(key: &str) -> u64 {
	std::fs::read_to_string("/proc/self/status")
		.ok()
		.and_then(|s| {
			s.lines()
				.find(|l| l.starts_with(key))
				.and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
		})
		.map_or(0, |kb| kb * 1024)
}

/// The fixed text the perplexity bench uses (shipped with the crate).
const PPL_TEXT: &str = include_str!("../benches/ppl_text.txt");

fn cmd_ppl(args: &ModelArgs, text_file: Option<&std::path::Path>, window: usize) -> CliResult<()> {
	let model = load(args)?;
	let text = match text_file {
		Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
		None => PPL_TEXT.to_string(),
	};
	let tokens = model.tokenizer.encode(&text, false);
	let t = Instant::now();
	let (nll, n) = eval::perplexity(&model, &tokens, window).map_err(|e| e.to_string())?;
	println!("compute: {:?}", model.compute);
	println!("ppl_tokens: {}", join(&tokens));
	println!("scored: {n} tokens in windows of {window}");
	println!("perplexity: {:.4}", (nll / n as f64).exp());
	println!("ppl_s: {:.2}", t.elapsed().as_secs_f64());
	Ok(())
}

fn cmd_sweep(
	args: &ModelArgs,
	n: usize,
	max_tokens: u32,
	other: &str,
	noise: f32,
) -> CliResult<()> {
	let model = load(args)?;
	let dtype = candle_core_dtype(other)?;
	let tmp = std::env::temp_dir().join(format!("attesta-sweep-other-{}.gguf", std::process::id()));
	eval::rewrite_gguf(&model.path, &tmp, Some(dtype), noise, 1).map_err(|e| e.to_string())?;
	let other = LoadedModel::load_on(&tmp, device(args)?, model.compute).map_err(|e| e.to_string());
	let _ = std::fs::remove_file(&tmp);
	let other = other?;
	let prompts: Vec<Vec<u32>> = eval::sweep_prompts(n)
		.iter()
		.map(|p| model.tokenizer.encode_chat(None, p))
		.collect();
	let params_for = |i: usize| {
		if i.is_multiple_of(2) {
			GenParams::greedy(max_tokens)
		} else {
			GenParams::sampled(max_tokens, 700, 900, i as u64)
		}
	};
	let t = Instant::now();
	let rep = eval::sweep(&model, &other, &prompts, &params_for, &Tolerance::default(), |i, r| {
		if (i + 1) % 20 == 0 {
			eprintln!("{} prompts, {:?}", i + 1, r);
		}
	})
	.map_err(|e| e.to_string())?;
	println!("{rep:#?}");
	println!(
		"false_rejects: {} / {}  false_accepts: {} / {}  ({:.0} s)",
		rep.false_rejects(),
		rep.prompts,
		rep.false_accepts(),
		rep.fabricated.accepted +
			rep.fabricated.rejected +
			rep.tampered_prompt.accepted +
			rep.tampered_prompt.rejected +
			rep.other_model.accepted +
			rep.other_model.rejected,
		t.elapsed().as_secs_f64()
	);
	Ok(())
}

/// Parses `top_k,logit_tolerance_milli,sample_tolerance_ppm,max_mismatch_permille`.
fn parse_rule(s: &str) -> CliResult<VerificationRule> {
	let v: Vec<u32> = s
		.split(',')
		.map(|x| x.trim().parse().map_err(|_| format!("--rule: `{x}` is not a number")))
		.collect::<CliResult<_>>()?;
	let [top_k, logit_tolerance_milli, sample_tolerance_ppm, max_mismatch_permille] = v[..] else {
		return Err(format!("--rule `{s}`: expected four numbers K,MILLI,PPM,PERMILLE"));
	};
	let rule = VerificationRule {
		top_k,
		logit_tolerance_milli,
		sample_tolerance_ppm,
		max_mismatch_permille,
	};
	if !rule.is_valid() {
		return Err(format!("--rule `{s}` is outside the chain's bounds"));
	}
	Ok(rule)
}

fn cmd_calibrate(
	args: &ModelArgs,
	n: usize,
	max_tokens: u32,
	adversary_jobs: Option<usize>,
	rule: Option<&str>,
	cross_path: Option<&str>,
) -> CliResult<()> {
	let model = load(args)?;
	let rules =
		rule.map_or(Ok(vec![eval::RECOMMENDED_RULE]), |s| s.split(';').map(parse_rule).collect())?;
	let tols: Vec<Tolerance> = rules.iter().map(Tolerance::from_rule).collect();
	let e = |e: attesta_inference::Error| e.to_string();
	let mut others = Vec::new();
	for (name, dtype) in [("Q4_0", "q4_0"), ("Q8_0", "q8_0")] {
		let tmp = std::env::temp_dir()
			.join(format!("attesta-calibrate-{dtype}-{}.gguf", std::process::id()));
		eval::rewrite_gguf(&model.path, &tmp, Some(candle_core_dtype(dtype)?), 0.0, 1)
			.map_err(e)?;
		let other = LoadedModel::load_on(&tmp, device(args)?, model.compute);
		let _ = std::fs::remove_file(&tmp);
		others.push((name.to_string(), other.map_err(e)?));
	}
	let cross = match cross_path {
		None => None,
		Some(_) => Some(
			LoadedModel::load_with(
				&model.path,
				&candle_core::Device::Cpu,
				ComputePath::DequantizedF32,
			)
			.map_err(e)?,
		),
	};
	let jobs = eval::calibration_jobs(n, max_tokens);
	let setup = eval::CalibrationSetup {
		model: &model,
		quantizations: others.iter().map(|(n, m)| (n.clone(), m)).collect(),
		cross_path: cross.as_ref(),
		adversary_jobs: adversary_jobs.unwrap_or(n),
		jobs,
	};
	let t = Instant::now();
	let reports = eval::calibrate(&setup, &tols, |done, total| {
		if done % 20 == 0 || done == total {
			eprintln!("{done}/{total} jobs, {:.0} s", t.elapsed().as_secs_f64());
		}
	})
	.map_err(e)?;
	println!(
		"{n} honest jobs (max_tokens up to {max_tokens}; samplers (temperature, top-p) in \
		 thousandths: {:?}), model {} ({:?}, engine version {})\n",
		eval::CALIBRATION_SAMPLERS,
		model.id,
		model.compute,
		attesta_inference::ENGINE_VERSION
	);
	for r in &reports {
		println!("{}", r.markdown());
	}
	println!("calibrate_s: {:.0}", t.elapsed().as_secs_f64());
	Ok(())
}

fn candle_core_dtype(s: &str) -> CliResult<candle_core::quantized::GgmlDType> {
	use candle_core::quantized::GgmlDType as D;
	Ok(match s.to_ascii_lowercase().as_str() {
		"q4_0" => D::Q4_0,
		"q4_1" => D::Q4_1,
		"q8_0" => D::Q8_0,
		"f32" => D::F32,
		_ => return Err(format!("unknown dtype `{s}` (q4_0, q4_1, q8_0, f32)")),
	})
}

fn cmd_tokenize(args: &ModelArgs, text: &str, chat: bool) -> CliResult<()> {
	let model = load(args)?;
	let ids = if chat {
		model.tokenizer.encode_chat(None, text)
	} else {
		model.tokenizer.encode(text, false)
	};
	println!("{}", join(&ids));
	Ok(())
}

fn cmd_make_tiny(out: &std::path::Path, seed: u64, dtype: &str) -> CliResult<()> {
	let mut spec = tiny::TinySpec::new(seed);
	spec.dtype = candle_core_dtype(dtype)?;
	tiny::write_gguf(out, &spec).map_err(|e| e.to_string())?;
	println!("{}", out.display());
	Ok(())
}

fn main() -> ExitCode {
	let cli: Cli = clap::Parser::parse();
	if cli.threads > 0 {
		set_compute_threads(cli.threads);
	}
	let res = match &cli.command {
		Command::Run(job) => cmd_run(job),
		Command::Verify { job, output_tokens, sample, sample_seed, rule } =>
			cmd_verify(job, output_tokens, *sample, *sample_seed, rule.as_deref()),
		Command::Bench { model, gen_tokens, prompt_tokens, reps } =>
			cmd_bench(model, *gen_tokens, *prompt_tokens, *reps),
		Command::Sweep { model, prompts, max_tokens, other, noise } =>
			cmd_sweep(model, *prompts, *max_tokens, other, *noise),
		Command::Calibrate { model, jobs, max_tokens, adversary_jobs, rule, cross_path } =>
			cmd_calibrate(
				model,
				*jobs,
				*max_tokens,
				*adversary_jobs,
				rule.as_deref(),
				cross_path.as_deref(),
			),
		Command::Ppl { model, text_file, window } => cmd_ppl(model, text_file.as_deref(), *window),
		Command::MakeTiny { out, seed, dtype } => cmd_make_tiny(out, *seed, dtype),
		Command::Tokenize { model, text, chat } => cmd_tokenize(model, text, *chat),
	};
	match res {
		Ok(()) => ExitCode::SUCCESS,
		Err(e) => {
			eprintln!("error: {e}");
			ExitCode::FAILURE
		},
	}
}
