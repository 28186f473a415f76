//! azlint: a policy linter for Azure configurations.
//!
//! Data flow (docs/design.md): `source` (read, parse, detect) -> `arm` (expand
//! templates) -> `model` (resources and the relationship index) -> `engine` (rules in
//! parallel) -> `report` (text, JSON, ...).

pub mod arm;
pub mod bicep;
pub mod engine;
pub mod filter;
pub mod fuzzing;
pub mod live;
pub mod model;
pub mod problem;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod value;
