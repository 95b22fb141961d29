//! Amounts in ATT as people type and read them: exact decimals, never floating point.

use crate::{Error, Result};
use attesta_runtime::{Balance, UNIT};

/// Decimal places of one ATT in plancks.
pub const DECIMALS: u32 = 12;

/// A non-negative decimal with at most `decimals` places, times 10^`decimals`, exactly: the
/// one parser of amounts, percentages and thousandths typed by people. The error says why.
pub fn parse_decimal(text: &str, decimals: u32) -> core::result::Result<u128, &'static str> {
	let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
	if whole.is_empty() && frac.is_empty() {
		return Err("empty");
	}
	let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
	if !digits(whole) || !digits(frac) {
		return Err("digits and one decimal point only");
	}
	let places = u32::try_from(frac.len())
		.ok()
		.filter(|p| *p <= decimals)
		.ok_or("too many decimals")?;
	let pow = |p: u32| 10u128.checked_pow(p).ok_or("too large");
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "too large")? };
	let frac: u128 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| "too large")? };
	whole
		.checked_mul(pow(decimals)?)
		.zip(frac.checked_mul(pow(decimals - places)?))
		.and_then(|(w, f)| w.checked_add(f))
		.ok_or("too large")
}

/// `"1.5"` ATT to plancks, exactly; refuses signs, more than 12 decimals and overflow.
pub fn parse_att(text: &str) -> Result<Balance> {
	parse_decimal(text, DECIMALS).map_err(|why| {
		let why = if why == "too many decimals" {
			"at most 12 decimals (1 planck = 0.000000000001 ATT)"
		} else {
			why
		};
		Error::Invalid(format!("{text:?} is not an amount of ATT: {why}"))
	})
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
		// The same parser gives percentages in parts per billion and thousandths.
		assert_eq!(parse_decimal("12.5", 7), Ok(125_000_000));
		assert_eq!(parse_decimal("100", 7), Ok(1_000_000_000));
		assert_eq!(parse_decimal("0.7", 3), Ok(700));
		assert_eq!(parse_decimal("0.0001", 3), Err("too many decimals"));
		assert_eq!(parse_decimal("1e3", 3), Err("digits and one decimal point only"));
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
