//! Errors raised while parsing or evaluating an ARM template expression.

use crate::problem::Code;

/// An expression that Resource Manager would reject. Messages follow the service's
/// wording where it is known (function-error-vectors.json); `start..end` is the byte
/// range inside the raw expression string (including the leading `[`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ArmError {
    /// The expression text does not follow the grammar.
    #[error("{message}")]
    Syntax {
        /// What went wrong.
        message: String,
        /// Start of the offending text (byte offset in the raw string).
        start: u32,
        /// End of the offending text.
        end: u32,
    },
    /// A function was called with the wrong number or type of arguments, or its
    /// arguments are out of range.
    #[error("{message}")]
    Function {
        /// The function, lower case.
        function: String,
        /// What went wrong.
        message: String,
        /// Start of the offending text (byte offset in the raw string).
        start: u32,
        /// End of the offending text.
        end: u32,
    },
    /// Lookups that fail: missing parameter, variable, property, index.
    #[error("{message}")]
    Evaluation {
        /// What went wrong.
        message: String,
        /// Start of the offending text (byte offset in the raw string).
        start: u32,
        /// End of the offending text.
        end: u32,
    },
    /// A function name that is neither built in nor a declared user function.
    #[error(
        "The template function '{function}' is not valid. Please see https://aka.ms/arm-functions for usage details"
    )]
    UnknownFunction {
        /// The function, lower case.
        function: String,
        /// Start of the offending text (byte offset in the raw string).
        start: u32,
        /// End of the offending text.
        end: u32,
    },
    /// `fail('message')` was evaluated.
    #[error("{message}")]
    Fail {
        /// What went wrong.
        message: String,
        /// Start of the offending text (byte offset in the raw string).
        start: u32,
        /// End of the offending text.
        end: u32,
    },
    /// A documented limit was exceeded (length, nesting depth, recursion).
    #[error("{message}")]
    Limit {
        /// What went wrong.
        message: String,
        /// Start of the offending text (byte offset in the raw string).
        start: u32,
        /// End of the offending text.
        end: u32,
    },
}

impl ArmError {
    /// The byte range inside the expression string.
    pub fn range(&self) -> (u32, u32) {
        match self {
            ArmError::Syntax { start, end, .. }
            | ArmError::Function { start, end, .. }
            | ArmError::Evaluation { start, end, .. }
            | ArmError::Fail { start, end, .. }
            | ArmError::UnknownFunction { start, end, .. }
            | ArmError::Limit { start, end, .. } => (*start, *end),
        }
    }

    /// The message alone.
    pub fn message(&self) -> String {
        match self {
            ArmError::UnknownFunction { .. } => self.to_string(),
            ArmError::Syntax { message, .. }
            | ArmError::Function { message, .. }
            | ArmError::Evaluation { message, .. }
            | ArmError::Fail { message, .. }
            | ArmError::Limit { message, .. } => message.clone(),
        }
    }

    /// The diagnostic code for this error in `expression` (the string it came from):
    /// `arm-limit` for limits, `arm-unknown-function`, `arm-values` when Resource Manager
    /// would reject the expression only for the values it read (a type error, a null
    /// member, an index out of range, `fail()` in an expression that reads parameters,
    /// variables or state), `arm-eval` for a template that is invalid whatever the values
    /// (syntax, a name that is not declared, an argument count, a cycle).
    pub fn code(&self, expression: &str) -> Code {
        const READS_VALUES: [&str; 7] =
            ["parameters(", "variables(", "reference(", "copyindex(", "resourcegroup(", "subscription(", "deployment("];
        let template_error = |m: &str| {
            [
                "is not found",
                "circular reference",
                "argument(s)",
                "is missing parameter",
                "too many arguments",
                "function requires",
            ]
            .iter()
            .any(|p| m.contains(p))
        };
        match self {
            ArmError::Limit { .. } => Code::ArmLimit,
            ArmError::UnknownFunction { .. } => Code::ArmUnknownFunction,
            ArmError::Syntax { .. } => Code::ArmEval,
            ArmError::Function { message, .. }
            | ArmError::Evaluation { message, .. }
            | ArmError::Fail { message, .. } => {
                let lower = expression.to_ascii_lowercase();
                if !template_error(message) && READS_VALUES.iter().any(|r| lower.contains(r)) {
                    Code::ArmValues
                } else {
                    Code::ArmEval
                }
            }
        }
    }

    /// True for limit violations (reported with the `arm-limit` code).
    pub fn is_limit(&self) -> bool {
        matches!(self, ArmError::Limit { .. })
    }

    /// The same error located at `start..end` (errors raised by a host have no range).
    pub fn with_range(self, start: u32, end: u32) -> ArmError {
        match self {
            ArmError::Syntax { message, .. } => ArmError::Syntax { message, start, end },
            ArmError::Function { function, message, .. } => ArmError::Function { function, message, start, end },
            ArmError::Evaluation { message, .. } => ArmError::Evaluation { message, start, end },
            ArmError::UnknownFunction { function, .. } => ArmError::UnknownFunction { function, start, end },
            ArmError::Fail { message, .. } => ArmError::Fail { message, start, end },
            ArmError::Limit { message, .. } => ArmError::Limit { message, start, end },
        }
    }

    pub(crate) fn eval(message: impl Into<String>, start: u32, end: u32) -> ArmError {
        ArmError::Evaluation { message: message.into(), start, end }
    }

    pub(crate) fn limit(message: impl Into<String>, start: u32, end: u32) -> ArmError {
        ArmError::Limit { message: message.into(), start, end }
    }
}

/// What a built-in function reports; the evaluator adds the function name and range.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FnError {
    /// Wrong arguments or a failed computation.
    Invalid(String),
    /// `fail()`.
    Fail(String),
}

impl FnError {
    pub(crate) fn into_arm(self, function: &str, start: u32, end: u32) -> ArmError {
        match self {
            FnError::Invalid(message) => ArmError::Function { function: function.to_string(), message, start, end },
            FnError::Fail(message) => ArmError::Fail { message, start, end },
        }
    }
}
