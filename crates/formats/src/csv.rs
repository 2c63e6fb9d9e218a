//! CSV records: splitting one line the way commons-csv's `CSVFormat.DEFAULT` (which SeaTunnel's
//! csv reader uses) does, and quoting fields on write only where needed (commons-csv's minimal
//! quote mode), so anything written reads back unchanged.
//!
//! A record is one line: SeaTunnel reads csv files line by line, so quoted fields cannot span
//! lines.

use std::ops::Range;

const QUOTE: char = '"';

/// Splits `line` on `delim`, unquoting quoted fields (`""` inside quotes is one quote). The
/// unquoted text goes to `scratch`; `pieces` gets each field's range in it.
pub fn split_record(line: &str, delim: char, scratch: &mut String, pieces: &mut Vec<Range<usize>>) {
    scratch.clear();
    pieces.clear();
    let mut chars = line.chars().peekable();
    loop {
        let start = scratch.len();
        if chars.peek() == Some(&QUOTE) {
            chars.next();
            // Quoted: up to the closing quote; text after it up to the delimiter is kept.
            while let Some(c) = chars.next() {
                if c == QUOTE {
                    if chars.peek() == Some(&QUOTE) {
                        chars.next();
                        scratch.push(QUOTE);
                    } else {
                        break;
                    }
                } else {
                    scratch.push(c);
                }
            }
        }
        let mut ended_by_delim = false;
        for c in chars.by_ref() {
            if c == delim {
                ended_by_delim = true;
                break;
            }
            scratch.push(c);
        }
        pieces.push(start..scratch.len());
        if !ended_by_delim {
            return;
        }
    }
}

/// True when a field must be quoted to survive a round trip.
pub fn needs_quotes(field: &[u8], delim: &[u8]) -> bool {
    field.iter().any(|&b| b == b'"' || b == b'\n' || b == b'\r')
        || (!delim.is_empty() && field.windows(delim.len()).any(|w| w == delim))
}

/// Quotes the bytes `out[start..]` in place: wraps them in quotes and doubles inner quotes.
pub fn quote_tail(out: &mut Vec<u8>, start: usize) {
    let field: Vec<u8> = out.split_off(start);
    out.push(b'"');
    for &b in &field {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str, delim: char) -> Vec<String> {
        let mut scratch = String::new();
        let mut pieces = Vec::new();
        split_record(line, delim, &mut scratch, &mut pieces);
        pieces
            .iter()
            .map(|r| scratch[r.clone()].to_string())
            .collect()
    }

    #[test]
    fn splits_plain_and_quoted_fields() {
        assert_eq!(split("a,b,,c,", ','), ["a", "b", "", "c", ""]);
        assert_eq!(
            split("\"x,y\",\"say \"\"hi\"\"\",z", ','),
            ["x,y", "say \"hi\"", "z"]
        );
        assert_eq!(split("1;\"2;3\"", ';'), ["1", "2;3"]);
        assert_eq!(split("", ','), [""]);
        assert_eq!(split("ab\"c", ','), ["ab\"c"]);
    }

    #[test]
    fn quoting_round_trips() {
        for field in ["plain", "a,b", "say \"hi\"", "two\nlines", ""] {
            let mut out = b"x,".to_vec();
            let start = out.len();
            out.extend_from_slice(field.as_bytes());
            if needs_quotes(&out[start..], b",") {
                quote_tail(&mut out, start);
            }
            let line = String::from_utf8(out).unwrap();
            if !field.contains('\n') {
                assert_eq!(split(&line, ','), ["x", field], "{line}");
            }
        }
        assert!(!needs_quotes(b"abc", b","));
        assert!(needs_quotes(b"a\x01b", b"\x01"));
    }
}
