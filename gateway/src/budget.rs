//! Per-key spending limits. A job is charged the most it can cost before it is submitted (its
//! escrow), so concurrent requests cannot overspend; its settlement corrects the charge to what
//! it really cost (provider's pay plus the checkers' fee).

use attesta_runtime::Balance;
use std::sync::Mutex;

/// What one key may still spend.
#[derive(Debug)]
pub struct Budget {
	/// `None`: no limit.
	limit: Option<Balance>,
	state: Mutex<Spent>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Spent {
	/// Cost of settled jobs.
	settled: Balance,
	/// Most that open jobs can still cost.
	reserved: Balance,
}

/// A charge held for an open job, returned by [`Budget::reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a reservation must be settled or released"]
pub struct Reservation(Balance);

impl Reservation {
	/// The amount held.
	pub fn amount(&self) -> Balance {
		self.0
	}
}

/// A snapshot for the reply's `attesta` extras and the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
	/// The limit, if any.
	pub limit: Option<Balance>,
	/// Spent on settled jobs.
	pub settled: Balance,
	/// Held for open jobs.
	pub reserved: Balance,
}

impl Budget {
	/// A budget of `limit` base units (`None`: unlimited).
	pub fn new(limit: Option<Balance>) -> Self {
		Self { limit, state: Mutex::new(Spent::default()) }
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Spent> {
		// The state is two numbers updated together: a panicking holder cannot leave it torn.
		self.state.lock().unwrap_or_else(|e| e.into_inner())
	}

	/// Holds `amount` if what is left covers it; otherwise says how much is left.
	pub fn reserve(&self, amount: Balance) -> Result<Reservation, Balance> {
		let mut s = self.lock();
		if let Some(limit) = self.limit {
			let left = limit.saturating_sub(s.settled).saturating_sub(s.reserved);
			if amount > left {
				return Err(left);
			}
		}
		s.reserved = s.reserved.saturating_add(amount);
		Ok(Reservation(amount))
	}

	/// The job behind `r` ended having cost `cost`: the hold becomes that charge (never more
	/// than was held).
	pub fn settle(&self, r: Reservation, cost: Balance) {
		let mut s = self.lock();
		s.reserved = s.reserved.saturating_sub(r.0);
		s.settled = s.settled.saturating_add(cost.min(r.0));
	}

	/// The job behind `r` never ran (refused, or refunded in full).
	pub fn release(&self, r: Reservation) {
		self.settle(r, 0)
	}

	/// Where the key stands.
	pub fn standing(&self) -> Standing {
		let s = *self.lock();
		Standing { limit: self.limit, settled: s.settled, reserved: s.reserved }
	}
}

impl Standing {
	/// What is left to spend, if limited.
	pub fn left(&self) -> Option<Balance> {
		self.limit.map(|l| l.saturating_sub(self.settled).saturating_sub(self.reserved))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn holds_the_worst_case_and_settles_to_the_real_cost() {
		let b = Budget::new(Some(100));
		let a = b.reserve(60).unwrap();
		// A second job's worst case does not fit beside the first one's.
		assert_eq!(b.reserve(50), Err(40));
		let c = b.reserve(40).unwrap();
		assert_eq!(b.standing().left(), Some(0));
		// The first job cost 25 of its 60: 35 come back.
		b.settle(a, 25);
		assert_eq!(b.standing(), Standing { limit: Some(100), settled: 25, reserved: 40 });
		b.release(c);
		assert_eq!(b.standing().left(), Some(75));
		// A settlement never charges more than was held.
		let d = b.reserve(10).unwrap();
		b.settle(d, 1_000);
		assert_eq!(b.standing().left(), Some(65));
	}

	#[test]
	fn no_limit_never_refuses() {
		let b = Budget::new(None);
		let r = b.reserve(Balance::MAX).unwrap();
		assert!(b.reserve(Balance::MAX).is_ok());
		b.settle(r, 7);
		assert_eq!(b.standing().left(), None);
	}
}
