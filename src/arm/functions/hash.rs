//! `uniqueString` (Microsoft's two-lane MurmurHash64 variant, reference §5.11) and
//! `guid` (UUID v5 over SHA-1).

use sha1::{Digest, Sha1};

use super::{FResult, arm_type, count_range, invalid};
use crate::value::{Node, Value};

pub(crate) const NAMES: &[&str] = &["uniquestring", "guid"];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "uniquestring" | "guid" => joined(name, args)
            .map(|input| Value::str(if name == "guid" { guid(&input) } else { unique_string(input.as_bytes()) })),
        _ => return None,
    })
}

fn joined(name: &str, args: &[Node]) -> Result<String, super::super::error::FnError> {
    count_range(name, args, 1, usize::MAX)?;
    let mut parts = Vec::with_capacity(args.len());
    for a in args {
        match &a.value {
            Value::String(s) => parts.push(&**s),
            other => {
                return Err(invalid(format!(
                    "The template language function '{name}' expects its parameters to be of type string. The provided value is of type '{}'",
                    arm_type(other)
                )));
            }
        }
    }
    Ok(parts.join("-"))
}

fn fmix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 13;
    x = x.wrapping_mul(0xC2B2_AE35);
    x ^= x >> 16;
    x
}

fn le(bytes: &[u8]) -> u32 {
    bytes.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (8 * i)))
}

/// The 64-bit hash behind `uniqueString`.
pub(crate) fn murmur64(input: &[u8]) -> u64 {
    const C1: u32 = 0x239B_961B;
    const C2: u32 = 0xAB0E_9789;
    let (mut h1, mut h2) = (0u32, 0u32);
    let len = input.len();
    let mut i = 0;
    while i + 7 < len {
        let mut k1 = le(&input[i..i + 4]);
        let mut k2 = le(&input[i + 4..i + 8]);
        k1 = k1.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1.rotate_left(19).wrapping_add(h2).wrapping_mul(5).wrapping_add(0x561C_CD1B);
        k2 = k2.wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2.rotate_left(13).wrapping_add(h1).wrapping_mul(5).wrapping_add(0x0BCA_A747);
        i += 8;
    }
    let rem = len - i;
    if rem > 0 {
        let k1 = le(&input[i..i + rem.min(4)]).wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h1 ^= k1;
        if rem > 4 {
            let k2 = le(&input[i + 4..len]).wrapping_mul(C2).rotate_left(17).wrapping_mul(C1);
            h2 ^= k2;
        }
    }
    h1 ^= len as u32;
    h2 ^= len as u32;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix32(h1);
    h2 = fmix32(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

/// `uniqueString` of already-joined input.
pub(crate) fn unique_string(input: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut h = murmur64(input);
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(ALPHABET[(h >> 59) as usize] as char);
        h <<= 5;
    }
    out
}

/// UUID v5 with ARM's namespace `11fb06fb-712d-4ddd-98c7-e71bbd588830`.
pub(crate) fn guid(name: &str) -> String {
    const NS: [u8; 16] =
        [0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30];
    let mut h = Sha1::new();
    h.update(NS);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_check_values() {
        assert_eq!(unique_string(b"test"), "rbgf3xv4ufgzg");
        assert_eq!(unique_string(b"/subscriptions/00000000-0000-0000-0000-000000000000-resource-id"), "cwvxuqg24sifi");
        assert_eq!(guid("test"), "d6a5baf1-8b9b-542a-8525-2982f1f98a0c");
    }
}
