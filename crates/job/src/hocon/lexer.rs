//! Tokens of SeaTunnel's HOCON dialect, with the line and column where each starts.
//!
//! Comments (`#`, `//`) are dropped here: they run to the end of the line and the newline that
//! ends them is still emitted, so they behave like trailing whitespace. Unquoted text is kept raw;
//! whether it is a number, boolean, null or string is decided by the parser, because the same
//! text is a literal key in key position (`row.num`, `10`).

use super::{ParseError, Pos};

/// Characters that end unquoted text (Typesafe's `notInUnquotedText`); outside quotes those that
/// are not punctuation are errors.
const NOT_IN_UNQUOTED: &str = "$\"{}[]:=,+#`^?!@*&\\";
/// How much of a string token an error message quotes.
const DESCRIBE_MAX_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Equals,
    Colon,
    PlusEquals,
    Newline,
    Eof,
    /// A `"…"` or `"""…"""` string, escapes already applied.
    Quoted(String),
    /// A run of unquoted text.
    Unquoted(String),
    /// `${name}`, `${?name}` or `${name:default}`.
    Subst(Subst),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subst {
    pub name: String,
    pub optional: bool,
    pub default: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
    /// Whitespace between the previous token on the same line and this one; value
    /// concatenation keeps it (`a = hello world`).
    pub ws_before: String,
}

impl Tok {
    /// How a token is named in error messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::LBrace => "'{'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Comma => "','".into(),
            Tok::Equals => "'='".into(),
            Tok::Colon => "':'".into(),
            Tok::PlusEquals => "'+='".into(),
            Tok::Newline => "a new line".into(),
            Tok::Eof => "end of file".into(),
            Tok::Quoted(s) => format!("\"{}\"", shorten(s)),
            Tok::Unquoted(s) => format!("'{}'", shorten(s)),
            Tok::Subst(s) => format!("'${{{}}}'", s.name),
        }
    }
}

/// Long strings (a multi-line SQL query) are cut in error messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(DESCRIBE_MAX_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Typesafe treats the BOM and non-breaking spaces as whitespace too.
fn is_ws(c: char) -> bool {
    c != '\n' && (c.is_whitespace() || c == '\u{feff}')
}

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    line: u32,
    col: u32,
    origin: &'a str,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.i + n).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError::new(self.origin, pos, message)
    }

    fn at_comment(&self) -> bool {
        match self.peek() {
            Some('#') => true,
            Some('/') => self.peek_at(1) == Some('/'),
            _ => false,
        }
    }

    fn next_token(&mut self) -> Result<Token, ParseError> {
        let mut ws = String::new();
        loop {
            match self.peek() {
                Some(c) if is_ws(c) => {
                    ws.push(c);
                    self.bump();
                }
                _ if self.at_comment() => {
                    while !matches!(self.peek(), None | Some('\n')) {
                        self.bump();
                    }
                }
                _ => break,
            }
        }
        let pos = self.pos();
        let tok = match self.peek() {
            None => Tok::Eof,
            Some(c) => match c {
                '\n' => self.single(Tok::Newline),
                '{' => self.single(Tok::LBrace),
                '}' => self.single(Tok::RBrace),
                '[' => self.single(Tok::LBracket),
                ']' => self.single(Tok::RBracket),
                ',' => self.single(Tok::Comma),
                '=' => self.single(Tok::Equals),
                ':' => self.single(Tok::Colon),
                '+' => {
                    if self.peek_at(1) != Some('=') {
                        return Err(self.err(
                            pos,
                            "'+' is only allowed as '+=' outside quotes; put the value in double quotes",
                        ));
                    }
                    self.bump();
                    self.single(Tok::PlusEquals)
                }
                '"' => self.quoted(pos)?,
                '$' => self.substitution(pos)?,
                c if NOT_IN_UNQUOTED.contains(c) => {
                    return Err(self.err(
                        pos,
                        format!(
                            "reserved character '{c}' is not allowed outside quotes; put the value in double quotes"
                        ),
                    ))
                }
                _ => self.unquoted(),
            },
        };
        Ok(Token {
            tok,
            pos,
            ws_before: ws,
        })
    }

    fn single(&mut self, tok: Tok) -> Tok {
        self.bump();
        tok
    }

    fn unquoted(&mut self) -> Tok {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c == '\n' || is_ws(c) || NOT_IN_UNQUOTED.contains(c) || self.at_comment() {
                break;
            }
            s.push(c);
            self.bump();
        }
        Tok::Unquoted(s)
    }

    fn quoted(&mut self, start: Pos) -> Result<Tok, ParseError> {
        self.bump();
        if self.peek() == Some('"') && self.peek_at(1) == Some('"') {
            self.bump();
            self.bump();
            return self.triple_quoted(start);
        }
        let mut s = String::new();
        loop {
            let pos = self.pos();
            match self.bump() {
                None => return Err(self.err(start, "string quote was never closed")),
                Some('"') => return Ok(Tok::Quoted(s)),
                Some('\\') => self.escape(&mut s, pos)?,
                Some('\n') => {
                    return Err(self.err(
                        pos,
                        "new line inside a quoted string; close the quote or use \"\"\" for multi-line text",
                    ))
                }
                Some(c) if (c as u32) < 0x20 => {
                    return Err(self.err(
                        pos,
                        format!(
                            "control character 0x{:x} inside a quoted string; use a backslash escape such as \\t",
                            c as u32
                        ),
                    ))
                }
                Some(c) => s.push(c),
            }
        }
    }

    /// Raw text up to the closing `"""`; quotes beyond three at the end belong to the text.
    fn triple_quoted(&mut self, start: Pos) -> Result<Tok, ParseError> {
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.err(start, "triple-quoted string was never closed")),
                Some('"') if self.peek() == Some('"') && self.peek_at(1) == Some('"') => {
                    let mut run = 1;
                    while self.peek() == Some('"') {
                        self.bump();
                        run += 1;
                    }
                    s.extend(std::iter::repeat_n('"', run - 3));
                    return Ok(Tok::Quoted(s));
                }
                Some(c) => s.push(c),
            }
        }
    }

    fn escape(&mut self, s: &mut String, pos: Pos) -> Result<(), ParseError> {
        let c = self
            .bump()
            .ok_or_else(|| self.err(pos, "backslash at end of file"))?;
        match c {
            '"' => s.push('"'),
            '\\' => s.push('\\'),
            '/' => s.push('/'),
            'b' => s.push('\u{8}'),
            'f' => s.push('\u{c}'),
            'n' => s.push('\n'),
            'r' => s.push('\r'),
            't' => s.push('\t'),
            'u' => {
                let unit = self.hex4(pos)?;
                let code = if (0xD800..0xDC00).contains(&unit)
                    && self.peek() == Some('\\')
                    && self.peek_at(1) == Some('u')
                {
                    self.bump();
                    self.bump();
                    let low = self.hex4(pos)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return Err(self.err(
                            pos,
                            "\\u escape starts a surrogate pair that is not completed",
                        ));
                    }
                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    unit
                };
                let ch = char::from_u32(code)
                    .ok_or_else(|| self.err(pos, "\\u escape is a lone surrogate"))?;
                s.push(ch);
            }
            other => {
                return Err(self.err(
                    pos,
                    format!("'\\{other}' is not a valid escape; use \\\\ for a literal backslash"),
                ))
            }
        }
        Ok(())
    }

    fn hex4(&mut self, pos: Pos) -> Result<u32, ParseError> {
        let mut digits = String::new();
        for _ in 0..4 {
            match self.bump() {
                Some(c) if c.is_ascii_hexdigit() => digits.push(c),
                _ => return Err(self.err(pos, "\\u escape needs 4 hex digits")),
            }
        }
        Ok(u32::from_str_radix(&digits, 16).expect("4 hex digits"))
    }

    /// `${name}`, `${?name}`, `${name:default}`; the name may be quoted (`${"a.b"}`).
    fn substitution(&mut self, start: Pos) -> Result<Tok, ParseError> {
        self.bump();
        if self.peek() != Some('{') {
            return Err(self.err(
                start,
                "'$' outside quotes must start a substitution '${name}'; put the value in double quotes",
            ));
        }
        self.bump();
        let optional = self.peek() == Some('?');
        if optional {
            self.bump();
        }
        let mut body = String::new();
        loop {
            match self.bump() {
                Some('}') => break,
                None | Some('\n') => {
                    return Err(self.err(start, "substitution '${' was not closed with '}'"))
                }
                Some(c) => body.push(c),
            }
        }
        let (name, default) = match body.split_once(':') {
            Some((n, d)) => (n, Some(d.trim().to_string())),
            None => (body.as_str(), None),
        };
        let name = name.trim();
        let name = name
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or(name);
        if name.is_empty() {
            return Err(self.err(start, "substitution '${}' has no variable name"));
        }
        Ok(Tok::Subst(Subst {
            name: name.to_string(),
            optional,
            default,
        }))
    }
}

/// Splits `text` into tokens, ending with [`Tok::Eof`].
pub fn lex(text: &str, origin: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
        origin,
    };
    let mut out = Vec::new();
    loop {
        let t = lexer.next_token()?;
        let end = t.tok == Tok::Eof;
        out.push(t);
        if end {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        lex(text, "t.conf")
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    fn err(text: &str) -> String {
        lex(text, "t.conf").unwrap_err().to_string()
    }

    #[test]
    fn punctuation_text_and_comments() {
        assert_eq!(
            toks("a.b-c = ; # note\n// line\nx:1,"),
            vec![
                Tok::Unquoted("a.b-c".into()),
                Tok::Equals,
                Tok::Unquoted(";".into()),
                Tok::Newline,
                Tok::Newline,
                Tok::Unquoted("x".into()),
                Tok::Colon,
                Tok::Unquoted("1".into()),
                Tok::Comma,
                Tok::Eof
            ]
        );
        assert_eq!(toks("a/b//c"), vec![Tok::Unquoted("a/b".into()), Tok::Eof]);
    }

    #[test]
    fn quoted_escapes_and_triple_quotes() {
        assert_eq!(
            toks(r#""\t\n\"\\\u00e9\ud83d\ude00""#),
            vec![Tok::Quoted("\t\n\"\\é😀".into()), Tok::Eof]
        );
        assert_eq!(
            toks("\"\"\"select *\n  from \"t\"\"\"\"\""),
            vec![Tok::Quoted("select *\n  from \"t\"\"".into()), Tok::Eof]
        );
        assert_eq!(toks(r#""""#), vec![Tok::Quoted(String::new()), Tok::Eof]);
    }

    #[test]
    fn substitutions() {
        assert_eq!(
            toks("${a.b} ${?x} ${k: v w }"),
            vec![
                Tok::Subst(Subst {
                    name: "a.b".into(),
                    optional: false,
                    default: None
                }),
                Tok::Subst(Subst {
                    name: "x".into(),
                    optional: true,
                    default: None
                }),
                Tok::Subst(Subst {
                    name: "k".into(),
                    optional: false,
                    default: Some("v w".into())
                }),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn positions_and_whitespace() {
        let t = lex("a  b\n  \"c\"", "t.conf").unwrap();
        assert_eq!(
            (t[1].pos.line, t[1].pos.col, t[1].ws_before.as_str()),
            (1, 4, "  ")
        );
        assert_eq!((t[3].pos.line, t[3].pos.col), (2, 3));
    }

    #[test]
    fn errors_name_position() {
        assert_eq!(
            err("a = \"abc"),
            "t.conf:1:5: string quote was never closed"
        );
        assert_eq!(
            err("a = x\n b = ^"),
            "t.conf:2:6: reserved character '^' is not allowed outside quotes; put the value in double quotes"
        );
        assert!(err("a = \"x\\q\"").starts_with("t.conf:1:7: '\\q' is not a valid escape"));
        assert!(err("a = $x").starts_with("t.conf:1:5: '$' outside quotes"));
        assert!(err("a = ${x").contains("not closed"));
        assert!(err("a = \"x\ty\"").contains("control character 0x9"));
        assert!(err("a = 1 + 2").starts_with("t.conf:1:7: '+'"));
    }
}
