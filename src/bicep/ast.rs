//! The Bicep syntax tree. Every node carries the byte [`Span`] of its text, so a
//! lowering to ARM semantics can point findings back at the `.bicep` line.
//!
//! The tree is close to the source: keywords that are contextual in Bicep (`param`,
//! `existing`, `if`, `for`) become node kinds, parentheses stay as [`ExprKind::Paren`],
//! and strings keep their interpolation pieces. Nothing is resolved: a name is an
//! [`Ident`], whether it names a parameter, a resource or a namespace.

use crate::value::Span;

/// A parsed file: its statements in order, its pragmas, and the errors found. With
/// errors, `statements` holds every statement that parsed; a statement with an error
/// is left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub statements: Vec<Statement>,
    /// `#disable-next-line` and friends, in order.
    pub directives: Vec<super::Directive>,
    /// Sorted by position.
    pub errors: Vec<super::ParseError>,
    pub span: Span,
}

/// A name as written: a declaration's name, a reference, a property after `.`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One top-level (or nested-resource) declaration with its decorators.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub decorators: Vec<Decorator>,
    pub kind: StmtKind,
    /// From the first decorator (or keyword) to the end of the declaration.
    pub span: Span,
}

/// `@name(args)` or `@ns.name(args)`: `expr` is always an [`ExprKind::Call`].
#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    pub expr: Expr,
    /// From `@` to the closing parenthesis.
    pub span: Span,
}

impl Decorator {
    /// The decorator's function name (`description` for `@sys.description(...)`).
    pub fn name(&self) -> &str {
        match &self.expr.kind {
            ExprKind::Call { name, .. } => &name.name,
            _ => "",
        }
    }

    /// The namespace before the name, if written (`sys` for `@sys.description(...)`).
    pub fn namespace(&self) -> Option<&Ident> {
        match &self.expr.kind {
            ExprKind::Call { base: Some(b), .. } => match &b.kind {
                ExprKind::Var(id) => Some(id),
                _ => None,
            },
            _ => None,
        }
    }

    /// The arguments.
    pub fn args(&self) -> &[Expr] {
        match &self.expr.kind {
            ExprKind::Call { args, .. } => args,
            _ => &[],
        }
    }
}

/// The declaration kinds of `.bicep` and `.bicepparam` files.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `targetScope = 'subscription'`
    TargetScope { value: Expr },
    /// `metadata name = value`
    Metadata { name: Ident, value: Expr },
    /// `param name type = default` in a `.bicep` file; in a `.bicepparam` file
    /// `param name = value` (no type, the value in `default`).
    Param { name: Ident, ty: Option<TypeExpr>, default: Option<Expr> },
    /// `var name [type] = value`
    Var { name: Ident, ty: Option<TypeExpr>, value: Expr },
    /// `type name = type`
    Type { name: Ident, ty: TypeExpr },
    /// `resource name 'ns/type@version' [existing] = body`
    Resource(Resource),
    /// `module name 'path' = body`
    Module { name: Ident, path: StringLit, body: DeclBody },
    /// `output name type = value` (the type may be `resource 'type@ver'`)
    Output { name: Ident, ty: TypeExpr, value: Expr },
    /// `func name(params) returnType => body`
    Func { name: Ident, params: Vec<TypedParam>, return_type: TypeExpr, body: Expr },
    /// `import {a, b as c} from 'path'` or `import * as ns from 'path'`
    Import { symbols: ImportSymbols, from: StringLit },
    /// `extension spec [with {...}] [as alias]`, the older `provider`, and the legacy
    /// `import 'az@1.0.0'` form. `spec` is a string or a bare name (`extension az`).
    Extension { keyword: Ident, spec: ExtensionSpec, config: Option<Expr>, alias: Option<Ident> },
    /// `extensionConfig name with {...}` (`.bicepparam`)
    ExtensionConfig { name: Ident, config: Option<Expr> },
    /// `assert name = condition`
    Assert { name: Ident, value: Expr },
    /// `test name 'path' = {...}`
    Test { name: Ident, path: StringLit, body: Expr },
    /// `using 'path' [with {...}]` or `using none` (`path` is then `None`).
    Using { path: Option<StringLit>, config: Option<Expr> },
    /// `extends 'path'` (`.bicepparam`)
    Extends { path: StringLit },
}

/// A resource declaration (top level or nested in a parent's body).
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub name: Ident,
    /// `'Microsoft.Storage/storageAccounts@2023-01-01'`; nested resources may give only
    /// the child type (`'blobServices'`) or the full one.
    pub type_str: StringLit,
    pub existing: bool,
    pub body: DeclBody,
}

/// What follows `=` in a resource or module declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum DeclBody {
    /// `{ ... }` (an [`ExprKind::Object`]).
    Object(Expr),
    /// `if (cond) { ... }`
    If(IfBody),
    /// `[for ... in ...: body]` (an [`ExprKind::For`]).
    For(Expr),
}

/// `if (cond) { ... }`: a condition on a declaration or a loop body.
#[derive(Clone, Debug, PartialEq)]
pub struct IfBody {
    /// The parenthesized condition (an [`ExprKind::Paren`]).
    pub cond: Expr,
    /// The object.
    pub body: Expr,
    pub span: Span,
}

/// One parameter of a user-defined function: `name type`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypedParam {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// What an `import ... from` brings in.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportSymbols {
    /// `{a, b as c}`
    Named(Vec<ImportItem>),
    /// `* as ns`
    Wildcard { alias: Ident },
}

/// `name [as alias]` in an import list; `name` may be a quoted string.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportItem {
    pub name: PropertyKey,
    pub alias: Option<Ident>,
    pub span: Span,
}

/// What an extension declaration names.
#[derive(Clone, Debug, PartialEq)]
pub enum ExtensionSpec {
    /// `'br:registry/path:tag'` or `'kubernetes@1.0.0'`
    String(StringLit),
    /// `az`, `kubernetes`, `microsoftGraphV1` (an alias from bicepconfig.json)
    Name(Ident),
}

/// A string literal: text pieces and `${...}` expressions in order. A string without
/// holes is one [`StringPart::Text`] (or none when empty).
#[derive(Clone, Debug, PartialEq)]
pub struct StringLit {
    pub parts: Vec<StringPart>,
    /// `'''...'''` form (raw text, no escapes).
    pub multiline: bool,
    pub span: Span,
}

impl StringLit {
    /// The string's value when it has no `${...}` holes.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                StringPart::Text { value, .. } => out.push_str(value),
                StringPart::Expr(_) => return None,
            }
        }
        Some(out)
    }
}

/// One piece of a string.
#[derive(Clone, Debug, PartialEq)]
pub enum StringPart {
    /// Decoded text (escapes applied); `span` is the raw text between delimiters.
    Text { value: String, span: Span },
    /// The expression of a `${...}` hole.
    Expr(Expr),
}

/// An expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Expression kinds, lowest-level first.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal. Bicep has no fractions; a leading `-` is a [`UnaryOp::Neg`].
    Int(u64),
    Bool(bool),
    Null,
    String(StringLit),
    /// `[a, b, ...c]`
    Array(Vec<ArrayItem>),
    /// `{ k: v, ...o, resource child ... }`
    Object(Vec<ObjectItem>),
    /// A name: a parameter, variable, resource, loop variable, lambda variable or
    /// namespace (`sys`, `az`, an import alias).
    Var(Ident),
    /// `(e)`
    Paren(Box<Expr>),
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `cond ? then : otherwise`
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `base.name`, or `base.?name` when `safe`.
    Property {
        base: Box<Expr>,
        name: Ident,
        safe: bool,
    },
    /// `base[index]`; `safe` for `base[?index]`, `from_end` for `base[^index]`.
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
        from_end: bool,
    },
    /// `base!`: asserts the value is not null.
    NonNull(Box<Expr>),
    /// `base::child`: a nested resource of a resource.
    ResourceAccess {
        base: Box<Expr>,
        name: Ident,
    },
    /// `name(args)`, `ns.name(args)` or `resource.name(args)` (`base` is then the
    /// expression before the dot: `sys`, `az`, `stg`).
    Call {
        base: Option<Box<Expr>>,
        name: Ident,
        args: Vec<Expr>,
    },
    /// `x => body`, `(a, b) => body`, `() => body`
    Lambda {
        params: Vec<Ident>,
        body: Box<Expr>,
    },
    /// `[for item in iterable: body]`, `[for (item, index) in ...: if (c) {...}]`
    For(Box<ForExpr>),
}

/// `[for ... in ...: ...]`
#[derive(Clone, Debug, PartialEq)]
pub struct ForExpr {
    pub item: Ident,
    pub index: Option<Ident>,
    pub iterable: Expr,
    pub body: ForBody,
}

/// The body of a loop: a value, or a filtered value `if (cond) {...}`.
#[derive(Clone, Debug, PartialEq)]
pub enum ForBody {
    Expr(Expr),
    If(IfBody),
}

/// An array element.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayItem {
    Value(Expr),
    /// `...expr`; `span` covers the dots and the expression.
    Spread {
        expr: Expr,
        span: Span,
    },
}

/// An object member.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectItem {
    /// `key: value`; `span` covers both.
    Property { key: PropertyKey, value: Expr, span: Span },
    /// `...expr`
    Spread { expr: Expr, span: Span },
    /// A nested child resource declaration in a resource body (its statement kind
    /// is always [`StmtKind::Resource`]).
    Resource(Box<Statement>),
}

/// An object or object-type key: a bare name or a string (possibly interpolated).
#[derive(Clone, Debug, PartialEq)]
pub enum PropertyKey {
    Ident(Ident),
    String(StringLit),
}

impl PropertyKey {
    pub fn span(&self) -> Span {
        match self {
            PropertyKey::Ident(i) => i.span,
            PropertyKey::String(s) => s.span,
        }
    }

    /// The key's text when it is known without evaluation.
    pub fn as_literal(&self) -> Option<String> {
        match self {
            PropertyKey::Ident(i) => Some(i.name.clone()),
            PropertyKey::String(s) => s.as_literal(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Neg,
    /// `+`
    Plus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `??`
    Coalesce,
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `=~` (case-insensitive equality)
    EqI,
    /// `!~`
    NotEqI,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// A type expression with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

/// Type expression kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `string`, `int`, `myType`, `ns`: a bare type name.
    Name(Ident),
    /// `base.name`: `sys.string`, `ns.myType`, `myType.property`
    Property { base: Box<TypeExpr>, name: Ident },
    /// `base[0]` (`index: Some`) or `base[*]` (`index: None`): an element type.
    Index { base: Box<TypeExpr>, index: Option<u64> },
    /// `base.*`: the additional-properties type of an object type.
    AdditionalProperties(Box<TypeExpr>),
    /// `resourceInput<'type@ver'>` / `resourceOutput<'type@ver'>`
    ResourceDerived { output: bool, type_str: StringLit },
    /// `resource 'type@ver'` after a `param` or `output` name.
    Resource(StringLit),
    /// A literal type: `'a'`, `10`, `-10`, `true`, `!true`, `null` (an expression of
    /// those forms).
    Literal(Expr),
    /// `{ name: type, *: type }`
    Object(Vec<ObjectTypeMember>),
    /// `[type, type]`
    Tuple(Vec<TupleItem>),
    /// `type[]`
    Array(Box<TypeExpr>),
    /// `type?`
    Nullable(Box<TypeExpr>),
    /// `type!`: the type without `null`.
    NonNull(Box<TypeExpr>),
    /// `a | b | c`
    Union(Vec<TypeExpr>),
    /// `(type)`
    Paren(Box<TypeExpr>),
}

/// A member of an object type.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectTypeMember {
    pub decorators: Vec<Decorator>,
    /// `None` for the additional-properties matcher `*: type`.
    pub key: Option<PropertyKey>,
    pub ty: TypeExpr,
    pub span: Span,
}

/// An item of a tuple type.
#[derive(Clone, Debug, PartialEq)]
pub struct TupleItem {
    pub decorators: Vec<Decorator>,
    pub ty: TypeExpr,
    pub span: Span,
}
