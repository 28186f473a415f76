//! The class of a problem: what a reviewer needs to tell a broken template from a tool
//! limit. Every error and warning code belongs to exactly one class; reports print the
//! class next to the code and the summary counts errors by class.

use crate::value::Span;

/// Every error and warning code: a stable name in reports, and the [`Class`] it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// `arm-eval`
    ArmEval,
    /// `arm-values`
    ArmValues,
    /// `arm-limit`
    ArmLimit,
    /// `arm-unknown-function`
    ArmUnknownFunction,
    /// `arm-template`
    ArmTemplate,
    /// `arm-linked-template`
    ArmLinkedTemplate,
    /// `arm-linked-cycle`
    ArmLinkedCycle,
    /// `arm-linked-uri`
    ArmLinkedUri,
    /// `arm-copy-unknown`
    ArmCopyUnknown,
    /// `invalid-json`
    InvalidJson,
    /// `bicep-syntax`: a Bicep file that does not parse.
    BicepSyntax,
    /// `bicep-unsupported`: a Bicep construct azlint does not evaluate yet; the value
    /// it gives is unknown.
    BicepUnsupported,
    /// `io-error`
    IoError,
    /// `symlink-loop`
    SymlinkLoop,
    /// `invalid-live-export`
    InvalidLiveExport,
    /// `export-truncated`
    ExportTruncated,
    /// `export-gap`
    ExportGap,
    /// `unsupported-version`
    UnsupportedVersion,
    /// `coverage-gap`
    CoverageGap,
    /// `bad-option`
    BadOption,
    /// `rule-invalid`
    RuleInvalid,
    /// `suppression-invalid`
    SuppressionInvalid,
    /// `suppression-unused`
    SuppressionUnused,
    /// `suppression-expired`
    SuppressionExpired,
}

impl Code {
    /// The stable name reports print.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ArmEval => "arm-eval",
            Code::ArmValues => "arm-values",
            Code::ArmLimit => "arm-limit",
            Code::ArmUnknownFunction => "arm-unknown-function",
            Code::ArmTemplate => "arm-template",
            Code::ArmLinkedTemplate => "arm-linked-template",
            Code::ArmLinkedCycle => "arm-linked-cycle",
            Code::ArmLinkedUri => "arm-linked-uri",
            Code::ArmCopyUnknown => "arm-copy-unknown",
            Code::InvalidJson => "invalid-json",
            Code::BicepSyntax => "bicep-syntax",
            Code::BicepUnsupported => "bicep-unsupported",
            Code::IoError => "io-error",
            Code::SymlinkLoop => "symlink-loop",
            Code::InvalidLiveExport => "invalid-live-export",
            Code::ExportTruncated => "export-truncated",
            Code::ExportGap => "export-gap",
            Code::UnsupportedVersion => "unsupported-version",
            Code::CoverageGap => "coverage-gap",
            Code::BadOption => "bad-option",
            Code::RuleInvalid => "rule-invalid",
            Code::SuppressionInvalid => "suppression-invalid",
            Code::SuppressionUnused => "suppression-unused",
            Code::SuppressionExpired => "suppression-expired",
        }
    }

    /// The class of problem this code names.
    pub fn class(self) -> Class {
        Class::of(self)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A problem any stage reports: unreadable or invalid input, a bad option, something not
/// followed. The scan keeps errors (the scan is incomplete) and warnings (it is not) in
/// separate lists of this one type.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Whether it makes the scan incomplete.
    pub level: Level,
    /// What it is (`arm-eval`, `io-error`, ...); the code names the [`Class`].
    pub code: Code,
    pub message: String,
    /// The file it concerns, as given; `None` for option errors.
    pub file: Option<String>,
    /// The position in the file, when there is one.
    pub span: Option<Span>,
}

/// A file that was met but not scanned, with the reason (a FIFO met in a folder, a
/// symlink that leaves the scanned folders, a JSON file of no Azure shape): not a
/// problem, but never silent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// Whether a problem makes the scan incomplete (an error: exit code 2 unless the rest
/// is allowed to be partial) or only informs (a warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Error,
    Warning,
}

/// `file: message`, or the message alone.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl Problem {
    /// An error: the scan is incomplete.
    pub fn error(code: Code, message: impl Into<String>, file: Option<String>, span: Option<Span>) -> Problem {
        Problem { level: Level::Error, code, message: message.into(), file, span }
    }

    /// A warning: the scan is complete, something is worth knowing.
    pub fn warning(code: Code, message: impl Into<String>, file: Option<String>, span: Option<Span>) -> Problem {
        Problem { level: Level::Warning, code, message: message.into(), file, span }
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// What kind of problem this is.
    pub fn class(&self) -> Class {
        self.code.class()
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
    /// A construct azlint does not evaluate yet (a tool limit, not a broken input):
    /// what depends on it is unknown.
    Unsupported,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 8] = [
        Class::InvalidTemplate,
        Class::InvalidForValues,
        Class::Limit,
        Class::UnreadableInput,
        Class::InvalidConfig,
        Class::Incomplete,
        Class::NotFollowed,
        Class::Unsupported,
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
            Class::Unsupported => "unsupported",
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
            Class::Unsupported => "not supported by azlint yet",
        }
    }

    /// The class of a code (exhaustive: a new code must choose its class).
    fn of(code: Code) -> Class {
        match code {
            Code::ArmEval
            | Code::ArmTemplate
            | Code::ArmUnknownFunction
            | Code::ArmLinkedCycle
            | Code::InvalidJson
            | Code::BicepSyntax => Class::InvalidTemplate,
            Code::BicepUnsupported => Class::Unsupported,
            Code::ArmValues => Class::InvalidForValues,
            Code::ArmLimit => Class::Limit,
            Code::IoError
            | Code::ArmLinkedTemplate
            | Code::InvalidLiveExport
            | Code::ExportTruncated
            | Code::UnsupportedVersion => Class::UnreadableInput,
            Code::CoverageGap | Code::ExportGap => Class::Incomplete,
            Code::ArmLinkedUri | Code::ArmCopyUnknown | Code::SymlinkLoop => Class::NotFollowed,
            Code::BadOption
            | Code::RuleInvalid
            | Code::SuppressionInvalid
            | Code::SuppressionUnused
            | Code::SuppressionExpired => Class::InvalidConfig,
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
        assert_eq!(Code::ArmEval.class(), Class::InvalidTemplate);
        assert_eq!(Code::ArmValues.class(), Class::InvalidForValues);
        assert_eq!(Code::ArmLimit.class(), Class::Limit);
        assert_eq!(Code::IoError.class(), Class::UnreadableInput);
        assert_eq!(Code::RuleInvalid.class(), Class::InvalidConfig);
        assert_eq!(Code::ArmCopyUnknown.class(), Class::NotFollowed);
    }
}
