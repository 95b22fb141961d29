//! A short fuzzing run on fixed seeds, so CI catches a broken invariant or a panic on every
//! change; `attesta-fuzz --seconds N` runs it for as long as you like (see README).

use attesta_fuzz::{run, Stats};

#[test]
fn random_extrinsics_keep_every_invariant() {
	let mut stats = Stats::default();
	for seed in 0..6 {
		if let Err(finding) = run(seed, 300, &mut stats) {
			panic!("{finding}\nreplay: attesta-fuzz --seed {} --runs 1 --blocks 300", finding.seed);
		}
	}
	// The runs must get deep into the market, or they prove little.
	for event in [
		"Jobs.JobSettled",
		"Jobs.ResultSubmitted",
		"Audits.DisputeOpened",
		"Providers.ProviderRegistered",
	] {
		assert!(stats.events.get(event).copied().unwrap_or(0) > 0, "no {event} in the smoke runs");
	}
	assert!(stats.applied > 1_000, "only {} extrinsics applied", stats.applied);
}
