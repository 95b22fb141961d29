//! Provider registry tests.

#![allow(clippy::arithmetic_side_effects)]

mod operators;
mod registration;
mod stake;

use crate::{mock::*, HardwareClass, Price};

/// Default prices: 2 per input token, 5 per output token.
pub fn price() -> Price<Balance> {
	Price { input: 2, output: 5 }
}

/// Registers `who` for `MODEL` with `stake`, in region `eu`, capacity 2.
pub fn register(who: u64, stake: Balance) -> sp_runtime::DispatchResult {
	crate::Pallet::<Test>::register(
		RuntimeOrigin::signed(who),
		stake,
		vec![MODEL],
		price(),
		b"eu".to_vec(),
		HardwareClass::Cpu,
		2,
	)
}
