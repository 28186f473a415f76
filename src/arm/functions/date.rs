//! Date functions (reference §5.3) on a small proleptic-Gregorian calendar, with .NET
//! standard and custom date format strings under the invariant culture.

use super::date_format::render;
use super::{FResult, count, count_range, int_arg, invalid, string_arg};
use crate::arm::context::DeploymentContext;
use crate::value::{Node, Value};

pub(crate) const NAMES: &[&str] = &["utcnow", "datetimeadd", "datetimefromepoch", "datetimetoepoch"];

pub(crate) fn call(name: &str, args: &[Node], ctx: &DeploymentContext) -> Option<FResult> {
    Some(match name {
        "utcnow" => utc_now(args, ctx),
        "datetimeadd" => date_time_add(args),
        "datetimefromepoch" => count("dateTimeFromEpoch", args, 1)
            .and_then(|_| int_arg("dateTimeFromEpoch", args, 0))
            .map(|s| Value::str(render(&DateTime::from_epoch(s, 0), "yyyy-MM-ddTHH:mm:ssZ"))),
        "datetimetoepoch" => count("dateTimeToEpoch", args, 1)
            .and_then(|_| string_arg("dateTimeToEpoch", args, 0))
            .and_then(|s| parse(s).map(|(d, _)| Value::Int(d.epoch())).ok_or_else(|| bad_date(s))),
        _ => return None,
    })
}

fn bad_date(s: &str) -> super::super::error::FnError {
    invalid(format!(
        "The provided DateTime value '{}' was not in a valid ISO 8601 format",
        crate::redact::for_message(s)
    ))
}

/// A calendar date and time (no zone; inputs are treated as UTC).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct DateTime {
    pub(crate) y: i64,
    pub(crate) mo: u32,
    pub(crate) d: u32,
    pub(crate) h: u32,
    pub(crate) mi: u32,
    pub(crate) s: u32,
    /// Fraction of a second in 100 ns ticks.
    pub(crate) ticks: u32,
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl DateTime {
    pub(crate) fn epoch(&self) -> i64 {
        days_from_civil(self.y, self.mo, self.d) * 86_400
            + i64::from(self.h) * 3600
            + i64::from(self.mi) * 60
            + i64::from(self.s)
    }

    pub(crate) fn from_epoch(secs: i64, ticks: u32) -> DateTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (y, mo, d) = civil_from_days(days);
        DateTime { y, mo, d, h: rem / 3600, mi: rem / 60 % 60, s: rem % 60, ticks }
    }

    fn add_months(&mut self, months: i64) {
        let total = self.y * 12 + i64::from(self.mo) - 1 + months;
        self.y = total.div_euclid(12);
        self.mo = total.rem_euclid(12) as u32 + 1;
        self.d = self.d.min(days_in_month(self.y, self.mo));
    }

    pub(crate) fn weekday(&self) -> usize {
        (days_from_civil(self.y, self.mo, self.d) + 4).rem_euclid(7) as usize
    }
}

/// Where the fields sit in the original text, so `dateTimeAdd` without a format can
/// keep the input's layout (reference §5.3).
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    fields: Vec<(usize, usize, u8)>,
    text: String,
}

/// Parses ISO 8601 extended (`2020-04-07T14:53:14Z`, space separator, fraction,
/// offset ignored) and basic (`20200407T145314Z`) forms.
pub(crate) fn parse(s: &str) -> Option<(DateTime, Layout)> {
    let b = s.trim().as_bytes();
    let text = s.trim().to_string();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((st, i - st));
        } else {
            i += 1;
        }
    }
    let num = |st: usize, len: usize| -> Option<u32> { std::str::from_utf8(&b[st..st + len]).ok()?.parse().ok() };
    let mut dt = DateTime { y: 0, mo: 1, d: 1, h: 0, mi: 0, s: 0, ticks: 0 };
    let mut fields = Vec::new();
    let first = *runs.first()?;
    let mut k;
    if first.1 == 8 {
        dt.y = i64::from(num(first.0, 4)?);
        dt.mo = num(first.0 + 4, 2)?;
        dt.d = num(first.0 + 6, 2)?;
        fields.extend([(first.0, 4, b'y'), (first.0 + 4, 2, b'M'), (first.0 + 6, 2, b'd')]);
        k = 1;
        if let Some(&(st, len)) = runs.get(1)
            && len >= 4
            && st > 0
            && b[st - 1] == b'T'
        {
            dt.h = num(st, 2)?;
            dt.mi = num(st + 2, 2)?;
            fields.extend([(st, 2, b'H'), (st + 2, 2, b'm')]);
            if len >= 6 {
                dt.s = num(st + 4, 2)?;
                fields.push((st + 4, 2, b's'));
            }
            k = 2;
        }
    } else {
        if first.1 != 4 || first.0 != 0 {
            return None;
        }
        let kinds = [b'y', b'M', b'd', b'H', b'm', b's'];
        k = 0;
        for (idx, &(st, len)) in runs.iter().enumerate().take(6) {
            if idx > 0 {
                let sep = b[st - 1];
                let ok = match idx {
                    1 | 2 => sep == b'-',
                    3 => sep == b'T' || sep == b't' || sep == b' ',
                    _ => sep == b':',
                };
                if !ok || len != 2 {
                    break;
                }
            }
            let v = num(st, len)?;
            match kinds[idx] {
                b'y' => dt.y = i64::from(v),
                b'M' => dt.mo = v,
                b'd' => dt.d = v,
                b'H' => dt.h = v,
                b'm' => dt.mi = v,
                _ => dt.s = v,
            }
            fields.push((st, len, kinds[idx]));
            k = idx + 1;
        }
        if k < 3 {
            return None;
        }
    }
    if let Some(&(st, len)) = runs.get(k)
        && st > 0
        && b[st - 1] == b'.'
        && fields.iter().any(|f| f.2 == b's')
    {
        let digits = &text[st..st + len.min(7)];
        let scaled = format!("{digits:0<7}");
        dt.ticks = scaled.parse().ok()?;
    }
    if dt.mo == 0
        || dt.mo > 12
        || dt.d == 0
        || dt.d > days_in_month(dt.y, dt.mo)
        || dt.h > 23
        || dt.mi > 59
        || dt.s > 59
    {
        return None;
    }
    Some((dt, Layout { fields, text }))
}

fn rerender(dt: &DateTime, layout: &Layout) -> String {
    let mut out = layout.text.clone();
    for &(st, len, kind) in layout.fields.iter().rev() {
        let v = match kind {
            b'y' => dt.y,
            b'M' => i64::from(dt.mo),
            b'd' => i64::from(dt.d),
            b'H' => i64::from(dt.h),
            b'm' => i64::from(dt.mi),
            _ => i64::from(dt.s),
        };
        out.replace_range(st..st + len, &format!("{v:0len$}"));
    }
    out
}

/// ISO 8601 duration: `[-]P[nY][nM][nW][nD][T[nH][nM][n[.n]S]]`.
fn add_duration(dt: &DateTime, dur: &str) -> Option<DateTime> {
    let (neg, body) = match dur.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, dur.strip_prefix('+').unwrap_or(dur)),
    };
    let body = body.strip_prefix('P').or_else(|| body.strip_prefix('p'))?;
    let sign = if neg { -1 } else { 1 };
    let (mut months, mut secs, mut nanos_secs) = (0i64, 0i64, 0f64);
    let mut in_time = false;
    let mut numtxt = String::new();
    let mut any = false;
    for c in body.chars() {
        match c.to_ascii_uppercase() {
            'T' => in_time = true,
            '0'..='9' | '.' | ',' => numtxt.push(if c == ',' { '.' } else { c }),
            unit => {
                let v: f64 = numtxt.parse().ok()?;
                numtxt.clear();
                any = true;
                // Durations beyond ten million units are nonsense and would overflow.
                if v.is_nan() || v.abs() > 1.0e7 {
                    return None;
                }
                let whole = v.trunc() as i64;
                match (unit, in_time) {
                    ('Y', false) => months += whole * 12,
                    ('M', false) => months += whole,
                    ('W', false) => secs += whole * 7 * 86_400,
                    ('D', false) => secs += whole * 86_400,
                    ('H', true) => secs += whole * 3600,
                    ('M', true) => secs += whole * 60,
                    ('S', true) => {
                        secs += whole;
                        nanos_secs += v.fract();
                    }
                    _ => return None,
                }
            }
        }
    }
    if !any || !numtxt.is_empty() {
        return None;
    }
    let mut out = *dt;
    out.add_months(sign * months);
    let ticks_total = i64::from(out.ticks) + sign * (nanos_secs * 1e7).round() as i64;
    let carry = ticks_total.div_euclid(10_000_000);
    let ticks = ticks_total.rem_euclid(10_000_000) as u32;
    Some(DateTime::from_epoch(out.epoch() + sign * secs + carry, ticks))
}

fn date_time_add(args: &[Node]) -> FResult {
    count_range("dateTimeAdd", args, 2, 3)?;
    let base = string_arg("dateTimeAdd", args, 0)?;
    let dur = string_arg("dateTimeAdd", args, 1)?;
    let (dt, layout) = parse(base).ok_or_else(|| bad_date(base))?;
    let r = add_duration(&dt, dur)
        .ok_or_else(|| invalid(format!("The provided duration '{dur}' was not in a valid ISO 8601 format")))?;
    if args.len() == 3 {
        let f = string_arg("dateTimeAdd", args, 2)?;
        Ok(Value::str(render(&r, f)))
    } else {
        Ok(Value::str(rerender(&r, &layout)))
    }
}

fn utc_now(args: &[Node], ctx: &DeploymentContext) -> FResult {
    count_range("utcNow", args, 0, 1)?;
    let (dt, _) = parse(&ctx.utc_now).ok_or_else(|| bad_date(&ctx.utc_now))?;
    let f = if args.len() == 1 { string_arg("utcNow", args, 0)? } else { "yyyyMMddTHHmmssZ" };
    Ok(Value::str(render(&dt, f)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::functions::date_format::render;

    #[test]
    fn epoch_round_trip_and_layout() {
        let (d, l) = parse("2020-04-07 14:53:14Z").unwrap_or_else(|| panic!("parse"));
        assert_eq!(rerender(&add_duration(&d, "-P9D").unwrap_or(d), &l), "2020-03-29 14:53:14Z");
        assert_eq!(render(&DateTime::from_epoch(1_683_040_573, 0), "yyyy-MM-ddTHH:mm:ssZ"), "2023-05-02T15:16:13Z");
        let (b, _) = parse("20190305T175318Z").unwrap_or_else(|| panic!("basic"));
        assert_eq!(render(&b, "d"), "03/05/2019");
        assert_eq!(render(&b, "o"), "2019-03-05T17:53:18.0000000Z");
        assert_eq!(render(&b, "ddd, MMM d"), "Tue, Mar 5");
        assert!(parse("not a date").is_none());
    }
}
