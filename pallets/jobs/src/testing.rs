//! Test support for the mocks of this and other pallets: a signer key type whose sr25519 keys,
//! from a real keystore, stand for `u64` accounts, so off-chain workers can be tested signing
//! with real keys; and a scripted inference engine.

use attesta_primitives::offchain::{
	CheckReport, Execution, InferenceError, InferenceHost, InferenceTask, ModelHash, TaskState,
	Ticket,
};
use sp_core::sr25519;
use sp_runtime::traits::IdentifyAccount;
use std::{collections::BTreeMap, sync::Mutex};

/// An sr25519 key standing in for a signer, identifying one of a mock's `u64` accounts.
#[derive(
	Clone, PartialEq, Eq, PartialOrd, Ord, Debug, codec::Encode, codec::Decode, scale_info::TypeInfo,
)]
pub struct MockPublic(pub sr25519::Public);

impl IdentifyAccount for MockPublic {
	type AccountId = u64;
	/// The first eight bytes of the key, little-endian.
	fn into_account(self) -> u64 {
		let [a, b, c, d, e, f, g, h, ..] = self.0 .0;
		u64::from_le_bytes([a, b, c, d, e, f, g, h])
	}
}

impl From<sr25519::Public> for MockPublic {
	fn from(p: sr25519::Public) -> Self {
		Self(p)
	}
}

impl TryFrom<MockPublic> for sr25519::Public {
	type Error = ();
	fn try_from(p: MockPublic) -> Result<Self, ()> {
		Ok(p.0)
	}
}

impl frame_system::offchain::AppCrypto<MockPublic, sr25519::Signature> for crate::ProviderSigner {
	type RuntimeAppPublic = attesta_primitives::keys::provider::Public;
	type GenericPublic = sr25519::Public;
	type GenericSignature = sr25519::Signature;
}

/// The tokens the [`ScriptedEngine`] "generates".
pub const OUTPUT: [u32; 3] = [5, 6, 7];

/// An inference engine for off-chain worker tests: holds one model, finishes a task after
/// `delay` polls — an execution with [`OUTPUT`], a check with the scripted verdict — and can
/// forget its tasks, as a node restart does.
pub struct ScriptedEngine {
	model: ModelHash,
	tasks: Mutex<BTreeMap<Ticket, (InferenceTask, u32)>>,
	seen: Mutex<Vec<InferenceTask>>,
	submitted: Mutex<u32>,
	delay: u32,
	accept: bool,
	claims_hold: bool,
}

impl ScriptedEngine {
	/// An engine for `model` that answers at the first poll and accepts every claim.
	pub fn new(model: ModelHash) -> Self {
		Self {
			model,
			tasks: Default::default(),
			seen: Default::default(),
			submitted: Default::default(),
			delay: 0,
			accept: true,
			claims_hold: true,
		}
	}

	/// Finds every result's claims (text, billed input) false.
	pub fn with_false_claims(mut self) -> Self {
		self.claims_hold = false;
		self
	}

	/// Answers after `delay` polls.
	pub fn with_delay(mut self, delay: u32) -> Self {
		self.delay = delay;
		self
	}

	/// Rejects every claim it checks.
	pub fn rejecting(mut self) -> Self {
		self.accept = false;
		self
	}

	/// Forgets every task (a node restart).
	pub fn forget_all(&self) {
		self.tasks.lock().unwrap_or_else(|p| p.into_inner()).clear();
	}

	/// Tasks the engine holds (not yet polled to the end, nor cancelled).
	pub fn held(&self) -> usize {
		self.tasks.lock().unwrap_or_else(|p| p.into_inner()).len()
	}

	/// Every task submitted so far, in order.
	pub fn seen(&self) -> Vec<InferenceTask> {
		self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
	}

	/// Tasks submitted so far.
	pub fn submitted(&self) -> u32 {
		*self.submitted.lock().unwrap_or_else(|p| p.into_inner())
	}
}

impl InferenceHost for ScriptedEngine {
	fn cancel(&self, ticket: Ticket) -> bool {
		self.tasks.lock().unwrap_or_else(|p| p.into_inner()).remove(&ticket).is_some()
	}

	fn check_claims(&self, _: &InferenceTask) -> Result<bool, InferenceError> {
		Ok(self.claims_hold)
	}

	fn submit(&self, task: InferenceTask) -> Result<Ticket, InferenceError> {
		let mut n = self.submitted.lock().unwrap_or_else(|p| p.into_inner());
		*n = n.saturating_add(1);
		self.seen.lock().unwrap_or_else(|p| p.into_inner()).push(task.clone());
		self.tasks
			.lock()
			.unwrap_or_else(|p| p.into_inner())
			.insert(Ticket::from(*n), (task, 0));
		Ok(Ticket::from(*n))
	}

	fn poll(&self, ticket: Ticket) -> TaskState {
		let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
		let Some((task, polls)) = tasks.get_mut(&ticket) else { return TaskState::Unknown };
		if *polls < self.delay {
			*polls = polls.saturating_add(1);
			return TaskState::Pending;
		}
		let task = task.clone();
		tasks.remove(&ticket);
		match task {
			InferenceTask::Execute { model_hash, prompt, params, .. } =>
				TaskState::Executed(Execution {
					input_tokens: 4,
					output_tokens: OUTPUT.to_vec(),
					text: b"five six seven".to_vec(),
					commitment: attesta_primitives::commitment(
						&model_hash,
						&prompt,
						&params,
						&OUTPUT,
					),
				}),
			InferenceTask::Check { output_tokens, .. } => TaskState::Checked(CheckReport {
				accepted: self.accept,
				first_divergence: (!self.accept).then_some(0),
				failed_positions: u32::from(!self.accept),
				checked_positions: u32::try_from(output_tokens.len()).unwrap_or(u32::MAX),
				witness: attesta_primitives::witness::digest(&output_tokens),
			}),
		}
	}

	fn models(&self) -> Vec<ModelHash> {
		vec![self.model]
	}

	fn pending(&self) -> usize {
		self.held()
	}
}
