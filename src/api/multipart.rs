//! Just enough `multipart/form-data` (RFC 7578) to take one uploaded file out of a request
//! body: split on the boundary, read each part's `Content-Disposition`, return the named field.

/// One part's payload and the file name the client gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    pub file_name: Option<String>,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("the request is not multipart/form-data with a boundary; upload the job file as form field '{0}'")]
    NotMultipart(String),
    #[error("the multipart body is malformed: {0}")]
    Malformed(&'static str),
    #[error("the multipart body has no field '{0}'; upload the job file as form field '{0}'")]
    Missing(String),
}

/// The boundary of a `multipart/form-data; boundary=…` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    let mime = parts.next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// Finds form field `field` in `body`.
pub fn find_field(
    content_type: &str,
    body: &[u8],
    field: &str,
) -> Result<FilePart, MultipartError> {
    let boundary =
        boundary(content_type).ok_or_else(|| MultipartError::NotMultipart(field.to_string()))?;
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0).ok_or(MultipartError::Malformed("no boundary line"))?;
    loop {
        at += delimiter.len();
        if body[at..].starts_with(b"--") {
            return Err(MultipartError::Missing(field.to_string()));
        }
        let headers_start =
            skip_line_end(body, at).ok_or(MultipartError::Malformed("boundary line not ended"))?;
        let headers_end = find(body, b"\r\n\r\n", headers_start)
            .ok_or(MultipartError::Malformed("part headers not ended"))?;
        let content_start = headers_end + 4;
        let next = find(body, delimiter, content_start)
            .ok_or(MultipartError::Malformed("last part not closed"))?;
        // The CRLF before a delimiter belongs to the delimiter.
        let content_end = if next >= 2 && &body[next - 2..next] == b"\r\n" {
            next - 2
        } else {
            next
        };
        let headers = String::from_utf8_lossy(&body[headers_start..headers_end]);
        if let Some((name, file_name)) = disposition(&headers) {
            if name == field {
                return Ok(FilePart {
                    file_name,
                    data: body[content_start..content_end.max(content_start)].to_vec(),
                });
            }
        }
        at = next;
    }
}

/// `(name, filename)` from a part's `Content-Disposition: form-data; name="…"; filename="…"`.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let line = headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(v)
    })?;
    let mut name = None;
    let mut file_name = None;
    for param in line.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"').to_string();
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v),
            "filename" => file_name = Some(v),
            _ => {}
        }
    }
    Some((name?, file_name))
}

fn skip_line_end(body: &[u8], at: usize) -> Option<usize> {
    let rest = &body[at..];
    let trimmed = rest
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    rest[trimmed..]
        .starts_with(b"\r\n")
        .then_some(at + trimmed + 2)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=----xyz";

    fn body(parts: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
        let mut b = String::from("preamble\r\n");
        for (name, file, data) in parts {
            b.push_str("------xyz\r\n");
            match file {
                Some(f) => b.push_str(&format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )),
                None => b.push_str(&format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")),
            }
            b.push_str(data);
            b.push_str("\r\n");
        }
        b.push_str("------xyz--\r\n");
        b.into_bytes()
    }

    #[test]
    fn finds_the_named_file_among_parts() {
        let b = body(&[
            ("other", None, "x"),
            ("config_file", Some("job.conf"), "env {\r\n}\r\n"),
        ]);
        let part = find_field(CT, &b, "config_file").unwrap();
        assert_eq!(part.file_name.as_deref(), Some("job.conf"));
        assert_eq!(part.data, b"env {\r\n}\r\n");
    }

    #[test]
    fn missing_field_and_bad_bodies() {
        let b = body(&[("other", None, "x")]);
        assert_eq!(
            find_field(CT, &b, "config_file").unwrap_err(),
            MultipartError::Missing("config_file".into())
        );
        assert!(matches!(
            find_field("application/json", &b, "config_file").unwrap_err(),
            MultipartError::NotMultipart(_)
        ));
        assert!(matches!(
            find_field(
                CT,
                b"------xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
                "a"
            )
            .unwrap_err(),
            MultipartError::Malformed(_)
        ));
        assert!(matches!(
            find_field(CT, b"", "a").unwrap_err(),
            MultipartError::Malformed(_)
        ));
    }

    #[test]
    fn boundary_parameter() {
        assert_eq!(
            boundary("multipart/form-data; charset=utf-8; boundary=\"ab cd\"").as_deref(),
            Some("ab cd")
        );
        assert_eq!(boundary("multipart/form-data"), None);
        assert_eq!(boundary("text/plain; boundary=x"), None);
    }
}
