//! Reading Bicep natively: a hand-written lexer and recursive-descent parser for the
//! whole Bicep language (`.bicep` programs and `.bicepparam` parameter files), giving
//! a syntax tree with a byte span on every node. Lowering the tree to ARM template
//! semantics is a later stage; this module only parses.
//!
//! Covered: every declaration of the compiler's grammar (`targetScope`, `metadata`,
//! `param` with types, `resource` types and defaults, `var` with optional types,
//! `resource` with `existing`, conditions, loops and nested child resources, `module`,
//! `output` including `output x resource '...'`, `type` (object, tuple, union, array,
//! nullable, literal and resource-derived types), `func`, compile-time `import`,
//! `extension`/`provider` and the legacy `import 'az@1.0.0'`, `assert`, `test`,
//! and in `.bicepparam` files `using`, `extends`, `param x = ...`, `extensionConfig`),
//! decorators, strings with `${...}` holes and escapes, multi-line strings (also the
//! `$'''` interpolated form), every operator with the compiler's precedence, ternaries
//! (also across lines), property access (`.`, `.?`), indexes (`[i]`, `[?i]`, `[^i]`),
//! `!` non-null, `::` nested resource access, function calls (namespaced and on
//! resources), lambdas, spreads and for-expressions. `#disable-next-line` pragmas are
//! kept as [`Directive`]s.
//!
//! Newlines: statements and object/array members end at a line break; inside
//! parentheses (calls, conditions, lambda parameters) line breaks are ignored, as in
//! current Bicep. A ternary may continue on the next line (`\n  ? a\n  : b`), a union
//! type on the next line that starts with `|`.
//!
//! Errors: a [`ParseError`] says `expected X, found Y` at the offending token. After an
//! error the parser skips to the end of the statement (the next line break outside
//! brackets, or a line that starts a new declaration) and goes on, so a file with an
//! error still yields every statement that parsed. Input never makes it panic: nesting
//! deeper than [`MAX_DEPTH`] is an error, not a stack overflow.

pub mod ast;
pub mod content;
pub mod lexer;
pub mod lower;
pub mod parser;

pub use ast::*;
pub use lexer::Directive;

use crate::value::{FileId, Span};

/// How deep expressions and types may nest before the parser gives up on a statement.
pub const MAX_DEPTH: u32 = 256;

/// A syntax error: where, and `expected X, found Y`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

/// Which language a text is in: `.bicep` or `.bicepparam`. They share the syntax but
/// for `param`, which declares a parameter with a type in a program and assigns one a
/// value in a parameter file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Bicep,
    BicepParam,
}

impl Dialect {
    /// The dialect a file name implies (`.bicepparam`, else Bicep).
    pub fn from_path(path: &std::path::Path) -> Dialect {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("bicepparam") => Dialect::BicepParam,
            _ => Dialect::Bicep,
        }
    }
}

/// Parses a `.bicep` program.
pub fn parse(text: &str, file: FileId) -> Program {
    parser::parse(text, file, Dialect::Bicep)
}

/// Parses a `.bicepparam` parameter file.
pub fn parse_bicepparam(text: &str, file: FileId) -> Program {
    parser::parse(text, file, Dialect::BicepParam)
}

/// Parses `text` in the given dialect.
pub fn parse_dialect(text: &str, file: FileId, dialect: Dialect) -> Program {
    parser::parse(text, file, dialect)
}

/// 1-based line and column (in characters) of a byte offset, for messages.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}
