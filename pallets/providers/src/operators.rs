//! Operator (hot) keys, for providers here and for checkers in the audits pallet: a principal
//! (the cold account that holds the stake) names one operator, the account its node signs with;
//! an operator acts for one principal and is not one itself. Both pallets keep the pair in a
//! map and its reverse and change them only through [`set`].

use frame_support::storage::StorageMap;

/// Why an operator cannot be named.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
	/// The principal itself, or another principal.
	Principal,
	/// Another principal's operator.
	Taken,
}

/// Names `operator` (or none) as `who`'s, replacing the earlier one: checked first
/// (`is_principal` says who may not be an operator), then written to `Operators` (principal →
/// operator) and `OperatorOf` (operator → principal). Naming the current operator again is
/// harmless.
pub fn set<A, Operators, OperatorOf>(
	who: &A,
	operator: Option<&A>,
	is_principal: impl Fn(&A) -> bool,
) -> Result<(), Refused>
where
	A: codec::FullCodec + Clone + PartialEq,
	Operators: StorageMap<A, A, Query = Option<A>>,
	OperatorOf: StorageMap<A, A, Query = Option<A>>,
{
	if let Some(op) = operator {
		if op == who || is_principal(op) {
			return Err(Refused::Principal);
		}
		if OperatorOf::get(op).is_some_and(|of| &of != who) {
			return Err(Refused::Taken);
		}
	}
	if let Some(old) = Operators::take(who) {
		OperatorOf::remove(old);
	}
	if let Some(op) = operator {
		Operators::insert(who, op);
		OperatorOf::insert(op, who);
	}
	Ok(())
}

/// Forgets `who`'s operator (it left).
pub fn clear<A, Operators, OperatorOf>(who: &A)
where
	A: codec::FullCodec,
	Operators: StorageMap<A, A, Query = Option<A>>,
	OperatorOf: StorageMap<A, A, Query = Option<A>>,
{
	if let Some(operator) = Operators::take(who) {
		OperatorOf::remove(operator);
	}
}

/// The `try_state` invariants: every operator's principal is one (`is_principal`), no operator
/// is a principal, and the two maps are each other's reverse.
pub fn check<A, OperatorOf>(
	is_principal: impl Fn(&A) -> bool,
	pairs: impl Iterator<Item = (A, A)>,
	reverse_count: usize,
) -> Result<(), &'static str>
where
	A: codec::FullCodec + PartialEq,
	OperatorOf: StorageMap<A, A, Query = Option<A>>,
{
	let mut count = 0usize;
	for (who, operator) in pairs {
		if !is_principal(&who) {
			return Err("an operator of no principal");
		}
		if is_principal(&operator) {
			return Err("an operator is a principal");
		}
		if OperatorOf::get(&operator) != Some(who) {
			return Err("operator index out of sync");
		}
		count = count.saturating_add(1);
	}
	if count != reverse_count {
		return Err("operator index out of sync");
	}
	Ok(())
}
