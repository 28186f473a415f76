//! CIDR functions (reference §5.12) on top of `ipnet`.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::{FResult, bare, count, int_arg, invalid, string_arg};
use crate::value::{Node, Object, Value};

pub(crate) const NAMES: &[&str] = &["parsecidr", "cidrsubnet", "cidrhost"];

pub(crate) fn call(name: &str, args: &[Node]) -> Option<FResult> {
    Some(match name {
        "parsecidr" => count("parseCidr", args, 1).and_then(|_| parse_cidr(string_arg("parseCidr", args, 0)?)),
        "cidrsubnet" => count("cidrSubnet", args, 3).and_then(|_| cidr_subnet(args)),
        "cidrhost" => count("cidrHost", args, 2).and_then(|_| cidr_host(args)),
        _ => return None,
    })
}

/// Network address as an integer, prefix, address width in bits, IPv4 flag.
fn net(function: &str, s: &str) -> Result<(u128, u8, u8, bool), super::super::error::FnError> {
    let n: IpNet = s.trim().parse().map_err(|_| {
        invalid(format!(
            "The template language function '{function}' expects a valid CIDR range. '{}' is not one",
            crate::redact::for_message(s)
        ))
    })?;
    Ok(match n.trunc() {
        IpNet::V4(v) => (u128::from(u32::from(v.network())), v.prefix_len(), 32, true),
        IpNet::V6(v) => (u128::from(v.network()), v.prefix_len(), 128, false),
    })
}

fn addr(v: u128, v4: bool) -> String {
    if v4 { Ipv4Addr::from(v as u32).to_string() } else { Ipv6Addr::from(v).to_string() }
}

fn mask(prefix: u8, bits: u8) -> u128 {
    let all: u128 = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    all & !host_mask(prefix, bits)
}

fn host_mask(prefix: u8, bits: u8) -> u128 {
    let width = bits - prefix;
    if width >= 128 { u128::MAX } else { (1u128 << width) - 1 }
}

fn parse_cidr(s: &str) -> FResult {
    let (network, prefix, bits, v4) = net("parseCidr", s)?;
    let last = network | host_mask(prefix, bits);
    let mut o = Object::new();
    o.insert("network", bare(Value::str(addr(network, v4))));
    o.insert("netmask", bare(Value::str(addr(mask(prefix, bits), v4))));
    if v4 {
        o.insert("broadcast", bare(Value::str(addr(last, v4))));
        let (first, lastu) = if prefix >= 31 { (network, last) } else { (network + 1, last - 1) };
        o.insert("firstUsable", bare(Value::str(addr(first, v4))));
        o.insert("lastUsable", bare(Value::str(addr(lastu, v4))));
    } else {
        o.insert("firstUsable", bare(Value::str(addr(network, v4))));
        o.insert("lastUsable", bare(Value::str(addr(last, v4))));
    }
    o.insert("cidr", bare(Value::Int(i64::from(prefix))));
    Ok(Value::object(o))
}

fn cidr_subnet(args: &[Node]) -> FResult {
    let (network, prefix, bits, v4) = net("cidrSubnet", string_arg("cidrSubnet", args, 0)?)?;
    let new_prefix = int_arg("cidrSubnet", args, 1)?;
    let index = int_arg("cidrSubnet", args, 2)?;
    if new_prefix < i64::from(prefix) || new_prefix > i64::from(bits) {
        return Err(invalid(format!(
            "The template language function 'cidrSubnet' expects a new prefix between {prefix} and {bits}; '{new_prefix}' is not"
        )));
    }
    let extra = new_prefix as u8 - prefix;
    if index < 0 || (extra < 64 && index as u128 >= (1u128 << extra)) {
        return Err(invalid(format!(
            "The template language function 'cidrSubnet' index '{index}' is out of range for {extra} subnet bit(s)"
        )));
    }
    let shift = bits - new_prefix as u8;
    let sub = network | if shift >= 128 { 0 } else { (index as u128) << shift };
    Ok(Value::str(format!("{}/{new_prefix}", addr(sub, v4))))
}

fn cidr_host(args: &[Node]) -> FResult {
    let (network, prefix, bits, v4) = net("cidrHost", string_arg("cidrHost", args, 0)?)?;
    let index = int_arg("cidrHost", args, 1)?;
    let size = host_mask(prefix, bits);
    let usable = if v4 && prefix < 31 { size.saturating_sub(1) } else { size };
    if index < 0 || index as u128 >= usable {
        return Err(invalid(format!("The template language function 'cidrHost' host index '{index}' is out of range")));
    }
    let host = network + 1 + index as u128;
    Ok(Value::str(addr(host, v4)))
}
