//! Generates the gRPC code for the inter-node services from `proto/`, with a vendored `protoc`
//! so the build needs no system protobuf compiler, and embeds the commit the binary is built
//! from (REST `/overview` reports it as `gitCommitAbbrev`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The env var the crate reads the commit from; set it by hand to build outside a checkout.
const COMMIT_VAR: &str = "SEATUNNEL_GIT_COMMIT_ABBREV";
/// SeaTunnel reports the commit abbreviated to 7 hex digits (git's default).
const COMMIT_DIGITS: &str = "--short=7";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    std::env::set_var("PROTOC", protoc);
    println!("cargo:rerun-if-changed=proto/cluster.proto");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_protos(&["proto/cluster.proto"], &["proto"])?;
    embed_commit();
    Ok(())
}

/// Sets [`COMMIT_VAR`] from `git rev-parse` unless the builder set it, and asks cargo to run
/// this again when HEAD moves. Outside a git checkout (a source tarball) nothing is set and the
/// binary reports "unknown", as SeaTunnel does without its git properties.
fn embed_commit() {
    println!("cargo:rerun-if-env-changed={COMMIT_VAR}");
    if std::env::var_os(COMMIT_VAR).is_some() {
        return;
    }
    let Some(commit) = git(&["rev-parse", COMMIT_DIGITS, "HEAD"]) else {
        return;
    };
    println!("cargo:rustc-env={COMMIT_VAR}={commit}");
    for path in head_files() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// The files whose change moves HEAD: HEAD itself, the branch it points at, and packed refs.
fn head_files() -> Vec<PathBuf> {
    let (Some(git_dir), Some(common)) = (
        git(&["rev-parse", "--git-dir"]),
        git(&["rev-parse", "--git-common-dir"]),
    ) else {
        return Vec::new();
    };
    let common = Path::new(&common);
    let mut files = vec![Path::new(&git_dir).join("HEAD"), common.join("packed-refs")];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        files.push(common.join(branch));
    }
    files.into_iter().filter(|f| f.exists()).collect()
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}
