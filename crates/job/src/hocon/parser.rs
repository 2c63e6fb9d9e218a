//! Tokens to a syntax tree that keeps positions, duplicate keys and value pieces; meaning
//! (types, merging, substitutions, the plugin-list dialect) is applied later in `eval`.

use super::lexer::{Subst, Tok, Token};
use super::{ParseError, Pos};
use crate::depth::MAX_NESTING;

/// Keys that start an `include` statement when followed by a resource.
const INCLUDE_KEYWORD: &str = "include";
/// `include file("…")` and friends.
const INCLUDE_FORMS: [&str; 4] = ["file(", "url(", "classpath(", "required("];

#[derive(Debug)]
pub struct Object {
    pub fields: Vec<Field>,
}

#[derive(Debug)]
pub struct Field {
    pub key: String,
    pub pos: Pos,
    pub value: Value,
}

/// One value: one piece, or several written side by side (concatenation).
#[derive(Debug)]
pub struct Value {
    pub pieces: Vec<Piece>,
}

#[derive(Debug)]
pub struct Piece {
    /// Whitespace written before this piece on the same line (ignored for the first piece).
    pub ws_before: String,
    pub pos: Pos,
    pub kind: PieceKind,
}

#[derive(Debug)]
pub enum PieceKind {
    Quoted(String),
    Unquoted(String),
    Subst(Subst),
    Object(Object),
    Array(Vec<Value>),
}

struct Parser<'a> {
    tokens: &'a [Token],
    i: usize,
    origin: &'a str,
    /// Objects and lists open around the cursor; never above [`MAX_NESTING`], so the recursion
    /// below (and every later walk of the tree) stays shallow whatever the input.
    depth: usize,
}

/// What an object body runs to: the end of the file (the braceless root) or a `}`.
#[derive(Clone, Copy, PartialEq)]
enum End {
    Eof,
    Brace,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &'a Token {
        &self.tokens[self.i.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> &'a Token {
        let t = self.peek();
        if self.i < self.tokens.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn skip_newlines(&mut self) {
        while self.peek().tok == Tok::Newline {
            self.bump();
        }
    }

    /// Enters an object or list opened at `pos`; the caller leaves it with [`Parser::leave`].
    fn enter(&mut self, pos: Pos) -> Result<(), ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError::too_deep(self.origin, pos));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError::new(self.origin, pos, message)
    }

    fn unexpected(&self, expected: &str) -> ParseError {
        let t = self.peek();
        self.err(t.pos, format!("{expected}, found {}", t.tok.describe()))
    }

    /// Fields up to `end`. `what` and `opened` describe the object for "expected '}'" errors.
    fn fields(&mut self, end: End, what: &str, opened: Pos) -> Result<Object, ParseError> {
        let mut fields = Vec::new();
        loop {
            self.skip_newlines();
            match (&self.peek().tok, end) {
                (Tok::RBrace, End::Brace) => {
                    self.bump();
                    return Ok(Object { fields });
                }
                (Tok::Eof, End::Eof) => return Ok(Object { fields }),
                (Tok::Eof, End::Brace) => {
                    return Err(self
                        .unexpected(&format!("expected '}}' to close {what} opened at {opened}")))
                }
                (Tok::RBrace, End::Eof) => {
                    return Err(
                        self.err(self.peek().pos, "unmatched '}': there is no '{' open here")
                    )
                }
                (Tok::Comma, _) => {
                    return Err(self.unexpected("expected a key (commas only go between fields)"))
                }
                _ => {}
            }
            let field = self.field()?;
            let key = field.key.clone();
            fields.push(field);
            match (&self.peek().tok, end) {
                (Tok::Newline, _) | (Tok::RBrace, End::Brace) | (Tok::Eof, _) => {}
                (Tok::Comma, _) => {
                    self.bump();
                }
                _ => {
                    return Err(self.unexpected(&format!(
                        "expected ',' or a new line after the value of '{key}'"
                    )))
                }
            }
        }
    }

    fn field(&mut self) -> Result<Field, ParseError> {
        let start = self.peek().pos;
        let mut key = String::new();
        let mut first = true;
        loop {
            let t = self.peek();
            let text = match &t.tok {
                Tok::Quoted(s) | Tok::Unquoted(s) => s,
                Tok::Subst(_) => {
                    return Err(self.err(t.pos, "a substitution '${…}' cannot be used as a key"))
                }
                _ => break,
            };
            if !first {
                if key == INCLUDE_KEYWORD && matches!(t.tok, Tok::Quoted(_)) {
                    return Err(self.include_error(start));
                }
                if key == INCLUDE_KEYWORD && INCLUDE_FORMS.iter().any(|f| text.starts_with(f)) {
                    return Err(self.include_error(start));
                }
                key.push_str(&t.ws_before);
            }
            key.push_str(text);
            first = false;
            self.bump();
        }
        if first {
            return Err(self.unexpected("expected a key"));
        }
        self.skip_newlines();
        let t = self.peek();
        let value = match t.tok {
            Tok::Equals | Tok::Colon => {
                self.bump();
                self.skip_newlines();
                self.value(&key, start)?
            }
            Tok::LBrace => self.value(&key, start)?,
            Tok::PlusEquals => {
                return Err(self.err(
                    t.pos,
                    format!(
                        "not supported: '+=' (append to a list) for '{key}'; write the whole list with '='"
                    ),
                ))
            }
            _ => {
                return Err(self.unexpected(&format!(
                    "expected '=', ':' or '{{' after the key '{key}'"
                )))
            }
        };
        Ok(Field {
            key,
            pos: start,
            value,
        })
    }

    fn include_error(&self, pos: Pos) -> ParseError {
        self.err(
            pos,
            "not supported: include; copy the included settings into this job file",
        )
    }

    /// One value: pieces on the same line until a separator, new line or closing bracket.
    fn value(&mut self, key: &str, key_pos: Pos) -> Result<Value, ParseError> {
        let mut pieces = Vec::new();
        loop {
            let t = self.peek();
            let kind = match &t.tok {
                Tok::Quoted(s) => {
                    self.bump();
                    PieceKind::Quoted(s.clone())
                }
                Tok::Unquoted(s) => {
                    self.bump();
                    PieceKind::Unquoted(s.clone())
                }
                Tok::Subst(s) => {
                    self.bump();
                    PieceKind::Subst(s.clone())
                }
                Tok::LBrace => {
                    self.bump();
                    self.enter(t.pos)?;
                    let opened = if pieces.is_empty() { key_pos } else { t.pos };
                    let object = self.fields(End::Brace, &format!("'{key}'"), opened)?;
                    self.leave();
                    PieceKind::Object(object)
                }
                Tok::LBracket => {
                    self.bump();
                    self.enter(t.pos)?;
                    let items = self.array(key, t.pos)?;
                    self.leave();
                    PieceKind::Array(items)
                }
                _ => break,
            };
            pieces.push(Piece {
                ws_before: t.ws_before.clone(),
                pos: t.pos,
                kind,
            });
        }
        if pieces.is_empty() {
            return Err(self.unexpected(&format!("expected a value for '{key}'")));
        }
        Ok(Value { pieces })
    }

    fn array(&mut self, key: &str, opened: Pos) -> Result<Vec<Value>, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_newlines();
            match self.peek().tok {
                Tok::RBracket => {
                    self.bump();
                    return Ok(items);
                }
                Tok::Eof => {
                    return Err(self.unexpected(&format!(
                        "expected ']' to close the list for '{key}' opened at {opened}"
                    )))
                }
                Tok::Comma => {
                    return Err(
                        self.unexpected("expected a list item (commas only go between items)")
                    )
                }
                _ => {}
            }
            let pos = self.peek().pos;
            items.push(self.value(key, pos)?);
            match self.peek().tok {
                Tok::Newline | Tok::RBracket | Tok::Eof => {}
                Tok::Comma => {
                    self.bump();
                }
                _ => {
                    return Err(self.unexpected(&format!(
                        "expected ',', a new line or ']' after an item of the list for '{key}'"
                    )))
                }
            }
        }
    }
}

/// Parses a whole document: a braceless list of fields, or one `{ … }` object.
pub fn parse_document(tokens: &[Token], origin: &str) -> Result<Object, ParseError> {
    let mut p = Parser {
        tokens,
        i: 0,
        origin,
        depth: 0,
    };
    p.skip_newlines();
    let t = p.peek();
    match t.tok {
        Tok::LBrace => {
            // The document's own braces are not a level: `{…}` and a braceless root nest alike.
            p.bump();
            let obj = p.fields(End::Brace, "the document", t.pos)?;
            p.skip_newlines();
            if p.peek().tok != Tok::Eof {
                return Err(p.unexpected("expected end of file after the document's closing '}'"));
            }
            Ok(obj)
        }
        Tok::LBracket => Err(p.err(
            t.pos,
            "a job file must be an object (env, source, sink), not a list",
        )),
        _ => p.fields(End::Eof, "the document", t.pos),
    }
}
