//! A sequence of dependent parallel steps run by whichever compute threads take part: each step
//! is cut into chunks that the threads claim one at a time, and the thread that finishes a
//! step's last chunk runs its serial epilogue and opens the next step. A thread that is
//! preempted (or joins late) holds up no one unless it is in the middle of a chunk; the others
//! claim the rest, as with work stealing. A thread with nothing left to claim spins for a short
//! while until the next step opens (steps take tens of microseconds), then sleeps on a
//! condition variable, so it does not burn a core that a preempted partner needs.

use std::{
	hint::spin_loop,
	sync::{
		atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
		Condvar, Mutex,
	},
	time::{Duration, Instant},
};

/// How long a thread waiting for the next step spins before it sleeps.
const SPIN: Duration = Duration::from_micros(50);

/// The shared state of one run of steps `0, 1, …`.
pub(crate) struct Steps {
	/// The open step (high 32 bits) and its next unclaimed chunk (low 32 bits).
	word: AtomicU64,
	/// Finished chunks of the open step.
	done: AtomicUsize,
	/// Threads asleep on `wake` (the opener of a step takes the lock only when there are some).
	sleepers: AtomicUsize,
	/// Set when a thread panicked in a step: the others must not wait for it.
	poisoned: AtomicBool,
	lock: Mutex<()>,
	wake: Condvar,
}

impl Steps {
	/// Step 0 open, nothing claimed.
	pub(crate) fn new() -> Self {
		Self {
			word: AtomicU64::new(0),
			done: AtomicUsize::new(0),
			sleepers: AtomicUsize::new(0),
			poisoned: AtomicBool::new(false),
			lock: Mutex::new(()),
			wake: Condvar::new(),
		}
	}

	/// The open step.
	pub(crate) fn current(&self) -> u32 {
		(self.word.load(Ordering::Acquire) >> 32) as u32
	}

	/// This thread's part of step `step` of `chunks` chunks: waits until the step opens (returns
	/// at once if it is already over), then claims chunks and runs `work` on each until none is
	/// left. The thread that finishes the last chunk runs `last` and opens the next step. All
	/// the writes of a step's chunks and epilogue are visible to every thread in later steps.
	///
	/// Every thread must call this for the steps in increasing order with the same `chunks`.
	///
	/// # Panics
	/// When another thread panicked in a step.
	pub(crate) fn run(
		&self,
		step: u32,
		chunks: usize,
		mut work: impl FnMut(usize),
		last: impl FnOnce(),
	) {
		assert!(chunks > 0 && chunks < 1 << 32, "chunks of a step");
		if self.wait_for(step) > step {
			return;
		}
		let mut w = self.word.load(Ordering::Acquire);
		loop {
			if (w >> 32) as u32 != step || (w & 0xffff_ffff) as usize >= chunks {
				return;
			}
			match self.word.compare_exchange_weak(w, w + 1, Ordering::AcqRel, Ordering::Acquire) {
				Ok(_) => {
					let poison = PoisonOnPanic(self);
					work((w & 0xffff_ffff) as usize);
					std::mem::forget(poison);
					if self.done.fetch_add(1, Ordering::AcqRel) + 1 == chunks {
						// Every chunk is claimed and finished: no one touches `done` until the
						// next step opens.
						self.done.store(0, Ordering::Relaxed);
						let poison = PoisonOnPanic(self);
						last();
						std::mem::forget(poison);
						self.open(step + 1);
						return;
					}
					w = self.word.load(Ordering::Acquire);
				},
				Err(now) => w = now,
			}
		}
	}

	/// Waits until step `step` (or a later one) is open; returns the open step.
	///
	/// # Panics
	/// When another thread panicked in a step.
	pub(crate) fn wait_for(&self, step: u32) -> u32 {
		let now = self.current();
		if now >= step {
			return now;
		}
		let start = Instant::now();
		let mut spins = 0u32;
		loop {
			let now = self.current();
			if now >= step {
				return now;
			}
			self.check();
			spin_loop();
			spins += 1;
			if spins.is_multiple_of(64) && start.elapsed() > SPIN {
				return self.sleep(step);
			}
		}
	}

	fn open(&self, step: u32) {
		// SeqCst with `sleep`'s increment of `sleepers` then read of the step: either the
		// sleeper sees the new step, or this sees the sleeper (and takes the lock, which the
		// sleeper holds until it waits on the condition variable).
		self.word.store(u64::from(step) << 32, Ordering::SeqCst);
		if self.sleepers.load(Ordering::SeqCst) > 0 {
			let _held = self.lock.lock().unwrap_or_else(|e| e.into_inner());
			self.wake.notify_all();
		}
	}

	fn sleep(&self, step: u32) -> u32 {
		let mut held = self.lock.lock().unwrap_or_else(|e| e.into_inner());
		self.sleepers.fetch_add(1, Ordering::SeqCst);
		let mut now = (self.word.load(Ordering::SeqCst) >> 32) as u32;
		while now < step && !self.poisoned.load(Ordering::SeqCst) {
			held = self.wake.wait(held).unwrap_or_else(|e| e.into_inner());
			now = (self.word.load(Ordering::SeqCst) >> 32) as u32;
		}
		self.sleepers.fetch_sub(1, Ordering::SeqCst);
		drop(held);
		self.check();
		now
	}

	fn check(&self) {
		if self.poisoned.load(Ordering::Relaxed) {
			panic!("a thread of the parallel steps panicked");
		}
	}
}

/// Poisons the steps if dropped while its thread unwinds (a chunk or epilogue panicked), so
/// that the other threads leave their waits with a panic instead of hanging.
struct PoisonOnPanic<'a>(&'a Steps);

impl Drop for PoisonOnPanic<'_> {
	fn drop(&mut self) {
		let s = self.0;
		s.poisoned.store(true, Ordering::SeqCst);
		let _held = s.lock.lock().unwrap_or_else(|e| e.into_inner());
		s.wake.notify_all();
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Each step writes one slot per chunk and its epilogue checks all of them, so a chunk run
	/// twice, skipped, or run before the previous step ended would be seen.
	#[test]
	fn steps_run_in_order_with_every_chunk_once() {
		for threads in [1, 2, 3, 4] {
			let (steps, chunks) = (200u32, 7);
			let s = Steps::new();
			let slots: Vec<AtomicUsize> = (0..chunks).map(|_| AtomicUsize::new(0)).collect();
			let epilogues = AtomicUsize::new(0);
			std::thread::scope(|sc| {
				for t in 0..threads {
					let (s, slots, epilogues) = (&s, &slots, &epilogues);
					sc.spawn(move || {
						for step in 0..steps {
							s.run(
								step,
								chunks,
								|i| {
									// Chunks of this step see the previous step complete.
									assert_eq!(slots[i].load(Ordering::Relaxed), step as usize);
									if step % 50 == 0 && t == 1 {
										std::thread::sleep(Duration::from_micros(300));
									}
									slots[i].fetch_add(1, Ordering::Relaxed);
								},
								|| {
									for c in slots {
										assert_eq!(c.load(Ordering::Relaxed), step as usize + 1);
									}
									epilogues.fetch_add(1, Ordering::Relaxed);
								},
							);
						}
						s.wait_for(steps);
					});
				}
			});
			assert_eq!(epilogues.load(Ordering::Relaxed), steps as usize);
			assert_eq!(s.current(), steps);
		}
	}

	#[test]
	fn a_panic_releases_the_others() {
		let s = Steps::new();
		let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
			std::thread::scope(|sc| {
				sc.spawn(|| {
					s.run(0, 2, |_| panic!("boom"), || {});
				});
				sc.spawn(|| {
					std::thread::sleep(Duration::from_millis(5));
					s.run(0, 2, |_| {}, || {});
					s.wait_for(1);
				});
			})
		}));
		assert!(r.is_err());
	}
}
