//! The Bicep lexer: text to a flat token list, in one pass over the bytes.
//!
//! Newlines are tokens (a run of line breaks, blank lines and comments between them is
//! one [`Tok::NewLine`]) because Bicep statements and object members end at a line
//! break; the parser decides where they matter. Comments and whitespace are dropped.
//!
//! Strings with `${...}` holes are split into pieces the way the Bicep compiler does
//! it: `'a${` is a [`Tok::StrLeft`], `}b${` a [`Tok::StrMid`], `}c'` a [`Tok::StrRight`],
//! and the hole's expression is ordinary tokens in between. A stack of open holes (with
//! the count of `{` opened inside each) tells a `}` that ends a hole from one that ends
//! an object. Multi-line strings (`'''...'''`) have no escapes; the `$'''` form has holes
//! opened by as many `$` as precede its quotes.
//!
//! Lexing never fails: problems (unterminated strings, unknown characters, bad escapes)
//! are [`ParseError`]s beside the tokens, and the tokens still cover the text.

use super::ParseError;
use crate::value::{FileId, Span};

/// A token's kind. Keywords are identifiers: Bicep's keywords are contextual.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident,
    Int,
    /// `'...'` without holes.
    StrComplete,
    /// `'...${`
    StrLeft,
    /// `}...${`
    StrMid,
    /// `}...'`
    StrRight,
    /// `'''...'''` or `$'''...'''` without holes.
    MultiComplete,
    /// `$'''...${`
    MultiLeft,
    /// `}...${` inside a multi-line string.
    MultiMid,
    /// `}...'''`
    MultiRight,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Dot,
    /// `.?`
    DotQuestion,
    /// `::`
    DoubleColon,
    Colon,
    Semicolon,
    Question,
    /// `??`
    Coalesce,
    At,
    Assign,
    Eq,
    NotEq,
    EqI,
    NotEqI,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    And,
    Or,
    Pipe,
    Caret,
    /// `=>`
    Arrow,
    /// `...`
    Ellipsis,
    NewLine,
    /// A character the language does not use; already reported.
    Unknown,
    Eof,
}

/// One token: its kind and byte range. For the multi-line string pieces `aux` is the
/// number of `$` that open a hole; for string pieces bit 0x8000 marks an unterminated
/// piece (no closing quote in its range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tok,
    pub start: u32,
    pub end: u32,
    pub aux: u16,
}

/// Marks a string piece whose closing delimiter is missing.
pub const UNTERMINATED: u16 = 0x8000;

/// A `#disable-next-line` / `#disable-diagnostics` / `#restore-diagnostics` pragma.
#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    /// The pragma name without `#`, e.g. `disable-next-line`.
    pub name: String,
    /// The diagnostic codes after it.
    pub codes: Vec<String>,
    pub span: Span,
}

/// The lexer's output.
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub directives: Vec<Directive>,
    pub errors: Vec<ParseError>,
}

/// An open `${` hole: which string it belongs to and how many `{` it holds open.
#[derive(Clone, Copy)]
struct Hole {
    /// 0 for a single-line string, else the `$` count of a multi-line string.
    dollars: u16,
    braces: u32,
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    tokens: Vec<Token>,
    directives: Vec<Directive>,
    errors: Vec<ParseError>,
    holes: Vec<Hole>,
}

/// Lexes `text` (a leading UTF-8 BOM is skipped as whitespace).
pub fn lex(text: &str, file: FileId) -> Lexed {
    let mut lx = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        file,
        tokens: Vec::with_capacity(text.len() / 4),
        directives: Vec::new(),
        errors: Vec::new(),
        holes: Vec::new(),
    };
    if text.starts_with('\u{feff}') {
        lx.pos = 3;
    }
    lx.run();
    let end = text.len() as u32;
    lx.tokens.push(Token { kind: Tok::Eof, start: end, end, aux: 0 });
    Lexed { tokens: lx.tokens, directives: lx.directives, errors: lx.errors }
}

/// Whether `b` may start an identifier.
pub fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether `b` may continue an identifier.
pub fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    fn peek_at(&self, i: usize) -> u8 {
        self.bytes.get(self.pos + i).copied().unwrap_or(0)
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.errors.push(ParseError { span: Span::new(self.file, start, end), message: message.into() });
    }

    fn push(&mut self, kind: Tok, start: usize, aux: u16) {
        self.tokens.push(Token { kind, start: start as u32, end: self.pos as u32, aux });
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            match b {
                b' ' | b'\t' => self.pos += 1,
                b'\r' | b'\n' => self.newline(),
                b'/' if self.peek_at(1) == b'/' => self.line_comment(),
                b'/' if self.peek_at(1) == b'*' => self.block_comment(),
                b'#' if self.at_line_start() && self.pragma() => {}
                b'\'' => self.string(),
                b'$' if self.multi_dollars().is_some() => self.multi_string(),
                b'0'..=b'9' => self.number(),
                _ if is_ident_start(b) => self.ident(),
                _ => self.punct(),
            }
        }
        self.close_single_line_holes(self.bytes.len());
    }

    /// Whether only whitespace precedes `pos` on its line: pragmas must start a line.
    fn at_line_start(&self) -> bool {
        let before = &self.bytes[..self.pos];
        before.iter().rev().take_while(|&&c| c != b'\n' && c != b'\r').all(|&c| c == b' ' || c == b'\t')
    }

    /// A run of line breaks (with the blanks and comments between them) is one token.
    fn newline(&mut self) {
        self.close_single_line_holes(self.pos);
        let start = self.pos;
        let mut end = self.pos;
        loop {
            match self.peek_at(0) {
                b'\r' | b'\n' => {
                    self.pos += 1;
                    end = self.pos;
                }
                b' ' | b'\t' => self.pos += 1,
                b'/' if self.peek_at(1) == b'/' => self.line_comment(),
                b'/' if self.peek_at(1) == b'*' => self.block_comment(),
                _ => break,
            }
        }
        self.tokens.push(Token { kind: Tok::NewLine, start: start as u32, end: end as u32, aux: 0 });
    }

    /// A hole of a single-line string cannot span lines: a line break inside one means
    /// its `}` is missing. Forget the hole so a later `}` is not read as its end.
    fn close_single_line_holes(&mut self, at: usize) {
        while let Some(h) = self.holes.last() {
            if h.dollars != 0 {
                break;
            }
            self.holes.pop();
            self.error(at, at, "unterminated string interpolation: expected `}` before the end of the line");
        }
    }

    fn line_comment(&mut self) {
        let rest = &self.bytes[self.pos..];
        let len = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        self.pos += len;
    }

    fn block_comment(&mut self) {
        let start = self.pos;
        match memchr::memmem::find(&self.bytes[self.pos + 2..], b"*/") {
            Some(i) => self.pos += 2 + i + 2,
            None => {
                self.pos = self.bytes.len();
                self.error(start, start + 2, "unterminated comment: expected `*/` before the end of the file");
            }
        }
    }

    /// `#disable-next-line code...`, `#disable-diagnostics code...`,
    /// `#restore-diagnostics code...`: kept as directives, not tokens.
    fn pragma(&mut self) -> bool {
        let start = self.pos;
        let rest = &self.bytes[start + 1..];
        let name_len = rest.iter().take_while(|&&c| c.is_ascii_alphanumeric() || c == b'-').count();
        let name = &self.text[start + 1..start + 1 + name_len];
        if !matches!(name, "disable-next-line" | "disable-diagnostics" | "restore-diagnostics") {
            return false;
        }
        let line_len = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        let line_end = start + 1 + line_len;
        // A comment may follow the codes.
        let body = &self.text[start + 1 + name_len..line_end];
        let body = body.split("//").next().unwrap_or("");
        let codes: Vec<String> = body.split_whitespace().map(str::to_string).collect();
        if codes.is_empty() {
            self.error(
                start,
                start + 1 + name_len,
                format!("expected at least one diagnostic code after `#{name}`, found the end of the line"),
            );
        }
        self.directives.push(Directive { name: name.to_string(), codes, span: Span::new(self.file, start, line_end) });
        self.pos = line_end;
        true
    }

    fn number(&mut self) {
        let start = self.pos;
        while self.peek_at(0).is_ascii_digit() {
            self.pos += 1;
        }
        self.push(Tok::Int, start, 0);
    }

    fn ident(&mut self) {
        let start = self.pos;
        while is_ident_char(self.peek_at(0)) {
            self.pos += 1;
        }
        self.push(Tok::Ident, start, 0);
    }

    /// Operators and punctuation, longest match first.
    fn punct(&mut self) {
        let start = self.pos;
        let (b0, b1, b2) = (self.peek_at(0), self.peek_at(1), self.peek_at(2));
        let (kind, len) = match (b0, b1) {
            (b'.', b'.') if b2 == b'.' => (Tok::Ellipsis, 3),
            (b'.', b'?') => (Tok::DotQuestion, 2),
            (b'.', _) => (Tok::Dot, 1),
            (b':', b':') => (Tok::DoubleColon, 2),
            (b':', _) => (Tok::Colon, 1),
            (b'?', b'?') => (Tok::Coalesce, 2),
            (b'?', _) => (Tok::Question, 1),
            (b'=', b'=') => (Tok::Eq, 2),
            (b'=', b'~') => (Tok::EqI, 2),
            (b'=', b'>') => (Tok::Arrow, 2),
            (b'=', _) => (Tok::Assign, 1),
            (b'!', b'=') => (Tok::NotEq, 2),
            (b'!', b'~') => (Tok::NotEqI, 2),
            (b'!', _) => (Tok::Bang, 1),
            (b'<', b'=') => (Tok::Le, 2),
            (b'<', _) => (Tok::Lt, 1),
            (b'>', b'=') => (Tok::Ge, 2),
            (b'>', _) => (Tok::Gt, 1),
            (b'&', b'&') => (Tok::And, 2),
            (b'|', b'|') => (Tok::Or, 2),
            (b'|', _) => (Tok::Pipe, 1),
            (b'{', _) => (Tok::LBrace, 1),
            (b'}', _) => return self.close_brace(),
            (b'[', _) => (Tok::LBracket, 1),
            (b']', _) => (Tok::RBracket, 1),
            (b'(', _) => (Tok::LParen, 1),
            (b')', _) => (Tok::RParen, 1),
            (b',', _) => (Tok::Comma, 1),
            (b';', _) => (Tok::Semicolon, 1),
            (b'@', _) => (Tok::At, 1),
            (b'+', _) => (Tok::Plus, 1),
            (b'-', _) => (Tok::Minus, 1),
            (b'*', _) => (Tok::Star, 1),
            (b'/', _) => (Tok::Slash, 1),
            (b'%', _) => (Tok::Percent, 1),
            (b'^', _) => (Tok::Caret, 1),
            _ => return self.unknown(),
        };
        if b0 == b'{'
            && let Some(h) = self.holes.last_mut()
        {
            h.braces += 1;
        }
        self.pos += len;
        self.push(kind, start, 0);
    }

    /// A character outside the language; skips the whole UTF-8 sequence.
    fn unknown(&mut self) {
        let start = self.pos;
        let ch = self.text[start..].chars().next().unwrap_or('\u{fffd}');
        self.pos += ch.len_utf8().max(1);
        let message = if ch == '"' {
            "unexpected `\"`: strings are written with single quotes in Bicep".to_string()
        } else {
            format!("unexpected character `{}`", ch.escape_debug())
        };
        self.error(start, self.pos, message);
        self.push(Tok::Unknown, start, 0);
    }

    /// `}` ends an object, or the hole of the innermost open string.
    fn close_brace(&mut self) {
        match self.holes.last_mut() {
            Some(h) if h.braces == 0 => {
                let dollars = h.dollars;
                self.holes.pop();
                let start = self.pos;
                self.pos += 1;
                if dollars == 0 {
                    self.string_body(start, false);
                } else {
                    self.multi_body(start, dollars, false);
                }
            }
            Some(h) => {
                h.braces -= 1;
                self.pos += 1;
                self.push(Tok::RBrace, self.pos - 1, 0);
            }
            None => {
                self.pos += 1;
                self.push(Tok::RBrace, self.pos - 1, 0);
            }
        }
    }

    /// A single-line string from its opening quote.
    fn string(&mut self) {
        if self.bytes[self.pos..].starts_with(b"'''") {
            return self.multi_string();
        }
        let start = self.pos;
        self.pos += 1;
        self.string_body(start, true);
    }

    /// The rest of a single-line string piece after `'` or a hole's `}`: up to `'`
    /// (the piece ends the string) or `${` (a hole opens).
    fn string_body(&mut self, start: usize, opening: bool) {
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(i) = rest.iter().position(|&c| matches!(c, b'\'' | b'\\' | b'$' | b'\n' | b'\r')) else {
                self.pos = self.bytes.len();
                return self.unterminated_string(start, opening);
            };
            self.pos += i;
            match rest[i] {
                b'\'' => {
                    self.pos += 1;
                    let kind = if opening { Tok::StrComplete } else { Tok::StrRight };
                    return self.push(kind, start, 0);
                }
                b'\\' => self.escape(),
                b'$' if self.peek_at(1) == b'{' => {
                    self.pos += 2;
                    let kind = if opening { Tok::StrLeft } else { Tok::StrMid };
                    self.push(kind, start, 0);
                    self.holes.push(Hole { dollars: 0, braces: 0 });
                    return;
                }
                b'$' => self.pos += 1,
                _ => return self.unterminated_string(start, opening),
            }
        }
    }

    fn unterminated_string(&mut self, start: usize, opening: bool) {
        let kind = if opening { Tok::StrComplete } else { Tok::StrRight };
        self.push(kind, start, UNTERMINATED);
        self.error(start, start + 1, "unterminated string: expected `'` before the end of the line");
    }

    /// Checks one escape sequence at `\`; the parser decodes it again from the text.
    fn escape(&mut self) {
        let start = self.pos;
        match self.peek_at(1) {
            b'\'' | b'\\' | b'n' | b'r' | b't' | b'$' => self.pos += 2,
            b'u' if self.peek_at(2) == b'{' => {
                let rest = &self.bytes[self.pos + 3..];
                let digits = rest.iter().take_while(|c| c.is_ascii_hexdigit()).count();
                // Surrogates are allowed: a pair of `\u{D801}\u{DC37}` escapes is one character.
                let ok = digits > 0
                    && rest.get(digits) == Some(&b'}')
                    && u32::from_str_radix(&self.text[start + 3..start + 3 + digits], 16).is_ok_and(|v| v <= 0x10FFFF);
                if ok {
                    self.pos += 3 + digits + 1;
                } else {
                    self.pos += 2;
                    self.error(start, self.pos, "invalid escape `\\u{...}`: expected a Unicode code point in hex");
                }
            }
            b'\n' | b'\r' | 0 => self.pos += 1,
            _ => {
                let ch_len = self.text[start + 1..].chars().next().map_or(1, char::len_utf8);
                self.pos += 1 + ch_len;
                let seq = &self.text[start..self.pos];
                self.error(
                    start,
                    self.pos,
                    format!(
                        "unknown escape sequence `{seq}`: expected one of `\\$`, `\\'`, `\\\\`, `\\n`, `\\r`, `\\t`, `\\u{{...}}`"
                    ),
                );
            }
        }
    }

    /// The `$` count before `'''` at the current position, if it opens a multi-line
    /// interpolated string.
    fn multi_dollars(&self) -> Option<u16> {
        let rest = &self.bytes[self.pos..];
        let n = rest.iter().take_while(|&&c| c == b'$').count();
        (n > 0 && rest[n..].starts_with(b"'''")).then(|| n.min(u16::MAX as usize >> 1) as u16)
    }

    /// A multi-line string from its `$`s or quotes.
    fn multi_string(&mut self) {
        let start = self.pos;
        let dollars = self.multi_dollars().unwrap_or(0);
        self.pos += dollars as usize + 3;
        self.multi_body(start, dollars, true);
    }

    /// The rest of a multi-line string piece: up to `'''` (the last three quotes of a
    /// run, so `''''` ends with a quote in the text) or, when it has holes, `dollars`
    /// `$` followed by `{`.
    fn multi_body(&mut self, start: usize, dollars: u16, opening: bool) {
        loop {
            let rest = &self.bytes[self.pos..];
            let stop = if dollars == 0 { memchr::memchr(b'\'', rest) } else { memchr::memchr2(b'\'', b'$', rest) };
            let Some(i) = stop else {
                self.pos = self.bytes.len();
                let kind = if opening { Tok::MultiComplete } else { Tok::MultiRight };
                self.push(kind, start, dollars | UNTERMINATED);
                self.error(
                    start,
                    start + 3,
                    "unterminated multi-line string: expected `'''` before the end of the file",
                );
                return;
            };
            self.pos += i;
            if rest[i] == b'\'' {
                let run = rest[i..].iter().take_while(|&&c| c == b'\'').count();
                self.pos += run;
                if run >= 3 {
                    let kind = if opening { Tok::MultiComplete } else { Tok::MultiRight };
                    return self.push(kind, start, dollars);
                }
                continue;
            }
            let run = rest[i..].iter().take_while(|&&c| c == b'$').count();
            self.pos += run;
            if run >= dollars as usize && self.peek_at(0) == b'{' {
                self.pos += 1;
                let kind = if opening { Tok::MultiLeft } else { Tok::MultiMid };
                self.push(kind, start, dollars);
                self.holes.push(Hole { dollars, braces: 0 });
                return;
            }
        }
    }
}

/// The text of a string piece between its delimiters, and whether it has escapes (a
/// single-line piece) or is raw (a multi-line piece).
pub fn piece_content(text: &str, tok: &Token) -> (usize, usize, bool) {
    let (s, e) = (tok.start as usize, tok.end as usize);
    let dollars = (tok.aux & !UNTERMINATED) as usize;
    let open = tok.aux & UNTERMINATED == 0;
    let (a, b, escaped) = match tok.kind {
        Tok::StrComplete => (s + 1, if open { e - 1 } else { e }, true),
        Tok::StrLeft => (s + 1, e - 2, true),
        Tok::StrMid => (s + 1, e - 2, true),
        Tok::StrRight => (s + 1, if open { e - 1 } else { e }, true),
        Tok::MultiComplete => (s + dollars + 3, if open { e - 3 } else { e }, false),
        Tok::MultiLeft => (s + dollars + 3, e - dollars - 1, false),
        Tok::MultiMid => (s + 1, e - dollars - 1, false),
        Tok::MultiRight => (s + 1, if open { e - 3 } else { e }, false),
        _ => (s, s, false),
    };
    let b = b.max(a).min(text.len());
    (a.min(b), b, escaped)
}

/// Decodes the escapes of a single-line string piece (already checked by the lexer;
/// an invalid escape keeps its text).
pub fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'n')) => out.push('\n'),
            Some((_, 'r')) => out.push('\r'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'u')) => match code_point(&raw[i + 2..]) {
                Some((v, len)) => {
                    for _ in 0..len {
                        chars.next();
                    }
                    let low = (0xD800..0xDC00).contains(&v).then(|| raw.get(i + 2 + len..)).flatten().and_then(|r| {
                        let (lo, lo_len) = r.strip_prefix("\\u").and_then(code_point)?;
                        (0xDC00..0xE000).contains(&lo).then_some((lo, lo_len))
                    });
                    match low {
                        Some((lo, lo_len)) => {
                            let c = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                            for _ in 0..lo_len + 2 {
                                chars.next();
                            }
                        }
                        None => out.push(char::from_u32(v).unwrap_or('\u{fffd}')),
                    }
                }
                None => out.push_str("\\u"),
            },
            Some((_, other)) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `{hex}` at the start of `s`: the value and the length including the braces.
fn code_point(s: &str) -> Option<(u32, usize)> {
    let (hex, _) = s.strip_prefix('{')?.split_once('}')?;
    let v = u32::from_str_radix(hex, 16).ok().filter(|&v| v <= 0x10FFFF)?;
    Some((v, hex.len() + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text, FileId(0)).tokens.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn operators_longest_match() {
        use Tok::*;
        assert_eq!(
            kinds("a.?b ?? c =~ d !~ e => ...f :: g!=h"),
            [
                Ident,
                DotQuestion,
                Ident,
                Coalesce,
                Ident,
                EqI,
                Ident,
                NotEqI,
                Ident,
                Arrow,
                Ellipsis,
                Ident,
                DoubleColon,
                Ident,
                NotEq,
                Ident,
                Eof
            ]
        );
    }

    #[test]
    fn string_pieces_and_nested_braces() {
        use Tok::*;
        assert_eq!(
            kinds("'a${ {b: 1}.b }c${d}e'"),
            [StrLeft, LBrace, Ident, Colon, Int, RBrace, Dot, Ident, StrMid, Ident, StrRight, Eof]
        );
        assert_eq!(kinds("'a${'b${c}'}'"), [StrLeft, StrLeft, Ident, StrRight, StrRight, Eof]);
    }

    #[test]
    fn newline_runs_are_one_token() {
        use Tok::*;
        assert_eq!(kinds("a\r\n\r\n  // c\n/* d */\nb"), [Ident, NewLine, Ident, Eof]);
    }

    #[test]
    fn lexer_errors() {
        let l = lex("'abc\n'\\q' \"", FileId(0));
        let messages: Vec<_> = l.errors.iter().map(|e| (e.span.start, e.message.as_str())).collect();
        assert_eq!(messages[0], (0, "unterminated string: expected `'` before the end of the line"));
        assert!(messages[1].1.starts_with("unknown escape sequence `\\q`"));
        assert!(messages[2].1.starts_with("unexpected `\"`"));
        assert!(lex("'''abc", FileId(0)).errors[0].message.starts_with("unterminated multi-line string"));
        assert!(lex("/* abc", FileId(0)).errors[0].message.starts_with("unterminated comment"));
        assert!(
            lex("#disable-next-line\n", FileId(0)).errors[0]
                .message
                .starts_with("expected at least one diagnostic code")
        );
    }
}
