//! The command table: every command by name (see [`super::CommandSpec`]), built once from the
//! families' lists.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::CommandSpec;

/// Every family's commands.
fn families() -> [&'static [CommandSpec]; 13] {
    [
        super::connection::COMMANDS,
        super::client::COMMANDS,
        super::server::COMMANDS,
        super::info::COMMANDS,
        super::config_cmd::COMMANDS,
        super::command_info::COMMANDS,
        super::strings::COMMANDS,
        super::string_edits::COMMANDS,
        super::keys::COMMANDS,
        super::expire::COMMANDS,
        super::scan::COMMANDS,
        super::multi::COMMANDS,
        super::slowlog_cmd::COMMANDS,
    ]
}

fn list_families() -> [&'static [CommandSpec]; 3] {
    [
        super::lists::COMMANDS,
        super::list_edits::COMMANDS,
        super::blocking::COMMANDS,
    ]
}

/// Every command by name, with its position in [`all`]'s order (per-command counters are kept
/// in that order: `crate::observe`).
static TABLE: LazyLock<HashMap<&'static str, (usize, &'static CommandSpec)>> =
    LazyLock::new(|| {
        let mut specs: Vec<&'static CommandSpec> = families()
            .into_iter()
            .chain(list_families())
            .flatten()
            .collect();
        specs.sort_by_key(|s| s.name);
        specs
            .into_iter()
            .enumerate()
            .map(|(i, spec)| (spec.name, (i, spec)))
            .collect()
    });

/// The longest command name (so a lookup of anything longer is a miss without lowering it).
const MAX_NAME: usize = 32;

/// The command named `name`, in any case.
pub(crate) fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    lookup_indexed(name).map(|(_, spec)| spec)
}

/// [`lookup`], with the command's position in [`all`].
pub(crate) fn lookup_indexed(name: &[u8]) -> Option<(usize, &'static CommandSpec)> {
    if name.len() > MAX_NAME {
        return None;
    }
    let mut lower = [0u8; MAX_NAME];
    let lower = lower.get_mut(..name.len())?;
    for (to, from) in lower.iter_mut().zip(name) {
        *to = from.to_ascii_lowercase();
    }
    let name = std::str::from_utf8(lower).ok()?;
    TABLE.get(name).copied()
}

/// Every command, sorted by name.
pub(crate) fn all() -> Vec<&'static CommandSpec> {
    let mut specs: Vec<_> = TABLE.values().copied().collect();
    specs.sort_by_key(|(i, _)| *i);
    specs.into_iter().map(|(_, spec)| spec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_unique_lower_case_and_short_and_lookup_ignores_case() {
        let total: usize = families()
            .into_iter()
            .chain(list_families())
            .map(<[_]>::len)
            .sum();
        assert_eq!(TABLE.len(), total, "a name appears twice");
        for spec in all() {
            assert_eq!(spec.name, spec.name.to_ascii_lowercase());
            assert!(spec.name.len() <= MAX_NAME);
            assert!(spec.arity != 0, "{}", spec.name);
        }
        assert_eq!(lookup(b"GeT").map(|s| s.name), Some("get"));
        assert!(lookup(b"nosuchcommand").is_none());
    }
}
