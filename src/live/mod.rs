//! The live reader: reads subscriptions through Resource Manager into a live export
//! document (docs/live-export.md), which the scan then reads like any export file.

pub mod auth;
