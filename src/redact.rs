//! Secrets in free text, wherever azlint shows text it did not write: quoted values in
//! error messages, string literals and comments in source snippets, literal parts of
//! connection strings built by `concat`. This module finds the byte ranges that hold a
//! secret and masks them; it knows no model and no format, so every stage can use it.
//!
//! It errs towards masking: a value that only *could* be a credential (long, mixed
//! character classes, no spaces) is hidden from messages too, because a message that
//! shows `'***'` costs a reader little and a leaked password in a CI log costs a
//! rotation.

use std::ops::Range;

/// What replaces a masked value in messages.
pub const MASK: &str = "***";

/// Keys whose value is a secret in `key=value` text (connection strings, query strings,
/// command lines), compared ignoring case, `-` and `_`.
const SECRET_KEYS: &[&str] = &[
    "password",
    "pwd",
    "passwd",
    "pass",
    "accountkey",
    "sharedaccesskey",
    "sharedaccesssignature",
    "secret",
    "clientsecret",
    "key",
    "apikey",
    "accesskey",
    "primarykey",
    "secondarykey",
    "sig",
    "token",
    "accesstoken",
    "sastoken",
    "authorization",
];

fn normalize_key(k: &str) -> String {
    k.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Whether a key (`Password`, `--client-secret`, `AccountKey`) names a secret.
pub fn secret_key(k: &str) -> bool {
    let n = normalize_key(k);
    !n.is_empty() && (SECRET_KEYS.contains(&n.as_str()) || n.ends_with("password") || n.ends_with("secret"))
}

fn value_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(|c: char| c == ';' || c == '&' || c == '"' || c == '\'' || c.is_whitespace())
        .map_or(text.len(), |i| from + i)
}

/// Byte ranges of the secret values inside `text`: the value of every `key=value`
/// whose key names a secret (`Password=…;`, `AccountKey=…`, `sig=…`), of every
/// command-line flag that names one (`--password …`, `-Password:…`), and the password of
/// a URL's user information (`https://user:…@host`).
pub fn secret_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // Most text (names, ids, messages) has none of what a secret needs around it.
    // `key=value` needs `=`, `-flag value` or `-flag:value` a dash starting a word, a URL
    // password an `@`.
    let flag = bytes.first() == Some(&b'-')
        || bytes.windows(2).any(|w| w[1] == b'-' && matches!(w[0], b' ' | b'\t' | b'"' | b'\''));
    if !flag && !bytes.contains(&b'=') && !bytes.contains(&b'@') {
        return out;
    }
    // key=value and key:value after a flag
    for (i, c) in text.char_indices() {
        if c != '=' && c != ':' {
            continue;
        }
        let head = text[..i].trim_end();
        let key_start = head
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .map_or(0, |(j, c)| j + c.len_utf8());
        let key = &head[key_start..];
        let is_flag = key.starts_with('-');
        if c == ':' && !is_flag {
            continue;
        }
        if !secret_key(key) {
            continue;
        }
        let start = text[i + 1..].find(|c: char| c != ' ').map_or(text.len(), |j| i + 1 + j);
        let end = value_end(text, start);
        if end > start {
            out.push(start..end);
        }
    }
    // --password VALUE
    let words = text.char_indices().filter(|&(i, c)| {
        c == '-' && (i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'"' || bytes[i - 1] == b'\'')
    });
    for (i, _) in words {
        let flag_end =
            text[i..].find(|c: char| c.is_whitespace() || c == '=' || c == ':').map_or(text.len(), |j| i + j);
        if !secret_key(&text[i..flag_end]) || flag_end >= text.len() || !bytes[flag_end].is_ascii_whitespace() {
            continue;
        }
        let start = text[flag_end..].find(|c: char| !c.is_whitespace()).map_or(text.len(), |j| flag_end + j);
        if start < text.len() && bytes[start] != b'-' {
            let end = value_end(text, start);
            if end > start {
                out.push(start..end);
            }
        }
    }
    // scheme://user:password@host
    let mut from = 0;
    while let Some(j) = text[from..].find("://") {
        let auth_start = from + j + 3;
        let auth_end =
            text[auth_start..].find(['/', '?', '#', ' ', '"', '\'', ';']).map_or(text.len(), |k| auth_start + k);
        let authority = &text[auth_start..auth_end];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
            && colon + 1 < at
        {
            out.push(auth_start + colon + 1..auth_start + at);
        }
        from = auth_start;
    }
    out.sort_by_key(|r| (r.start, r.end));
    out.dedup();
    out
}

/// Whether `text`, standing alone, could be a credential: no spaces, at least eight
/// characters, and at least three of lower case, upper case, digits and symbols — and
/// not plainly something else (a URL, a resource type or id, a date, a version).
pub fn could_be_credential(text: &str) -> bool {
    let t = text.trim();
    if t.len() < 8 || t.chars().any(char::is_whitespace) {
        return false;
    }
    if t.contains("://") || t.starts_with('/') || t.starts_with("Microsoft.") || t.starts_with("microsoft.") {
        return false;
    }
    let classes = [
        t.chars().any(|c| c.is_ascii_lowercase()),
        t.chars().any(|c| c.is_ascii_uppercase()),
        t.chars().any(|c| c.is_ascii_digit()),
        t.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    classes.iter().filter(|x| **x).count() >= 3
}

/// `text` with every range of [`secret_ranges`] replaced by [`MASK`].
pub fn mask_ranges(text: &str) -> String {
    let ranges = secret_ranges(text);
    if ranges.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        if r.start < at {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str(MASK);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A value as an error message may quote it: with its secret parts masked when it has
/// any, else `***` when it could be a credential itself, else whole.
pub fn for_message(value: &str) -> String {
    if !secret_ranges(value).is_empty() {
        mask_ranges(value)
    } else if could_be_credential(value) {
        MASK.to_string()
    } else {
        value.to_string()
    }
}

/// An expression as an error message may quote it: each string literal (`'…'`, with
/// `''` escapes; an unterminated one runs to the end) passed through [`for_message`].
pub fn expression_for_message(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(q) = rest.find('\'') {
        out.push_str(&rest[..=q]);
        let body = &rest[q + 1..];
        let mut end = None;
        let mut i = 0;
        let b = body.as_bytes();
        while i < b.len() {
            if b[i] == b'\'' {
                if b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                end = Some(i);
                break;
            }
            i += 1;
        }
        match end {
            Some(e) => {
                out.push_str(&for_message(&body[..e].replace("''", "'")).replace('\'', "''"));
                out.push('\'');
                rest = &body[e + 1..];
            }
            None => {
                out.push_str(&for_message(body));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Masks every quoted segment of a message (`'…'` or `` `…` ``) outright, for messages
/// about a value that is known to be secret (a setting named `DB_PASSWORD`).
pub fn mask_all_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(q) = rest.find(['\'', '`']) {
        let quote = rest.as_bytes()[q] as char;
        // The segment runs to the last matching quote before the sentence goes on:
        // expressions quote literals inside their own quotes.
        let tail = &rest[q + 1..];
        let close = match quote {
            '\'' => tail.rfind('\''),
            _ => tail.find('`'),
        };
        let Some(c) = close else { break };
        out.push_str(&rest[..=q]);
        out.push_str(MASK);
        out.push(quote);
        rest = &tail[c + 1..];
    }
    out.push_str(rest);
    out
}

/// Replaces every byte of `ranges` in `bytes` with `*`, except quotes and line breaks,
/// so that offsets and the shape of the text stay as they were.
pub fn mask_bytes(bytes: &mut [u8], ranges: impl IntoIterator<Item = Range<usize>>) {
    for r in ranges {
        let end = r.end.min(bytes.len());
        for b in bytes.iter_mut().take(end).skip(r.start) {
            if !matches!(*b, b'"' | b'\n' | b'\r') {
                *b = b'*';
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(t: &str) -> String {
        let mut b = t.as_bytes().to_vec();
        mask_bytes(&mut b, secret_ranges(t));
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn finds_secret_values_in_free_text() {
        assert_eq!(masked("Server=tcp:x;Password=p4ss;User=a"), "Server=tcp:x;Password=****;User=a");
        assert_eq!(masked("AccountName=a;AccountKey=abc==;"), "AccountName=a;AccountKey=*****;");
        assert_eq!(
            masked("https://a.blob.core.windows.net/c?sv=1&sig=abc%3D"),
            "https://a.blob.core.windows.net/c?sv=1&sig=******"
        );
        assert_eq!(masked("run --password hunter2 --port 80"), "run --password ******* --port 80");
        assert_eq!(masked("app.exe -ClientSecret:s3cr3t"), "app.exe -ClientSecret:******");
        assert_eq!(masked("https://user:pw@host/x"), "https://user:**@host/x");
        assert_eq!(masked("// password=Hunter2 in a comment"), "// password=******* in a comment");
        assert_eq!(masked("Server=tcp:x;Database=d;"), "Server=tcp:x;Database=d;");
        assert_eq!(masked("keyVaultName=kv1"), "keyVaultName=kv1");
        assert_eq!(masked("User ID=a; Password = p4ss;"), "User ID=a; Password = ****;");
        // Found by fuzzing: a key after a multi-byte character.
        assert_eq!(masked("xίPassword=abc"), "xίPassword=***");
    }

    #[test]
    fn credentials_are_told_from_identifiers() {
        assert!(could_be_credential("Probe6-Int-Pa55"));
        assert!(could_be_credential("aB3$xyz!Q"));
        assert!(!could_be_credential("Microsoft.Web/sites"));
        assert!(!could_be_credential("2022-09-01"));
        assert!(!could_be_credential("storageAccountName"));
        assert!(!could_be_credential("not a credential at all"));
        assert!(!could_be_credential("short"));
    }

    #[test]
    fn messages_quote_expressions_without_their_secrets() {
        assert_eq!(
            expression_for_message("[concat('Server=tcp:x;Password=Probe6-Secret-Pa55;', )]"),
            "[concat('Server=tcp:x;Password=***;', )]"
        );
        assert_eq!(expression_for_message("[int('Probe6-Int-Pa55')]"), "[int('***')]");
        assert_eq!(expression_for_message("[parameters('siteName')]"), "[parameters('siteName')]");
        assert_eq!(expression_for_message("[concat('it''s', 'Password=x"), "[concat('it''s', 'Password=***");
        assert_eq!(for_message("Password=abc;Server=x"), "Password=***;Server=x");
    }

    #[test]
    fn masks_every_quoted_segment_of_a_secret_message() {
        assert_eq!(
            mask_all_quoted("The template language function 'int' can't convert 'hunter2' to an integer"),
            "The template language function '***' to an integer"
        );
        assert_eq!(mask_all_quoted("setting `DB_PASSWORD` is `x`"), "setting `***` is `***`");
    }
}
