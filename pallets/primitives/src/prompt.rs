//! What a job's prompt bytes mean, defined once for the chain, the engine and clients.
//!
//! A prompt is either plain UTF-8 text (one user turn, under the model's default system
//! message) or a conversation: the byte [`CONVERSATION_TAG`] followed by the SCALE encoding of
//! its turns. The tag can never begin UTF-8 text, so the two forms cannot be confused, and the
//! chain stores and commits to exactly these bytes: the templated input a checker rebuilds is a
//! function of them and of the model class alone.

use alloc::vec::Vec;
use codec::{Decode, Encode};

/// First byte of a conversation prompt (never the first byte of UTF-8 text).
pub const CONVERSATION_TAG: u8 = 0xFF;
/// Most turns one conversation may have: bounds the template's markers per prompt.
pub const MAX_TURNS: u32 = 32;
/// Most tokens the chat template adds around one turn: its start and end markers, the role
/// name and two line breaks (a byte-level tokenizer never makes more tokens than bytes).
pub const TURN_OVERHEAD_TOKENS: u32 = 16;

/// Who speaks a turn.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Role {
	/// Instructions for the model; at most one, and only first.
	System,
	/// The dapp's user.
	User,
	/// The model's earlier answers.
	Assistant,
}

impl Role {
	/// The role's name in the chat template.
	pub const fn name(self) -> &'static str {
		match self {
			Role::System => "system",
			Role::User => "user",
			Role::Assistant => "assistant",
		}
	}
}

/// One turn of a conversation, as it is encoded on chain.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Turn {
	/// Who speaks.
	pub role: Role,
	/// What is said, UTF-8.
	pub text: Vec<u8>,
}

/// A prompt, read.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Prompt<'a> {
	/// One user turn under the model's default system message.
	Text(&'a str),
	/// An optional system message, then user and assistant turns in alternation, ending with
	/// the user's.
	Conversation {
		/// The system message; the model's default when `None`.
		system: Option<&'a str>,
		/// `(role, text)` of each later turn: user, assistant, user, …, user.
		turns: Vec<(Role, &'a str)>,
	},
}

/// Why prompt bytes are not a prompt.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PromptError {
	/// Nothing to answer.
	Empty,
	/// Plain text that is not UTF-8.
	NotUtf8,
	/// A conversation that does not decode, breaks the turn order, has more than
	/// [`MAX_TURNS`] turns, an empty user turn, or text that is not UTF-8.
	BadConversation,
}

/// The bytes of a conversation prompt: an optional system message, then `turns`.
pub fn encode_conversation(system: Option<&str>, turns: &[(Role, &str)]) -> Vec<u8> {
	let all: Vec<Turn> = system
		.map(|s| (Role::System, s))
		.into_iter()
		.chain(turns.iter().copied())
		.map(|(role, text)| Turn { role, text: text.as_bytes().to_vec() })
		.collect();
	let mut out = alloc::vec![CONVERSATION_TAG];
	all.encode_to(&mut out);
	out
}

/// The bytes of the prompt for `system` and `turns`: plain text for one user turn without a
/// system message (the form every prompt had before conversations), a conversation otherwise.
pub fn encode(system: Option<&str>, turns: &[(Role, &str)]) -> Vec<u8> {
	match (system, turns) {
		(None, [(Role::User, text)]) => text.as_bytes().to_vec(),
		_ => encode_conversation(system, turns),
	}
}

/// Reads prompt bytes, refusing anything but the two forms above.
pub fn parse(bytes: &[u8]) -> Result<Prompt<'_>, PromptError> {
	let Some((&first, rest)) = bytes.split_first() else { return Err(PromptError::Empty) };
	if first != CONVERSATION_TAG {
		return core::str::from_utf8(bytes).map(Prompt::Text).map_err(|_| PromptError::NotUtf8);
	}
	let bad = PromptError::BadConversation;
	// The turn count is read first so that no more than `MAX_TURNS` are ever decoded.
	let mut input = rest;
	let count = codec::Compact::<u32>::decode(&mut input).map_err(|_| bad)?.0;
	if count == 0 || count > MAX_TURNS {
		return Err(bad);
	}
	let mut system = None;
	let mut turns = Vec::new();
	for i in 0..count {
		let turn = Turn::decode(&mut input).map_err(|_| bad)?;
		let role = turn.role;
		// The decoded turn's text must outlive it: find it again in the input bytes.
		let text = tail_text(rest, input, turn.text.len())?;
		match role {
			Role::System if i == 0 => system = Some(text),
			Role::System => return Err(bad),
			// After the optional system message: user, assistant, user, …
			_ => {
				let user_expected = turns.len().is_multiple_of(2);
				if (role == Role::User) != user_expected || (role == Role::User && text.is_empty())
				{
					return Err(bad);
				}
				turns.push((role, text));
			},
		}
	}
	if !input.is_empty() || turns.len().is_multiple_of(2) {
		// Trailing bytes, or no user turn last (or none at all).
		return Err(bad);
	}
	Ok(Prompt::Conversation { system, turns })
}

/// The `len` bytes that end where `left` (what is still unread of `all`) begins, as UTF-8.
fn tail_text<'a>(all: &'a [u8], left: &[u8], len: usize) -> Result<&'a str, PromptError> {
	let end = all.len().checked_sub(left.len()).ok_or(PromptError::BadConversation)?;
	let start = end.checked_sub(len).ok_or(PromptError::BadConversation)?;
	let bytes = all.get(start..end).ok_or(PromptError::BadConversation)?;
	core::str::from_utf8(bytes).map_err(|_| PromptError::BadConversation)
}

/// How many turns the chat template frames beyond a text prompt's: a conversation's turns (its
/// system message included), none for text. Bounds the tokens a prompt becomes with
/// [`TURN_OVERHEAD_TOKENS`].
pub fn framed_turns(bytes: &[u8]) -> u32 {
	match parse(bytes) {
		Ok(Prompt::Conversation { system, turns }) =>
			(turns.len() as u32).saturating_add(u32::from(system.is_some())),
		_ => 0,
	}
}

impl Prompt<'_> {
	/// The last user turn's text (the whole text of a text prompt).
	pub fn last_user(&self) -> &str {
		match self {
			Prompt::Text(t) => t,
			Prompt::Conversation { turns, .. } => turns.last().map_or("", |(_, t)| t),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn text_and_conversations_round_trip() {
		assert_eq!(parse(b"Hello?"), Ok(Prompt::Text("Hello?")));
		let bytes = encode_conversation(
			Some("Answer in French."),
			&[(Role::User, "Hi"), (Role::Assistant, "Salut"), (Role::User, "Capital of Italy?")],
		);
		assert_eq!(bytes[0], CONVERSATION_TAG);
		assert_eq!(
			parse(&bytes),
			Ok(Prompt::Conversation {
				system: Some("Answer in French."),
				turns: vec![
					(Role::User, "Hi"),
					(Role::Assistant, "Salut"),
					(Role::User, "Capital of Italy?")
				],
			})
		);
		assert_eq!(framed_turns(&bytes), 4);
		assert_eq!(framed_turns(b"Hello?"), 0);
		assert_eq!(encode(None, &[(Role::User, "Hi")]), b"Hi".to_vec());
		assert_eq!(encode(Some("s"), &[(Role::User, "Hi")])[0], CONVERSATION_TAG);
		let plain = encode_conversation(None, &[(Role::User, "Hi")]);
		assert_eq!(
			parse(&plain),
			Ok(Prompt::Conversation { system: None, turns: vec![(Role::User, "Hi")] })
		);
	}

	/// Attack: bytes that are neither form, or a conversation that bends the template (a second
	/// system message, turns out of order, an assistant turn last so that the model continues a
	/// forged answer, trailing bytes a checker might read differently, a turn bomb).
	#[test]
	fn malformed_prompts_are_refused() {
		let bad = Err(PromptError::BadConversation);
		assert_eq!(parse(b""), Err(PromptError::Empty));
		assert_eq!(parse(&[0xC3, 0x28]), Err(PromptError::NotUtf8));
		assert_eq!(parse(&[CONVERSATION_TAG]), bad);
		assert_eq!(parse(&encode_conversation(Some("s"), &[])), bad);
		assert_eq!(parse(&encode_conversation(None, &[(Role::Assistant, "a")])), bad);
		assert_eq!(
			parse(&encode_conversation(None, &[(Role::User, "u"), (Role::Assistant, "a")])),
			bad
		);
		assert_eq!(parse(&encode_conversation(None, &[(Role::User, "u"), (Role::User, "u")])), bad);
		assert_eq!(
			parse(&encode_conversation(
				None,
				&[(Role::User, "u"), (Role::System, "s"), (Role::User, "u")]
			)),
			bad
		);
		assert_eq!(parse(&encode_conversation(None, &[(Role::User, "")])), bad);
		let mut trailing = encode_conversation(None, &[(Role::User, "u")]);
		trailing.push(0);
		assert_eq!(parse(&trailing), bad);
		// Text that is not UTF-8 inside a turn.
		let mut raw = alloc::vec![CONVERSATION_TAG];
		alloc::vec![Turn { role: Role::User, text: alloc::vec![0xC3, 0x28] }].encode_to(&mut raw);
		assert_eq!(parse(&raw), bad);
		// More turns than allowed, and a count that claims more than the bytes hold.
		let many: Vec<(Role, &str)> = (0..=MAX_TURNS)
			.map(|i| (if i % 2 == 0 { Role::User } else { Role::Assistant }, "x"))
			.collect();
		assert_eq!(parse(&encode_conversation(None, &many)), bad);
		let mut lying = alloc::vec![CONVERSATION_TAG];
		codec::Compact(MAX_TURNS).encode_to(&mut lying);
		assert_eq!(parse(&lying), bad);
		// A role byte that names no role.
		assert_eq!(parse(&[CONVERSATION_TAG, 4, 7, 4, b'h', b'i']), bad);
	}
}
