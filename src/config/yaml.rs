//! A YAML document as a tree whose every key and value remembers its line.
//!
//! Why not serde_yaml: its values carry no positions, and the brief requires that a wrong value be
//! reported with its file and line. yaml-rust2's event parser gives a marker per event, so the
//! tree is built from events here.
//!
//! Scalars stay text. Hazelcast's config reader treats every value as text and parses it per key
//! (lenient booleans, upper-cased enums), and the validator does the same, so `"8080"` and `8080`
//! mean the same thing, as they do for SeaTunnel.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Plain scalars that YAML 1.2's core schema reads as null.
const NULL_SPELLINGS: [&str; 5] = ["", "~", "null", "Null", "NULL"];

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// 1-based line; 0 for nodes built from environment variables or command-line overrides.
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    /// Entries in file order; keys are unique (duplicates are rejected while parsing).
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub name: String,
    pub line: usize,
}

impl Node {
    pub fn scalar(text: impl Into<String>) -> Node {
        Node {
            line: 0,
            value: Value::Scalar(text.into()),
        }
    }

    /// A node holding `leaf` at `path`, for values that do not come from a file.
    pub fn nested(path: &[String], leaf: Node) -> Node {
        path.iter().rev().fold(leaf, |inner, name| Node {
            line: 0,
            value: Value::Map(vec![(
                Key {
                    name: name.clone(),
                    line: 0,
                },
                inner,
            )]),
        })
    }

    /// A short description of the node for "found …" in error messages.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "an empty value".into(),
            Value::Scalar(s) => format!("{s:?}"),
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }
}

/// A parse failure: a syntax error or a duplicate key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum YamlError {
    Syntax {
        line: usize,
        message: String,
    },
    Duplicate {
        key: String,
        line: usize,
        first_line: usize,
    },
}

/// Parses one YAML document. An empty file (or one with only comments) yields `None`.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, true)
        .map_err(|e| YamlError::Syntax {
            line: e.marker().line(),
            message: e.info().to_string(),
        })?;
    if let Some(err) = builder.error {
        return Err(err);
    }
    Ok(builder.root)
}

/// Open containers while events stream in.
enum Frame {
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        pending_key: Option<Key>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    documents: usize,
    error: Option<YamlError>,
}

impl Builder {
    fn fail(&mut self, err: YamlError) {
        if self.error.is_none() {
            self.error = Some(err);
        }
    }

    /// Places a finished node into its parent (as key or value), or as the document root.
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let mut failure = None;
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                Some(key) => entries.push((key, node)),
                None => match node.value {
                    Value::Scalar(name) => {
                        let key = Key {
                            name,
                            line: node.line,
                        };
                        if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == key.name) {
                            failure = Some(YamlError::Duplicate {
                                key: key.name.clone(),
                                line: key.line,
                                first_line: first.line,
                            });
                        }
                        *pending_key = Some(key);
                    }
                    Value::Null => {
                        *pending_key = Some(Key {
                            name: String::new(),
                            line: node.line,
                        })
                    }
                    _ => {
                        failure = Some(YamlError::Syntax {
                            line: node.line,
                            message: "a mapping key must be a plain name, not a list or mapping"
                                .into(),
                        });
                        *pending_key = Some(Key {
                            name: String::new(),
                            line: node.line,
                        });
                    }
                },
            },
        }
        if let Some(err) = failure {
            self.fail(err);
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(YamlError::Syntax {
                        line,
                        message: "more than one yaml document ('---') in one config file".into(),
                    });
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let value = if style == TScalarStyle::Plain && NULL_SPELLINGS.contains(&&*text) {
                    Value::Null
                } else {
                    Value::Scalar(text)
                };
                self.push(Node { line, value }, anchor);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                line,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                line,
                anchor,
                entries: Vec::new(),
                pending_key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    line,
                    anchor,
                    items,
                }) => self.push(
                    Node {
                        line,
                        value: Value::Seq(items),
                    },
                    anchor,
                ),
                Some(Frame::Map {
                    line,
                    anchor,
                    entries,
                    ..
                }) => self.push(
                    Node {
                        line,
                        value: Value::Map(entries),
                    },
                    anchor,
                ),
                None => {}
            },
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(mut node) => {
                    node.line = line;
                    self.push(node, 0);
                }
                None => self.fail(YamlError::Syntax {
                    line,
                    message: "alias to an unknown anchor".into(),
                }),
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(node: &Node) -> &[(Key, Node)] {
        match &node.value {
            Value::Map(m) => m,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn keys_and_values_keep_their_lines() {
        let root = parse("# c\na:\n  b: 1\n  c:\n  d: [x, 'y']\n")
            .unwrap()
            .unwrap();
        let a = map(&root);
        assert_eq!(a[0].0.name, "a");
        assert_eq!(a[0].0.line, 2);
        let inner = map(&a[0].1);
        assert_eq!(inner[0].0.line, 3);
        assert_eq!(inner[0].1.value, Value::Scalar("1".into()));
        assert_eq!(inner[1].1.value, Value::Null);
        match &inner[2].1.value {
            Value::Seq(items) => {
                assert_eq!(items[1].value, Value::Scalar("y".into()));
                assert_eq!(items[1].line, 5);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn quoted_null_spelling_stays_text() {
        let root = parse("a: 'null'\nb: ~\n").unwrap().unwrap();
        let m = map(&root);
        assert_eq!(m[0].1.value, Value::Scalar("null".into()));
        assert_eq!(m[1].1.value, Value::Null);
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# nothing here\n").unwrap(), None);
    }

    #[test]
    fn duplicate_keys_are_rejected_with_both_lines() {
        let err = parse("seatunnel:\n  engine: {}\nseatunnel:\n  engine: {}\n").unwrap_err();
        assert_eq!(
            err,
            YamlError::Duplicate {
                key: "seatunnel".into(),
                line: 3,
                first_line: 1
            }
        );
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        match parse("a:\n  b: [\n").unwrap_err() {
            YamlError::Syntax { line, .. } => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let root = parse("a: &x {f: 1}\ng: *x\n").unwrap().unwrap();
        let m = map(&root);
        assert_eq!(m[1].1.line, 2);
        assert_eq!(map(&m[1].1)[0].1.value, Value::Scalar("1".into()));
    }

    #[test]
    fn several_documents_are_rejected() {
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n"),
            Err(YamlError::Syntax { .. })
        ));
    }
}
