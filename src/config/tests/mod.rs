//! End-to-end loading of real files in temporary directories: SeaTunnel's own config files,
//! layering and origins, error messages, role rules, reload classification and the docs table.

mod corpus;
mod errors;
mod etc;
mod layering;
mod roles;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::*;

/// A `$SEATUNNEL_HOME` in a temporary directory; files go under `config/`.
pub(super) struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new() -> Home {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("config")).expect("config dir");
        Home { dir }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Writes `text` to `config/<rel>` and returns the path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.config().join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("parent dir");
        }
        fs::write(&path, text).expect("write file");
        path
    }

    /// Sources that read this home only (never /etc/seatunnel).
    pub fn sources(&self) -> ConfigSources {
        ConfigSources {
            env: BTreeMap::from([(ENV_HOME.to_string(), self.dir.path().display().to_string())]),
            ..ConfigSources::default()
        }
    }

    pub fn sources_with(&self, env: &[(&str, &str)], cli: &[(&str, &str)]) -> ConfigSources {
        let mut s = self.sources();
        for (k, v) in env {
            s.env.insert(k.to_string(), v.to_string());
        }
        s.overrides = cli
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        s
    }
}

/// The effective key at `path`.
pub(super) fn key<'a>(keys: &'a [EffectiveKey], path: &str) -> &'a EffectiveKey {
    keys.iter()
        .find(|k| k.path == path)
        .unwrap_or_else(|| panic!("no effective key {path}"))
}

pub(super) fn file(path: &Path) -> Source {
    Source::File(path.to_path_buf())
}

pub(super) fn err_text(r: Result<LoadedConfig, ConfigError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            assert_eq!(e.exit_code(), 78);
            e.to_string()
        }
    }
}

#[test]
fn docs_key_table() {
    let docs_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/config.md");
    let docs = fs::read_to_string(&docs_path).expect("docs/config.md exists");
    let begin = docs.find(schema::DOCS_BEGIN).expect("begin marker") + schema::DOCS_BEGIN.len();
    let end = docs.find(schema::DOCS_END).expect("end marker");
    let generated = schema::markdown_reference();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}\n{}{}", &docs[..begin], generated, &docs[end..]);
        fs::write(&docs_path, updated).expect("rewrite docs");
        return;
    }
    assert_eq!(
        docs[begin..end].trim(),
        generated.trim(),
        "docs/config.md is out of date: run UPDATE_DOCS=1 cargo test --lib docs_key_table"
    );
}

#[test]
fn documented_defaults_are_the_compiled_in_defaults() {
    let home = Home::new();
    let loaded = load(Role::Hybrid, &home.sources()).unwrap();
    let client = load_client(&home.sources()).unwrap();
    let mut checked = 0;
    for (segs, spec) in schema::schema().iter() {
        let schema::Dflt::Is(want) = spec.default else {
            continue;
        };
        if segs.iter().any(|s| s == "*") {
            continue;
        }
        let path = schema::display_path(segs);
        let keys = if segs[0] == "hazelcast-client" {
            &client.origins
        } else {
            &loaded.origins
        };
        let k = key(keys, &path);
        assert_eq!(k.value, want, "{path}");
        assert_eq!(k.source, Source::Default, "{path}");
        checked += 1;
    }
    assert!(checked >= 75, "only {checked} defaults checked");
}

#[test]
fn every_enum_word_is_accepted_in_any_case() {
    let home = Home::new();
    for (segs, spec) in schema::schema().iter() {
        let schema::Kind::Enum(words) = spec.kind else {
            continue;
        };
        if segs.iter().any(|s| s == "*") || segs[0] == "hazelcast-client" {
            continue;
        }
        let path = schema::display_path(segs);
        for word in words {
            let lower = word.to_ascii_lowercase();
            let s = home.sources_with(
                &[],
                &[
                    (&path, &lower),
                    ("seatunnel.engine.slot-service.dynamic-slot", "false"),
                ],
            );
            let loaded = load(Role::Hybrid, &s).unwrap_or_else(|e| panic!("{path}={lower}: {e}"));
            let k = key(&loaded.origins, &path);
            assert_eq!(k.value, *word, "{path}");
            assert_eq!(k.source, Source::Cli(path.clone()));
        }
    }
}
