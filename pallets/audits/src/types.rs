//! Stored types of the audits pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{traits::AtLeast32BitUnsigned, Perbill, Saturating};

/// The market's governed settings: sampling, disputes, slashing, stake, the job budget cap and
/// the challenge window. One value, changed only by `AdminOrigin`, because the rule that
/// cheating must not pay ([`MarketSettings::cheating_pays`]) ties the rate, the slash, the stake
/// and the budget cap together.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct MarketSettings<Balance, BlockNumber> {
	/// Chance that a new provider's job is checked (expected checks per job).
	pub initial_rate: Perbill,
	/// The lowest chance any job is checked, however long the provider's clean record.
	pub floor_rate: Perbill,
	/// Completed jobs after which a provider's rate has halved: the rate is
	/// `max(floor, initial × h / (h + completed))`.
	pub half_rate_after: u32,
	/// Members a dispute committee round draws, in expectation.
	pub committee_size: u32,
	/// Share of a dispute's votes that decides it.
	pub supermajority: Perbill,
	/// Committee rounds before an undecided dispute is dismissed.
	pub max_rounds: u32,
	/// Blocks a committee round lasts.
	pub round_length: BlockNumber,
	/// Share of a provider's stake slashed for a bad result.
	pub provider_slash: Perbill,
	/// Share of a checker's bond slashed for a false alarm or for vouching for a bad result.
	pub checker_slash: Perbill,
	/// Share of a slash paid to whoever was wronged or exposed it; the rest goes to the
	/// checkers' pool.
	pub whistleblower_share: Perbill,
	/// Least bond a checker holds while registered.
	pub checker_bond: Balance,
	/// Bond a dapp puts up to challenge a result.
	pub challenge_bond: Balance,
	/// Price of raising a job's check probability by 100 % (pro rata), paid to the pool.
	pub check_price: Balance,
	/// Paid from the checkers' pool to each checker whose verdict stood.
	pub checker_reward: Balance,
	/// Blocks a decided slash waits, during which governance can cancel it.
	pub slash_delay: BlockNumber,
	/// Least bonded stake with which a provider gets jobs.
	pub minimum_stake: Balance,
	/// Largest budget a job may escrow, hence the most a provider can earn from one job.
	pub max_job_budget: Balance,
	/// Blocks between a result and its payment, during which it can be checked and disputed.
	pub challenge_window: BlockNumber,
	/// Share of each payment that goes to the checkers' pool.
	pub verification_fee_share: Perbill,
}

impl<Balance, BlockNumber> MarketSettings<Balance, BlockNumber>
where
	Balance: AtLeast32BitUnsigned + Copy,
{
	/// Whether a provider would gain, in expectation, by posting results it never computed.
	///
	/// A cheater saves at most the job's price `P` (the cost of computing cannot sensibly exceed
	/// what the job pays). Each of its results is checked with probability at least `q` (see
	/// [`least_check_chance`], at the `floor_rate`); when caught, it forfeits `P` (the dapp is
	/// refunded) and loses `provider_slash × minimum_stake` of its stake. Cheating does not pay
	/// when `q × (P + slash × stake) > P` for the largest `P`, `max_job_budget`.
	pub fn cheating_pays(&self) -> bool {
		self.cheating_pays_at(self.minimum_stake, self.max_job_budget)
	}

	/// Whether a provider with `stake` would gain, in expectation, by posting results it never
	/// computed for open jobs whose budgets add up to `exposure`, all at once.
	///
	/// It saves at most `exposure`. Each of its results is checked with probability at least
	/// `q`, so at least one of them is caught with probability at least `q`; one caught result
	/// suspends it and slashes `provider_slash × stake`, and every caught result forfeits its
	/// budget. So cheating does not pay when `q × (slash × stake + exposure) > exposure`: the
	/// rule of [`MarketSettings::cheating_pays`], over everything the provider holds open.
	pub fn cheating_pays_at(&self, stake: Balance, exposure: Balance) -> bool {
		// Rounded down: the rule errs on the side of refusing.
		let at_risk = self.provider_slash.mul_floor(stake);
		let expected_loss =
			least_check_chance(self.floor_rate).mul_floor(at_risk.saturating_add(exposure));
		expected_loss <= exposure
	}
}

/// A lower bound on the chance that a result checked at `rate` gets at least one check.
///
/// Each of `n` checkers is drawn with probability `rate / n`, so no check happens with
/// probability `(1 − rate/n)^n ≤ e^−rate`, and `1 − e^−r ≥ r − r²/2` for every `r ≥ 0`. The bound
/// holds for any number of checkers, provided one is registered and honest.
pub fn least_check_chance(rate: Perbill) -> Perbill {
	rate.saturating_sub(Perbill::from_parts(rate.square().deconstruct() / 2))
}

/// Checks a dapp bought for its job: the rate and what it paid for it (refunded if the job
/// ends without a result).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct BoughtCheck<Balance> {
	/// The chance bought.
	pub rate: Perbill,
	/// Paid to the checkers' pool so far.
	pub paid: Balance,
}

/// A registered checker.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct CheckerInfo<Balance, BlockNumber> {
	/// Its sr25519 `chck` key: signs its verdict transactions' VRFs. Unique among checkers,
	/// and proven to be held by the checker's account at registration.
	pub key: [u8; 32],
	/// Bond held under `HoldReason::CheckerBond`.
	pub bond: Balance,
	/// Its verdicts on jobs that are still open, disputes it raised that are open, and slashes
	/// against it that are pending: while any is, it cannot leave (nor be evicted), so the
	/// bond stays slashable for every verdict it gave.
	pub open_cases: u32,
	/// When it registered or last changed its key: it may only be drawn against seeds this
	/// block or later fixes (a block's hash is fixed by the block itself, registration
	/// included), so a key cannot be made and registered once it is known to be drawn.
	pub registered_at: BlockNumber,
	/// Its draws and answers since it registered or was last reported silent.
	pub draws: DrawRecord,
}

/// One checker's record against the [`DrawLedger`]: how many draws it could have answered, and
/// how many it did. Its draws are secret, but its chance at every draw is public, so its
/// expected number of draws is too; an answer rate far below it shows silence (see
/// [`DrawRecord::silent`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct DrawRecord {
	/// The ledger's `counted` when the record started: earlier draws are not its own.
	pub baseline: u128,
	/// Its chance, in parts per billion, at draws it could not answer: its own results as a
	/// provider, disputes it is party to, committee rounds on jobs it had judged already.
	pub excused: u128,
	/// Verdicts it gave since the record started.
	pub answered: u32,
	/// Times it was found silent (its reputation as a checker).
	pub silences: u32,
}

/// Standard deviations below its expected draws at which a checker's answers prove silence: a
/// checker that answers every draw falls that far below with probability under e⁻¹⁸ (Chernoff),
/// about 1.5 × 10⁻⁸, and a silent one is found after 36 expected draws.
pub const SILENCE_SIGMAS: u128 = 6;

impl DrawRecord {
	/// Its expected number of draws so far, in parts per billion, given the `ledger`. Every
	/// rounding is in the checker's favour: draws still being answered, and draws cut short,
	/// are not counted.
	pub fn expected(&self, ledger: &DrawLedger) -> u128 {
		ledger
			.counted
			.saturating_sub(ledger.in_flight)
			.saturating_sub(self.baseline)
			.saturating_sub(self.excused)
	}

	/// Whether its answers are more than [`SILENCE_SIGMAS`] standard deviations below its
	/// expected draws: `(μ − answered)² > σ² μ`, in parts per billion.
	pub fn silent(&self, ledger: &DrawLedger) -> bool {
		const BILLION: u128 = 1_000_000_000;
		let expected = self.expected(ledger);
		let answered = u128::from(self.answered).saturating_mul(BILLION);
		let Some(missing) = expected.checked_sub(answered) else { return false };
		missing.saturating_mul(missing) >
			SILENCE_SIGMAS
				.saturating_mul(SILENCE_SIGMAS)
				.saturating_mul(expected)
				.saturating_mul(BILLION)
	}
}

/// The sum, over every draw of the audit protocol (a result's sample check, a dispute round),
/// of each eligible checker's chance in it, in parts per billion: with each checker's
/// [`DrawRecord`], its expected number of draws.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct DrawLedger {
	/// Draws opened, less those cut short (a sample check ended by a dispute, a round by the
	/// job's end).
	pub counted: u128,
	/// The part of `counted` still open, whose drawn checkers may still be at work.
	pub in_flight: u128,
}

impl DrawLedger {
	/// A draw with each checker's `chance` opens.
	pub fn open(&mut self, chance: u32) {
		self.counted = self.counted.saturating_add(chance.into());
		self.in_flight = self.in_flight.saturating_add(chance.into());
	}

	/// An open draw ends: it counts.
	pub fn close(&mut self, chance: u32) {
		self.in_flight = self.in_flight.saturating_sub(chance.into());
	}

	/// An open draw is cut short: it does not count.
	pub fn cut(&mut self, chance: u32) {
		self.close(chance);
		self.counted = self.counted.saturating_sub(chance.into());
	}
}

/// A result under check, from its posting to its settlement.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct Checkable<AccountId, BlockNumber> {
	/// The provider that posted it.
	pub provider: AccountId,
	/// Its commitment.
	pub commitment: [u8; 32],
	/// The block that included it: that block's hash seeds the sample draw (round 0), so the
	/// draw is fixed only after the result is, and nothing the provider chose enters it.
	pub posted_at: BlockNumber,
	/// When it settles unless disputed.
	pub settle_at: BlockNumber,
	/// Chance it is checked (the provider's rate, or what the dapp bought).
	pub rate: Perbill,
	/// Each checker's chance to be drawn for the sample check, in parts per billion: fixed when
	/// the result is posted, so checkers registering later cannot turn pending verdicts into
	/// `NotSelected`.
	pub chance: u32,
	/// Sample checks that accepted it so far: they count as votes if it is disputed.
	pub accepts: u32,
	/// Share of the provider's stake slashed if it is found bad (the job's terms).
	pub provider_slash: Perbill,
}

/// Who raised a dispute.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum Accuser<AccountId> {
	/// A sampled checker whose re-execution disagreed.
	Checker(AccountId),
	/// The dapp, with a bond.
	Dapp(AccountId),
}

impl<AccountId> Accuser<AccountId> {
	/// The accusing account.
	pub fn account(&self) -> &AccountId {
		match self {
			Self::Checker(a) | Self::Dapp(a) => a,
		}
	}
}

/// An open dispute over a result.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct Dispute<AccountId, Balance, BlockNumber> {
	/// Who raised it.
	pub accuser: Accuser<AccountId>,
	/// The challenge bond the accusing dapp holds until the dispute ends (zero for a checker):
	/// recorded, because governance may change the settings' bond while the dispute runs.
	pub bond: Balance,
	/// Current committee round (from 1).
	pub round: u32,
	/// The block that opened the current round: its hash seeds the round's draw.
	pub round_started: BlockNumber,
	/// Each checker's chance to sit on the current round's committee, in parts per billion,
	/// fixed when the round opened.
	pub chance: u32,
	/// Last block of the current round.
	pub round_ends: BlockNumber,
	/// Votes that must be cast, at the least, for a supermajority to decide: a majority of
	/// the committee the checker set can field, fixed when the dispute opened.
	pub quorum: u32,
	/// Votes so far that the result is bad.
	pub guilty: u32,
	/// Votes so far (sample checks included) that the result is what the model produces.
	pub innocent: u32,
}

/// A checker's verdict on a result, kept until its witness is tallied after the job closes. A
/// checker gives at most one verdict per job: once cast it is final.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Verdict {
	/// Round it was given in: 0 for the sample check, then the dispute's rounds.
	pub round: u32,
	/// Whether the checker found the result to be what the model produces.
	pub accepted: bool,
	/// Its commitment to its work witness (`attesta_primitives::witness::commitment`).
	pub witness: [u8; 32],
	/// The witness digest it revealed once the job closed.
	pub revealed: Option<[u8; 32]>,
	/// A slash for this verdict is already decided (a voucher of a bad result, a false
	/// accuser): the tally does not slash it again.
	pub slashed: bool,
}

/// Who earns a reward for its verdict on a closed job, once its witness holds.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub enum Earners<AccountId> {
	/// The result was paid: those who accepted it.
	Accepters,
	/// The result was found bad: those who rejected it, except the accuser (paid from the
	/// slash as whistleblower).
	Rejecters {
		/// The accusing checker, if a checker accused.
		except: Option<AccountId>,
	},
	/// No verdict decided anything (the dispute was undecided, or the job ended otherwise).
	Nobody,
}

/// A closed job whose checkers are revealing their witnesses.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Reveal<AccountId, BlockNumber> {
	/// The first block at which the witnesses are tallied (reveals close).
	pub due: BlockNumber,
	/// Whose verdicts earn a reward.
	pub earners: Earners<AccountId>,
}

/// Whose funds a slash takes.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum SlashFrom {
	/// A provider's stake.
	ProviderStake,
	/// A checker's bond.
	CheckerBond,
}

/// A decided slash, waiting out the appeal delay.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, MaxEncodedLen)]
pub struct PendingSlash<AccountId, BlockNumber> {
	/// Who loses funds.
	pub offender: AccountId,
	/// From which hold.
	pub from: SlashFrom,
	/// Share of that hold.
	pub fraction: Perbill,
	/// Who gets the whistleblower share, if anyone.
	pub beneficiary: Option<AccountId>,
	/// The job it is about; `None` for a checker's silence, which is about no one job.
	pub job: Option<u64>,
	/// When it executes unless cancelled.
	pub execute_at: BlockNumber,
}

/// A slash's identifier, in order of decision.
pub type SlashId = u32;
