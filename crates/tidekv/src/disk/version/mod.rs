//! Versions: which tables make up the tree, changed atomically through the manifest.
//! Format: `docs/format/manifest.md`.

pub(crate) mod edit;
pub(crate) mod manifest;
pub(crate) mod set;
