//! ARM template language: expression parser, function library and template expander.
//!
//! [`eval_expression`] evaluates one JSON string value (the `azlint eval` command and
//! the function vectors); [`expand`] turns a whole template into resources.

#![warn(missing_docs)]

pub mod budget;
pub mod context;
pub mod error;
pub mod eval;
pub mod expand;
pub(crate) mod functions;
pub mod parser;
pub(crate) mod symbolic;

pub use context::{DeploymentContext, DeploymentScope};
pub use error::ArmError;
pub use eval::{Evaluator, Host, UserFunction};
pub use expand::{ExpandOptions, ExpandedResource, Expansion, TemplateLoader, UnknownStats, expand};
pub use functions::resource::resource_id_for;
pub use parser::{Expr, ExprNode, Template, is_expression, parse_template_string};

use crate::value::{Node, Object, Str, Value};

/// Parameters, variables and copy-loop positions for evaluating a lone expression
/// (the vectors' `context.parameters`, `context.variables`, `context.copyIndex`).
#[derive(Clone, Debug, Default)]
pub struct EvalScope {
    /// Already-evaluated parameter values.
    pub parameters: Object,
    /// Already-evaluated variable values.
    pub variables: Object,
    /// Loop name → zero-based index; the name `""` is the innermost resource loop.
    pub copy_index: Vec<(String, i64)>,
}

impl EvalScope {
    /// Reads `parameters`, `variables` and `copyIndex` from a vector's `context`.
    pub fn from_json(ctx: &serde_json::Value) -> Self {
        let obj = |key: &str| match ctx.get(key).map(Value::from_json) {
            Some(Value::Object(o)) => (*o).clone(),
            _ => Object::new(),
        };
        let copy_index = ctx
            .get("copyIndex")
            .and_then(|c| c.as_object())
            .map(|m| m.iter().filter_map(|(k, v)| v.as_i64().map(|i| (k.clone(), i))).collect())
            .unwrap_or_default();
        EvalScope { parameters: obj("parameters"), variables: obj("variables"), copy_index }
    }
}

struct ScopeHost<'a> {
    ctx: &'a DeploymentContext,
    scope: &'a EvalScope,
}

impl Host for ScopeHost<'_> {
    fn context(&self) -> &DeploymentContext {
        self.ctx
    }

    fn parameter(&self, name: &str) -> Result<Node, ArmError> {
        self.scope
            .parameters
            .get(name)
            .cloned()
            .ok_or_else(|| ArmError::eval(format!("The template parameter '{name}' is not found"), 0, 0))
    }

    fn variable(&self, name: &str) -> Result<Node, ArmError> {
        self.scope
            .variables
            .get(name)
            .cloned()
            .ok_or_else(|| ArmError::eval(format!("The template variable '{name}' is not found"), 0, 0))
    }

    fn copy_index(&self, name: Option<&str>) -> Option<i64> {
        let key = name.unwrap_or("");
        self.scope.copy_index.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, i)| *i)
    }
}

/// Evaluates a raw JSON string value (`"[concat('a','b')]"`, a literal, or a `[[`
/// escape) with no parameters or variables.
pub fn eval_expression(expr: &str, ctx: &DeploymentContext) -> Result<Value, ArmError> {
    eval_expression_in(expr, ctx, &EvalScope::default())
}

/// Evaluates a raw JSON string value with the given parameters, variables and loops.
pub fn eval_expression_in(expr: &str, ctx: &DeploymentContext, scope: &EvalScope) -> Result<Value, ArmError> {
    let host = ScopeHost { ctx, scope };
    let mut ev = Evaluator::new(&host);
    ev.eval_string(&Str::from(expr)).map(|n| n.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::UnknownCause;

    fn eval(s: &str) -> Result<Value, ArmError> {
        eval_expression(s, &DeploymentContext::default())
    }

    #[test]
    fn unknowns_propagate_except_where_decidable() {
        let v = eval("[reference('vnet').subnets[0].id]").unwrap_or(Value::Null);
        let u = v.as_unknown().map(|u| (u.cause, u.detail.clone()));
        assert_eq!(u, Some((UnknownCause::Reference, "reference('vnet').subnets[0].id".to_string())));
        assert!(
            matches!(eval("[toLower(listKeys('sa', '2021-01-01').keys[0].value)]"), Ok(Value::Unknown(u)) if u.cause == UnknownCause::List)
        );
        assert!(matches!(eval("[if(true(), 'a', reference('x'))]"), Ok(Value::String(s)) if &*s == "a"));
        assert!(matches!(eval("[coalesce('a', reference('x'))]"), Ok(Value::String(s)) if &*s == "a"));
        assert!(matches!(eval("[or(true(), reference('x').enabled)]"), Ok(Value::Bool(true))));
        assert!(matches!(eval("[and(reference('x').enabled, false())]"), Ok(Value::Bool(false))));
        assert!(matches!(eval("[length(createArray(reference('x'), 1))]"), Ok(Value::Int(2))));
        assert!(matches!(eval("[newGuid()]"), Ok(Value::Unknown(u)) if u.cause == UnknownCause::NonDeterministic));
        assert!(
            matches!(eval("[concat(createArray(1), createArray(reference('x')))]"), Ok(Value::Array(a)) if a.len() == 2)
        );
    }

    #[test]
    fn errors_carry_ranges() {
        let e = eval("[concat('a', div(1, 0))]").err();
        assert_eq!(e.map(|e| e.range()), Some((13, 22)));
        assert!(matches!(eval("[nosuch(1)]"), Err(ArmError::UnknownFunction { .. })));
        assert!(matches!(eval("[fail('boom')]"), Err(ArmError::Fail { .. })));
    }

    #[test]
    fn hostile_inputs_hit_limits_not_panics() {
        let doubling = "[length(reduce(range(0, 40), 'a', lambda('acc', 'x', concat(lambdaVariables('acc'), lambdaVariables('acc')))))]";
        assert!(matches!(eval(doubling), Err(ArmError::Limit { .. })));
        let big_map = "[length(map(range(0, 10000), lambda('x', range(0, 10000))))]";
        assert!(matches!(eval(big_map), Err(ArmError::Limit { .. })));
        let sorted = "[sort(range(0, 3000), lambda('a', 'b', greater(lambdaVariables('a'), lambdaVariables('b'))))[0]]";
        assert!(matches!(eval(sorted), Ok(Value::Int(2999))));
        assert!(eval("[substring('abc', 9223372036854775807, 9223372036854775807)]").is_err());
        assert!(eval("[dateTimeAdd('2020-01-01T00:00:00Z', 'P99999999999999999999Y')]").is_err());
        assert!(eval("[format('{0,999999999}', 'a')]").is_err());
        assert!(eval("[replace(padLeft('', 10000, 'a'), 'a', padLeft('', 10000, 'b'))]").is_err());
        assert!(eval("[add(9223372036854775807, 1)]").is_err());
        assert!(eval("[copyIndex(9223372036854775807)]").is_err());
    }
}
