//! The one value type every stage shares: JSON with a source span on every node,
//! case-insensitive object keys, and an `Unknown` variant for values that cannot be
//! known offline (design.md, "Unknown values").
//!
//! Children are behind `Arc`, so cloning a value (which the template expander does
//! constantly: variables, parameters, copy loops) is a reference-count bump, and the
//! whole model is `Send + Sync` for rayon.

use std::fmt;
use std::sync::Arc;

/// A shared string one pointer wide (its length lives with its bytes), so that a
/// [`Value`] is 16 bytes and an object member 56: a tenant export holds millions.
pub type Str = arcstr::ArcStr;

/// Index of a file in the [`crate::source::SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

impl FileId {
    /// Placeholder for values that were not read from any file (vectors, synthesized values).
    pub const NONE: FileId = FileId(u32::MAX);
}

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// The span of values that come from nowhere in particular.
    pub const NONE: Span = Span { file: FileId::NONE, start: 0, end: 0 };

    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start: start as u32, end: end as u32 }
    }

    pub fn is_none(&self) -> bool {
        self.file == FileId::NONE
    }
}

impl Default for Span {
    fn default() -> Self {
        Span::NONE
    }
}

/// Why a value could not be known offline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnknownCause {
    /// A template expression that was not evaluated.
    Expression,
    /// `reference()` / `references()` of runtime state.
    Reference,
    /// `list*()`: keys, secrets, SAS tokens.
    List,
    /// A parameter with no supplied value and no default.
    Parameter,
    /// A Key Vault parameter reference.
    KeyVault,
    /// `newGuid()` and other values that differ on every deployment.
    NonDeterministic,
    /// Catalog or identity data only the service knows (`pickZones`, `deployer`, ...).
    Runtime,
    /// A linked template that was not read (`templateLink.uri`, template specs).
    LinkedTemplate,
    /// A value the export or live read did not include.
    NotExported,
    /// An expression that failed to evaluate; the error is reported separately.
    Error,
    /// A live read that failed after retries (a coverage gap of a live export).
    ReadFailed,
    /// A live read skipped on purpose (`notRead` of a live export: app settings without
    /// `--read-app-settings`).
    NotRead,
}

impl UnknownCause {
    /// Whether the value is unknown because a live read failed or was skipped: the
    /// causes of a live export's `gaps` and `notRead` placeholders.
    pub fn is_unread(self) -> bool {
        matches!(self, UnknownCause::ReadFailed | UnknownCause::NotRead)
    }

    /// Stable lower-case name used in reports and the corpus statistics.
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownCause::Expression => "expression",
            UnknownCause::Reference => "reference",
            UnknownCause::List => "list",
            UnknownCause::Parameter => "parameter",
            UnknownCause::KeyVault => "key-vault",
            UnknownCause::NonDeterministic => "non-deterministic",
            UnknownCause::Runtime => "runtime",
            UnknownCause::LinkedTemplate => "linked-template",
            UnknownCause::NotExported => "not-exported",
            UnknownCause::Error => "error",
            UnknownCause::ReadFailed => "read-failed",
            UnknownCause::NotRead => "not-read",
        }
    }
}

/// A value that cannot be known offline, with the reason and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Unknown {
    pub cause: UnknownCause,
    /// Human-readable detail: "reference('vnet').subnets", "parameter `vnetName` has no value".
    /// Never holds a secret: known text inside it is masked (`Password=***`).
    pub detail: String,
    pub span: Span,
    /// For a string that is partly known (`concat('Server=x;Password=', parameters('p'))`,
    /// `format`, interpolation): its known text and unknown values in order.
    pub parts: Option<Arc<[Part]>>,
    /// The canonical symbol of a value from a deterministic source: a parameter without
    /// a value in its deployment frame (`p:<frame>:<name>`), a member of such a value,
    /// `uniqueString` of such values. Two unknown values with the same symbol are the
    /// same value; a symbol and a known value, or two symbols, may or may not be equal.
    /// A leading `~` marks a value whose case was changed (`toLower`): equal to the
    /// original where case is ignored (ids and names), not otherwise.
    pub symbol: Option<Str>,
    /// Secret taint: where a secret comes from (`parameters('sqlPassword')` of a
    /// `securestring`, `listKeys(...)`, a Key Vault reference). Carried through every
    /// function, so AUTH006 can name the source of a secret it never sees.
    pub secret: Option<Str>,
}

/// The longest expression a name shows whole, in characters.
pub const SHOWN_EXPRESSION: usize = 96;

/// `detail` whole, or its first 64 and last 24 characters around `…`.
fn shortened(detail: &str) -> std::borrow::Cow<'_, str> {
    let n = detail.chars().count();
    if n <= SHOWN_EXPRESSION {
        return detail.into();
    }
    let head: String = detail.chars().take(64).collect();
    let tail: String = detail.chars().skip(n - 24).collect();
    format!("{head}…{tail}").into()
}

/// Opens a symbol inside a canonical form (a private-use character no id contains).
pub const SYMBOL_OPEN: char = '\u{E000}';
/// Closes a symbol inside a canonical form.
pub const SYMBOL_CLOSE: char = '\u{E001}';

/// One piece of a string that is partly known.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    /// Known text (never empty, never next to another `Text`).
    Text(Str),
    /// A value that cannot be known offline (never itself a partly known string).
    Hole(Arc<Unknown>),
}

impl Unknown {
    /// A plain unknown value.
    pub fn new(cause: UnknownCause, detail: impl Into<String>, span: Span) -> Unknown {
        Unknown { cause, detail: detail.into(), span, parts: None, symbol: None, secret: None }
    }

    /// The same value with a canonical symbol.
    pub fn with_symbol(mut self, symbol: impl Into<Str>) -> Unknown {
        self.symbol = Some(symbol.into());
        self
    }

    /// The same value, tainted as a secret from `source`.
    pub fn with_secret(mut self, source: impl Into<Str>) -> Unknown {
        self.secret = Some(source.into());
        self
    }

    /// The canonical form: text with each symbol between [`SYMBOL_OPEN`] and
    /// [`SYMBOL_CLOSE`]; `None` when some part is not symbolic (a `reference()` to runtime
    /// state). Equal canonical forms are equal values.
    pub fn canonical(&self) -> Option<String> {
        // A symbol is one opaque segment of an id: no `/` inside.
        let mark = |sym: &str| format!("{SYMBOL_OPEN}{}{SYMBOL_CLOSE}", sym.replace('/', "\u{2215}"));
        match (&self.parts, &self.symbol) {
            (Some(parts), _) => {
                let mut out = String::new();
                for p in parts.iter() {
                    match p {
                        Part::Text(t) => out.push_str(t),
                        Part::Hole(h) => out.push_str(&mark(h.symbol.as_deref()?)),
                    }
                }
                Some(out)
            }
            (None, Some(sym)) => Some(mark(sym)),
            (None, None) => None,
        }
    }

    /// How a partly known or symbolic value is shown as a name: known text as is, each
    /// unknown part as its expression in brackets (`[parameters('siteName')]/web`).
    /// An expression longer than [`SHOWN_EXPRESSION`] characters (a naming module's
    /// `if(endsWith(take(replace(…` chain) is shortened in the middle.
    pub fn display(&self) -> String {
        match &self.parts {
            Some(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.to_string(),
                    Part::Hole(h) => format!("[{}]", shortened(&h.detail)),
                })
                .collect(),
            None => format!("[{}]", shortened(&self.detail)),
        }
    }

    /// A string made of `parts` (flattened: a partly known part contributes its own
    /// parts); `None` when every part is known text. The cause is the first unknown
    /// part's; the detail renders known text (with its secrets masked) and each unknown
    /// part as `{detail}`.
    pub fn text(parts: impl IntoIterator<Item = Part>) -> Option<Unknown> {
        let mut out: Vec<Part> = Vec::new();
        let push = |p: Part, out: &mut Vec<Part>| match (p, out.last_mut()) {
            (Part::Text(t), _) if t.is_empty() => {}
            (Part::Text(t), Some(Part::Text(last))) => *last = Str::from(format!("{last}{t}")),
            (p, _) => out.push(p),
        };
        for p in parts {
            match p {
                Part::Hole(u) if u.parts.is_some() => {
                    for q in u.parts.iter().flat_map(|ps| ps.iter()) {
                        push(q.clone(), &mut out);
                    }
                }
                p => push(p, &mut out),
            }
        }
        let first = out.iter().find_map(|p| match p {
            Part::Hole(u) => Some(u.clone()),
            Part::Text(_) => None,
        })?;
        let detail: String = out
            .iter()
            .map(|p| match p {
                Part::Text(t) => crate::redact::mask_ranges(t),
                Part::Hole(u) => format!("{{{}}}", u.detail),
            })
            .collect();
        let secret = out.iter().find_map(|p| match p {
            Part::Hole(u) => u.secret.clone(),
            Part::Text(_) => None,
        });
        Some(Unknown { cause: first.cause, detail, span: Span::NONE, parts: Some(out.into()), symbol: None, secret })
    }

    /// The same unknown value located at `span`.
    pub fn at(&self, span: Span) -> Unknown {
        Unknown { span, ..self.clone() }
    }
}

/// A JSON value, or an unknown one.
#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Str),
    Array(Arc<Vec<Node>>),
    Object(Arc<Object>),
    Unknown(Arc<Unknown>),
}

/// A value with the span of the text that produced it.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// One `"key": value` pair of an object.
#[derive(Clone, Debug)]
pub struct Member {
    pub key: Str,
    pub value: Node,
}

/// An object: members in insertion order, keys compared case-insensitively (as ARM does).
#[derive(Clone, Debug, Default)]
pub struct Object {
    members: Vec<Member>,
}

impl Object {
    pub fn new() -> Object {
        Object { members: Vec::new() }
    }

    /// An object of these members, in this order (duplicates kept: the last one wins).
    pub fn from_members(members: Vec<Member>) -> Object {
        Object { members }
    }

    pub fn with_capacity(n: usize) -> Object {
        Object { members: Vec::with_capacity(n) }
    }

    /// The member whose key equals `key` ignoring ASCII case. With duplicate keys the
    /// last one wins, as with Resource Manager's JSON reader.
    pub fn member(&self, key: &str) -> Option<&Member> {
        self.members.iter().rev().find(|m| m.key.eq_ignore_ascii_case(key))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.members.iter_mut().rev().find(|m| m.key.eq_ignore_ascii_case(key)).map(|m| &mut m.value)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.member(key).is_some()
    }

    /// Appends a member without looking for an existing key (the parser's path).
    pub fn push(&mut self, key: Str, value: Node) {
        self.members.push(Member { key, value });
    }

    /// Sets `key`, replacing an existing member with the same key (ignoring case).
    pub fn insert(&mut self, key: impl Into<Str>, value: Node) {
        let key = key.into();
        if let Some(m) = self.members.iter_mut().rev().find(|m| m.key.eq_ignore_ascii_case(&key)) {
            m.value = value;
        } else {
            self.members.push(Member { key, value });
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let i = self.members.iter().rposition(|m| m.key.eq_ignore_ascii_case(key))?;
        Some(self.members.remove(i).value)
    }

    /// Keeps the members whose key `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.members.retain(|m| keep(&m.key));
    }

    /// The members, moved out.
    pub fn into_members(self) -> Vec<Member> {
        self.members
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Member> + DoubleEndedIterator {
        self.members.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Member> {
        self.members.iter_mut()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| &*m.key)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl FromIterator<(Str, Node)> for Object {
    fn from_iter<T: IntoIterator<Item = (Str, Node)>>(iter: T) -> Self {
        let mut o = Object::new();
        for (k, v) in iter {
            o.insert(k, v);
        }
        o
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    /// A node with no source position.
    pub fn bare(value: Value) -> Node {
        Node { value, span: Span::NONE }
    }

    pub fn null() -> Node {
        Node::bare(Value::Null)
    }

    /// Follows a `.`-separated path of object keys (case-insensitive); array indexes are
    /// written as numbers (`subnets.0.name`).
    pub fn path(&self, path: &str) -> Option<&Node> {
        let mut cur = self;
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            cur = cur.child(seg)?;
        }
        Some(cur)
    }

    /// One step down: an object key, or an array index.
    pub fn child(&self, seg: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(o) => o.get(seg),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.value.as_object().and_then(|o| o.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        self.value.as_str()
    }

    /// The string itself, shared (a clone is a count, not a copy).
    pub fn as_shared_str(&self) -> Option<&Str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl Value {
    pub fn str(s: impl Into<Str>) -> Value {
        Value::String(s.into())
    }

    pub fn array(items: Vec<Node>) -> Value {
        Value::Array(Arc::new(items))
    }

    pub fn object(o: Object) -> Value {
        Value::Object(Arc::new(o))
    }

    pub fn unknown(cause: UnknownCause, detail: impl Into<String>, span: Span) -> Value {
        Value::Unknown(Arc::new(Unknown::new(cause, detail, span)))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// The first unknown value anywhere inside this one, depth first.
    pub fn find_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(u) => Some(u),
            Value::Array(a) => a.iter().find_map(|n| n.value.find_unknown()),
            Value::Object(o) => o.iter().find_map(|m| m.value.value.find_unknown()),
            _ => None,
        }
    }

    /// The ARM type name used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Unknown(_) => "unknown",
        }
    }

    /// Deep equality as ARM's `equals` defines it: ordinal strings, keys ignoring case,
    /// ints never equal to strings. Unknown values are equal to nothing.
    pub fn deep_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => (*a as f64) == *b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.value.deep_eq(&y.value))
            }
            (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|m| b.get(&m.key).is_some_and(|v| m.value.value.deep_eq(&v.value)))
            }
            _ => false,
        }
    }

    /// Converts to `serde_json`, rendering unknown values as the documented marker
    /// object `{"$unknown": cause, "detail": …}`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Value::String(s) => J::String(s.to_string()),
            Value::Array(a) => J::Array(a.iter().map(|n| n.value.to_json()).collect()),
            Value::Object(o) => J::Object(o.iter().map(|m| (m.key.to_string(), m.value.value.to_json())).collect()),
            Value::Unknown(u) => {
                let mut m = serde_json::Map::new();
                m.insert("$unknown".into(), J::String(u.cause.as_str().into()));
                m.insert("detail".into(), J::String(u.detail.clone()));
                J::Object(m)
            }
        }
    }

    /// Converts from `serde_json` (vectors, tests); every node gets `Span::NONE`.
    pub fn from_json(v: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::str(s.as_str()),
            J::Array(a) => Value::array(a.iter().map(|x| Node::bare(Value::from_json(x))).collect()),
            J::Object(o) => {
                Value::object(o.iter().map(|(k, x)| (Str::from(k.as_str()), Node::bare(Value::from_json(x)))).collect())
            }
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::str(s)
    }
}

impl fmt::Display for Value {
    /// Compact JSON, as ARM's `string()` renders arrays and objects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(s),
            other => write!(f, "{}", other.to_json()),
        }
    }
}

#[cfg(test)]
mod tests {
    /// A tenant export is millions of members: these sizes are its memory (issue 14).
    #[test]
    fn values_stay_small() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<Node>(), 32);
        assert_eq!(std::mem::size_of::<Member>(), 40);
    }

    use super::*;

    #[test]
    fn object_keys_are_case_insensitive_and_last_wins() {
        let mut o = Object::new();
        o.push("Name".into(), Node::bare(Value::Int(1)));
        o.push("name".into(), Node::bare(Value::Int(2)));
        assert_eq!(o.get("NAME").and_then(|n| n.value.as_i64()), Some(2));
        o.insert("nAmE", Node::bare(Value::Int(3)));
        assert_eq!(o.len(), 2);
        assert_eq!(o.get("name").and_then(|n| n.value.as_i64()), Some(3));
    }

    #[test]
    fn deep_eq_follows_arm_equality() {
        let a = Value::from_json(&serde_json::json!({"A": [1, "x"], "b": null}));
        let b = Value::from_json(&serde_json::json!({"b": null, "a": [1, "x"]}));
        assert!(a.deep_eq(&b));
        assert!(!Value::Int(5).deep_eq(&Value::str("5")));
        assert!(!Value::str("a").deep_eq(&Value::str("A")));
    }

    #[test]
    fn unknown_renders_as_marker() {
        let u = Value::unknown(UnknownCause::Reference, "reference('x')", Span::NONE);
        assert_eq!(u.to_json(), serde_json::json!({"$unknown": "reference", "detail": "reference('x')"}));
    }
}
