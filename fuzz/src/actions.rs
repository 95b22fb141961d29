//! What the fuzzer does next: a random call from a random actor, mostly well-formed enough to
//! get deep into the market (jobs that get answered, checked, disputed and slashed), often
//! aimed at the wrong account, state or bound, and sometimes raw bytes decoded as any call.

use crate::{actors::Actor, rng::Rng};
use attesta_primitives::{
	selection::{self, VrfProof},
	witness, GenParams, JobId,
};
use attesta_runtime::{AccountId, Balance, Runtime, RuntimeCall, UNIT};
use codec::{Decode, Encode};
use pallet_jobs::JobStatus;
use pallet_providers::{HardwareClass, Price};
use sp_core::{crypto::VrfSecret, Pair};
use sp_runtime::Perbill;

/// Who sends a call.
pub enum Sender {
	/// Signed by the actor at this index.
	Signed(usize),
	/// Root, through the sudo key.
	Root,
}

/// One extrinsic to try.
pub struct Action {
	/// Its sender.
	pub sender: Sender,
	/// The call.
	pub call: RuntimeCall,
	/// Added to the sender's nonce: 0 is right, others must be refused.
	pub nonce_offset: i64,
}

/// The tokens an honest provider "generates" for a prompt: a fixed function of the job, so a
/// checker (the fuzzer) can tell an honest result from a fabricated one.
pub fn honest_output(prompt: &[u8], params: &GenParams) -> Vec<u32> {
	let digest = sp_io::hashing::blake2_256(&(prompt, params.seed).encode());
	let n = params.max_tokens.min(8) as usize;
	digest
		.chunks(4)
		.take(n)
		.map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) % 49_152)
		.collect()
}

/// The work witness an honest checker of `job` computes (the fuzzer's stand-in for the
/// runner-up tokens of a real forward pass: a fixed function of the job).
pub fn honest_witness(job: JobId) -> Option<[u8; 32]> {
	let job = pallet_jobs::Jobs::<Runtime>::get(job)?;
	Some(witness::digest(&honest_output(&job.prompt, &job.params)))
}

/// The witness a lazy checker guesses instead of running the model: its own, so lazy checkers
/// never agree with each other by chance.
fn lazy_witness(job: JobId, who: &AccountId) -> [u8; 32] {
	sp_io::hashing::blake2_256(&(b"lazy", job, who).encode())
}

/// Picks the next action in the current state (call inside externalities).
pub fn next(rng: &mut Rng, actors: &[Actor]) -> Option<Action> {
	let who = rng.below(actors.len() as u64) as usize;
	let signed = |call| Some(Action { sender: Sender::Signed(who), call, nonce_offset: 0 });
	let action = match rng.below(100) {
		0..=7 => signed(transfer(rng, actors)),
		8..=13 => signed(register_provider(rng)),
		14..=15 => signed(update_provider(rng)),
		16..=19 => signed(stake_change(rng)),
		20..=35 => signed(submit_job(rng)),
		36..=40 => provider_of_a_job(rng, actors, |job_id| {
			RuntimeCall::Jobs(pallet_jobs::Call::accept_job { job_id })
		}),
		41..=54 => submit_result(rng, actors),
		55..=57 => owner_of_a_job(rng, actors, is_assigned, |_, job_id| {
			RuntimeCall::Jobs(pallet_jobs::Call::cancel_job { job_id })
		}),
		58..=61 => signed(register_checker(rng, &actors[who], actors)),
		62 => signed(RuntimeCall::Audits(pallet_audits::Call::deregister_checker {})),
		63..=78 => verdict(rng, actors),
		79..=82 => owner_of_a_job(rng, actors, is_posted, |_, job_id| {
			RuntimeCall::Audits(pallet_audits::Call::challenge { job_id })
		}),
		83..=85 => owner_of_a_job(rng, actors, is_assigned, |rng, job_id| {
			let rate = Perbill::from_parts(rng.below(1_000_000_001) as u32);
			RuntimeCall::Audits(pallet_audits::Call::buy_checks { job_id, rate })
		}),
		86..=87 => Some(Action { sender: Sender::Root, call: governance(rng), nonce_offset: 0 }),
		88..=90 => raw_call(rng).and_then(signed),
		91..=95 => reveal(rng, actors),
		96..=97 => signed(report_silent(rng, actors)),
		98 => signed(provider_operator(rng, actors)),
		99 => signed(checker_operator(rng, &actors[who], actors)),
		_ => None,
	};
	action.map(|mut a| {
		if rng.chance(3) {
			a.nonce_offset = if rng.chance(50) { -1 } else { 1 };
		}
		a
	})
}

fn is_assigned(s: &JobStatus<AccountId, Balance, u32>) -> bool {
	matches!(s, JobStatus::Assigned { .. })
}

fn is_posted(s: &JobStatus<AccountId, Balance, u32>) -> bool {
	matches!(s, JobStatus::ResultPosted { .. })
}

fn transfer(rng: &mut Rng, actors: &[Actor]) -> RuntimeCall {
	let dest = rng.pick(actors).id.clone().into();
	let value = rng.amount(100 * UNIT);
	RuntimeCall::Balances(match rng.below(4) {
		0 => pallet_balances::Call::transfer_keep_alive { dest, value },
		1 => pallet_balances::Call::transfer_all { dest, keep_alive: rng.chance(50) },
		_ => pallet_balances::Call::transfer_allow_death { dest, value },
	})
}

fn offer(rng: &mut Rng) -> (Vec<u32>, Price<Balance>, Vec<u8>, HardwareClass, u32) {
	let models = match rng.below(10) {
		0 => vec![],
		1 => vec![0, 1, 7],
		2 => vec![0, 0],
		_ => vec![0],
	};
	let price = Price {
		input: UNIT / 1_000 * rng.below(4) as u128,
		output: UNIT / 100 * rng.below(4) as u128,
	};
	let region = match rng.below(8) {
		0 => {
			let n = rng.below(40) as usize;
			rng.bytes(n)
		},
		1..=3 => b"us".to_vec(),
		_ => b"eu".to_vec(),
	};
	let hardware =
		*rng.pick(&[HardwareClass::Cpu, HardwareClass::ConsumerGpu, HardwareClass::DatacenterGpu]);
	let capacity = rng.range(0, 8) as u32 + if rng.chance(5) { 64 } else { 0 };
	(models, price, region, hardware, capacity)
}

fn register_provider(rng: &mut Rng) -> RuntimeCall {
	let (models, price, region, hardware, capacity) = offer(rng);
	let stake = rng.amount(1_500 * UNIT);
	RuntimeCall::Providers(pallet_providers::Call::register {
		stake,
		models,
		price,
		region,
		hardware,
		capacity,
	})
}

fn update_provider(rng: &mut Rng) -> RuntimeCall {
	let (models, price, region, hardware, capacity) = offer(rng);
	RuntimeCall::Providers(pallet_providers::Call::update {
		models,
		price,
		region,
		hardware,
		capacity,
	})
}

fn stake_change(rng: &mut Rng) -> RuntimeCall {
	let amount = rng.amount(500 * UNIT);
	RuntimeCall::Providers(match rng.below(5) {
		0 => pallet_providers::Call::bond_extra { amount },
		1 => pallet_providers::Call::withdraw_unbonded {},
		2 => pallet_providers::Call::deregister {},
		_ => pallet_providers::Call::unbond { amount },
	})
}

fn submit_job(rng: &mut Rng) -> RuntimeCall {
	let now = frame_system::Pallet::<Runtime>::block_number();
	let prompt_len = if rng.chance(3) { rng.below(9_000) } else { rng.range(1, 48) };
	let params = GenParams {
		max_tokens: if rng.chance(5) { rng.below(3_000) as u32 } else { rng.range(1, 16) as u32 },
		temperature_milli: if rng.chance(5) {
			rng.next_u64() as u32
		} else {
			rng.below(1_500) as u32
		},
		top_p_milli: if rng.chance(5) {
			rng.below(2_000) as u32
		} else {
			rng.range(1, 1_000) as u32
		},
		seed: rng.next_u64(),
	};
	let max_price = if rng.chance(80) {
		Price { input: UNIT, output: UNIT }
	} else {
		Price { input: rng.amount(UNIT / 1_000), output: rng.amount(UNIT / 100) }
	};
	let region = match rng.below(6) {
		0 => Some(b"eu".to_vec()),
		1 => Some({
			let n = rng.below(40) as usize;
			rng.bytes(n)
		}),
		_ => None,
	};
	let deadline = match rng.below(20) {
		0 => now.saturating_sub(rng.below(3) as u32),
		1 => now + 1_000 + rng.below(1_000) as u32,
		_ => now + rng.range(1, 12) as u32,
	};
	RuntimeCall::Jobs(pallet_jobs::Call::submit_job {
		model: if rng.chance(95) { 0 } else { rng.below(3) as u32 },
		// Mostly text; sometimes bytes that are not UTF-8, which the chain must refuse.
		prompt: if rng.chance(90) {
			rng.bytes(prompt_len as usize).iter().map(|b| b'a' + b % 26).collect()
		} else {
			rng.bytes(prompt_len as usize)
		},
		params,
		max_price,
		region,
		budget: rng.amount(UNIT),
		deadline,
	})
}

/// A known job id, sometimes one that does not exist.
fn some_job(rng: &mut Rng) -> JobId {
	let next = pallet_jobs::NextJobId::<Runtime>::get();
	if rng.chance(5) || next == 0 {
		rng.below(next + 3)
	} else {
		// Recent jobs are the live ones.
		next - 1 - rng.below(next.min(12))
	}
}

/// A job whose status passes `wanted` (mostly), else [`some_job`].
fn job_where(rng: &mut Rng, wanted: impl Fn(&JobStatus<AccountId, Balance, u32>) -> bool) -> JobId {
	let ids: Vec<JobId> = pallet_jobs::Jobs::<Runtime>::iter()
		.filter(|(_, j)| wanted(&j.status))
		.map(|(id, _)| id)
		.collect();
	if ids.is_empty() || rng.chance(15) {
		some_job(rng)
	} else {
		*rng.pick(&ids)
	}
}

fn index_of(actors: &[Actor], who: &AccountId) -> Option<usize> {
	actors.iter().position(|a| &a.id == who)
}

/// `make(job)` sent by the job's owner (mostly) or anyone.
fn owner_of_a_job(
	rng: &mut Rng,
	actors: &[Actor],
	wanted: impl Fn(&JobStatus<AccountId, Balance, u32>) -> bool,
	make: impl FnOnce(&mut Rng, JobId) -> RuntimeCall,
) -> Option<Action> {
	let job_id = job_where(rng, wanted);
	let owner = pallet_jobs::Jobs::<Runtime>::get(job_id).and_then(|j| index_of(actors, &j.owner));
	let who = match owner {
		Some(i) if rng.chance(90) => i,
		_ => rng.below(actors.len() as u64) as usize,
	};
	Some(Action { sender: Sender::Signed(who), call: make(rng, job_id), nonce_offset: 0 })
}

/// An assigned job (mostly) and its provider (mostly), else anyone.
fn assigned(rng: &mut Rng, actors: &[Actor]) -> (usize, JobId) {
	let job_id = job_where(rng, is_assigned);
	let provider = match pallet_jobs::Jobs::<Runtime>::get(job_id).map(|j| j.status) {
		Some(JobStatus::Assigned { provider, .. }) |
		Some(JobStatus::ResultPosted { provider, .. }) => index_of(actors, &provider),
		_ => None,
	};
	match provider {
		Some(i) if rng.chance(90) =>
			(acting(rng, actors, i, |p| pallet_providers::Operators::<Runtime>::get(p)), job_id),
		_ => (rng.below(actors.len() as u64) as usize, job_id),
	}
}

/// `principal` or, half the time when it has one among the actors, its operator.
fn acting(
	rng: &mut Rng,
	actors: &[Actor],
	principal: usize,
	operator_of: impl FnOnce(&AccountId) -> Option<AccountId>,
) -> usize {
	match operator_of(&actors[principal].id).and_then(|op| index_of(actors, &op)) {
		Some(op) if rng.chance(50) => op,
		_ => principal,
	}
}

/// A provider names an operator (any actor: a provider, a checker, another's operator, itself)
/// or removes it; refused unless the rules allow it.
fn provider_operator(rng: &mut Rng, actors: &[Actor]) -> RuntimeCall {
	let operator = if rng.chance(20) { None } else { Some(rng.pick(actors).id.clone()) };
	RuntimeCall::Providers(pallet_providers::Call::set_operator { operator })
}

/// A checker hands its work to an operator whose key becomes its VRF key, proven by that key
/// (or, sometimes, by another actor's: refused).
fn checker_operator(rng: &mut Rng, actor: &Actor, actors: &[Actor]) -> RuntimeCall {
	let op = rng.pick(actors);
	let holder = if rng.chance(90) { &op.pair } else { &rng.pick(actors).pair };
	let key_proof =
		VrfProof::from_signature(&holder.vrf_sign(&selection::key_proof_data(&actor.id.encode())))
			.unwrap_or(VrfProof { pre_output: [0; 32], proof: [0; 64] });
	let operator = if rng.chance(20) { None } else { Some(op.id.clone()) };
	RuntimeCall::Audits(pallet_audits::Call::set_operator {
		operator,
		key: op.pair.public().0,
		key_proof,
	})
}

fn provider_of_a_job(
	rng: &mut Rng,
	actors: &[Actor],
	make: impl FnOnce(JobId) -> RuntimeCall,
) -> Option<Action> {
	let (who, job_id) = assigned(rng, actors);
	Some(Action { sender: Sender::Signed(who), call: make(job_id), nonce_offset: 0 })
}

/// A provider posts a result: honest, fabricated (a cheat the checkers should catch), or
/// malformed (too long, wrong commitment, too many input tokens).
fn submit_result(rng: &mut Rng, actors: &[Actor]) -> Option<Action> {
	let (who, job_id) = assigned(rng, actors);
	let job = pallet_jobs::Jobs::<Runtime>::get(job_id)?;
	let mut output = honest_output(&job.prompt, &job.params);
	if rng.chance(30) {
		output = (0..rng.range(1, job.params.max_tokens.min(8) as u64))
			.map(|_| rng.below(49_152) as u32)
			.collect();
	}
	if rng.chance(3) {
		output.extend((0..=job.params.max_tokens).map(|_| 1));
	}
	let weights = pallet_models::Models::<Runtime>::get(job.model)
		.map(|m| m.weights_hash)
		.unwrap_or_default();
	let mut commitment =
		attesta_primitives::commitment(&weights, &job.prompt, &job.params, &output);
	if rng.chance(5) {
		commitment = sp_io::hashing::blake2_256(&rng.bytes(8));
	}
	let bound = pallet_jobs::Pallet::<Runtime>::input_token_bound(&job.prompt);
	let call = RuntimeCall::Jobs(pallet_jobs::Call::submit_result {
		job_id,
		input_tokens: rng.range(0, bound as u64 + 2) as u32,
		output_text: {
			let n = rng.below(32) as usize;
			rng.bytes(n)
		},
		output_tokens: output,
		commitment,
	});
	Some(Action { sender: Sender::Signed(who), call, nonce_offset: 0 })
}

/// The actor registers as a checker with its own key as VRF key (so the fuzzer can draw),
/// proving possession; sometimes it tries a key it does not hold, or another's proof.
fn register_checker(rng: &mut Rng, actor: &Actor, actors: &[Actor]) -> RuntimeCall {
	let other = rng.pick(actors);
	let (key, holder) = if rng.chance(90) {
		(actor.pair.public().0, &actor.pair)
	} else {
		// A key cloner: someone else's key, with a proof made by that key for the cloner's
		// account (which it could not make) or for its owner's account (which it could copy).
		(other.pair.public().0, &other.pair)
	};
	let proof_for = if rng.chance(80) { actor.id.encode() } else { other.id.encode() };
	let key_proof =
		VrfProof::from_signature(&holder.vrf_sign(&selection::key_proof_data(&proof_for)))
			.unwrap_or(VrfProof { pre_output: [0; 32], proof: [0; 64] });
	RuntimeCall::Audits(pallet_audits::Call::register_checker {
		key,
		bond: rng.amount(150 * UNIT),
		key_proof,
	})
}

/// A checker's verdict on a posted result, in the round that is open: usually from a checker
/// the draw selected, usually right about whether the result is honest.
fn verdict(rng: &mut Rng, actors: &[Actor]) -> Option<Action> {
	let open: Vec<JobId> = pallet_audits::Checkables::<Runtime>::iter_keys().collect();
	if open.is_empty() {
		return None;
	}
	let job_id = *rng.pick(&open);
	let checkable = pallet_audits::Checkables::<Runtime>::get(job_id)?;
	let round = pallet_audits::Disputes::<Runtime>::get(job_id).map(|d| d.round).unwrap_or(0);
	let round = if rng.chance(5) { rng.below(4) as u32 } else { round };
	let (seeded_at, chance) =
		pallet_audits::Pallet::<Runtime>::draw_terms(job_id, &checkable, round).unwrap_or_default();
	let seed = pallet_audits::Pallet::<Runtime>::seed(seeded_at).unwrap_or_default();
	let mut candidates: Vec<(usize, VrfProof, bool)> = Vec::new();
	for (i, a) in actors.iter().enumerate() {
		let Some(info) = pallet_audits::Checkers::<Runtime>::get(&a.id) else { continue };
		// The checker's VRF key: its own, or its operator's after a `set_operator`.
		let key = actors.iter().find(|h| h.pair.public().0 == info.key).unwrap_or(a);
		let account = a.id.encode();
		let data = selection::sign_data(&account, job_id, round, &seed);
		let proof = VrfProof::from_signature(&key.pair.vrf_sign(&data))?;
		let drawn = selection::verified_draw(&info.key, &account, job_id, round, &seed, &proof)
			.is_some_and(|d| selection::is_selected(d, chance));
		candidates.push((i, proof, drawn));
	}
	// A replay: another checker's proof, sent from this one's account.
	if candidates.len() >= 2 && rng.chance(5) {
		let stolen = candidates[1].1;
		candidates[0].1 = stolen;
		candidates[0].2 = false;
	}
	let drawn: Vec<_> = candidates.iter().filter(|c| c.2).cloned().collect();
	let (who, proof, _) = if !drawn.is_empty() && rng.chance(90) {
		*rng.pick(&drawn)
	} else if !candidates.is_empty() {
		*rng.pick(&candidates)
	} else {
		return None;
	};
	let job = pallet_jobs::Jobs::<Runtime>::get(job_id)?;
	let result = pallet_jobs::Results::<Runtime>::get(job_id)?;
	let honest = result.output_tokens.into_inner() == honest_output(&job.prompt, &job.params);
	let accepted = if rng.chance(85) { honest } else { !honest };
	let account = actors[who].id.clone();
	// Mostly a checker that ran the model; else a lazy one guessing its witness, or one
	// copying another verdict's commitment.
	let copied = pallet_audits::Verdicts::<Runtime>::iter_prefix_values(job_id).next();
	let witness = match rng.below(100) {
		0..=79 => witness::commitment(&account.encode(), job_id, &honest_witness(job_id)?),
		80..=94 => witness::commitment(&account.encode(), job_id, &lazy_witness(job_id, &account)),
		_ => copied.map_or([0; 32], |v| v.witness),
	};
	let call = RuntimeCall::Audits(pallet_audits::Call::submit_verdict {
		job_id,
		round,
		proof,
		accepted,
		witness,
	});
	let sender = acting(rng, actors, who, |c| pallet_audits::Operators::<Runtime>::get(c));
	Some(Action { sender: Sender::Signed(sender), call, nonce_offset: 0 })
}

/// Anyone reports an account (mostly a checker) as silent: refused unless its answers prove
/// it, which the fuzzer's checkers (voting on a random share of their draws) sometimes do.
fn report_silent(rng: &mut Rng, actors: &[Actor]) -> RuntimeCall {
	let checkers: Vec<AccountId> = pallet_audits::Checkers::<Runtime>::iter_keys().collect();
	let checker = if checkers.is_empty() || rng.chance(10) {
		rng.pick(actors).id.clone()
	} else {
		rng.pick(&checkers).clone()
	};
	RuntimeCall::Audits(pallet_audits::Call::report_silent { checker })
}

/// A checker reveals its witness on a closed job: the one its verdict committed to when it can
/// (honest or lazy), else the honest one (a copier, refused); sometimes at the wrong job.
fn reveal(rng: &mut Rng, actors: &[Actor]) -> Option<Action> {
	let revealing: Vec<JobId> = pallet_audits::Reveals::<Runtime>::iter_keys().collect();
	let job_id = if revealing.is_empty() || rng.chance(5) {
		rng.below(pallet_jobs::NextJobId::<Runtime>::get().saturating_add(2))
	} else {
		*rng.pick(&revealing)
	};
	// Mostly one not yet revealed.
	let unrevealed = rng.chance(90);
	let verdicts: Vec<(AccountId, pallet_audits::Verdict)> =
		pallet_audits::Verdicts::<Runtime>::iter_prefix(job_id)
			.filter(|(_, v)| !unrevealed || v.revealed.is_none())
			.collect();
	let (account, verdict) = if verdicts.is_empty() { return None } else { rng.pick(&verdicts) };
	let who = index_of(actors, account)?;
	let honest = honest_witness(job_id).unwrap_or_default();
	let lazy = lazy_witness(job_id, account);
	let witness = if witness::commitment(&account.encode(), job_id, &lazy) == verdict.witness {
		lazy
	} else {
		honest
	};
	let call = RuntimeCall::Audits(pallet_audits::Call::reveal_witness { job_id, witness });
	let sender = acting(rng, actors, who, |c| pallet_audits::Operators::<Runtime>::get(c));
	Some(Action { sender: Sender::Signed(sender), call, nonce_offset: 0 })
}

/// Root calls: settings changed one to three fields at a time (often refused), slashes
/// cancelled, the model retired or re-limited, a second model registered.
fn governance(rng: &mut Rng) -> RuntimeCall {
	match rng.below(10) {
		0..=4 => {
			let mut s = pallet_audits::Settings::<Runtime>::get();
			for _ in 0..rng.range(1, 3) {
				match rng.below(14) {
					0 => s.initial_rate = Perbill::from_percent(rng.below(101) as u32),
					1 => s.floor_rate = Perbill::from_percent(rng.below(101) as u32),
					2 => s.committee_size = rng.below(6) as u32,
					3 => s.max_rounds = rng.below(5) as u32,
					4 => s.round_length = rng.below(8) as u32,
					5 => s.provider_slash = Perbill::from_percent(rng.below(101) as u32),
					6 => s.checker_slash = Perbill::from_percent(rng.below(101) as u32),
					7 => s.checker_bond = rng.amount(100 * UNIT),
					8 => s.challenge_bond = rng.amount(10 * UNIT),
					9 => s.slash_delay = rng.below(30) as u32,
					10 => s.minimum_stake = rng.amount(1_000 * UNIT),
					11 => s.max_job_budget = rng.amount(10 * UNIT),
					12 => s.challenge_window = rng.below(25) as u32,
					_ => s.verification_fee_share = Perbill::from_percent(rng.below(60) as u32),
				}
			}
			RuntimeCall::Audits(pallet_audits::Call::set_settings { new: s })
		},
		5..=6 => RuntimeCall::Audits(pallet_audits::Call::cancel_slash {
			id: rng.below(u64::from(pallet_audits::NextSlashId::<Runtime>::get()) + 2) as u32,
		}),
		7 => RuntimeCall::Models(pallet_models::Call::set_active {
			model_id: rng.below(2) as u32,
			active: rng.chance(70),
		}),
		8 => RuntimeCall::Models(pallet_models::Call::set_limits {
			model_id: rng.below(2) as u32,
			max_context_tokens: rng.range(0, 10_000) as u32,
			max_output_tokens: rng.range(0, 600) as u32,
		}),
		_ => RuntimeCall::Models(pallet_models::Call::register_model {
			name: {
				let n = rng.range(0, 70) as usize;
				rng.bytes(n)
			},
			architecture: pallet_models::Architecture::Llama,
			weights_hash: sp_io::hashing::blake2_256(&rng.bytes(4)),
			tokenizer: pallet_models::Tokenizer::GgufEmbedded,
			max_context_tokens: rng.range(0, 10_000) as u32,
			max_output_tokens: rng.range(0, 600) as u32,
			class: pallet_models::ModelClass {
				compute: *rng.pick(&[
					pallet_models::ComputePath::BlockF32,
					pallet_models::ComputePath::DequantizedF32,
				]),
				engine_version: rng.below(3) as u32,
			},
			verification: pallet_models::VerificationRule {
				top_k: rng.range(0, 40) as u32,
				logit_tolerance_milli: rng.below(5_000) as u32,
				sample_tolerance_ppm: rng.below(120_000) as u32,
				max_mismatch_permille: rng.below(1_100) as u32,
			},
		}),
	}
}

/// Random bytes after a pallet and call index, decoded as a call if they decode. Not sudo's:
/// Alice would soon give the key away and end governance for the rest of the run.
fn raw_call(rng: &mut Rng) -> Option<RuntimeCall> {
	let mut bytes = vec![*rng.pick(&[0u8, 4, 7, 10, 11, 12, 13]), rng.below(8) as u8];
	let len = rng.below(200) as usize;
	bytes.extend(rng.bytes(len));
	RuntimeCall::decode(&mut &bytes[..]).ok()
}
