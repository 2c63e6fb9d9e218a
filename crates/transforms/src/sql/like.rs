//! SQL `LIKE` patterns: `%` matches any run of characters, `_` exactly one, everything else
//! itself. Compiled once per literal pattern; matching walks the text without allocating.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `%`: any run, including none.
    Any,
    /// `_`: exactly one character.
    One,
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikePattern {
    tokens: Vec<Token>,
}

impl LikePattern {
    pub fn new(pattern: &str) -> LikePattern {
        let mut tokens = Vec::new();
        for c in pattern.chars() {
            match c {
                '%' => {
                    if tokens.last() != Some(&Token::Any) {
                        tokens.push(Token::Any);
                    }
                }
                '_' => tokens.push(Token::One),
                c => match tokens.last_mut() {
                    Some(Token::Text(t)) => t.push(c),
                    _ => tokens.push(Token::Text(c.to_string())),
                },
            }
        }
        LikePattern { tokens }
    }

    pub fn matches(&self, text: &str) -> bool {
        match_tokens(&self.tokens, text)
    }
}

/// Backtracks only at `%`, trying each later position; patterns are short, so this stays cheap.
fn match_tokens(tokens: &[Token], text: &str) -> bool {
    match tokens.split_first() {
        None => text.is_empty(),
        Some((Token::Text(t), rest)) => text
            .strip_prefix(t.as_str())
            .is_some_and(|r| match_tokens(rest, r)),
        Some((Token::One, rest)) => {
            let mut chars = text.chars();
            chars.next().is_some() && match_tokens(rest, chars.as_str())
        }
        Some((Token::Any, rest)) => {
            if rest.is_empty() {
                return true;
            }
            let mut remaining = text;
            loop {
                if match_tokens(rest, remaining) {
                    return true;
                }
                let mut chars = remaining.chars();
                if chars.next().is_none() {
                    return false;
                }
                remaining = chars.as_str();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(text: &str, pattern: &str) -> bool {
        LikePattern::new(pattern).matches(text)
    }

    #[test]
    fn wildcards_match_runs_and_single_characters() {
        assert!(like("Joy Ding", "%Din_"));
        assert!(!like("Zu DingDD", "%Din_"));
        assert!(like("Wang DingCC", "Wan_%"));
        assert!(like("Yu Liang", "%Yu%"));
        assert!(like("Yu Liang", "%Lian_"));
        assert!(!like("LeBron", "%Lian_"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("a.c", "a.c"));
        assert!(!like("abc", "a.c"), "regex characters are literal");
        assert!(like("日本語", "_本%"));
    }
}
