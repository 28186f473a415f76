//! The expression grammar (reference §3): deciding whether a JSON string is an
//! expression, and parsing it into an [`ExprNode`] tree once so it can be evaluated
//! many times (copy loops, cached strings).

use crate::value::Str;

use super::error::ArmError;

/// Longest expression Resource Manager accepts (reference §3.1).
pub const MAX_EXPRESSION_LENGTH: usize = 24_576;
/// Deepest nesting of calls, accessors and arguments accepted.
pub const MAX_NESTING: u32 = 128;

/// One parsed expression node with its byte range in the raw string.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprNode {
    /// What the node is.
    pub expr: Expr,
    /// Byte offset of its first character in the raw string (the `[` is offset 0).
    pub start: u32,
    /// Byte offset just past its last character.
    pub end: u32,
}

/// The expression forms of the grammar.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `'text'` with `''` unescaped.
    Str(Str),
    /// `42`, `-13`.
    Int(i64),
    /// `name(args)`; `name` is lower-cased (`ns.member` for user functions).
    Call {
        /// Lower-cased function name.
        name: Box<str>,
        /// Unevaluated arguments.
        args: Vec<ExprNode>,
    },
    /// `target.name`.
    Member {
        /// The object.
        target: Box<ExprNode>,
        /// The property, as written.
        name: Str,
    },
    /// `target[index]`.
    Index {
        /// The array or object.
        target: Box<ExprNode>,
        /// The index or property expression.
        index: Box<ExprNode>,
    },
}

/// What a JSON string value means (reference §3.1).
#[derive(Clone, Debug, PartialEq)]
pub enum Template {
    /// A plain literal: the string as it is.
    Literal,
    /// A `[[` escape: the string without its first character.
    Escaped(Str),
    /// An expression.
    Expr(ExprNode),
}

/// True when `s` is an expression: starts with `[`, ends with `]`, not `[[`.
pub fn is_expression(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'[' && b[b.len() - 1] == b']' && b[1] != b'['
}

/// Classifies and, for expressions, parses a JSON string value.
pub fn parse_template_string(s: &str) -> Result<Template, ArmError> {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'[' && b[1] == b'[' {
        return Ok(Template::Escaped(Str::from(&s[1..])));
    }
    if !is_expression(s) {
        return Ok(Template::Literal);
    }
    if s.len() > MAX_EXPRESSION_LENGTH {
        return Err(ArmError::limit(
            format!(
                "The template language expression is {} characters long; the limit is {MAX_EXPRESSION_LENGTH}",
                s.len()
            ),
            0,
            s.len() as u32,
        ));
    }
    let mut p = Parser { src: b, text: s, pos: 1, end: b.len() - 1, depth: 0 };
    p.ws();
    let e = p.expression()?;
    p.ws();
    if p.pos != p.end {
        return Err(p.err(format!(
            "The template language expression '{}' is not valid: unexpected {} at position {}",
            crate::redact::expression_for_message(s),
            p.describe(),
            p.pos
        )));
    }
    Ok(Template::Expr(e))
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    end: usize,
    depth: u32,
}

impl Parser<'_> {
    fn err(&self, message: String) -> ArmError {
        let start = self.pos.min(self.src.len()) as u32;
        ArmError::Syntax { message, start, end: (start + 1).min(self.src.len() as u32) }
    }

    fn describe(&self) -> String {
        if self.pos >= self.end {
            "the end of the expression".to_string()
        } else {
            match self.text[self.pos..].chars().next() {
                Some(c) => format!("'{c}'"),
                None => "the end of the expression".to_string(),
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        if self.pos < self.end { Some(self.src[self.pos]) } else { None }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.pos += 1;
        }
    }

    fn invalid(&self, what: &str) -> ArmError {
        self.err(format!(
            "The template language expression '{}' is not valid: {what}, found {} at position {}",
            crate::redact::expression_for_message(self.text),
            self.describe(),
            self.pos
        ))
    }

    fn expression(&mut self) -> Result<ExprNode, ArmError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ArmError::limit(
                format!("The template language expression is nested more than {MAX_NESTING} levels deep"),
                self.pos as u32,
                self.pos as u32 + 1,
            ));
        }
        let start = self.pos;
        let mut node = self.primary()?;
        loop {
            let save = self.pos;
            self.ws();
            match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    self.ws();
                    let name: Str = match self.ident() {
                        Some(n) => Str::from(n),
                        None => return Err(self.invalid("expected a property name")),
                    };
                    node = ExprNode {
                        expr: Expr::Member { target: Box::new(node), name },
                        start: start as u32,
                        end: self.pos as u32,
                    };
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.ws();
                    let index = self.expression()?;
                    self.ws();
                    if self.peek() != Some(b']') {
                        return Err(self.invalid("expected ']'"));
                    }
                    self.pos += 1;
                    node = ExprNode {
                        expr: Expr::Index { target: Box::new(node), index: Box::new(index) },
                        start: start as u32,
                        end: self.pos as u32,
                    };
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(node)
    }

    fn ident(&mut self) -> Option<&str> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => self.pos += 1,
            _ => return None,
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' {
                self.pos += 1;
            } else {
                break;
            }
        }
        Some(&self.text[start..self.pos])
    }

    fn primary(&mut self) -> Result<ExprNode, ArmError> {
        let start = self.pos;
        match self.peek() {
            Some(b'\'') => {
                self.pos += 1;
                let mut out = String::new();
                let mut seg = self.pos;
                loop {
                    match self.peek() {
                        None => {
                            return Err(self.err(format!(
                                "The template language expression '{}' is not valid: the string literal is not terminated",
                                crate::redact::expression_for_message(self.text)
                            )));
                        }
                        Some(b'\'') => {
                            out.push_str(&self.text[seg..self.pos]);
                            if self.src.get(self.pos + 1) == Some(&b'\'') && self.pos + 1 < self.end {
                                out.push('\'');
                                self.pos += 2;
                                seg = self.pos;
                            } else {
                                self.pos += 1;
                                break;
                            }
                        }
                        Some(_) => self.pos += 1,
                    }
                }
                Ok(ExprNode { expr: Expr::Str(Str::from(out)), start: start as u32, end: self.pos as u32 })
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                self.pos += 1;
                while let Some(c) = self.peek() {
                    if c.is_ascii_digit() {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let text = &self.text[start..self.pos];
                let v: i64 = text.parse().map_err(|_| {
                    self.err(format!(
                        "The template language expression '{}' is not valid: '{text}' is not a valid integer",
                        crate::redact::expression_for_message(self.text)
                    ))
                })?;
                Ok(ExprNode { expr: Expr::Int(v), start: start as u32, end: self.pos as u32 })
            }
            _ => {
                let mut name = match self.ident() {
                    Some(first) => first.to_ascii_lowercase(),
                    None => {
                        return Err(self.invalid("expected a function call, a string literal or an integer"));
                    }
                };
                // `namespace.member(` is a user function; otherwise `.` is an accessor.
                if self.peek() == Some(b'.') {
                    let save = self.pos;
                    self.pos += 1;
                    match self.ident() {
                        Some(member) => {
                            let member = member.to_ascii_lowercase();
                            self.ws();
                            if self.peek() == Some(b'(') {
                                name.push('.');
                                name.push_str(&member);
                            } else {
                                self.pos = save;
                            }
                        }
                        None => self.pos = save,
                    }
                }
                self.ws();
                if self.peek() != Some(b'(') {
                    return Err(self.invalid("expected '(' after the function name"));
                }
                self.pos += 1;
                self.ws();
                let mut args = Vec::new();
                if self.peek() == Some(b')') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        args.push(self.expression()?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b')') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.invalid("expected ',' or ')'")),
                        }
                    }
                }
                Ok(ExprNode {
                    expr: Expr::Call { name: name.into_boxed_str(), args },
                    start: start as u32,
                    end: self.pos as u32,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> ExprNode {
        match parse_template_string(s) {
            Ok(Template::Expr(e)) => e,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn literals_and_escapes() {
        assert_eq!(parse_template_string("plain"), Ok(Template::Literal));
        assert_eq!(parse_template_string("[test] value"), Ok(Template::Literal));
        assert_eq!(parse_template_string("[[x]"), Ok(Template::Escaped(Str::from("[x]"))));
        assert_eq!(parse_template_string(""), Ok(Template::Literal));
    }

    #[test]
    fn calls_accessors_and_quotes() {
        let e = expr("[ concat('It''s', 'x')[0].a['b'] ]");
        let Expr::Index { target, .. } = e.expr else { panic!() };
        let Expr::Member { target, name } = target.expr else { panic!() };
        assert_eq!(&*name, "a");
        let Expr::Index { target, .. } = target.expr else { panic!() };
        let Expr::Call { name, args } = target.expr else { panic!() };
        assert_eq!(&*name, "concat");
        assert_eq!(args[0].expr, Expr::Str(Str::from("It's")));
    }

    #[test]
    fn user_functions_take_one_dot() {
        let e = expr("[contoso.uniqueName(parameters('p'))]");
        assert!(matches!(e.expr, Expr::Call { ref name, .. } if &**name == "contoso.uniquename"));
        let e = expr("[resourceGroup().location]");
        assert!(matches!(e.expr, Expr::Member { .. }));
    }

    #[test]
    fn errors_are_reported_not_panicked() {
        for s in ["[concat(]", "[foo]", "['abc]", "[1.5]", "[a.(]", "[)]", "[f(1,)]", "[99999999999999999999]"] {
            assert!(parse_template_string(s).is_err(), "{s}");
        }
        let deep = format!("[{}1{}]", "f(".repeat(300), ")".repeat(300));
        assert!(matches!(parse_template_string(&deep), Err(ArmError::Limit { .. })));
    }
}
