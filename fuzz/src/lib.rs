//! A fuzzer for the Attesta runtime: random sequences of extrinsics from random origins
//! (signed by funded and empty accounts, and root through sudo), block after block, built and
//! applied the way the node does it, with the market's invariants checked after every block
//! (see [`invariants`]). Every run is a pure function of its seed, so any finding replays with
//! `attesta-fuzz --seed N`.

pub mod actions;
pub mod actors;
pub mod chain;
pub mod invariants;
pub mod rng;

use actions::Sender;
use attesta_runtime::{Runtime, RuntimeCall, RuntimeEvent};
use sp_runtime::DispatchError;
use std::{
	collections::BTreeMap,
	panic::{catch_unwind, AssertUnwindSafe},
};

/// A broken invariant or a panic, with what replays it.
#[derive(Debug)]
pub struct Finding {
	/// The run's seed.
	pub seed: u64,
	/// The block in which it showed.
	pub block: u32,
	/// What broke.
	pub message: String,
}

impl std::fmt::Display for Finding {
	fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		write!(f, "seed {} block {}: {}", self.seed, self.block, self.message)
	}
}

/// What the runs did, for the report.
#[derive(Default)]
pub struct Stats {
	/// Runs finished.
	pub runs: u64,
	/// Blocks built.
	pub blocks: u64,
	/// Extrinsics applied (included), whether their call succeeded or not.
	pub applied: u64,
	/// Extrinsics refused as invalid (bad nonce, cannot pay, ...): never included.
	pub refused: u64,
	/// Per call, `[succeeded, failed]`.
	pub calls: BTreeMap<String, [u64; 2]>,
	/// Per call, how often each error failed it.
	pub errors: BTreeMap<String, u64>,
	/// How often each event happened.
	pub events: BTreeMap<String, u64>,
}

/// `Pallet.call` of a call (`Sudo(sudo(...))` counts as the wrapped call).
fn call_name(call: &RuntimeCall) -> String {
	attesta_runtime::variant_name(call)
}

/// `Pallet.Error` of a failed dispatch, when a pallet's error.
fn error_name(error: &DispatchError) -> String {
	attesta_runtime::error_name(*error)
}

fn new_events(from: &mut usize) -> Vec<RuntimeEvent> {
	let all = frame_system::Pallet::<Runtime>::read_events_no_consensus();
	let new: Vec<RuntimeEvent> = all.skip(*from).map(|r| r.event).collect();
	*from += new.len();
	new
}

/// One run: `blocks` blocks of random extrinsics from the development genesis. Stops at the
/// first finding.
pub fn run(seed: u64, blocks: u32, stats: &mut Stats) -> Result<(), Finding> {
	let finding = |block, message| Finding { seed, block, message };
	let mut ext = chain::development_genesis().map_err(|e| finding(0, e))?;
	let actors = actors::actors();
	let mut rng = rng::Rng::new(seed);
	let mut chain = chain::Chain::at_genesis();
	let mut shadow = invariants::Shadow::default();
	// `ATTESTA_FUZZ_TRACE=1` prints every extrinsic and event: what a replay is for.
	let trace = std::env::var_os("ATTESTA_FUZZ_TRACE").is_some();
	if rng.chance(50) {
		// Half the runs start with short windows, rounds and slash delays, so that more jobs go
		// all the way to settlement, verdict and executed slash within the run.
		ext.execute_with(|| {
			let fast = pallet_audits::MarketSettings {
				challenge_window: 4,
				round_length: 3,
				slash_delay: 6,
				..pallet_audits::Settings::<Runtime>::get()
			};
			pallet_audits::Pallet::<Runtime>::validate(&fast)
				.map(|()| pallet_audits::Settings::<Runtime>::put(fast))
				.map_err(|e| finding(0, format!("fast settings refused: {e:?}")))
		})?;
	}
	for _ in 0..blocks {
		let block = chain.number + 1;
		let outcome = catch_unwind(AssertUnwindSafe(|| {
			ext.execute_with(|| -> Result<(), String> {
				let issuance_before = pallet_balances::TotalIssuance::<Runtime>::get();
				chain.open_block()?;
				let mut cursor = 0;
				shadow.on_events(&new_events(&mut cursor))?;
				// Mostly quiet blocks, so windows and rounds pass; some busy ones.
				let count = if rng.chance(40) { 0 } else { rng.range(1, 12) };
				for _ in 0..count {
					let Some(action) = actions::next(&mut rng, &actors) else { continue };
					let (signer, call) = match action.sender {
						Sender::Signed(i) => (i, action.call),
						Sender::Root => (
							actors::SUDO,
							RuntimeCall::Sudo(pallet_sudo::Call::sudo {
								call: Box::new(action.call),
							}),
						),
					};
					let actor = &actors[signer];
					let nonce = frame_system::Pallet::<Runtime>::account_nonce(&actor.id)
						.checked_add_signed(action.nonce_offset as i32)
						.unwrap_or(0);
					let name = match &call {
						RuntimeCall::Sudo(pallet_sudo::Call::sudo { call }) => call_name(call),
						c => call_name(c),
					};
					if trace {
						println!("#{block} {} {call:?}", signer);
					}
					match chain::apply(chain::signed(call, &actor.pair, nonce)) {
						Ok(result) => {
							stats.applied += 1;
							// A sudo call's own outcome is in its `Sudid` event.
							let sudid =
								new_events(&mut cursor.clone()).iter().find_map(|e| match e {
									RuntimeEvent::Sudo(pallet_sudo::Event::Sudid {
										sudo_result: Err(e),
									}) => Some(*e),
									_ => None,
								});
							let error = result.err().or(sudid);
							stats.calls.entry(name.clone()).or_default()
								[usize::from(error.is_some())] += 1;
							if let Some(e) = error {
								*stats
									.errors
									.entry(format!("{name}: {}", error_name(&e)))
									.or_default() += 1;
							}
						},
						Err(_) => stats.refused += 1,
					}
					shadow.on_events(&new_events(&mut cursor))?;
				}
				chain.close_block();
				shadow.on_events(&new_events(&mut cursor))?;
				if trace {
					for e in new_events(&mut 0) {
						println!("#{block}   {e:?}");
					}
				}
				shadow.check_block(issuance_before)
			})
		}));
		match outcome {
			Ok(Ok(())) => stats.blocks += 1,
			Ok(Err(message)) => return Err(finding(block, message)),
			Err(panic) => {
				let message = panic
					.downcast_ref::<String>()
					.cloned()
					.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
					.unwrap_or_default();
				return Err(finding(block, format!("panic: {message}")));
			},
		}
		if block.is_multiple_of(64) {
			ext.commit_all().map_err(|e| finding(block, format!("commit: {e}")))?;
		}
	}
	for (name, n) in std::mem::take(&mut shadow.event_counts) {
		*stats.events.entry(name).or_default() += n;
	}
	stats.runs += 1;
	Ok(())
}
