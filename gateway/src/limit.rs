//! A per-client rate limit on the read-only views: each `GET /v1/attesta/*` costs the node
//! storage reads, and the views need no key, so without a limit anyone could load the node
//! through the gateway. A token bucket per client IP address: `burst` requests at once, refilled
//! at `per_second`; a request over it is refused with 429 and how long to wait.

use std::{
	collections::HashMap,
	net::IpAddr,
	sync::Mutex,
	time::{Duration, Instant},
};

/// Clients remembered at most: past it, the buckets of clients that are full again (idle long
/// enough to have refilled) are forgotten, so a flood of addresses cannot grow the map.
const MAX_CLIENTS: usize = 10_000;

/// The buckets of all clients.
pub struct RateLimit {
	per_second: u32,
	burst: u32,
	buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
	/// Requests it may make now, in thousandths.
	milli_tokens: u64,
	/// When `milli_tokens` was last brought up to date.
	at: Instant,
}

impl RateLimit {
	/// `per_second` requests a second per client, `burst` at once (both at least 1).
	pub fn new(per_second: u32, burst: u32) -> Self {
		Self { per_second: per_second.max(1), burst: burst.max(1), buckets: Mutex::default() }
	}

	/// Takes one request from `client`'s bucket at `now`; `Err(wait)` when it is empty, with how
	/// long until it holds one again.
	pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
		let full = u64::from(self.burst).saturating_mul(1_000);
		let rate = u64::from(self.per_second);
		let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
		if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
			buckets.retain(|_, b| refilled(*b, now, rate) < full);
			if buckets.len() >= MAX_CLIENTS {
				// Every remembered client is busy: a newcomer waits for one to go idle.
				return Err(Duration::from_secs(1));
			}
		}
		let bucket = buckets.entry(client).or_insert(Bucket { milli_tokens: full, at: now });
		let tokens = refilled(*bucket, now, rate).min(full);
		if tokens < 1_000 {
			*bucket = Bucket { milli_tokens: tokens, at: now };
			let missing = 1_000u64.saturating_sub(tokens);
			return Err(Duration::from_millis(missing.div_ceil(rate.max(1))));
		}
		*bucket = Bucket { milli_tokens: tokens.saturating_sub(1_000), at: now };
		Ok(())
	}
}

/// The bucket's tokens at `now`, refilled at `rate` a second since it was last updated.
fn refilled(b: Bucket, now: Instant, rate: u64) -> u64 {
	let elapsed =
		u64::try_from(now.saturating_duration_since(b.at).as_millis()).unwrap_or(u64::MAX);
	b.milli_tokens.saturating_add(elapsed.saturating_mul(rate))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_client_gets_its_burst_then_its_rate_and_others_are_not_affected() {
		let limit = RateLimit::new(2, 3);
		let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
		let t0 = Instant::now();
		for _ in 0..3 {
			assert_eq!(limit.take(a, t0), Ok(()));
		}
		assert_eq!(limit.take(a, t0), Err(Duration::from_millis(500)), "empty: half a second");
		assert_eq!(limit.take(b, t0), Ok(()), "another client has its own bucket");
		assert_eq!(limit.take(a, t0 + Duration::from_millis(499)), Err(Duration::from_millis(1)));
		assert_eq!(limit.take(a, t0 + Duration::from_millis(500)), Ok(()));
		// Idle for a minute, it has its burst again, not more.
		let later = t0 + Duration::from_secs(60);
		for _ in 0..3 {
			assert_eq!(limit.take(a, later), Ok(()));
		}
		assert!(limit.take(a, later).is_err());
	}

	#[test]
	fn a_flood_of_addresses_does_not_grow_the_table_without_bound() {
		let limit = RateLimit::new(1, 1);
		let t0 = Instant::now();
		for i in 0..MAX_CLIENTS as u32 {
			let ip = IpAddr::from(i.to_be_bytes());
			assert_eq!(limit.take(ip, t0), Ok(()));
		}
		let newcomer = IpAddr::from([255, 255, 255, 255]);
		assert_eq!(limit.take(newcomer, t0), Err(Duration::from_secs(1)), "all busy: wait");
		assert_eq!(limit.buckets.lock().unwrap().len(), MAX_CLIENTS);
		// Everyone refilled a second later: the newcomer's arrival forgets the idle buckets.
		assert_eq!(limit.take(newcomer, t0 + Duration::from_secs(1)), Ok(()));
		assert_eq!(limit.buckets.lock().unwrap().len(), 1);
	}
}
