//! .NET date format strings under the invariant culture: the standard one-letter
//! formats (`d`, `o`, `u`, …) and custom patterns (`yyyy-MM-dd HH:mm`, quoted
//! literals, `\\` escapes).

use super::date::DateTime;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Renders with a .NET standard (one letter) or custom date format string.
pub(crate) fn render(dt: &DateTime, fmt: &str) -> String {
    let custom = match fmt {
        "d" => "MM/dd/yyyy",
        "D" => "dddd, dd MMMM yyyy",
        "f" => "dddd, dd MMMM yyyy HH:mm",
        "F" => "dddd, dd MMMM yyyy HH:mm:ss",
        "g" => "MM/dd/yyyy HH:mm",
        "G" => "MM/dd/yyyy HH:mm:ss",
        "m" | "M" => "MMMM dd",
        "o" | "O" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'",
        "r" | "R" => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        "s" => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        "t" => "HH:mm",
        "T" => "HH:mm:ss",
        "u" => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        "U" => "dddd, dd MMMM yyyy HH:mm:ss",
        "y" | "Y" => "yyyy MMMM",
        other => other,
    };
    let c: Vec<char> = custom.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let mut n = 1;
        while i + n < c.len() && c[i + n] == ch {
            n += 1;
        }
        match ch {
            'y' => out.push_str(&match n {
                1 => (dt.y % 100).to_string(),
                2 => format!("{:02}", dt.y % 100),
                _ => format!("{:0n$}", dt.y),
            }),
            'M' => out.push_str(&match n {
                1 => dt.mo.to_string(),
                2 => format!("{:02}", dt.mo),
                3 => MONTHS[(dt.mo - 1) as usize][..3].to_string(),
                _ => MONTHS[(dt.mo - 1) as usize].to_string(),
            }),
            'd' => out.push_str(&match n {
                1 => dt.d.to_string(),
                2 => format!("{:02}", dt.d),
                3 => DAYS[dt.weekday()][..3].to_string(),
                _ => DAYS[dt.weekday()].to_string(),
            }),
            'H' => out.push_str(&if n == 1 { dt.h.to_string() } else { format!("{:02}", dt.h) }),
            'h' => {
                let h12 = if dt.h.is_multiple_of(12) { 12 } else { dt.h % 12 };
                out.push_str(&if n == 1 { h12.to_string() } else { format!("{h12:02}") })
            }
            'm' => out.push_str(&if n == 1 { dt.mi.to_string() } else { format!("{:02}", dt.mi) }),
            's' => out.push_str(&if n == 1 { dt.s.to_string() } else { format!("{:02}", dt.s) }),
            'f' | 'F' => {
                let digits = format!("{:07}", dt.ticks);
                let part = &digits[..n.min(7)];
                if ch == 'F' {
                    out.push_str(part.trim_end_matches('0'));
                } else {
                    out.push_str(part);
                }
            }
            't' => out.push_str(if dt.h < 12 { &"AM"[..n.min(2)] } else { &"PM"[..n.min(2)] }),
            'K' | 'z' => {
                if ch == 'K' {
                    out.push('Z')
                } else {
                    out.push_str("+00:00")
                }
            }
            '\'' | '"' => {
                let mut j = i + 1;
                while j < c.len() && c[j] != ch {
                    out.push(c[j]);
                    j += 1;
                }
                i = j + 1;
                continue;
            }
            '\\' => {
                if let Some(next) = c.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
                continue;
            }
            other => {
                for _ in 0..n {
                    out.push(other);
                }
            }
        }
        i += n;
    }
    out
}
