//! Java's floating-point text: `Double.toString` / `Float.toString` when writing,
//! `Double.parseDouble` / `Float.parseFloat` when reading, and the plain form SeaTunnel's
//! metrics use.
//!
//! Java prints the shortest digits that round-trip (as ryu does), in plain notation when
//! `1e-3 <= |v| < 1e7` (always with a fractional digit: `100.0`), otherwise as `d.dddE<exp>`
//! (`1.0E7`, `1.5E-4`). Writing is a file sink's hot path, so nothing here allocates.

use std::fmt;

/// Java switches to scientific notation outside `[1e-3, 1e7)`.
const PLAIN_MIN_EXP: i32 = -2;
const PLAIN_MAX_EXP: i32 = 7;

/// Inside Java's plain range ryu already prints Java's text (`1234.5`, `100.0`, `0.001`): ryu
/// only switches to exponents below 1e-5 or from 1e16.
const PLAIN_RANGE: std::ops::Range<f64> = 1e-3..1e7;

/// The longest text either writer produces: 17 significant digits, a sign, a point, `E-324`.
const MAX_TEXT: usize = 32;

/// Where the writers put bytes: a caller's buffer, or a stack buffer for `fmt`.
trait Out {
    fn put(&mut self, bytes: &[u8]);
}

impl Out for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

struct Stack {
    bytes: [u8; MAX_TEXT],
    len: usize,
}

impl Stack {
    fn new() -> Stack {
        Stack {
            bytes: [0; MAX_TEXT],
            len: 0,
        }
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("ascii")
    }
}

impl Out for Stack {
    fn put(&mut self, bytes: &[u8]) {
        self.bytes[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

impl fmt::Write for Stack {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > MAX_TEXT {
            return Err(fmt::Error);
        }
        self.put(s.as_bytes());
        Ok(())
    }
}

/// `Double.toString(v)` appended to `out`.
pub fn write_double(out: &mut Vec<u8>, v: f64) {
    double_to(out, v);
}

/// `Float.toString(v)` appended to `out`.
pub fn write_float(out: &mut Vec<u8>, v: f32) {
    float_to(out, v);
}

/// `Double.toString(v)` into a formatter (a `Display` of values).
pub fn fmt_double(f: &mut impl fmt::Write, v: f64) -> fmt::Result {
    let mut s = Stack::new();
    double_to(&mut s, v);
    f.write_str(s.text())
}

/// `Float.toString(v)` into a formatter.
pub fn fmt_float(f: &mut impl fmt::Write, v: f32) -> fmt::Result {
    let mut s = Stack::new();
    float_to(&mut s, v);
    f.write_str(s.text())
}

/// `new BigDecimal(Double.toString(v)).toPlainString()`, as SeaTunnel's job metrics print
/// rates: the shortest round-trip digits, never an exponent, always a fractional part.
pub fn plain_double(v: f64) -> String {
    let text = format!("{v}");
    if text.contains('.') || !v.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

fn double_to(out: &mut impl Out, v: f64) {
    if !v.is_finite() {
        return non_finite(out, v.is_nan(), v > 0.0);
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v).as_bytes();
    if PLAIN_RANGE.contains(&v.abs()) {
        out.put(text);
    } else {
        layout(out, text, v);
    }
}

fn float_to(out: &mut impl Out, v: f32) {
    if !v.is_finite() {
        return non_finite(out, v.is_nan(), v > 0.0);
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v).as_bytes();
    if PLAIN_RANGE.contains(&(v.abs() as f64)) {
        out.put(text);
    } else {
        layout(out, text, v);
    }
}

fn non_finite(out: &mut impl Out, nan: bool, positive: bool) {
    out.put(match (nan, positive) {
        (true, _) => b"NaN",
        (false, true) => b"Infinity",
        (false, false) => b"-Infinity",
    });
}

/// Re-lays ryu's output (`-1.25e-7`, `1e16`, `123.0`) of `v` in Java's notation.
fn layout(out: &mut impl Out, text: &[u8], v: impl fmt::LowerExp) {
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
        out.put(b"-");
    }
    if lead == n {
        out.put(b"0.0");
        return;
    }
    let mut pos = point + exp - lead as i32;
    let digits = &digits[lead..n];
    let trimmed = digits.len() - digits.iter().rev().take_while(|&&d| d == b'0').count();
    let digits = &digits[..trimmed];
    if (PLAIN_MIN_EXP..=PLAIN_MAX_EXP).contains(&pos) {
        write_plain(out, digits, pos);
    } else if digits.len() == 1 {
        // Java prints at least two digits, and the second is not always 0: it takes the
        // two-digit decimal nearest the exact value, which differs from ryu's one digit
        // padded where doubles are sparse (`Double.MIN_VALUE` is 4.9E-324, not 5.0E-324).
        let mut exact = Stack::new();
        fmt::Write::write_fmt(&mut exact, format_args!("{v:.1e}")).expect("fits");
        let text = exact.text().trim_start_matches('-');
        let (mantissa, exp) = text.split_once('e').expect("exponent form");
        out.put(mantissa.as_bytes());
        out.put(b"E");
        out.put(exp.as_bytes());
    } else {
        pos -= 1;
        out.put(&digits[..1]);
        out.put(b".");
        if digits.len() > 1 {
            out.put(&digits[1..]);
        } else {
            out.put(b"0");
        }
        out.put(b"E");
        let mut ib = itoa::Buffer::new();
        out.put(ib.format(pos).as_bytes());
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
fn write_plain(out: &mut impl Out, digits: &[u8], pos: i32) {
    if pos <= 0 {
        out.put(b"0.");
        for _ in 0..(-pos) {
            out.put(b"0");
        }
        out.put(digits);
        return;
    }
    let pos = pos as usize;
    if digits.len() <= pos {
        out.put(digits);
        for _ in digits.len()..pos {
            out.put(b"0");
        }
        out.put(b".0");
    } else {
        out.put(&digits[..pos]);
        out.put(b".");
        out.put(&digits[pos..]);
    }
}

/// `Double.parseDouble`: characters up to `' '` around the text are ignored (Java's `trim`),
/// a sign may precede `NaN` and `Infinity` (spelled exactly so), and a decimal may end in a
/// `d`/`f` type suffix. `None` where Java throws `NumberFormatException`; hexadecimal literals
/// (`0x1p3`), which no SeaTunnel format writes, are refused too.
pub fn parse_double(text: &str) -> Option<f64> {
    match literal(text)? {
        Literal::Special(v) => Some(v),
        Literal::Decimal(t) => t.parse().ok(),
    }
}

/// `Float.parseFloat`, rounding the decimal text straight to `f32` (going through `f64` could
/// round twice).
pub fn parse_float(text: &str) -> Option<f32> {
    match literal(text)? {
        Literal::Special(v) => Some(v as f32),
        Literal::Decimal(t) => t.parse().ok(),
    }
}

enum Literal<'a> {
    Special(f64),
    /// Signed decimal text in a form Rust's parser reads as Java would.
    Decimal(&'a str),
}

fn literal(text: &str) -> Option<Literal<'_>> {
    let t = text.trim_matches(|c: char| c <= ' ');
    let (negative, unsigned) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    match unsigned {
        "NaN" => return Some(Literal::Special(f64::NAN)),
        "Infinity" if negative => return Some(Literal::Special(f64::NEG_INFINITY)),
        "Infinity" => return Some(Literal::Special(f64::INFINITY)),
        _ => {}
    }
    let body = unsigned
        .strip_suffix(['d', 'D', 'f', 'F'])
        .unwrap_or(unsigned);
    // Rust's parser also reads `inf`, `nan` and `infinity` in any case, which Java refuses:
    // only digits, the point and an exponent pass.
    let well_formed = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    well_formed.then(|| Literal::Decimal(&t[..t.len() - (unsigned.len() - body.len())]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: f64) -> String {
        let mut out = Vec::new();
        write_double(&mut out, v);
        let mut via_fmt = String::new();
        fmt_double(&mut via_fmt, v).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, via_fmt, "both writers agree");
        text
    }

    fn f(v: f32) -> String {
        let mut out = Vec::new();
        write_float(&mut out, v);
        let mut via_fmt = String::new();
        fmt_float(&mut via_fmt, v).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, via_fmt, "both writers agree");
        text
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
            (-4.9E-324, "-4.9E-324"),
            (1.0E-323, "9.9E-324"),
            (1e23, "1.0E23"),
            (2e-5, "2.0E-5"),
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
        assert_eq!(f(-1.0e7), "-1.0E7");
        assert_eq!(f(f32::from_bits(1)), "1.4E-45");
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
                layout(&mut slow, ryu::Buffer::new().format_finite(w).as_bytes(), w);
                assert_eq!(d(w).as_bytes(), slow.as_slice(), "{w:e}");
                let mut slow = Vec::new();
                layout(
                    &mut slow,
                    ryu::Buffer::new().format_finite(w as f32).as_bytes(),
                    w as f32,
                );
                assert_eq!(f(w as f32).as_bytes(), slow.as_slice(), "{w:e}");
            }
        }
    }

    #[test]
    fn the_plain_form_never_has_an_exponent() {
        assert_eq!(plain_double(0.0), "0.0");
        assert_eq!(plain_double(33.25), "33.25");
        assert_eq!(plain_double(1e21), "1000000000000000000000.0");
    }

    #[test]
    fn parsing_accepts_what_java_accepts_and_nothing_more() {
        assert_eq!(parse_double(" 1.5f "), Some(1.5));
        assert_eq!(parse_double("\t-2.5D\n"), Some(-2.5));
        assert_eq!(parse_double("+7"), Some(7.0));
        assert_eq!(parse_double("1."), Some(1.0));
        assert_eq!(parse_double(".5"), Some(0.5));
        assert_eq!(parse_double("1e3"), Some(1000.0));
        assert_eq!(parse_double("2.4798444E38"), Some(2.4798444E38));
        assert_eq!(parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double("+Infinity"), Some(f64::INFINITY));
        assert!(parse_double("-NaN").is_some_and(f64::is_nan));
        for refused in [
            "",
            " ",
            "inf",
            "infinity",
            "nan",
            "NAN",
            "Infinityd",
            "1.5ff",
            "1,5",
            "0x10",
            "abc",
            "e5",
            "--1",
            "1e",
            "\u{a0}1",
        ] {
            assert_eq!(parse_double(refused), None, "{refused:?}");
        }
        assert!(parse_float("NaN").is_some_and(f32::is_nan));
        // Rounded once, straight to f32; via f64 this literal lands on a tie and becomes 1.0.
        assert_eq!(parse_float("1.00000005960464477550"), Some(1.0000001));
    }
}
