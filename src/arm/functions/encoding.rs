//! Encoding functions: base64, data URIs and URIs (reference §5.9).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{FResult, arm_type, count, invalid, string_arg};
use crate::value::{FileId, Node, Value};

pub(crate) const NAMES: &[&str] = &[
    "base64",
    "base64tostring",
    "base64tojson",
    "datauri",
    "datauritostring",
    "uri",
    "uricomponent",
    "uricomponenttostring",
];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "base64" => base64(args),
        "base64tostring" => count("base64ToString", args, 1)
            .and_then(|_| string_arg("base64ToString", args, 0))
            .and_then(decode_b64)
            .map(Value::str),
        "base64tojson" => count("base64ToJson", args, 1)
            .and_then(|_| string_arg("base64ToJson", args, 0))
            .and_then(decode_b64)
            .and_then(|t| parse_json(&t, "base64ToJson")),
        "datauri" => data_uri(args),
        "datauritostring" => data_uri_to_string(args),
        "uri" => uri(args),
        "uricomponent" => count("uriComponent", args, 1)
            .and_then(|_| string_arg("uriComponent", args, 0))
            .map(|s| Value::str(percent_encode(s))),
        "uricomponenttostring" => count("uriComponentToString", args, 1)
            .and_then(|_| string_arg("uriComponentToString", args, 0))
            .map(|s| Value::str(percent_decode(s))),
        _ => return None,
    })
}

fn base64(args: &[Node]) -> FResult {
    if args.len() > 1 {
        return Err(invalid("The template language function 'base64' must have only one parameter"));
    }
    count("base64", args, 1)?;
    match &args[0].value {
        Value::String(s) => Ok(Value::str(STANDARD.encode(s.as_bytes()))),
        other => Err(invalid(format!(
            "The template language function 'base64' expects its parameter to be of type 'String'. The provided value is of type '{}'",
            arm_type(other)
        ))),
    }
}

fn decode_b64(s: &str) -> Result<String, super::super::error::FnError> {
    let bytes = STANDARD.decode(s.trim().as_bytes()).map_err(|_| {
        invalid(format!("The provided value '{}' is not a valid base64 string", crate::redact::for_message(s)))
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Parses JSON text leniently, as `json()` and `base64ToJson()` do.
pub(crate) fn parse_json(text: &str, function: &str) -> FResult {
    crate::source::json::parse(text, FileId::NONE).map(|n| n.value).map_err(|e| {
        invalid(format!(
            "The template language function '{function}' expects a valid JSON string: {} at offset {}",
            e.message, e.offset
        ))
    })
}

fn data_uri(args: &[Node]) -> FResult {
    count("dataUri", args, 1)?;
    let (media, text) = match &args[0].value {
        Value::String(s) => ("text/plain", s.to_string()),
        other => ("application/json", other.to_json().to_string()),
    };
    Ok(Value::str(format!("data:{media};charset=utf8;base64,{}", STANDARD.encode(text.as_bytes()))))
}

fn data_uri_to_string(args: &[Node]) -> FResult {
    count("dataUriToString", args, 1)?;
    let s = string_arg("dataUriToString", args, 0)?;
    let Some(rest) = s.strip_prefix("data:") else {
        return Err(invalid(
            "The template language function 'dataUriToString' expects its parameter to be formatted as a valid data URI",
        ));
    };
    let Some((meta, payload)) = rest.split_once(',') else {
        return Err(invalid(
            "The template language function 'dataUriToString' expects its parameter to be formatted as a valid data URI",
        ));
    };
    let parts: Vec<&str> = meta.split(';').collect();
    let mut base64 = false;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            if !p.is_empty() && !p.contains('/') {
                return Err(invalid(format!(
                    "The data URI '{}' was not formatted correctly",
                    crate::redact::for_message(s)
                )));
            }
            continue;
        }
        if p.eq_ignore_ascii_case("base64") && i == parts.len() - 1 {
            base64 = true;
        } else if let Some((k, v)) = p.split_once('=') {
            if k.eq_ignore_ascii_case("charset") {
                // The service takes .NET encoding names only (`utf-8`), reference §5.9.
                let ok = ["utf-8", "us-ascii", "utf-16", "utf-32", "iso-8859-1", "ascii", "unicode"]
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(v));
                if !ok {
                    return Err(invalid(format!(
                        "The provided charset '{}' is not supported",
                        crate::redact::for_message(v)
                    )));
                }
            } else if base64 || parts.last().is_some_and(|l| l.eq_ignore_ascii_case("base64")) {
                return Err(invalid(format!(
                    "The data URI '{}' was not formatted correctly",
                    crate::redact::for_message(s)
                )));
            }
        } else {
            return Err(invalid(format!(
                "The data URI '{}' was not formatted correctly",
                crate::redact::for_message(s)
            )));
        }
    }
    if base64 { decode_b64(payload).map(Value::str) } else { Ok(Value::str(percent_decode(payload))) }
}

fn uri(args: &[Node]) -> FResult {
    count("uri", args, 2)?;
    let base = string_arg("uri", args, 0)?;
    let rel = string_arg("uri", args, 1)?;
    if rel.contains("://") {
        return Ok(Value::str(rel));
    }
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let prefix = if let Some(stripped) = rel.strip_prefix('/') {
        let host_end = base[scheme_end..].find('/').map(|i| scheme_end + i).unwrap_or(base.len());
        return Ok(Value::str(format!("{}/{stripped}", &base[..host_end])));
    } else if base.ends_with('/') {
        base.to_string()
    } else {
        match base[scheme_end..].rfind('/') {
            Some(i) => base[..scheme_end + i + 1].to_string(),
            None => format!("{base}/"),
        }
    };
    Ok(Value::str(format!("{prefix}{rel}")))
}

/// RFC 3986 percent-encoding keeping only unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_round_trip() {
        let s = "http://x.com/a b?c=d%";
        assert_eq!(percent_decode(&percent_encode(s)), s);
        assert_eq!(percent_decode("%4"), "%4");
    }
}
