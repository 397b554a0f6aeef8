//! Helpers for Standing's whole-system tests.

pub mod openapi;

use std::path::{Path, PathBuf};

/// The repository's root (the workspace holding this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The SAM template, parsed. CloudFormation's short tags (`!Ref`, `!GetAtt`, …) come back as
/// tagged values, which the drift tests read through [`untag`].
pub fn sam_template() -> Result<serde_yaml_ng::Value, String> {
    let path = repo_root().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A value with any YAML tag removed.
pub fn untag(value: &serde_yaml_ng::Value) -> &serde_yaml_ng::Value {
    match value {
        serde_yaml_ng::Value::Tagged(tagged) => untag(&tagged.value),
        other => other,
    }
}
