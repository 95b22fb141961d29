//! Amounts in ATT as people type and read them: exact decimals, never floating point.

use crate::{Error, Result};
use attesta_runtime::{Balance, UNIT};

/// Decimal places of one ATT in plancks.
pub const DECIMALS: u32 = 12;

/// `"1.5"` ATT to plancks, exactly; refuses signs, more than 12 decimals and overflow.
pub fn parse_att(text: &str) -> Result<Balance> {
	let bad = |why: &str| Error::Invalid(format!("{text:?} is not an amount of ATT: {why}"));
	let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
	if whole.is_empty() && frac.is_empty() {
		return Err(bad("empty"));
	}
	let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
	if !digits(whole) || !digits(frac) {
		return Err(bad("digits and one decimal point only"));
	}
	if frac.len() > DECIMALS as usize {
		return Err(bad("at most 12 decimals (1 planck = 0.000000000001 ATT)"));
	}
	let whole: Balance =
		if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad("too large"))? };
	let frac_plancks: Balance = if frac.is_empty() {
		0
	} else {
		let scale = 10u128.pow(DECIMALS - frac.len() as u32);
		frac.parse::<Balance>().map_err(|_| bad("too large"))? * scale
	};
	whole
		.checked_mul(UNIT)
		.and_then(|p| p.checked_add(frac_plancks))
		.ok_or_else(|| bad("too large"))
}

/// Plancks as ATT with every significant decimal: `1.5 ATT`, `0.000000000001 ATT`, `3 ATT`.
pub fn format_att(plancks: Balance) -> String {
	let frac = format!("{:012}", plancks % UNIT);
	let frac = frac.trim_end_matches('0');
	if frac.is_empty() {
		format!("{} ATT", plancks / UNIT)
	} else {
		format!("{}.{frac} ATT", plancks / UNIT)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn amounts_parse_and_print_exactly() {
		assert_eq!(parse_att("1.5"), Ok(1_500_000_000_000));
		assert_eq!(parse_att("0.000000000001"), Ok(1));
		assert_eq!(parse_att("10"), Ok(10 * UNIT));
		assert_eq!(parse_att(".25"), Ok(UNIT / 4));
		// 0.1 + 0.2 is exactly 0.3 here, as it is not in f64.
		assert_eq!(
			parse_att("0.1").unwrap() + parse_att("0.2").unwrap(),
			parse_att("0.3").unwrap()
		);
		let too_large = (Balance::MAX / UNIT + 1).to_string();
		for bad in ["", ".", "-1", "1e3", "1.2.3", "0.0000000000001", "1,5", too_large.as_str()] {
			assert!(parse_att(bad).is_err(), "{bad:?}");
		}
		assert_eq!(format_att(1_500_000_000_000), "1.5 ATT");
		assert_eq!(format_att(1), "0.000000000001 ATT");
		assert_eq!(format_att(3 * UNIT), "3 ATT");
		assert_eq!(format_att(0), "0 ATT");
		for p in [0, 1, 999, UNIT, 123_456_789_012_345] {
			let shown = format_att(p);
			assert_eq!(parse_att(shown.trim_end_matches(" ATT")), Ok(p));
		}
	}
}
