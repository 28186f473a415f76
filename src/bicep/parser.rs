//! The recursive-descent parser over the lexer's tokens (grammar: the Bicep
//! compiler's pseudo-grammar, `docs` of the language). One function per construct.
//!
//! An error is recorded once, where it is found, and unwinds the statement with
//! [`Fail`]; the statement loop then skips to where the next statement can start
//! ([`Parser::recover`]). Newline significance is a stack of modes: `(` pushes
//! "newlines are blanks", `{` and `[` push "newlines separate".

use super::ast::*;
use super::lexer::{self, Tok, Token};
use super::{Dialect, MAX_DEPTH, ParseError};
use crate::value::{FileId, Span};

/// The statement failed; its error is already recorded.
#[derive(Debug)]
pub struct Fail;

type PResult<T> = Result<T, Fail>;

/// Parses a whole file.
pub fn parse(text: &str, file: FileId, dialect: Dialect) -> Program {
    let lexed = lexer::lex(text, file);
    let mut lex_errors: Vec<u32> = lexed.errors.iter().map(|e| e.span.start).collect();
    lex_errors.sort_unstable();
    let mut p = Parser {
        text,
        file,
        toks: lexed.tokens,
        pos: 0,
        last_end: 0,
        lex_errors,
        errors: lexed.errors,
        skip_nl: Vec::new(),
        depth: 0,
        dialect,
    };
    let statements = p.program();
    let mut errors = p.errors;
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    // One mistake often breaks the rest of its line: one error a line, the first, but an
    // unclosed `${` rather than the unterminated string it also makes.
    let line = |at: u32| text.as_bytes()[..(at as usize).min(text.len())].iter().filter(|&&b| b == b'\n').count();
    errors.sort_by_key(|e| (line(e.span.start), !e.message.contains("interpolation"), e.span.start, e.span.end));
    errors.dedup_by(|later, first| line(later.span.start) == line(first.span.start));
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Program { statements, directives: lexed.directives, errors, span: Span::new(file, 0, text.len()) }
}

pub(crate) struct Parser<'a> {
    text: &'a str,
    file: FileId,
    toks: Vec<Token>,
    pos: usize,
    /// End of the last consumed token: where a node that just ended ends.
    last_end: u32,
    errors: Vec<ParseError>,
    /// Where the lexer's errors start, in order.
    lex_errors: Vec<u32>,
    /// Newline modes: `true` inside parentheses, where line breaks are blanks.
    skip_nl: Vec<bool>,
    depth: u32,
    dialect: Dialect,
}

/// Declaration keywords, for recovery and messages.
const DECL_KEYWORDS: &[&str] = &[
    "targetScope",
    "metadata",
    "param",
    "var",
    "type",
    "resource",
    "module",
    "output",
    "func",
    "import",
    "extension",
    "provider",
    "extensionConfig",
    "assert",
    "test",
    "using",
    "extends",
];

impl<'a> Parser<'a> {
    // ----- tokens -----

    /// The next token, past line breaks when they are blanks here.
    fn cur(&mut self) -> Token {
        if self.skip_nl.last() == Some(&true) {
            while self.toks[self.pos].kind == Tok::NewLine {
                self.pos += 1;
            }
        }
        self.toks[self.pos]
    }

    fn kind(&mut self) -> Tok {
        self.cur().kind
    }

    /// The token `n` places after the current one, not counting line breaks.
    fn nth_non_nl(&mut self, n: usize) -> Token {
        self.cur();
        let mut seen = 0;
        let mut i = self.pos;
        loop {
            let t = self.toks[i];
            if t.kind == Tok::Eof {
                return t;
            }
            if t.kind != Tok::NewLine {
                if seen == n {
                    return t;
                }
                seen += 1;
            }
            i += 1;
        }
    }

    /// Whether the next token other than line breaks is `kind`.
    fn next_past_nl_is(&mut self, kind: Tok) -> bool {
        self.nth_non_nl(0).kind == kind
    }

    fn skip_newlines(&mut self) {
        while self.toks[self.pos].kind == Tok::NewLine {
            self.pos += 1;
        }
    }

    fn bump(&mut self) -> Token {
        let t = self.cur();
        if t.kind != Tok::Eof {
            self.pos += 1;
        }
        self.last_end = t.end;
        t
    }

    fn eat(&mut self, kind: Tok) -> Option<Token> {
        (self.kind() == kind).then(|| self.bump())
    }

    fn slice(&self, t: Token) -> &'a str {
        self.text.get(t.start as usize..t.end as usize).unwrap_or("")
    }

    /// Whether the next token is the (contextual) keyword `kw`.
    fn at_kw(&mut self, kw: &str) -> bool {
        let t = self.cur();
        t.kind == Tok::Ident && self.slice(t) == kw
    }

    fn span(&self, start: u32, end: u32) -> Span {
        Span { file: self.file, start, end }
    }

    /// The span from `start` to the end of the last consumed token.
    fn since(&self, start: u32) -> Span {
        self.span(start, self.last_end.max(start))
    }

    // ----- errors -----

    /// How a token reads in a message.
    fn describe(&self, t: Token) -> String {
        match t.kind {
            Tok::NewLine => "a newline".into(),
            Tok::Eof => "the end of the file".into(),
            Tok::StrComplete | Tok::StrLeft | Tok::MultiComplete | Tok::MultiLeft => "a string".into(),
            Tok::StrMid | Tok::StrRight | Tok::MultiMid | Tok::MultiRight => "`}`".into(),
            _ => {
                let s = self.slice(t);
                if s.chars().count() > 40 {
                    let short: String = s.chars().take(40).collect();
                    format!("`{short}...`")
                } else {
                    format!("`{s}`")
                }
            }
        }
    }

    fn error_at(&mut self, t: Token, message: String) -> Fail {
        let end = if t.kind == Tok::NewLine { t.start } else { t.end };
        self.errors.push(ParseError { span: self.span(t.start, end), message });
        Fail
    }

    /// Records `expected {what}, found {the next token}`.
    fn expected(&mut self, what: &str) -> Fail {
        let t = self.cur();
        let found = self.describe(t);
        self.error_at(t, format!("expected {what}, found {found}"))
    }

    fn expect(&mut self, kind: Tok, what: &str) -> PResult<Token> {
        match self.eat(kind) {
            Some(t) => Ok(t),
            None => Err(self.expected(what)),
        }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident> {
        let t = self.cur();
        if t.kind != Tok::Ident {
            return Err(self.expected(what));
        }
        self.bump();
        Ok(Ident { name: self.slice(t).to_string(), span: self.span(t.start, t.end) })
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<Token> {
        if self.at_kw(kw) { Ok(self.bump()) } else { Err(self.expected(&format!("`{kw}`"))) }
    }

    /// One level deeper; an error past [`MAX_DEPTH`].
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.cur();
            return Err(self.error_at(t, format!("expected at most {MAX_DEPTH} levels of nesting, found more")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Runs `f` with line breaks as blanks (`true`) or separators (`false`).
    fn with_nl<T>(&mut self, skip: bool, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.skip_nl.push(skip);
        let r = f(self);
        self.skip_nl.pop();
        r
    }

    /// Enters a newline mode. The recursive constructs push and pop by hand rather than
    /// through [`Parser::with_nl`]: a closure is one more stack frame per nesting level,
    /// and an error needs no pop (the statement loop clears the stack).
    fn push_nl(&mut self, skip: bool) {
        self.skip_nl.push(skip);
    }

    fn pop_nl(&mut self) {
        self.skip_nl.pop();
    }

    // ----- program and recovery -----

    fn program(&mut self) -> Vec<Statement> {
        let mut out = Vec::new();
        loop {
            self.skip_nl.clear();
            self.depth = 0;
            self.skip_newlines();
            if self.toks[self.pos].kind == Tok::Eof {
                break;
            }
            let start = self.pos;
            let stmt = self.statement().and_then(|s| {
                match self.kind() {
                    Tok::NewLine | Tok::Eof => {}
                    _ => return Err(self.expected("a newline after the declaration")),
                }
                Ok(s)
            });
            match stmt {
                Ok(s) if !self.has_lex_error(s.span) => out.push(s),
                Ok(_) => {}
                Err(Fail) => self.recover(start),
            }
        }
        out
    }

    /// Whether the lexer reported an error inside `span`: a statement with a broken
    /// token is left out like one that did not parse.
    fn has_lex_error(&self, span: Span) -> bool {
        let i = self.lex_errors.partition_point(|&s| s < span.start);
        self.lex_errors.get(i).is_some_and(|&s| s < span.end.max(span.start + 1))
    }

    /// After an error: skips to the line break that ends the statement (brackets
    /// opened since its start are balanced first), or to a line that starts with a
    /// declaration, whichever comes first.
    fn recover(&mut self, start: usize) {
        self.skip_nl.clear();
        let mut depth: i64 = 0;
        for t in &self.toks[start..self.pos] {
            depth += bracket_delta(t.kind);
        }
        let mut depth = depth.max(0);
        // The error is on a later line that starts a declaration (`var d = (` then
        // `resource e ...`): the statement ended before that line, which is kept.
        if let Some(nl) = (start + 1..self.pos.min(self.toks.len())).rev().find(|&i| self.toks[i].kind == Tok::NewLine)
            && self.starts_declaration(nl + 1)
        {
            self.pos = nl;
            return;
        }
        if self.pos == start {
            self.pos += usize::from(self.toks[self.pos].kind != Tok::Eof);
        }
        loop {
            let t = self.toks[self.pos];
            match t.kind {
                Tok::Eof => return,
                Tok::NewLine if depth == 0 || self.starts_declaration(self.pos + 1) => return,
                _ => depth = (depth + bracket_delta(t.kind)).max(0),
            }
            self.pos += 1;
        }
    }

    /// Whether the token at `i` starts a line with a declaration (`@`, or a keyword
    /// followed by a name), so recovery does not swallow it after an unclosed bracket.
    fn starts_declaration(&self, i: usize) -> bool {
        let Some(t) = self.toks.get(i) else { return false };
        let at_col0 = t.start == 0 || matches!(self.text.as_bytes().get(t.start as usize - 1), Some(b'\n' | b'\r'));
        if !at_col0 {
            return false;
        }
        match t.kind {
            Tok::At => true,
            Tok::Ident => {
                let next = self.toks.get(i + 1).map_or(Tok::Eof, |n| n.kind);
                DECL_KEYWORDS.contains(&self.slice(*t))
                    && matches!(next, Tok::Ident | Tok::Assign | Tok::StrComplete | Tok::LBrace | Tok::Star)
            }
            _ => false,
        }
    }

    // ----- statements -----

    fn decorators(&mut self) -> PResult<Vec<Decorator>> {
        let mut out = Vec::new();
        while self.kind() == Tok::At {
            out.push(self.decorator()?);
            match self.kind() {
                Tok::NewLine => self.skip_newlines(),
                _ => return Err(self.expected("a newline after the decorator")),
            }
        }
        Ok(out)
    }

    /// `@name(args)` or `@ns.name(args)`.
    fn decorator(&mut self) -> PResult<Decorator> {
        let at = self.bump();
        if self.kind() != Tok::Ident {
            return Err(self.expected("a decorator name after `@`"));
        }
        let expr = self.postfix()?;
        if !matches!(expr.kind, ExprKind::Call { .. }) {
            let t = self.cur();
            let found = self.describe(t);
            return Err(self.error_at(t, format!("expected `(` and the decorator's arguments, found {found}")));
        }
        Ok(Decorator { expr, span: self.since(at.start) })
    }

    fn statement(&mut self) -> PResult<Statement> {
        let start = self.cur().start;
        let decorators = self.decorators()?;
        let t = self.cur();
        let kw = if t.kind == Tok::Ident { self.slice(t) } else { "" };
        let kind = match kw {
            "targetScope" => self.target_scope()?,
            "metadata" => self.metadata()?,
            "param" => self.param()?,
            "var" => self.var()?,
            "type" => self.type_decl()?,
            "resource" => return self.resource(decorators, start),
            "module" => self.module()?,
            "output" => self.output()?,
            "func" => self.func()?,
            "import" => self.import()?,
            "extension" | "provider" => self.extension()?,
            "extensionConfig" => self.extension_config()?,
            "assert" => self.assert()?,
            "test" => self.test()?,
            "using" => self.using()?,
            "extends" => self.extends()?,
            _ if !decorators.is_empty() => return Err(self.expected("a declaration after the decorator")),
            _ => {
                return Err(self.expected(
                    "a declaration (`param`, `var`, `resource`, `module`, `output`, `type`, `func`, `import`, ...)",
                ));
            }
        };
        Ok(Statement { decorators, kind, span: self.since(start) })
    }

    fn target_scope(&mut self) -> PResult<StmtKind> {
        self.bump();
        self.expect(Tok::Assign, "`=` after `targetScope`")?;
        Ok(StmtKind::TargetScope { value: self.expr()? })
    }

    fn metadata(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a metadata name")?;
        self.expect(Tok::Assign, "`=` after the metadata name")?;
        Ok(StmtKind::Metadata { name, value: self.expr()? })
    }

    fn param(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a parameter name")?;
        if self.dialect == Dialect::BicepParam {
            self.expect(Tok::Assign, "`=` after the parameter name")?;
            return Ok(StmtKind::Param { name, ty: None, default: Some(self.expr()?) });
        }
        let ty = self.decl_type("a parameter type")?;
        let default = if self.eat(Tok::Assign).is_some() { Some(self.expr()?) } else { None };
        Ok(StmtKind::Param { name, ty: Some(ty), default })
    }

    /// The type of a parameter or output: a type expression or `resource 'type'`.
    fn decl_type(&mut self, what: &str) -> PResult<TypeExpr> {
        let t = self.cur();
        if self.at_kw("resource") && is_string_start(self.nth_non_nl(1).kind) {
            self.bump();
            let s = self.string_lit("a resource type string")?;
            return Ok(TypeExpr { kind: TypeKind::Resource(s), span: self.since(t.start) });
        }
        let union_next_line = t.kind == Tok::NewLine && self.next_past_nl_is(Tok::Pipe);
        if matches!(t.kind, Tok::Assign | Tok::NewLine | Tok::Eof) && !union_next_line {
            return Err(self.expected(what));
        }
        self.type_expr()
    }

    fn var(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a variable name")?;
        let ty =
            if matches!(self.kind(), Tok::Assign | Tok::NewLine | Tok::Eof) { None } else { Some(self.type_expr()?) };
        self.expect(Tok::Assign, "`=` after the variable name")?;
        Ok(StmtKind::Var { name, ty, value: self.expr()? })
    }

    fn type_decl(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a type name")?;
        self.expect(Tok::Assign, "`=` after the type name")?;
        Ok(StmtKind::Type { name, ty: self.type_expr()? })
    }

    /// `resource name 'type' [existing] = body`, at the top level or in a parent's body.
    fn resource(&mut self, decorators: Vec<Decorator>, start: u32) -> PResult<Statement> {
        self.bump();
        let name = self.ident("a resource name")?;
        let type_str = self.string_lit("a resource type string ('Namespace/type@version')")?;
        let existing = self.at_kw("existing");
        if existing {
            self.bump();
        }
        self.expect(Tok::Assign, "`=` after the resource type")?;
        let body = self.decl_body()?;
        let kind = StmtKind::Resource(Resource { name, type_str, existing, body });
        Ok(Statement { decorators, kind, span: self.since(start) })
    }

    fn module(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a module name")?;
        let path = self.string_lit("a module path string")?;
        self.expect(Tok::Assign, "`=` after the module path")?;
        Ok(StmtKind::Module { name, path, body: self.decl_body()? })
    }

    /// `{...}`, `if (cond) {...}` or `[for ...]` after a resource's or module's `=`.
    fn decl_body(&mut self) -> PResult<DeclBody> {
        // `=` may end its line when the body starts the next one.
        if matches!(self.nth_non_nl(0).kind, Tok::LBrace | Tok::Ident | Tok::LBracket) {
            self.skip_newlines();
        }
        match self.kind() {
            Tok::LBrace => Ok(DeclBody::Object(self.object()?)),
            Tok::Ident if self.at_kw("if") => Ok(DeclBody::If(self.if_body()?)),
            Tok::LBracket if self.at_for() => Ok(DeclBody::For(self.for_expr()?)),
            _ => Err(self.expected("`{`, `if` or `[for` after `=`")),
        }
    }

    fn output(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("an output name")?;
        let ty = self.decl_type("an output type")?;
        self.expect(Tok::Assign, "`=` after the output type")?;
        Ok(StmtKind::Output { name, ty, value: self.expr()? })
    }

    /// `func name(a type, ...) returnType => body`
    fn func(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a function name")?;
        self.expect(Tok::LParen, "`(` after the function name")?;
        let params = self.with_nl(true, |p| {
            let mut params = Vec::new();
            if p.eat(Tok::RParen).is_some() {
                return Ok(params);
            }
            loop {
                let start = p.cur().start;
                let name = p.ident("a parameter name")?;
                let ty = p.type_expr()?;
                params.push(TypedParam { name, ty, span: p.since(start) });
                if p.eat(Tok::Comma).is_none() {
                    p.expect(Tok::RParen, "`,` or `)` after the function parameter")?;
                    return Ok(params);
                }
            }
        })?;
        let return_type = self.type_expr()?;
        self.expect(Tok::Arrow, "`=>` after the function's return type")?;
        self.skip_newlines();
        Ok(StmtKind::Func { name, params, return_type, body: self.expr()? })
    }

    /// `import {a, b as c} from 'path'`, `import * as ns from 'path'`, or the legacy
    /// extension form `import 'az@1.0.0' [with {...}] [as alias]`.
    fn import(&mut self) -> PResult<StmtKind> {
        let keyword = self.ident("`import`")?;
        let symbols = match self.kind() {
            Tok::LBrace => ImportSymbols::Named(self.import_list()?),
            Tok::Star => {
                self.bump();
                self.expect_kw("as")?;
                ImportSymbols::Wildcard { alias: self.ident("an alias after `as`")? }
            }
            Tok::StrComplete | Tok::StrLeft | Tok::Ident => return self.extension_rest(keyword),
            _ => return Err(self.expected("`{`, `*` or a string after `import`")),
        };
        if !self.at_kw("from") {
            return Err(self.expected("`from` and the path of the file to import from"));
        }
        self.bump();
        let from = self.string_lit("a path string after `from`")?;
        Ok(StmtKind::Import { symbols, from })
    }

    fn import_list(&mut self) -> PResult<Vec<ImportItem>> {
        self.bump();
        self.with_nl(false, |p| {
            let mut items = Vec::new();
            p.skip_newlines();
            loop {
                if p.eat(Tok::RBrace).is_some() {
                    return Ok(items);
                }
                let start = p.cur().start;
                let name = match p.kind() {
                    Tok::Ident => PropertyKey::Ident(p.ident("a name")?),
                    k if is_string_start(k) => PropertyKey::String(p.string_lit("a name")?),
                    _ => return Err(p.expected("the name of a symbol to import")),
                };
                let alias = if p.at_kw("as") {
                    p.bump();
                    Some(p.ident("an alias after `as`")?)
                } else {
                    None
                };
                items.push(ImportItem { name, alias, span: p.since(start) });
                p.separator("`,`, a newline or `}` after the imported symbol", Tok::RBrace)?;
            }
        })
    }

    fn extension(&mut self) -> PResult<StmtKind> {
        let keyword = self.ident("`extension`")?;
        self.extension_rest(keyword)
    }

    /// `spec [with {...}] [as alias]` of an extension declaration.
    fn extension_rest(&mut self, keyword: Ident) -> PResult<StmtKind> {
        let spec = match self.kind() {
            Tok::Ident => ExtensionSpec::Name(self.ident("an extension name")?),
            _ => ExtensionSpec::String(self.string_lit("an extension name or string")?),
        };
        let config = if self.at_kw("with") {
            self.bump();
            Some(self.object()?)
        } else {
            None
        };
        let alias = if self.at_kw("as") {
            self.bump();
            Some(self.ident("an alias after `as`")?)
        } else {
            None
        };
        Ok(StmtKind::Extension { keyword, spec, config, alias })
    }

    fn extension_config(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("an extension alias")?;
        let config = if self.at_kw("with") {
            self.bump();
            Some(self.object()?)
        } else {
            None
        };
        Ok(StmtKind::ExtensionConfig { name, config })
    }

    fn assert(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("an assertion name")?;
        self.expect(Tok::Assign, "`=` after the assertion name")?;
        Ok(StmtKind::Assert { name, value: self.expr()? })
    }

    fn test(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.ident("a test name")?;
        let path = self.string_lit("a test path string")?;
        self.expect(Tok::Assign, "`=` after the test path")?;
        Ok(StmtKind::Test { name, path, body: self.object()? })
    }

    fn using(&mut self) -> PResult<StmtKind> {
        self.bump();
        let path = if self.at_kw("none") {
            self.bump();
            None
        } else {
            Some(self.string_lit("a path string or `none` after `using`")?)
        };
        let config = if self.at_kw("with") {
            self.bump();
            Some(self.object()?)
        } else {
            None
        };
        Ok(StmtKind::Using { path, config })
    }

    fn extends(&mut self) -> PResult<StmtKind> {
        self.bump();
        Ok(StmtKind::Extends { path: self.string_lit("a path string after `extends`")? })
    }

    // ----- expressions -----

    /// `binary` or `binary ? expr : expr`; the `?` and `:` may start a new line.
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let cond = self.binary(0)?;
        let out = if self.next_past_nl_is(Tok::Question) { self.ternary(cond)? } else { cond };
        self.leave();
        Ok(out)
    }

    /// `? then : otherwise` after the condition.
    fn ternary(&mut self, cond: Expr) -> PResult<Expr> {
        self.skip_newlines();
        self.bump();
        let then = self.expr()?;
        if self.next_past_nl_is(Tok::Colon) {
            self.skip_newlines();
        }
        self.expect(Tok::Colon, "`:` in the conditional expression")?;
        let otherwise = self.expr()?;
        let span = self.span(cond.span.start, otherwise.span.end);
        Ok(Expr { kind: ExprKind::Ternary { cond: cond.into(), then: then.into(), otherwise: otherwise.into() }, span })
    }

    /// Binary operators by precedence climbing (all left-associative).
    fn binary(&mut self, min_prec: u8) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = binary_op(self.kind()) {
            if prec < min_prec {
                break;
            }
            self.bump();
            let rhs = self.binary(prec + 1)?;
            let span = self.span(lhs.span.start, rhs.span.end);
            lhs = Expr { kind: ExprKind::Binary { op, lhs: lhs.into(), rhs: rhs.into() }, span };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let op = match self.kind() {
            Tok::Bang => UnaryOp::Not,
            Tok::Minus => UnaryOp::Neg,
            Tok::Plus => UnaryOp::Plus,
            _ => return self.postfix(),
        };
        let t = self.bump();
        self.enter()?;
        let expr = self.unary()?;
        self.leave();
        let span = self.span(t.start, expr.span.end);
        Ok(Expr { kind: ExprKind::Unary { op, expr: expr.into() }, span })
    }

    /// A primary expression and its chain of `.name`, `.?name`, `.f()`, `[i]`, `[?i]`,
    /// `[^i]`, `!` and `::name`.
    fn postfix(&mut self) -> PResult<Expr> {
        let e = self.primary()?;
        self.postfix_chain(e)
    }

    /// The suffixes after a primary expression. Apart from [`Parser::postfix`] so that
    /// its many temporaries are not on the stack while the primary recurses.
    fn postfix_chain(&mut self, mut e: Expr) -> PResult<Expr> {
        loop {
            let start = e.span.start;
            match self.kind() {
                Tok::Dot | Tok::DotQuestion => {
                    let safe = self.bump().kind == Tok::DotQuestion;
                    let name = self.ident("a property or function name after `.`")?;
                    if !safe && self.kind() == Tok::LParen {
                        let args = self.call_args()?;
                        e = Expr { kind: ExprKind::Call { base: Some(e.into()), name, args }, span: self.since(start) };
                    } else {
                        e = Expr { kind: ExprKind::Property { base: e.into(), name, safe }, span: self.since(start) };
                    }
                }
                Tok::LBracket => {
                    self.bump();
                    let safe = self.eat(Tok::Question).is_some();
                    let from_end = self.eat(Tok::Caret).is_some();
                    if self.kind() == Tok::RBracket {
                        return Err(self.expected("an index expression inside `[]`"));
                    }
                    let index = self.expr()?;
                    self.expect(Tok::RBracket, "`]` after the index")?;
                    e = Expr {
                        kind: ExprKind::Index { base: e.into(), index: index.into(), safe, from_end },
                        span: self.since(start),
                    };
                }
                Tok::Bang => {
                    self.bump();
                    e = Expr { kind: ExprKind::NonNull(e.into()), span: self.since(start) };
                }
                Tok::DoubleColon => {
                    self.bump();
                    let name = self.ident("a nested resource name after `::`")?;
                    e = Expr { kind: ExprKind::ResourceAccess { base: e.into(), name }, span: self.since(start) };
                }
                _ => return Ok(e),
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.cur();
        match t.kind {
            Tok::Int => {
                self.bump();
                match self.slice(t).parse::<u64>() {
                    Ok(v) => Ok(Expr { kind: ExprKind::Int(v), span: self.span(t.start, t.end) }),
                    Err(_) => {
                        Err(self.error_at(t, "expected an integer that fits in 64 bits, found a longer one".into()))
                    }
                }
            }
            Tok::Ident => self.name_expr(t),
            k if is_string_start(k) => {
                let s = self.string_lit("a string")?;
                let span = s.span;
                Ok(Expr { kind: ExprKind::String(s), span })
            }
            Tok::LBrace => self.object(),
            Tok::LBracket if self.at_for() => self.for_expr(),
            Tok::LBracket => self.array(),
            Tok::LParen if self.at_lambda() => self.lambda(),
            Tok::LParen => self.paren(),
            _ => Err(self.expected("an expression")),
        }
    }

    /// A name: a literal keyword, a variable, a call, or a one-parameter lambda.
    fn name_expr(&mut self, t: Token) -> PResult<Expr> {
        let span = self.span(t.start, t.end);
        let lit = match self.slice(t) {
            "true" => Some(ExprKind::Bool(true)),
            "false" => Some(ExprKind::Bool(false)),
            "null" => Some(ExprKind::Null),
            _ => None,
        };
        if let Some(kind) = lit {
            self.bump();
            return Ok(Expr { kind, span });
        }
        let name = self.ident("a name")?;
        match self.kind() {
            Tok::Arrow => {
                // A lambda's body is on the same line unless inside parentheses.
                self.bump();
                let body = self.expr()?;
                Ok(Expr { kind: ExprKind::Lambda { params: vec![name], body: body.into() }, span: self.since(t.start) })
            }
            Tok::LParen => {
                let args = self.call_args()?;
                Ok(Expr { kind: ExprKind::Call { base: None, name, args }, span: self.since(t.start) })
            }
            _ => Ok(Expr { kind: ExprKind::Var(name), span }),
        }
    }

    /// `(a, b, ...)` of a call; line breaks inside are blanks.
    fn call_args(&mut self) -> PResult<Vec<Expr>> {
        self.bump();
        self.push_nl(true);
        let mut args = Vec::new();
        if self.eat(Tok::RParen).is_none() {
            loop {
                args.push(self.expr()?);
                if self.eat(Tok::Comma).is_none() {
                    self.expect(Tok::RParen, "`,` or `)` after the argument")?;
                    break;
                }
            }
        }
        self.pop_nl();
        Ok(args)
    }

    /// `(expr)`
    fn paren(&mut self) -> PResult<Expr> {
        let open = self.bump();
        self.push_nl(true);
        if self.kind() == Tok::RParen {
            return Err(self.expected("an expression inside the parentheses"));
        }
        let inner = Box::new(self.expr()?);
        self.expect(Tok::RParen, "`)` after the expression")?;
        self.pop_nl();
        Ok(Expr { kind: ExprKind::Paren(inner), span: self.since(open.start) })
    }

    /// Whether `(` starts a lambda's parameters: `()`, `(a)`, `(a, b)` then `=>`.
    fn at_lambda(&mut self) -> bool {
        let mut n = 1;
        if self.nth_non_nl(n).kind == Tok::RParen {
            return self.nth_non_nl(n + 1).kind == Tok::Arrow;
        }
        loop {
            if self.nth_non_nl(n).kind != Tok::Ident {
                return false;
            }
            match self.nth_non_nl(n + 1).kind {
                Tok::Comma => n += 2,
                Tok::RParen => return self.nth_non_nl(n + 2).kind == Tok::Arrow,
                _ => return false,
            }
        }
    }

    fn lambda(&mut self) -> PResult<Expr> {
        let open = self.bump();
        let params = self.with_nl(true, |p| {
            let mut params = Vec::new();
            if p.eat(Tok::RParen).is_some() {
                return Ok(params);
            }
            loop {
                params.push(p.ident("a lambda parameter name")?);
                if p.eat(Tok::Comma).is_none() {
                    p.expect(Tok::RParen, "`,` or `)` after the lambda parameter")?;
                    return Ok(params);
                }
            }
        })?;
        self.expect(Tok::Arrow, "`=>` after the lambda parameters")?;
        let body = self.expr()?;
        Ok(Expr { kind: ExprKind::Lambda { params, body: body.into() }, span: self.since(open.start) })
    }

    /// After an array or object member: `,`, a line break, or the closing bracket.
    /// A line break right after a comma is an error, as in the compiler.
    fn separator(&mut self, what: &str, close: Tok) -> PResult<()> {
        match self.kind() {
            k if k == close => Ok(()),
            Tok::NewLine => {
                self.skip_newlines();
                Ok(())
            }
            Tok::Comma => {
                self.bump();
                if self.kind() == Tok::NewLine {
                    return Err(self.expected("another item after `,` on the same line"));
                }
                Ok(())
            }
            _ => Err(self.expected(what)),
        }
    }

    fn array(&mut self) -> PResult<Expr> {
        let open = self.bump();
        self.push_nl(false);
        let mut items = Vec::new();
        self.skip_newlines();
        while self.eat(Tok::RBracket).is_none() {
            let item = if self.kind() == Tok::Ellipsis {
                let dots = self.bump();
                let expr = self.expr()?;
                ArrayItem::Spread { expr, span: self.since(dots.start) }
            } else {
                ArrayItem::Value(self.expr()?)
            };
            items.push(item);
            self.separator("`,`, a newline or `]` after the array item", Tok::RBracket)?;
        }
        self.pop_nl();
        Ok(Expr { kind: ExprKind::Array(items), span: self.since(open.start) })
    }

    pub(crate) fn object(&mut self) -> PResult<Expr> {
        let open = self.expect(Tok::LBrace, "`{`")?;
        self.enter()?;
        self.push_nl(false);
        let mut items = Vec::new();
        self.skip_newlines();
        while self.eat(Tok::RBrace).is_none() {
            items.push(self.object_item()?);
            self.separator("`,`, a newline or `}` after the property", Tok::RBrace)?;
        }
        self.pop_nl();
        self.leave();
        Ok(Expr { kind: ExprKind::Object(items), span: self.since(open.start) })
    }

    fn object_item(&mut self) -> PResult<ObjectItem> {
        let t = self.cur();
        if t.kind == Tok::Ellipsis {
            self.bump();
            let expr = self.expr()?;
            return Ok(ObjectItem::Spread { expr, span: self.since(t.start) });
        }
        let nested = t.kind == Tok::At || (self.at_kw("resource") && self.nth_non_nl(1).kind == Tok::Ident);
        if nested {
            let decorators = self.decorators()?;
            if !self.at_kw("resource") {
                return Err(self.expected("a nested resource declaration after the decorator"));
            }
            return Ok(ObjectItem::Resource(self.resource(decorators, t.start)?.into()));
        }
        let key = self.property_key()?;
        self.expect(Tok::Colon, "`:` after the property name")?;
        let value = self.expr()?;
        Ok(ObjectItem::Property { key, value, span: self.since(t.start) })
    }

    fn property_key(&mut self) -> PResult<PropertyKey> {
        match self.kind() {
            Tok::Ident => Ok(PropertyKey::Ident(self.ident("a property name")?)),
            Tok::StrComplete | Tok::StrLeft => Ok(PropertyKey::String(self.string_lit("a property name")?)),
            _ => Err(self.expected("a property name")),
        }
    }

    /// Whether `[` starts a for-expression: `[for x in` or `[for (x, i) in`.
    fn at_for(&mut self) -> bool {
        let t = self.nth_non_nl(1);
        t.kind == Tok::Ident
            && self.slice(t) == "for"
            && matches!(self.nth_non_nl(2).kind, Tok::Ident | Tok::LParen | Tok::RBracket | Tok::Eof)
    }

    /// `[for item in iterable: body]`, `[for (item, index) in ...: if (c) body]`
    fn for_expr(&mut self) -> PResult<Expr> {
        let open = self.bump();
        self.enter()?;
        let out = self.with_nl(false, |p| {
            p.skip_newlines();
            p.expect_kw("for")?;
            let (item, index) = if p.kind() == Tok::LParen {
                p.bump();
                let item = p.ident("a loop item variable")?;
                p.expect(Tok::Comma, "`,` and an index variable after the loop item variable")?;
                let index = p.ident("a loop index variable")?;
                p.expect(Tok::RParen, "`)` after the loop index variable")?;
                (item, Some(index))
            } else {
                (p.ident("a loop item variable or `(`")?, None)
            };
            if !p.at_kw("in") {
                return Err(p.expected("`in` after the loop variable"));
            }
            p.bump();
            let iterable = p.expr()?;
            p.expect(Tok::Colon, "`:` after the loop's array expression")?;
            let body = if p.at_kw("if") && p.nth_non_nl(1).kind == Tok::LParen {
                ForBody::If(p.if_body()?)
            } else {
                ForBody::Expr(p.expr()?)
            };
            p.skip_newlines();
            p.expect(Tok::RBracket, "`]` after the loop body")?;
            let f = ForExpr { item, index, iterable, body };
            Ok(Expr { kind: ExprKind::For(f.into()), span: p.since(open.start) })
        });
        self.leave();
        out
    }

    /// `if (cond) { ... }`
    fn if_body(&mut self) -> PResult<IfBody> {
        let kw = self.bump();
        if self.kind() != Tok::LParen {
            return Err(self.expected("`(` and a condition after `if`"));
        }
        let cond = self.paren()?;
        if self.kind() != Tok::LBrace {
            return Err(self.expected("`{` after the condition"));
        }
        let body = self.object()?;
        Ok(IfBody { cond, body, span: self.since(kw.start) })
    }

    // ----- strings -----

    /// A string literal, single- or multi-line, with its `${...}` holes.
    pub(crate) fn string_lit(&mut self, what: &str) -> PResult<StringLit> {
        let first = self.cur();
        if !is_string_start(first.kind) {
            return Err(self.expected(what));
        }
        self.bump();
        let multiline = matches!(first.kind, Tok::MultiComplete | Tok::MultiLeft);
        let mut parts = Vec::new();
        self.push_text(&mut parts, first);
        if matches!(first.kind, Tok::StrComplete | Tok::MultiComplete) {
            return Ok(StringLit { parts, multiline, span: self.span(first.start, first.end) });
        }
        self.enter()?;
        loop {
            self.push_nl(multiline);
            if matches!(self.kind(), Tok::StrMid | Tok::StrRight | Tok::MultiMid | Tok::MultiRight) {
                return Err(self.expected("an expression inside `${}`"));
            }
            let e = self.expr()?;
            self.pop_nl();
            parts.push(StringPart::Expr(e));
            let t = self.cur();
            let (mid, right) = if multiline { (Tok::MultiMid, Tok::MultiRight) } else { (Tok::StrMid, Tok::StrRight) };
            if t.kind == mid || t.kind == right {
                self.bump();
                self.push_text(&mut parts, t);
                if t.kind == right {
                    break;
                }
            } else {
                return Err(self.expected("`}` to close the string interpolation `${`"));
            }
        }
        self.leave();
        Ok(StringLit { parts, multiline, span: self.since(first.start) })
    }

    /// The text of one string piece, decoded, unless it is empty.
    fn push_text(&mut self, parts: &mut Vec<StringPart>, t: Token) {
        let (a, b, escaped) = lexer::piece_content(self.text, &t);
        if a == b {
            return;
        }
        let raw = self.text.get(a..b).unwrap_or("");
        let value = if escaped { lexer::unescape(raw) } else { raw.to_string() };
        parts.push(StringPart::Text { value, span: self.span(a as u32, b as u32) });
    }

    // ----- types -----

    /// A type: a union of singular types, `a | b | c`, optionally led by `|`; a `|`
    /// may start the next line.
    pub(crate) fn type_expr(&mut self) -> PResult<TypeExpr> {
        self.enter()?;
        let start = self.nth_non_nl(0).start;
        let leading = self.next_past_nl_is(Tok::Pipe);
        if leading {
            self.skip_newlines();
            self.bump();
        }
        let first = self.singular_type()?;
        let out = if leading || self.next_past_nl_is(Tok::Pipe) { self.union_rest(start, first)? } else { first };
        self.leave();
        Ok(out)
    }

    /// The members of a union after its first.
    fn union_rest(&mut self, start: u32, first: TypeExpr) -> PResult<TypeExpr> {
        let mut members = vec![first];
        while self.next_past_nl_is(Tok::Pipe) {
            self.skip_newlines();
            self.bump();
            members.push(self.singular_type()?);
        }
        Ok(TypeExpr { kind: TypeKind::Union(members), span: self.since(start) })
    }

    /// A primary type and its suffixes: `[]`, `?`, `[0]`, `[*]`, `.name`, `.*`.
    fn singular_type(&mut self) -> PResult<TypeExpr> {
        let t = self.primary_type()?;
        self.type_suffixes(t)
    }

    /// Apart from [`Parser::singular_type`] to keep the recursion's frames small.
    fn type_suffixes(&mut self, mut t: TypeExpr) -> PResult<TypeExpr> {
        loop {
            let start = t.span.start;
            let kind = match self.kind() {
                Tok::LBracket => {
                    self.bump();
                    let index = self.cur();
                    match index.kind {
                        Tok::RBracket => TypeKind::Array(t.into()),
                        Tok::Star => {
                            self.bump();
                            TypeKind::Index { base: t.into(), index: None }
                        }
                        Tok::Int => {
                            self.bump();
                            let Ok(i) = self.slice(index).parse::<u64>() else {
                                return Err(
                                    self.error_at(index, "expected a tuple index, found a number too large".into())
                                );
                            };
                            TypeKind::Index { base: t.into(), index: Some(i) }
                        }
                        _ => return Err(self.expected("`]`, `*` or an index after `[` in a type")),
                    }
                }
                Tok::Question => {
                    self.bump();
                    t = TypeExpr { kind: TypeKind::Nullable(t.into()), span: self.since(start) };
                    continue;
                }
                Tok::Bang => {
                    self.bump();
                    t = TypeExpr { kind: TypeKind::NonNull(t.into()), span: self.since(start) };
                    continue;
                }
                Tok::Dot => {
                    self.bump();
                    if self.resource_derived_next() {
                        // `sys.resourceInput<...>`: the namespace adds nothing.
                        t = self.resource_derived(start)?;
                        continue;
                    }
                    if self.eat(Tok::Star).is_some() {
                        t = TypeExpr { kind: TypeKind::AdditionalProperties(t.into()), span: self.since(start) };
                        continue;
                    }
                    let name = self.ident("a property name or `*` after `.` in a type")?;
                    t = TypeExpr { kind: TypeKind::Property { base: t.into(), name }, span: self.since(start) };
                    continue;
                }
                _ => return Ok(t),
            };
            self.expect(Tok::RBracket, "`]` in the type")?;
            t = TypeExpr { kind, span: self.since(start) };
        }
    }

    /// Dispatches on the first token; the arms are functions of their own so that the
    /// recursion through object, tuple and parenthesized types keeps small frames.
    fn primary_type(&mut self) -> PResult<TypeExpr> {
        let t = self.cur();
        match t.kind {
            Tok::Ident => self.named_type(t),
            Tok::Int | Tok::Minus | Tok::Bang | Tok::Plus => self.literal_type(t),
            k if is_string_start(k) => self.literal_type(t),
            Tok::LBrace => self.object_type(),
            Tok::LBracket => self.tuple_type(),
            Tok::LParen => self.paren_type(t),
            _ => Err(self.expected("a type")),
        }
    }

    fn paren_type(&mut self, t: Token) -> PResult<TypeExpr> {
        self.bump();
        self.push_nl(true);
        let inner = Box::new(self.type_expr()?);
        self.expect(Tok::RParen, "`)` after the type")?;
        self.pop_nl();
        Ok(TypeExpr { kind: TypeKind::Paren(inner), span: self.since(t.start) })
    }

    /// A type name, `true`/`false`/`null`, or a resource-derived type.
    fn named_type(&mut self, t: Token) -> PResult<TypeExpr> {
        let text = self.slice(t);
        if matches!(text, "true" | "false" | "null") {
            let e = self.name_expr(t)?;
            return Ok(literal_type(e));
        }
        if self.resource_derived_next() {
            return self.resource_derived(t.start);
        }
        let name = self.ident("a type")?;
        let span = name.span;
        Ok(TypeExpr { kind: TypeKind::Name(name), span })
    }

    /// `10`, `-10`, `!true`, `'a'`.
    fn literal_type(&mut self, t: Token) -> PResult<TypeExpr> {
        match t.kind {
            Tok::Int => Ok(literal_type(self.primary()?)),
            Tok::Minus | Tok::Bang | Tok::Plus => {
                let op = match t.kind {
                    Tok::Minus => UnaryOp::Neg,
                    Tok::Bang => UnaryOp::Not,
                    _ => UnaryOp::Plus,
                };
                self.bump();
                let inner = self.cur();
                if !matches!(inner.kind, Tok::Int | Tok::Ident) {
                    return Err(self.expected("a literal after the unary operator in a type"));
                }
                let e = self.primary()?;
                let span = self.span(t.start, e.span.end);
                Ok(literal_type(Expr { kind: ExprKind::Unary { op, expr: e.into() }, span }))
            }
            k if is_string_start(k) => {
                let s = self.string_lit("a string")?;
                let span = s.span;
                Ok(literal_type(Expr { kind: ExprKind::String(s), span }))
            }
            _ => Err(self.expected("a type")),
        }
    }

    /// Whether `resourceInput<` or `resourceOutput<` is next.
    fn resource_derived_next(&mut self) -> bool {
        let t = self.cur();
        t.kind == Tok::Ident
            && matches!(self.slice(t), "resourceInput" | "resourceOutput")
            && self.nth_non_nl(1).kind == Tok::Lt
    }

    /// `resourceInput<'type@ver'>` / `resourceOutput<'type@ver'>`
    fn resource_derived(&mut self, start: u32) -> PResult<TypeExpr> {
        let kw = self.bump();
        self.skip_newlines();
        self.bump();
        let type_str = self.with_nl(true, |p| {
            let s = p.string_lit("a resource type string after `<`")?;
            p.expect(Tok::Gt, "`>` after the resource type")?;
            Ok(s)
        })?;
        let kind = TypeKind::ResourceDerived { output: self.slice(kw) == "resourceOutput", type_str };
        Ok(TypeExpr { kind, span: self.since(start) })
    }

    /// `{ @dec name: type \n *: type }`
    fn object_type(&mut self) -> PResult<TypeExpr> {
        let open = self.bump();
        self.push_nl(false);
        let mut members = Vec::new();
        self.skip_newlines();
        while self.eat(Tok::RBrace).is_none() {
            members.push(self.object_type_member()?);
            self.separator("`,`, a newline or `}` after the property type", Tok::RBrace)?;
        }
        self.pop_nl();
        Ok(TypeExpr { kind: TypeKind::Object(members), span: self.since(open.start) })
    }

    /// `@dec name: type` or `*: type`
    fn object_type_member(&mut self) -> PResult<ObjectTypeMember> {
        let start = self.cur().start;
        let decorators = self.decorators()?;
        let key = match self.kind() {
            Tok::Star => {
                self.bump();
                None
            }
            Tok::Ident => Some(PropertyKey::Ident(self.ident("a property name")?)),
            k if is_string_start(k) => Some(PropertyKey::String(self.string_lit("a property name")?)),
            _ => return Err(self.expected("a property name or `*`")),
        };
        self.expect(Tok::Colon, "`:` after the property name")?;
        let ty = self.type_expr()?;
        Ok(ObjectTypeMember { decorators, key, ty, span: self.since(start) })
    }

    /// `[ @dec type, type ]`
    fn tuple_type(&mut self) -> PResult<TypeExpr> {
        let open = self.bump();
        self.with_nl(false, |p| {
            let mut items = Vec::new();
            p.skip_newlines();
            loop {
                if p.eat(Tok::RBracket).is_some() {
                    return Ok(TypeExpr { kind: TypeKind::Tuple(items), span: p.since(open.start) });
                }
                let start = p.cur().start;
                let decorators = p.decorators()?;
                let ty = p.type_expr()?;
                items.push(TupleItem { decorators, ty, span: p.since(start) });
                p.separator("`,`, a newline or `]` after the tuple item", Tok::RBracket)?;
            }
        })
    }
}

/// Whether a token opens a string literal.
fn is_string_start(k: Tok) -> bool {
    matches!(k, Tok::StrComplete | Tok::StrLeft | Tok::MultiComplete | Tok::MultiLeft)
}

/// How a token changes the bracket depth (string holes count as brackets).
fn bracket_delta(k: Tok) -> i64 {
    match k {
        Tok::LBrace | Tok::LBracket | Tok::LParen | Tok::StrLeft | Tok::MultiLeft => 1,
        Tok::RBrace | Tok::RBracket | Tok::RParen | Tok::StrRight | Tok::MultiRight => -1,
        _ => 0,
    }
}

/// Binary operators and their precedence (higher binds tighter), as in the compiler.
fn binary_op(k: Tok) -> Option<(BinaryOp, u8)> {
    Some(match k {
        Tok::Coalesce => (BinaryOp::Coalesce, 1),
        Tok::Or => (BinaryOp::Or, 2),
        Tok::And => (BinaryOp::And, 3),
        Tok::Eq => (BinaryOp::Eq, 4),
        Tok::NotEq => (BinaryOp::NotEq, 4),
        Tok::EqI => (BinaryOp::EqI, 4),
        Tok::NotEqI => (BinaryOp::NotEqI, 4),
        Tok::Lt => (BinaryOp::Lt, 5),
        Tok::Le => (BinaryOp::Le, 5),
        Tok::Gt => (BinaryOp::Gt, 5),
        Tok::Ge => (BinaryOp::Ge, 5),
        Tok::Plus => (BinaryOp::Add, 6),
        Tok::Minus => (BinaryOp::Sub, 6),
        Tok::Star => (BinaryOp::Mul, 7),
        Tok::Slash => (BinaryOp::Div, 7),
        Tok::Percent => (BinaryOp::Mod, 7),
        _ => return None,
    })
}

fn literal_type(e: Expr) -> TypeExpr {
    let span = e.span;
    TypeExpr { kind: TypeKind::Literal(e), span }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_bicepparam};
    use super::*;

    const F: FileId = FileId(7);

    /// Parses a program that must have no errors.
    fn ok(text: &str) -> Vec<Statement> {
        let p = parse(text, F);
        assert!(p.errors.is_empty(), "unexpected errors in {text:?}: {:?}", p.errors);
        p.statements
    }

    /// The value of the one `var` of a program.
    fn var_value(text: &str) -> Expr {
        match ok(text).remove(0).kind {
            StmtKind::Var { value, .. } => value,
            other => panic!("not a var: {other:?}"),
        }
    }

    fn sp(start: u32, end: u32) -> Span {
        Span { file: F, start, end }
    }

    fn slice(text: &str, s: Span) -> &str {
        &text[s.start as usize..s.end as usize]
    }

    /// The first error's message and its start offset.
    fn first_error(text: &str) -> (String, u32) {
        let p = parse(text, F);
        let e = p.errors.first().unwrap_or_else(|| panic!("no error for {text:?}"));
        (e.message.clone(), e.span.start)
    }

    #[test]
    fn interpolated_string_segments_have_spans() {
        let text = "var s = 'a\\'b${x}c${y.z}'";
        let ExprKind::String(s) = var_value(text).kind else { panic!() };
        assert_eq!(s.span, sp(8, 25));
        assert_eq!(s.parts.len(), 4);
        let StringPart::Text { value, span } = &s.parts[0] else { panic!() };
        assert_eq!((value.as_str(), slice(text, *span)), ("a'b", "a\\'b"));
        let StringPart::Expr(x) = &s.parts[1] else { panic!() };
        assert!(matches!(&x.kind, ExprKind::Var(i) if i.name == "x" && slice(text, i.span) == "x"));
        let StringPart::Text { value, .. } = &s.parts[2] else { panic!() };
        assert_eq!(value, "c");
        let StringPart::Expr(yz) = &s.parts[3] else { panic!() };
        assert_eq!(slice(text, yz.span), "y.z");
        assert!(s.as_literal().is_none());
    }

    #[test]
    fn escapes_decode() {
        let ExprKind::String(s) = var_value(r"var s = '\\ \n\r\t\$\u{41}\u{1F600}\u{D83D}\u{DE00}'").kind else {
            panic!()
        };
        assert_eq!(s.as_literal().as_deref(), Some("\\ \n\r\t$A😀😀"));
    }

    #[test]
    fn multiline_strings_are_raw_and_may_interpolate() {
        let ExprKind::String(s) = var_value("var s = '''\na\\n${x}'''").kind else { panic!() };
        assert!(s.multiline);
        assert_eq!(s.as_literal().as_deref(), Some("\na\\n${x}"));
        let ExprKind::String(s) = var_value("var s = $$'''a${x}b$${y}c'''").kind else { panic!() };
        assert_eq!(s.parts.len(), 3);
        assert!(matches!(&s.parts[0], StringPart::Text { value, .. } if value == "a${x}b"));
        assert!(matches!(&s.parts[1], StringPart::Expr(e) if matches!(&e.kind, ExprKind::Var(i) if i.name == "y")));
        let ExprKind::String(s) = var_value("var s = '''it''''").kind else { panic!() };
        assert_eq!(s.as_literal().as_deref(), Some("it'"));
    }

    #[test]
    fn loop_with_index_and_filter() {
        let text = "resource r 'A/b@1' = [for (x, i) in range(0, 3): if (i > 0) {\n  name: '${x}'\n}]";
        let StmtKind::Resource(r) = &ok(text)[0].kind else { panic!() };
        let DeclBody::For(f) = &r.body else { panic!() };
        let ExprKind::For(f) = &f.kind else { panic!() };
        assert_eq!(f.item.name, "x");
        assert_eq!(f.index.as_ref().map(|i| (i.name.as_str(), slice(text, i.span))), Some(("i", "i")));
        assert!(
            matches!(&f.iterable.kind, ExprKind::Call { base: None, name, args } if name.name == "range" && args.len() == 2)
        );
        let ForBody::If(cond) = &f.body else { panic!() };
        assert_eq!(slice(text, cond.cond.span), "(i > 0)");
        assert!(matches!(&cond.body.kind, ExprKind::Object(items) if items.len() == 1));
    }

    #[test]
    fn lambdas() {
        let text = "var v = map(xs, (a, b) => a + b)";
        let ExprKind::Call { args, .. } = var_value(text).kind else { panic!() };
        let ExprKind::Lambda { params, body } = &args[1].kind else { panic!() };
        assert_eq!(params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert!(matches!(body.kind, ExprKind::Binary { op: BinaryOp::Add, .. }));
        assert_eq!(slice(text, args[1].span), "(a, b) => a + b");
        let ExprKind::Call { args, .. } = var_value("var v = filter(xs, x => x.ok)").kind else { panic!() };
        assert!(matches!(&args[1].kind, ExprKind::Lambda { params, .. } if params.len() == 1));
        let ExprKind::Lambda { params, .. } = var_value("var v = () => 1").kind else { panic!() };
        assert!(params.is_empty());
    }

    #[test]
    fn safe_access_chain() {
        let text = "var v = a.?b[?0]!.c[^1]::d ?? 'x'";
        let ExprKind::Binary { op: BinaryOp::Coalesce, lhs, .. } = var_value(text).kind else { panic!() };
        let ExprKind::ResourceAccess { base, name } = lhs.kind else { panic!() };
        assert_eq!(name.name, "d");
        let ExprKind::Index { base, from_end: true, safe: false, .. } = base.kind else { panic!() };
        let ExprKind::Property { base, safe: false, .. } = base.kind else { panic!() };
        let ExprKind::NonNull(base) = base.kind else { panic!() };
        let ExprKind::Index { base, safe: true, .. } = base.kind else { panic!() };
        assert_eq!(slice(text, base.span), "a.?b");
        assert!(matches!(base.kind, ExprKind::Property { safe: true, .. }));
    }

    #[test]
    fn decorators_and_namespaced_calls() {
        let text = "@sys.description('d')\n@minLength(1)\nparam p string = az.resourceGroup().location";
        let s = &ok(text)[0];
        assert_eq!(s.decorators.len(), 2);
        assert_eq!(s.decorators[0].name(), "description");
        assert_eq!(s.decorators[0].namespace().map(|n| n.name.as_str()), Some("sys"));
        assert_eq!(slice(text, s.decorators[0].span), "@sys.description('d')");
        assert_eq!(s.decorators[1].args().len(), 1);
        assert_eq!(s.span, sp(0, text.len() as u32));
        let StmtKind::Param { default: Some(d), .. } = &s.kind else { panic!() };
        let ExprKind::Property { base, name, .. } = &d.kind else { panic!() };
        assert_eq!(name.name, "location");
        assert!(
            matches!(&base.kind, ExprKind::Call { base: Some(ns), .. } if matches!(&ns.kind, ExprKind::Var(i) if i.name == "az"))
        );
    }

    #[test]
    fn precedence_and_ternary() {
        let ExprKind::Binary { op: BinaryOp::Coalesce, rhs, .. } =
            var_value("var v = a ?? b || c && d == e < f + g * -h").kind
        else {
            panic!()
        };
        let ExprKind::Binary { op: BinaryOp::Or, rhs, .. } = rhs.kind else { panic!() };
        let ExprKind::Binary { op: BinaryOp::And, rhs, .. } = rhs.kind else { panic!() };
        let ExprKind::Binary { op: BinaryOp::Eq, rhs, .. } = rhs.kind else { panic!() };
        let ExprKind::Binary { op: BinaryOp::Lt, rhs, .. } = rhs.kind else { panic!() };
        let ExprKind::Binary { op: BinaryOp::Add, rhs, .. } = rhs.kind else { panic!() };
        let ExprKind::Binary { op: BinaryOp::Mul, rhs, .. } = rhs.kind else { panic!() };
        assert!(matches!(rhs.kind, ExprKind::Unary { op: UnaryOp::Neg, .. }));
        let ExprKind::Ternary { otherwise, .. } = var_value("var v = a\n  ? b\n  : c ? d : e").kind else { panic!() };
        assert!(matches!(otherwise.kind, ExprKind::Ternary { .. }));
        assert!(
            matches!(var_value("var v = a - b - c").kind, ExprKind::Binary { op: BinaryOp::Sub, lhs, .. } if matches!(lhs.kind, ExprKind::Binary { .. }))
        );
    }

    #[test]
    fn arrays_objects_spreads_and_newlines() {
        let v = var_value("var v = {\n  a: 1, b: [1, 2\n 3]\n  'c-d': concat(\n  'x',\n  'y')\n  ...o\n}");
        let ExprKind::Object(items) = v.kind else { panic!() };
        assert_eq!(items.len(), 4);
        assert!(
            matches!(&items[1], ObjectItem::Property { value, .. } if matches!(&value.kind, ExprKind::Array(a) if a.len() == 3))
        );
        assert!(
            matches!(&items[2], ObjectItem::Property { key: PropertyKey::String(s), .. } if s.as_literal().as_deref() == Some("c-d"))
        );
        assert!(matches!(&items[3], ObjectItem::Spread { .. }));
        let ExprKind::Array(a) = var_value("var v = [...xs, 1,]").kind else { panic!() };
        assert!(matches!(&a[0], ArrayItem::Spread { .. }));
    }

    #[test]
    fn resources_modules_and_outputs() {
        let text = "resource stg 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {\n  name: 'x'\n  @batchSize(1)\n  resource blob 'blobServices' = if (true) {\n    name: 'default'\n  }\n}\nmodule m 'br/public:avm/res/x:1.0.0' = [for x in xs: {\n  name: x\n}]\noutput o resource 'A/b@1' = stg\noutput keys string = stg.listKeys().keys[0].value";
        let stmts = ok(text);
        let StmtKind::Resource(r) = &stmts[0].kind else { panic!() };
        assert!(r.existing);
        assert_eq!(r.type_str.as_literal().as_deref(), Some("Microsoft.Storage/storageAccounts@2023-01-01"));
        let DeclBody::Object(body) = &r.body else { panic!() };
        let ExprKind::Object(items) = &body.kind else { panic!() };
        let ObjectItem::Resource(child) = &items[1] else { panic!() };
        assert_eq!(child.decorators[0].name(), "batchSize");
        assert!(matches!(&child.kind, StmtKind::Resource(c) if matches!(c.body, DeclBody::If(_))));
        assert!(
            matches!(&stmts[1].kind, StmtKind::Module { path, body: DeclBody::For(_), .. } if path.as_literal().as_deref() == Some("br/public:avm/res/x:1.0.0"))
        );
        assert!(matches!(&stmts[2].kind, StmtKind::Output { ty, .. } if matches!(ty.kind, TypeKind::Resource(_))));
        let StmtKind::Output { value, .. } = &stmts[3].kind else { panic!() };
        assert_eq!(slice(text, value.span), "stg.listKeys().keys[0].value");
    }

    #[test]
    fn types_functions_imports_extensions() {
        let text = "@sealed()\ntype t = {\n  @minLength(1)\n  a: string[]?\n  'b': 'x' | 'y'\n  *: int\n}\ntype u =\n  | [string, int]\n  | (-1 | !true)\ntype r = resourceInput<'A/b@1'>.properties\nfunc f(a string, b t) string => '${a}'\nimport {a, b as c} from './x.bicep'\nimport * as ns from 'br:reg/x:1'\nimport 'az@1.0.0'\nextension kubernetes with {\n  ns: 'x'\n} as k8s\nparam p ns.t\ntargetScope = 'subscription'\nmetadata m = {}\nassert ok = true";
        let s = ok(text);
        let StmtKind::Type { ty, .. } = &s[0].kind else { panic!() };
        let TypeKind::Object(members) = &ty.kind else { panic!() };
        assert_eq!(members.len(), 3);
        assert!(matches!(&members[0].ty.kind, TypeKind::Nullable(inner) if matches!(inner.kind, TypeKind::Array(_))));
        assert!(matches!(&members[1].ty.kind, TypeKind::Union(m) if m.len() == 2));
        assert!(members[2].key.is_none());
        let StmtKind::Type { ty, .. } = &s[1].kind else { panic!() };
        assert!(matches!(&ty.kind, TypeKind::Union(m) if m.len() == 2 && matches!(m[0].kind, TypeKind::Tuple(_))));
        let StmtKind::Type { ty, .. } = &s[2].kind else { panic!() };
        assert!(
            matches!(&ty.kind, TypeKind::Property { base, .. } if matches!(base.kind, TypeKind::ResourceDerived { output: false, .. }))
        );
        assert!(matches!(&s[3].kind, StmtKind::Func { params, .. } if params.len() == 2));
        assert!(
            matches!(&s[4].kind, StmtKind::Import { symbols: ImportSymbols::Named(items), .. } if items[1].alias.as_ref().is_some_and(|a| a.name == "c"))
        );
        assert!(matches!(&s[5].kind, StmtKind::Import { symbols: ImportSymbols::Wildcard { .. }, .. }));
        assert!(
            matches!(&s[6].kind, StmtKind::Extension { keyword, spec: ExtensionSpec::String(_), .. } if keyword.name == "import")
        );
        assert!(matches!(&s[7].kind, StmtKind::Extension { config: Some(_), alias: Some(_), .. }));
        assert!(matches!(
            &s[8].kind,
            StmtKind::Param { ty: Some(TypeExpr { kind: TypeKind::Property { .. }, .. }), .. }
        ));
        assert_eq!(s.len(), 12);
    }

    #[test]
    fn bicepparam_files() {
        let p = parse_bicepparam(
            "using './main.bicep'\n\nparam a = 'x'\nparam b = readEnvironmentVariable('B', '')\nvar c = 1\n",
            F,
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert!(matches!(&p.statements[0].kind, StmtKind::Using { path: Some(_), .. }));
        assert!(matches!(&p.statements[1].kind, StmtKind::Param { ty: None, default: Some(_), .. }));
        let p = parse_bicepparam("param x }", F);
        assert_eq!(p.errors[0].message, "expected `=` after the parameter name, found `}`");
    }

    #[test]
    fn crlf_bom_comments_and_pragmas() {
        let text = "\u{feff}// c\r\n#disable-next-line BCP081 no-unused-vars\r\nvar a = /* x\r\n */ 1\r\n\r\nvar b = {\r\n  c: 2\r\n}\r\n";
        let p = parse(text, F);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.statements.len(), 2);
        assert_eq!(p.directives[0].codes, ["BCP081", "no-unused-vars"]);
    }

    #[test]
    fn error_unterminated_string() {
        let text = "var a = 'abc\nvar b = 1";
        let (msg, at) = first_error(text);
        assert_eq!((msg.as_str(), at), ("unterminated string: expected `'` before the end of the line", 8));
        assert_eq!(parse(text, F).statements.len(), 1, "the next line still parses");
    }

    #[test]
    fn error_bad_interpolation() {
        let errors = parse("var a = 'x${b'\n", F).errors;
        assert!(errors.iter().any(|e| e.message.contains("`}` to close the string interpolation")), "{errors:?}");
        let errors = parse("var a = 'x${b\nvar c = 1", F).errors;
        assert!(errors.iter().any(|e| e.message.starts_with("unterminated string interpolation")), "{errors:?}");
    }

    #[test]
    fn error_missing_assign_and_unknown_token() {
        assert_eq!(first_error("var x\n"), ("expected `=` after the variable name, found a newline".to_string(), 5));
        assert_eq!(
            first_error("resource r 'A/b@1' {}"),
            ("expected `=` after the resource type, found `{`".to_string(), 19)
        );
        assert_eq!(first_error("var x = a # b").0, "unexpected character `#`");
        assert_eq!(first_error("var x = \"s\"").0, "unexpected `\"`: strings are written with single quotes in Bicep");
        assert_eq!(first_error("foo x = 1").0.split(',').next(), Some("expected a declaration (`param`"));
        assert_eq!(first_error("var x = concat('a' 'b')").0, "expected `,` or `)` after the argument, found a string");
        assert_eq!(
            first_error("var x = { a: 1,\n b: 2 }").0,
            "expected another item after `,` on the same line, found a newline"
        );
    }

    #[test]
    fn recovery_keeps_the_other_statements() {
        let text = "param a string\nvar b = {\n  c: = 1\n}\nvar d = (\nresource e 'A/b@1' = {\n  name: 'e'\n}\noutput f int = 1 2\noutput g int = 3\n";
        let p = parse(text, F);
        let names: Vec<String> = p
            .statements
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Param { name, .. } | StmtKind::Var { name, .. } | StmtKind::Output { name, .. } => {
                    name.name.clone()
                }
                StmtKind::Resource(r) => r.name.name.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(names, ["a", "e", "g"]);
        assert_eq!(p.errors.len(), 3, "{:?}", p.errors);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for open in ["(", "[", "{a:", "!", "'${", "f(", "a[", "x => ", "[for x in y: ", "$'''${", "a ? b : ", "1 + ("] {
            let text = format!("var x = {}1", open.repeat(5000));
            let p = parse(&text, F);
            assert!(!p.errors.is_empty(), "{open}");
        }
        for open in ["{a:", "[", "(", "{a: string?, b:"] {
            let text = format!("type t = {}string", open.repeat(5000));
            assert!(parse(&text, F).errors.iter().any(|e| e.message.contains("levels of nesting")), "{open}");
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let alphabet: Vec<&str> = vec![
            "'", "'''", "$'''", "${", "}", "{", "[", "]", "(", ")", "\n", "\r\n", " ", "a", "param", "var", "resource",
            "@", ".", ".?", "?", ":", "=", "=>", "...", "!", "-", "1", "\\", "#", "/*", "//", "for", "if", "in", "|",
            "é", "\u{feff}",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let _ = parse(&text, F);
            let _ = parse_bicepparam(&text, F);
        }
    }
}
