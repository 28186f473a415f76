//! ARM template language: expression parser, function library and template expander.
