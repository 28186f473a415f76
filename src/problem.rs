//! The class of a problem: what a reviewer needs to tell a broken template from a tool
//! limit. Every error and warning code belongs to exactly one class; reports print the
//! class next to the code and the summary counts errors by class.

use crate::value::Span;

/// A problem any stage reports: unreadable or invalid input, a bad option, something not
/// followed. The scan keeps errors (the scan is incomplete) and warnings (it is not) in
/// separate lists of this one type.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The stable code (`arm-eval`, `io-error`, ...); it names the [`Class`].
    pub code: &'static str,
    pub message: String,
    /// The file it concerns, as given; `None` for option errors.
    pub file: Option<String>,
    /// The position in the file, when there is one.
    pub span: Option<Span>,
}

impl Problem {
    /// What kind of problem this is.
    pub fn class(&self) -> Class {
        Class::of(self.code)
    }
}

/// What kind of problem an error or warning code names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Resource Manager rejects the template whatever the parameter values: syntax,
    /// a variable or function that does not exist, a wrong argument count, a cycle.
    InvalidTemplate,
    /// Resource Manager rejects the deployment with the parameter values azlint used
    /// (defaults, the parameters file): a type error, a null member, a bad copy count,
    /// `fail()`. Typical of a nested template scanned without the parent that fills it.
    InvalidForValues,
    /// Over a limit that Resource Manager or azlint sets (sizes, depths, counts, work).
    Limit,
    /// A file, a linked template or an export that could not be read whole.
    UnreadableInput,
    /// An option, the configuration, a custom rule or a suppression is invalid.
    InvalidConfig,
    /// A live read that failed: what depends on it is not checked.
    Incomplete,
    /// Informational: something azlint did not follow (a linked template by URI).
    NotFollowed,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 7] = [
        Class::InvalidTemplate,
        Class::InvalidForValues,
        Class::Limit,
        Class::UnreadableInput,
        Class::InvalidConfig,
        Class::Incomplete,
        Class::NotFollowed,
    ];

    /// The stable name used in JSON and SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::InvalidTemplate => "invalid-template",
            Class::InvalidForValues => "invalid-for-values",
            Class::Limit => "limit",
            Class::UnreadableInput => "unreadable-input",
            Class::InvalidConfig => "invalid-config",
            Class::Incomplete => "incomplete",
            Class::NotFollowed => "not-followed",
        }
    }

    /// Words for the summary line: "2 invalid templates".
    pub fn describe(self) -> &'static str {
        match self {
            Class::InvalidTemplate => "invalid template",
            Class::InvalidForValues => "invalid for the parameter values used",
            Class::Limit => "over a limit",
            Class::UnreadableInput => "unreadable input",
            Class::InvalidConfig => "invalid configuration",
            Class::Incomplete => "incomplete live read",
            Class::NotFollowed => "not followed",
        }
    }

    /// The class of a code. A code not listed is an option error (the command line's
    /// own codes, all of which are configuration).
    pub fn of(code: &str) -> Class {
        match code {
            "arm-eval" | "arm-template" | "arm-unknown-function" | "arm-linked-cycle" | "invalid-json" => {
                Class::InvalidTemplate
            }
            "arm-values" => Class::InvalidForValues,
            "arm-limit" => Class::Limit,
            "io-error" | "arm-linked-template" | "invalid-live-export" | "export-truncated" | "unsupported-version" => {
                Class::UnreadableInput
            }
            "coverage-gap" | "export-gap" => Class::Incomplete,
            "arm-linked-uri" | "arm-copy-unknown" | "symlink-loop" => Class::NotFollowed,
            _ => Class::InvalidConfig,
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_a_distinct_name() {
        let names: std::collections::HashSet<_> = Class::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Class::ALL.len());
    }

    #[test]
    fn template_errors_and_value_errors_are_told_apart() {
        assert_eq!(Class::of("arm-eval"), Class::InvalidTemplate);
        assert_eq!(Class::of("arm-values"), Class::InvalidForValues);
        assert_eq!(Class::of("arm-limit"), Class::Limit);
        assert_eq!(Class::of("io-error"), Class::UnreadableInput);
        assert_eq!(Class::of("rule-invalid"), Class::InvalidConfig);
    }
}
