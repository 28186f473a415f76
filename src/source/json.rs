//! JSON with the leniencies Resource Manager accepts, keeping a byte span on every value.
//!
//! ARM reads templates with JSON.NET, so besides strict JSON it takes `//` and `/* */`
//! comments, trailing commas, raw line breaks inside strings (multi-line expressions),
//! single-quoted strings and a UTF-8 byte-order mark. serde_json keeps no spans and
//! rejects all of these, and the span-keeping JSONC crates reject raw line breaks, so
//! this is a small hand-written recursive-descent parser; it is also the hottest code in
//! a scan and written to run at several hundred MB/s.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::value::{FileId, Member, Node, Object, Span, Str, Value};

/// Deepest nesting accepted; deeper input is hostile or broken.
pub const MAX_DEPTH: usize = 512;

/// A syntax error: where, and what was expected there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

/// Parses `text` (a whole file) into a spanned value tree.
pub fn parse(text: &str, file: FileId) -> Result<Node, ParseError> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
        file,
        depth: 0,
        members: Vec::new(),
        items: Vec::new(),
        interned: HashMap::default(),
    };
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.skip_trivia()?;
    if p.pos >= p.src.len() {
        return Err(p.error("expected a JSON value, found the end of the file"));
    }
    let node = p.value()?;
    p.skip_trivia()?;
    if p.pos < p.src.len() {
        return Err(p.error(format!("expected the end of the file after the top-level value, found {}", p.found())));
    }
    Ok(node)
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    file: FileId,
    depth: usize,
    /// Members of the objects being parsed, innermost last: each object takes its own
    /// off the top into a vector of exactly its size (no growth, no slack).
    members: Vec<Member>,
    /// The same for array elements.
    items: Vec<Node>,
    /// Short strings seen so far: an export repeats the same keys and values
    /// (`properties`, `westeurope`, `Enabled`) in every resource, and one allocation
    /// shared by all of them is most of the parse tree's memory saved.
    interned: HashMap<&'a str, Str, BuildHasherDefault<Fx>>,
}

/// Strings up to this length are shared; longer ones (ids, expressions) rarely repeat.
const INTERN_MAX: usize = 256;
/// Distinct strings kept for sharing per file; past it, strings are still looked up.
const INTERN_CAP: usize = 1 << 20;

/// A multiply-rotate hash (as rustc's FxHasher) for short keys: SipHash costs more than
/// the allocation interning saves.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.write(&[b]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl<'a> Parser<'a> {
    /// The shared allocation for `s` (a slice of the source text).
    fn intern(&mut self, s: &'a str) -> Str {
        if s.len() > INTERN_MAX {
            return Str::from(s);
        }
        if let Some(a) = self.interned.get(s) {
            return a.clone();
        }
        let a: Str = Str::from(s);
        if self.interned.len() < INTERN_CAP {
            self.interned.insert(s, a.clone());
        }
        a
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError { offset: self.pos, message: message.into() }
    }

    /// Describes the character at the cursor for error messages.
    fn found(&self) -> String {
        match self.text[self.pos.min(self.text.len())..].chars().next() {
            None => "the end of the file".into(),
            Some(c) if c.is_control() => format!("{c:?}"),
            Some(c) => format!("`{c}`"),
        }
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            // Indentation: eight spaces at a time.
            while let Some(chunk) = self.src.get(self.pos..self.pos + 8) {
                if chunk != b"        " {
                    break;
                }
                self.pos += 8;
            }
            match self.src.get(self.pos) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') => match self.src.get(self.pos + 1) {
                    Some(b'/') => {
                        self.pos += 2;
                        while let Some(&c) = self.src.get(self.pos) {
                            if c == b'\n' {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    Some(b'*') => {
                        let start = self.pos;
                        self.pos += 2;
                        loop {
                            match self.src.get(self.pos) {
                                None => {
                                    self.pos = start;
                                    return Err(self.error("unterminated `/*` comment"));
                                }
                                Some(b'*') if self.src.get(self.pos + 1) == Some(&b'/') => {
                                    self.pos += 2;
                                    break;
                                }
                                _ => self.pos += 1,
                            }
                        }
                    }
                    _ => return Ok(()),
                },
                // A byte-order mark or non-breaking space between tokens: JSON.NET skips them.
                Some(0xEF) if self.src[self.pos..].starts_with("\u{feff}".as_bytes()) => self.pos += 3,
                Some(0xC2) if self.src.get(self.pos + 1) == Some(&0xA0) => self.pos += 2,
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        match self.src.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let s = self.string(b'"')?;
                Ok(Node::new(Value::String(s), self.span(start)))
            }
            Some(b'\'') => {
                let s = self.string(b'\'')?;
                Ok(Node::new(Value::String(s), self.span(start)))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') if self.src[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(Node::new(Value::Bool(true), self.span(start)))
            }
            Some(b'f') if self.src[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(Node::new(Value::Bool(false), self.span(start)))
            }
            Some(b'n') if self.src[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Ok(Node::new(Value::Null, self.span(start)))
            }
            _ => Err(self.error(format!("expected a JSON value, found {}", self.found()))),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let base = self.members.len();
        loop {
            self.skip_trivia()?;
            let key: Str = match self.src.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b'"') => self.string(b'"')?,
                Some(b'\'') => self.string(b'\'')?,
                Some(c) if c.is_ascii_alphabetic() || *c == b'_' || *c == b'$' => self.bare_key(),
                None => {
                    return Err(self.error("expected a property name or `}`, found the end of the file"));
                }
                Some(_) => {
                    return Err(self.error(format!("expected a property name or `}}`, found {}", self.found())));
                }
            };
            self.skip_trivia()?;
            if self.src.get(self.pos) != Some(&b':') {
                return Err(self.error(format!("expected `:` after the property name `{key}`, found {}", self.found())));
            }
            self.pos += 1;
            self.skip_trivia()?;
            let value = self.value()?;
            self.members.push(Member { key, value });
            self.skip_trivia()?;
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    return Err(
                        self.error(format!("expected `,` or `}}` after an object member, found {}", self.found()))
                    );
                }
            }
        }
        self.depth -= 1;
        let obj = Object::from_members(self.members.drain(base..).collect());
        Ok(Node::new(Value::object(obj), self.span(start)))
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let base = self.items.len();
        loop {
            self.skip_trivia()?;
            if self.src.get(self.pos) == Some(&b']') {
                self.pos += 1;
                break;
            }
            if self.pos >= self.src.len() {
                return Err(self.error("expected a value or `]`, found the end of the file"));
            }
            let item = self.value()?;
            self.items.push(item);
            self.skip_trivia()?;
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    return Err(
                        self.error(format!("expected `,` or `]` after an array element, found {}", self.found()))
                    );
                }
            }
        }
        self.depth -= 1;
        let items: Vec<Node> = self.items.drain(base..).collect();
        Ok(Node::new(Value::array(items), self.span(start)))
    }

    /// An unquoted property name, as JSON.NET accepts.
    fn bare_key(&mut self) -> Str {
        let start = self.pos;
        while let Some(c) = self.src.get(self.pos) {
            if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'-') {
                self.pos += 1;
            } else {
                break;
            }
        }
        self.intern(&self.text[start..self.pos])
    }

    fn string(&mut self, quote: u8) -> Result<Str, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let body = self.pos;
        // Fast path: no escapes.
        match memchr::memchr2(quote, b'\\', &self.src[self.pos..]) {
            Some(n) if self.src[self.pos + n] == quote => {
                let s = self.intern(&self.text[body..self.pos + n]);
                self.pos += n + 1;
                return Ok(s);
            }
            Some(n) => self.pos += n,
            None => self.pos = self.src.len(),
        }
        let mut out = String::from(&self.text[body..self.pos]);
        loop {
            let Some(&c) = self.src.get(self.pos) else {
                self.pos = open;
                return Err(self.error("unterminated string"));
            };
            if c == quote {
                self.pos += 1;
                return Ok(Str::from(out));
            }
            if c != b'\\' {
                let run = self.pos;
                while let Some(&c) = self.src.get(self.pos) {
                    if c == quote || c == b'\\' {
                        break;
                    }
                    self.pos += 1;
                }
                out.push_str(&self.text[run..self.pos]);
                continue;
            }
            self.pos += 1;
            let esc = self.src.get(self.pos).copied();
            self.pos += 1;
            match esc {
                Some(b'"') => out.push('"'),
                Some(b'\'') => out.push('\''),
                Some(b'\\') => out.push('\\'),
                Some(b'/') => out.push('/'),
                Some(b'b') => out.push('\u{8}'),
                Some(b'f') => out.push('\u{c}'),
                Some(b'n') => out.push('\n'),
                Some(b'r') => out.push('\r'),
                Some(b't') => out.push('\t'),
                Some(b'u') => {
                    let hi = self.hex4()?;
                    let ch = if (0xD800..0xDC00).contains(&hi) {
                        if self.src.get(self.pos) == Some(&b'\\') && self.src.get(self.pos + 1) == Some(&b'u') {
                            self.pos += 2;
                            let lo = self.hex4()?;
                            if (0xDC00..0xE000).contains(&lo) {
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                None
                            }
                        } else {
                            None
                        }
                    } else {
                        char::from_u32(hi)
                    };
                    // Lone surrogates cannot be represented in UTF-8; JSON.NET keeps them,
                    // we substitute the replacement character rather than fail the file.
                    out.push(ch.unwrap_or('\u{fffd}'));
                }
                _ => {
                    self.pos -= 1;
                    return Err(self
                        .error(format!("invalid escape sequence `\\{}` in a string", self.found().trim_matches('`'))));
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits =
            self.src.get(self.pos..self.pos + 4).ok_or_else(|| self.error("expected four hex digits after `\\u`"))?;
        let mut v = 0u32;
        for &d in digits {
            let x = (d as char).to_digit(16).ok_or_else(|| self.error("expected four hex digits after `\\u`"))?;
            v = v * 16 + x;
        }
        self.pos += 4;
        Ok(v)
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.src[self.pos] == b'-' {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.src.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(self.error(format!("expected a digit after `-`, found {}", self.found())));
        }
        let mut float = false;
        if self.src.get(self.pos) == Some(&b'.') {
            float = true;
            self.pos += 1;
            let frac = self.pos;
            while self.src.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
            if self.pos == frac {
                return Err(self.error(format!("expected a digit after the decimal point, found {}", self.found())));
            }
        }
        if matches!(self.src.get(self.pos), Some(b'e' | b'E')) {
            float = true;
            self.pos += 1;
            if matches!(self.src.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let exp = self.pos;
            while self.src.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
            if self.pos == exp {
                return Err(self.error(format!("expected a digit in the exponent, found {}", self.found())));
            }
        }
        let text = &self.text[start..self.pos];
        let value = if float {
            Value::Float(text.parse().map_err(|_| self.error("invalid number"))?)
        } else {
            match text.parse::<i64>() {
                Ok(i) => Value::Int(i),
                // Beyond 64 bits: JSON.NET reads a BigInteger; a float keeps the magnitude.
                Err(_) => Value::Float(text.parse().map_err(|_| self.error("invalid number"))?),
            }
        };
        Ok(Node::new(value, self.span(start)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Node, ParseError> {
        parse(s, FileId(0))
    }

    #[test]
    fn parses_arm_leniencies() {
        let text = "\u{feff}{\n // comment\n \"a\": [1, 2,], /* block */\n \"b\": \"[concat('x',\n 'y')]\",\n 'c': 'single',\n}";
        let n = p(text).unwrap();
        assert_eq!(n.get("a").unwrap().value.as_array().unwrap().len(), 2);
        assert_eq!(n.get("B").unwrap().as_str(), Some("[concat('x',\n 'y')]"));
        assert_eq!(n.get("c").unwrap().as_str(), Some("single"));
    }

    #[test]
    fn spans_cover_values() {
        let text = r#"{"key": "value", "n": -12.5e1}"#;
        let n = p(text).unwrap();
        let v = n.get("key").unwrap();
        assert_eq!(&text[v.span.start as usize..v.span.end as usize], "\"value\"");
        let num = n.get("n").unwrap();
        assert_eq!(&text[num.span.start as usize..num.span.end as usize], "-12.5e1");
        assert!(matches!(num.value, Value::Float(f) if f == -125.0));
    }

    #[test]
    fn escapes_and_surrogates() {
        let n = p(r#""a\"b\\c\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(n.as_str(), Some("a\"b\\cé😀"));
    }

    #[test]
    fn errors_say_what_was_expected() {
        let e = p("{\"a\": 1 \"b\": 2}").unwrap_err();
        assert_eq!(e.offset, 8);
        assert_eq!(e.message, "expected `,` or `}` after an object member, found `\"`");
        assert_eq!(
            p("[1, 2").unwrap_err().message,
            "expected `,` or `]` after an array element, found the end of the file"
        );
        assert_eq!(p("").unwrap_err().message, "expected a JSON value, found the end of the file");
        assert_eq!(p("{} x").unwrap_err().offset, 3);
        assert!(p("\"abc").unwrap_err().message.contains("unterminated string"));
        assert!(p("/* open").unwrap_err().message.contains("unterminated"));
    }

    #[test]
    fn depth_is_limited() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(p(&deep).unwrap_err().message.contains("nesting deeper"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(p(&ok).is_ok());
    }

    #[test]
    fn big_integers_become_floats() {
        assert!(matches!(p("123456789012345678901234").unwrap().value, Value::Float(_)));
        assert!(matches!(p("-9223372036854775808").unwrap().value, Value::Int(i64::MIN)));
    }
}
