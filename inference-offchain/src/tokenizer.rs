//! Byte-level BPE tokenizer (GPT-2 style) built from GGUF `tokenizer.ggml.*` metadata.
//!
//! Text is split into pre-tokens with the GPT-2 rules (contractions, letter runs, number runs,
//! punctuation runs, whitespace runs; a single leading space attaches to the following run) and,
//! for the `smollm` pre-tokenizer, every digit is first isolated. Each pre-token's UTF-8 bytes
//! are mapped to the GPT-2 printable byte alphabet and merged with the ranked BPE merges.
//! Control tokens (`<|im_start|>` …) are recognised in text only when asked to, which keeps user
//! text from injecting chat structure.
//!
//! Letter and number classes use Rust's `char::is_alphabetic` / `char::is_numeric`, which agree
//! with `\p{L}` / `\p{N}` on ordinary text; exotic combining marks may split differently from
//! the reference regex.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::{Content, Value};

use crate::error::{Error, Result};

/// GGUF token type of a normal text token.
pub const TOKEN_TYPE_NORMAL: i32 = 1;
/// GGUF token type of a control token such as `<|im_end|>`.
pub const TOKEN_TYPE_CONTROL: i32 = 3;
/// GGUF token type of a user-defined special token.
pub const TOKEN_TYPE_USER_DEFINED: i32 = 4;

/// System message used when a chat request gives none and the model's template has no default.
pub const DEFAULT_SYSTEM_PROMPT: &str = "You are a helpful assistant.";

/// A byte-level BPE tokenizer with the model's special tokens and chat template.
#[derive(Clone, Debug)]
pub struct Tokenizer {
	tokens: Vec<String>,
	token_types: Vec<i32>,
	byte_ids: [Option<u32>; 256],
	merges: HashMap<(u32, u32), (u32, u32)>,
	specials: Vec<(String, u32)>,
	byte_decoder: HashMap<char, u8>,
	split_digits: bool,
	bos_id: Option<u32>,
	add_bos: bool,
	eos_id: u32,
	im_start: Option<u32>,
	im_end: Option<u32>,
	default_system: String,
}

/// GPT-2's reversible map from bytes to printable characters.
fn bytes_to_chars() -> [char; 256] {
	let mut map = ['\0'; 256];
	let mut extra = 0u32;
	for b in 0..=255u8 {
		let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
		map[b as usize] = if printable {
			char::from(b)
		} else {
			let c = char::from_u32(256 + extra).unwrap_or('\u{FFFD}');
			extra += 1;
			c
		};
	}
	map
}

fn md<'a>(ct: &'a Content, key: &str) -> Result<&'a Value> {
	ct.metadata.get(key).ok_or_else(|| Error::Metadata(key.to_string()))
}

fn md_array<'a>(ct: &'a Content, key: &str) -> Result<&'a Vec<Value>> {
	md(ct, key)?.to_vec().map_err(|_| Error::Metadata(key.to_string()))
}

fn md_u32(ct: &Content, key: &str) -> Option<u32> {
	ct.metadata.get(key).and_then(|v| v.to_u32().ok())
}

impl Tokenizer {
	/// Builds the tokenizer from a GGUF file's metadata (`tokenizer.ggml.model = "gpt2"`).
	pub fn from_gguf(ct: &Content) -> Result<Self> {
		let model = md(ct, "tokenizer.ggml.model")?
			.to_string()
			.map_err(|_| Error::Metadata("tokenizer.ggml.model".into()))?;
		if model != "gpt2" {
			return Err(Error::Unsupported(format!(
				"tokenizer model `{model}`; only byte-level BPE (`gpt2`) is implemented"
			)));
		}
		let tokens = md_array(ct, "tokenizer.ggml.tokens")?
			.iter()
			.map(|v| v.to_string().cloned())
			.collect::<std::result::Result<Vec<_>, _>>()
			.map_err(|_| Error::Metadata("tokenizer.ggml.tokens".into()))?;
		let token_types = match ct.metadata.get("tokenizer.ggml.token_type") {
			None => vec![TOKEN_TYPE_NORMAL; tokens.len()],
			Some(v) => v
				.to_vec()
				.and_then(|a| a.iter().map(|x| x.to_i32()).collect())
				.map_err(|_| Error::Metadata("tokenizer.ggml.token_type".into()))?,
		};
		let merges = md_array(ct, "tokenizer.ggml.merges")?
			.iter()
			.map(|v| v.to_string().cloned())
			.collect::<std::result::Result<Vec<_>, _>>()
			.map_err(|_| Error::Metadata("tokenizer.ggml.merges".into()))?;
		let eos_id = md_u32(ct, "tokenizer.ggml.eos_token_id")
			.ok_or_else(|| Error::Metadata("tokenizer.ggml.eos_token_id".into()))?;
		let bos_id = md_u32(ct, "tokenizer.ggml.bos_token_id");
		let add_bos = ct
			.metadata
			.get("tokenizer.ggml.add_bos_token")
			.and_then(|v| v.to_bool().ok())
			.unwrap_or(false);
		let pre = ct
			.metadata
			.get("tokenizer.ggml.pre")
			.and_then(|v| v.to_string().ok())
			.cloned()
			.unwrap_or_default();
		let mut tok =
			Self::new(tokens, token_types, &merges, eos_id, bos_id, add_bos, pre == "smollm")?;
		if let Some(sys) = ct
			.metadata
			.get("tokenizer.chat_template")
			.and_then(|v| v.to_string().ok())
			.and_then(|t| template_default_system(t))
		{
			tok.default_system = sys;
		}
		Ok(tok)
	}

	/// Builds a tokenizer from raw vocabulary parts (as stored in GGUF).
	pub fn new(
		tokens: Vec<String>,
		token_types: Vec<i32>,
		merges: &[String],
		eos_id: u32,
		bos_id: Option<u32>,
		add_bos: bool,
		split_digits: bool,
	) -> Result<Self> {
		if token_types.len() != tokens.len() {
			return Err(Error::Tokenizer(format!(
				"{} token types for {} tokens",
				token_types.len(),
				tokens.len()
			)));
		}
		let vocab = tokens.len();
		for (name, id) in [("eos", Some(eos_id)), ("bos", bos_id)] {
			if let Some(id) = id {
				if id as usize >= vocab {
					return Err(Error::Tokenizer(format!("{name} id {id} outside vocabulary")));
				}
			}
		}
		let mut by_text: HashMap<&str, u32> = HashMap::with_capacity(vocab);
		for (i, t) in tokens.iter().enumerate() {
			// Keep the first id of duplicated strings, the one BPE would produce.
			by_text.entry(t.as_str()).or_insert(i as u32);
		}
		let b2c = bytes_to_chars();
		let mut byte_ids = [None; 256];
		for (b, c) in b2c.iter().enumerate() {
			byte_ids[b] = by_text.get(c.to_string().as_str()).copied();
		}
		// Real vocabularies omit a few bytes that never occur in UTF-8 text (0xC0, 0xF5..) or
		// are rare controls; printable ASCII must all be there for this to be byte-level BPE.
		if let Some(b) = (0x20u8..0x7F).find(|&b| byte_ids[b as usize].is_none()) {
			return Err(Error::Tokenizer(format!(
				"byte 0x{b:02x} has no token; not a byte-level BPE vocabulary"
			)));
		}
		let mut merge_map = HashMap::with_capacity(merges.len());
		for (rank, m) in merges.iter().enumerate() {
			let (a, b) = m
				.split_once(' ')
				.ok_or_else(|| Error::Tokenizer(format!("malformed merge `{m}`")))?;
			let merged = format!("{a}{b}");
			if let (Some(&ia), Some(&ib), Some(&im)) =
				(by_text.get(a), by_text.get(b), by_text.get(merged.as_str()))
			{
				merge_map.entry((ia, ib)).or_insert((rank as u32, im));
			}
		}
		let mut specials: Vec<(String, u32)> = tokens
			.iter()
			.zip(&token_types)
			.enumerate()
			.filter(|(_, (t, &ty))| {
				!t.is_empty() && (ty == TOKEN_TYPE_CONTROL || ty == TOKEN_TYPE_USER_DEFINED)
			})
			.map(|(i, (t, _))| (t.clone(), i as u32))
			.collect();
		// Longest first so that overlapping specials match greedily.
		specials.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.cmp(&b.1)));
		let im_start = by_text.get("<|im_start|>").copied();
		let im_end = by_text.get("<|im_end|>").copied();
		let byte_decoder = b2c.iter().enumerate().map(|(b, &c)| (c, b as u8)).collect();
		Ok(Self {
			tokens,
			token_types,
			byte_ids,
			merges: merge_map,
			specials,
			byte_decoder,
			split_digits,
			bos_id,
			add_bos,
			eos_id,
			im_start,
			im_end,
			default_system: DEFAULT_SYSTEM_PROMPT.to_string(),
		})
	}

	/// Number of tokens in the vocabulary.
	pub fn vocab_size(&self) -> usize {
		self.tokens.len()
	}

	/// End-of-sequence token id; generation stops when it is produced.
	pub fn eos_id(&self) -> u32 {
		self.eos_id
	}

	/// Beginning-of-sequence token id, if the model has one.
	pub fn bos_id(&self) -> Option<u32> {
		self.bos_id
	}

	/// The string form of a token (byte-level alphabet), if the id exists.
	pub fn token_str(&self, id: u32) -> Option<&str> {
		self.tokens.get(id as usize).map(String::as_str)
	}

	/// Whether `id` is a control or user-defined special token.
	pub fn is_special(&self, id: u32) -> bool {
		matches!(
			self.token_types.get(id as usize),
			Some(&TOKEN_TYPE_CONTROL) | Some(&TOKEN_TYPE_USER_DEFINED)
		)
	}

	/// Encodes text; with `parse_special` the literal text of special tokens maps to their ids.
	pub fn encode(&self, text: &str, parse_special: bool) -> Vec<u32> {
		let mut out = Vec::new();
		if self.add_bos {
			if let Some(b) = self.bos_id {
				out.push(b);
			}
		}
		if !parse_special {
			self.encode_plain(text, &mut out);
			return out;
		}
		let mut rest = text;
		while !rest.is_empty() {
			match self.find_special(rest) {
				Some((pos, len, id)) => {
					self.encode_plain(&rest[..pos], &mut out);
					out.push(id);
					rest = &rest[pos + len..];
				},
				None => {
					self.encode_plain(rest, &mut out);
					break;
				},
			}
		}
		out
	}

	fn find_special(&self, text: &str) -> Option<(usize, usize, u32)> {
		let mut best: Option<(usize, usize, u32)> = None;
		for (s, id) in &self.specials {
			if let Some(pos) = text.find(s.as_str()) {
				// Earliest position wins; at equal position the longer one (sorted first).
				if best.is_none_or(|(bp, _, _)| pos < bp) {
					best = Some((pos, s.len(), *id));
				}
			}
		}
		best
	}

	fn encode_plain(&self, text: &str, out: &mut Vec<u32>) {
		for word in pre_tokenize(text, self.split_digits) {
			self.bpe(word, out);
		}
	}

	/// [`Self::encode`] without special tokens, with the textbook BPE loop (tests compare).
	#[doc(hidden)]
	pub fn encode_reference(&self, text: &str) -> Vec<u32> {
		let mut out = Vec::new();
		for word in pre_tokenize(text, self.split_digits) {
			self.bpe_reference(word, &mut out);
		}
		out
	}

	/// Byte-pair encodes one pre-token: the lowest-ranked adjacent pair is merged first, the
	/// leftmost of equal pairs first, until no pair has a merge. `O(n log n)` with a heap of
	/// candidate merges over a linked list of symbols (stale entries skipped): an 8 KiB prompt
	/// without spaces is one pre-token, which the quadratic textbook loop
	/// ([`Self::bpe_reference`]) took seconds over on every checker. Same result as that loop for
	/// merge tables learned in order (a pair containing a merged token ranks after the merge that
	/// made it), which the tests check on the reference model.
	fn bpe(&self, word: &str, out: &mut Vec<u32>) {
		use std::{cmp::Reverse, collections::BinaryHeap};
		// Bytes without a token (absent from the vocabulary) cannot be represented and are
		// dropped.
		let mut ids: Vec<u32> = word.bytes().filter_map(|b| self.byte_ids[b as usize]).collect();
		let n = ids.len();
		const NONE: usize = usize::MAX;
		let mut prev: Vec<usize> = (0..n).map(|i| i.checked_sub(1).unwrap_or(NONE)).collect();
		let mut next: Vec<usize> = (0..n).map(|i| if i + 1 < n { i + 1 } else { NONE }).collect();
		let mut alive = vec![true; n];
		let mut heap = BinaryHeap::new();
		let candidate = |heap: &mut BinaryHeap<_>, i: usize, a: u32, b: u32| {
			if let Some(&(rank, merged)) = self.merges.get(&(a, b)) {
				heap.push(Reverse((rank, i, a, b, merged)));
			}
		};
		for i in 1..n {
			candidate(&mut heap, i - 1, ids[i - 1], ids[i]);
		}
		while let Some(Reverse((_, i, a, b, merged))) = heap.pop() {
			let j = next[i];
			if !alive[i] || ids[i] != a || j == NONE || ids[j] != b {
				continue; // stale: one of the pair was merged since
			}
			ids[i] = merged;
			alive[j] = false;
			next[i] = next[j];
			if next[j] != NONE {
				prev[next[j]] = i;
			}
			if prev[i] != NONE {
				candidate(&mut heap, prev[i], ids[prev[i]], merged);
			}
			if next[i] != NONE {
				candidate(&mut heap, i, merged, ids[next[i]]);
			}
		}
		out.extend((0..n).filter(|&i| alive[i]).map(|i| ids[i]));
	}

	/// The textbook BPE loop (quadratic): what [`Self::bpe`] must equal.
	#[doc(hidden)]
	pub fn bpe_reference(&self, word: &str, out: &mut Vec<u32>) {
		let mut ids: Vec<u32> = word.bytes().filter_map(|b| self.byte_ids[b as usize]).collect();
		loop {
			let mut best: Option<(u32, u32, u32, u32)> = None;
			for w in ids.windows(2) {
				if let Some(&(rank, merged)) = self.merges.get(&(w[0], w[1])) {
					if best.is_none_or(|(r, ..)| rank < r) {
						best = Some((rank, w[0], w[1], merged));
					}
				}
			}
			let Some((_, a, b, merged)) = best else { break };
			let mut next = Vec::with_capacity(ids.len());
			let mut i = 0;
			while i < ids.len() {
				if i + 1 < ids.len() && ids[i] == a && ids[i + 1] == b {
					next.push(merged);
					i += 2;
				} else {
					next.push(ids[i]);
					i += 1;
				}
			}
			ids = next;
		}
		out.extend_from_slice(&ids);
	}

	/// Decodes token ids to text; special tokens are dropped when `skip_special` is set.
	///
	/// Ids outside the vocabulary are skipped; invalid UTF-8 becomes U+FFFD.
	pub fn decode(&self, ids: &[u32], skip_special: bool) -> String {
		let mut bytes = Vec::new();
		for &id in ids {
			let Some(tok) = self.tokens.get(id as usize) else {
				continue;
			};
			if self.is_special(id) {
				if !skip_special {
					bytes.extend_from_slice(tok.as_bytes());
				}
				continue;
			}
			for c in tok.chars() {
				match self.byte_decoder.get(&c) {
					Some(&b) => bytes.push(b),
					None => {
						let mut buf = [0u8; 4];
						bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
					},
				}
			}
		}
		String::from_utf8_lossy(&bytes).into_owned()
	}

	/// Whether the vocabulary has the ChatML markers `<|im_start|>` / `<|im_end|>`.
	pub fn has_chat_template(&self) -> bool {
		self.im_start.is_some() && self.im_end.is_some()
	}

	/// The system message used when a chat request gives none.
	pub fn default_system(&self) -> &str {
		&self.default_system
	}

	/// Renders a single-turn chat prompt in ChatML (SmolLM2's template), or the raw user text
	/// when the vocabulary has no ChatML markers.
	pub fn chat_prompt(&self, system: Option<&str>, user: &str) -> String {
		if !self.has_chat_template() {
			return user.to_string();
		}
		let system = system.unwrap_or(&self.default_system);
		format!(
			"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
		)
	}

	/// Tokenizes a single-turn chat: [`Self::encode_conversation`] with one user turn.
	pub fn encode_chat(&self, system: Option<&str>, user: &str) -> Vec<u32> {
		self.encode_conversation(system, &[("user", user)])
	}

	/// Tokenizes a conversation — the system message (the model's default when `None`), then
	/// `(role, text)` turns — and opens the assistant's turn. Template markers become control
	/// tokens, while every role and text is encoded as plain text so that no turn can inject
	/// markers. Without ChatML markers in the vocabulary, a lone user turn is its raw text and
	/// anything longer a `role: text` transcript.
	pub fn encode_conversation(&self, system: Option<&str>, turns: &[(&str, &str)]) -> Vec<u32> {
		let (Some(start), Some(end)) = (self.im_start, self.im_end) else {
			if let ([("user", user)], None) = (turns, system) {
				return self.encode(user, false);
			}
			let mut transcript = String::new();
			for (role, text) in system.map(|s| ("system", s)).iter().chain(turns) {
				transcript.push_str(&format!("{role}: {text}\n"));
			}
			transcript.push_str("assistant: ");
			return self.encode(&transcript, false);
		};
		let system = system.unwrap_or(&self.default_system);
		let mut out = Vec::new();
		for (role, text) in core::iter::once(&("system", system)).chain(turns) {
			out.push(start);
			self.encode_plain(&format!("{role}\n{text}"), &mut out);
			out.push(end);
			self.encode_plain("\n", &mut out);
		}
		out.push(start);
		self.encode_plain("assistant\n", &mut out);
		out
	}
}

/// The system message a ChatML template inserts when the conversation has none, if any.
fn template_default_system(template: &str) -> Option<String> {
	let start = template.find("<|im_start|>system\n")? + "<|im_start|>system\n".len();
	let len = template[start..].find("<|im_end|>")?;
	Some(template[start..start + len].to_string())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
	Letter,
	Number,
	Space,
	Other,
}

fn class(c: char) -> Class {
	if c.is_whitespace() {
		Class::Space
	} else if c.is_alphabetic() {
		Class::Letter
	} else if c.is_numeric() {
		Class::Number
	} else {
		Class::Other
	}
}

/// Splits text into pre-tokens (GPT-2 rules; digits isolated first when `split_digits`).
pub fn pre_tokenize(text: &str, split_digits: bool) -> Vec<&str> {
	let mut out = Vec::new();
	if !split_digits {
		gpt2_split(text, &mut out);
		return out;
	}
	let mut start = 0;
	for (i, c) in text.char_indices() {
		if c.is_numeric() {
			if start < i {
				gpt2_split(&text[start..i], &mut out);
			}
			let end = i + c.len_utf8();
			out.push(&text[i..end]);
			start = end;
		}
	}
	if start < text.len() {
		gpt2_split(&text[start..], &mut out);
	}
	out
}

const CONTRACTIONS: [&str; 7] = ["s", "t", "re", "ve", "m", "ll", "d"];

fn gpt2_split<'a>(s: &'a str, out: &mut Vec<&'a str>) {
	let chars: Vec<(usize, char)> = s.char_indices().collect();
	let n = chars.len();
	let at = |k: usize| if k < n { chars[k].0 } else { s.len() };
	let mut i = 0;
	while i < n {
		let c = chars[i].1;
		if c == '\'' && i + 1 < n {
			let rest = &s[chars[i + 1].0..];
			if let Some(suf) = CONTRACTIONS.iter().find(|suf| rest.starts_with(*suf)) {
				let end = chars[i].0 + 1 + suf.len();
				out.push(&s[chars[i].0..end]);
				i += 1 + suf.len();
				continue;
			}
		}
		let (j0, cls) = if c == ' ' && i + 1 < n && class(chars[i + 1].1) != Class::Space {
			(i + 1, class(chars[i + 1].1))
		} else {
			(i, class(c))
		};
		if cls != Class::Space {
			let mut j = j0;
			while j < n && class(chars[j].1) == cls {
				j += 1;
			}
			out.push(&s[chars[i].0..at(j)]);
			i = j;
			continue;
		}
		let mut k = i;
		while k < n && class(chars[k].1) == Class::Space {
			k += 1;
		}
		let end = if k == n || k - i == 1 { k } else { k - 1 };
		out.push(&s[chars[i].0..at(end)]);
		i = end;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pre_tokenizer_follows_gpt2_rules() {
		assert_eq!(
			pre_tokenize("Hello world, it's 2024!  Ok\n\nyes  ", true),
			vec![
				"Hello", " world", ",", " it", "'s", " ", "2", "0", "2", "4", "!", " ", " Ok",
				"\n", "\n", "yes", "  "
			]
		);
		assert_eq!(pre_tokenize("a 123", false), vec!["a", " 123"]);
		assert_eq!(pre_tokenize(" \tx", false), vec![" ", "\t", "x"]);
		assert_eq!(pre_tokenize("don't ...", false), vec!["don", "'t", " ..."]);
	}

	fn toy() -> Tokenizer {
		let b2c = bytes_to_chars();
		let mut tokens: Vec<String> =
			vec!["<|endoftext|>".into(), "<|im_start|>".into(), "<|im_end|>".into()];
		tokens.extend(b2c.iter().map(|c| c.to_string()));
		let merges: Vec<String> = vec!["h e".into(), "l l".into(), "he ll".into(), "Ġ w".into()];
		for m in &merges {
			tokens.push(m.replace(' ', ""));
		}
		let mut types = vec![TOKEN_TYPE_CONTROL; 3];
		types.resize(tokens.len(), TOKEN_TYPE_NORMAL);
		Tokenizer::new(tokens, types, &merges, 2, Some(1), false, true).unwrap()
	}

	#[test]
	fn bpe_applies_merges_by_rank_and_round_trips() {
		let t = toy();
		let ids = t.encode("hello world", false);
		assert_eq!(t.token_str(ids[0]), Some("hell"));
		assert_eq!(t.token_str(ids[2]), Some("Ġw"));
		assert_eq!(t.decode(&ids, false), "hello world");
		for s in ["Ünïcödé ✓ 😀", "tabs\tand\nnewlines  ", "x'y're 1,234.5"] {
			assert_eq!(t.decode(&t.encode(s, false), false), s);
		}
	}

	#[test]
	fn specials_only_parsed_when_asked() {
		let t = toy();
		let ids = t.encode("a<|im_end|>", true);
		assert_eq!(ids.last(), Some(&2));
		let plain = t.encode("a<|im_end|>", false);
		assert!(!plain.contains(&2));
		assert_eq!(t.decode(&ids, true), "a");
		assert_eq!(t.encode_chat(Some("s"), "u"), t.encode(&t.chat_prompt(Some("s"), "u"), true));
	}
}
