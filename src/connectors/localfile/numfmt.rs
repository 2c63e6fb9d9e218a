//! Numbers printed as Java prints them (`Float.toString`, `Double.toString`), straight into a
//! byte buffer: text and json files must read the same as SeaTunnel's, and this is the sink's
//! hot path, so nothing here allocates.
//!
//! Java prints the shortest digits that round-trip (as ryu does), in plain notation when
//! `1e-3 <= |v| < 1e7` (always with a fractional digit: `100.0`), otherwise as `d.dddE<exp>`
//! (`1.0E7`, `1.5E-4`).

/// Java switches to scientific notation outside `[1e-3, 1e7)`.
const PLAIN_MIN_EXP: i32 = -2;
const PLAIN_MAX_EXP: i32 = 7;

/// Inside Java's plain range ryu already prints Java's text (`1234.5`, `100.0`, `0.001`): ryu
/// only switches to exponents below 1e-5 or from 1e16.
const PLAIN_RANGE: std::ops::Range<f64> = 1e-3..1e7;

pub fn write_double(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        return write_non_finite(out, v.is_nan(), v > 0.0);
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v).as_bytes();
    if PLAIN_RANGE.contains(&v.abs()) {
        out.extend_from_slice(text);
    } else {
        layout(out, text);
    }
}

pub fn write_float(out: &mut Vec<u8>, v: f32) {
    if !v.is_finite() {
        return write_non_finite(out, v.is_nan(), v > 0.0);
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v).as_bytes();
    if PLAIN_RANGE.contains(&(v.abs() as f64)) {
        out.extend_from_slice(text);
    } else {
        layout(out, text);
    }
}

fn write_non_finite(out: &mut Vec<u8>, nan: bool, positive: bool) {
    out.extend_from_slice(match (nan, positive) {
        (true, _) => b"NaN",
        (false, true) => b"Infinity",
        (false, false) => b"-Infinity",
    });
}

/// Re-lays ryu's output (`-1.25e-7`, `1e16`, `123.0`) in Java's notation.
fn layout(out: &mut Vec<u8>, text: &[u8]) {
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e' || b == b'E') {
        Some(i) => (&text[..i], parse_exp(&text[i + 1..])),
        None => (text, 0),
    };
    // Collect significant digits; `point` = digits before the decimal point in `mantissa`.
    let mut digits = [0u8; 40];
    let mut n = 0usize;
    let mut point = mantissa.len() as i32;
    for (i, &b) in mantissa.iter().enumerate() {
        if b == b'.' {
            point = i as i32;
        } else if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    // Value = 0.d1 d2 … × 10^pos after dropping leading zeros.
    let lead = digits[..n].iter().take_while(|&&d| d == b'0').count();
    if negative {
        out.push(b'-');
    }
    if lead == n {
        out.extend_from_slice(b"0.0");
        return;
    }
    let mut pos = point + exp - lead as i32;
    let digits = &digits[lead..n];
    let trimmed = digits.len() - digits.iter().rev().take_while(|&&d| d == b'0').count();
    let digits = &digits[..trimmed];
    if (PLAIN_MIN_EXP..=PLAIN_MAX_EXP).contains(&pos) {
        write_plain(out, digits, pos);
    } else {
        pos -= 1;
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.push(b'E');
        let mut ib = itoa::Buffer::new();
        out.extend_from_slice(ib.format(pos).as_bytes());
    }
}

fn parse_exp(text: &[u8]) -> i32 {
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let v = digits
        .iter()
        .fold(0i32, |acc, &d| acc * 10 + (d - b'0') as i32);
    if neg {
        -v
    } else {
        v
    }
}

/// `digits` scaled so the value is `0.digits × 10^pos`, with `-2 <= pos <= 7`.
fn write_plain(out: &mut Vec<u8>, digits: &[u8], pos: i32) {
    if pos <= 0 {
        out.extend_from_slice(b"0.");
        for _ in 0..(-pos) {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
        return;
    }
    let pos = pos as usize;
    if digits.len() <= pos {
        out.extend_from_slice(digits);
        for _ in digits.len()..pos {
            out.push(b'0');
        }
        out.extend_from_slice(b".0");
    } else {
        out.extend_from_slice(&digits[..pos]);
        out.push(b'.');
        out.extend_from_slice(&digits[pos..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: f64) -> String {
        let mut out = Vec::new();
        write_double(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn f(v: f32) -> String {
        let mut out = Vec::new();
        write_float(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn doubles_match_java() {
        let cases = [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.5, "0.5"),
            (1.23, "1.23"),
            (0.001, "0.001"),
            (0.000999, "9.99E-4"),
            (1234567.0, "1234567.0"),
            (9999999.0, "9999999.0"),
            (1.0e7, "1.0E7"),
            (12345678.9, "1.23456789E7"),
            (9.52375328387482E307, "9.52375328387482E307"),
            (1.7976931348623157E308, "1.7976931348623157E308"),
            (-2.5e-10, "-2.5E-10"),
            (2.2250738585072014E-308, "2.2250738585072014E-308"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in cases {
            assert_eq!(d(v), want, "{v:e}");
        }
    }

    #[test]
    fn floats_match_java() {
        assert_eq!(f(2.4798444E38), "2.4798444E38");
        assert_eq!(f(1.23), "1.23");
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(3.0), "3.0");
        assert_eq!(f(1.0e-5), "1.0E-5");
        assert_eq!(f(f32::INFINITY), "Infinity");
    }

    #[test]
    fn plain_range_fast_path_equals_the_full_layout() {
        let mut x = 0x1234_5678_9abc_def0u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if !v.is_finite() {
                continue;
            }
            let scaled = (v.abs() % 1e7).max(1e-3);
            for w in [scaled, scaled as f32 as f64] {
                let mut slow = Vec::new();
                layout(&mut slow, ryu::Buffer::new().format_finite(w).as_bytes());
                assert_eq!(d(w).as_bytes(), slow.as_slice(), "{w:e}");
                let mut slow = Vec::new();
                layout(
                    &mut slow,
                    ryu::Buffer::new().format_finite(w as f32).as_bytes(),
                );
                assert_eq!(f(w as f32).as_bytes(), slow.as_slice(), "{w:e}");
            }
        }
    }

    #[test]
    fn agrees_with_the_console_formatter() {
        use crate::data::Value;
        for v in [0.25, 123456.789, 7.0e-3, 3.3238256808030654E307, 1e22, 5e-5] {
            assert_eq!(d(v), Value::Double(v).to_string());
            assert_eq!(f(v as f32), Value::Float(v as f32).to_string());
        }
    }
}
