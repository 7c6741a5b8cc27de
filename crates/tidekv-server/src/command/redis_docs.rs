//! What `COMMAND INFO` and `COMMAND DOCS` say of each command.
//!
//! The facts follow Redis 7.0.15, so that a client reading them learns what Redis would tell
//! it: flags, ACL categories, tips, the version a command appeared in, its group, whether and
//! since when it is deprecated, and the versions listed in its history. The descriptions — the
//! summary, the complexity, the replacement of a deprecated command and what each version
//! changed — are tidekv's own words, and the complexities are tidekv's costs (a list is copied
//! by `RENAME`, rewritten by `LINSERT`). `DELETE` is tidekv's own command.
//!
//! Argument lists, key specifications and subcommand entries are not kept (`docs/protocol.md`,
//! intended differences).

/// One command's description.
pub(crate) struct RedisDoc {
    pub(crate) name: &'static str,
    /// `COMMAND INFO` flags, in Redis's order (`movablekeys` included).
    pub(crate) flags: &'static [&'static str],
    /// ACL categories, in Redis's order.
    pub(crate) categories: &'static [&'static str],
    pub(crate) tips: &'static [&'static str],
    pub(crate) summary: &'static str,
    pub(crate) since: &'static str,
    pub(crate) group: &'static str,
    pub(crate) complexity: &'static str,
    pub(crate) doc_flags: &'static [&'static str],
    /// Empty when not deprecated.
    pub(crate) deprecated_since: &'static str,
    pub(crate) replaced_by: &'static str,
    /// `(version, change)` pairs.
    pub(crate) history: &'static [(&'static str, &'static str)],
}

#[allow(clippy::too_many_arguments)]
const fn doc(
    name: &'static str,
    flags: &'static [&'static str],
    categories: &'static [&'static str],
    tips: &'static [&'static str],
    summary: &'static str,
    since: &'static str,
    group: &'static str,
    complexity: &'static str,
    doc_flags: &'static [&'static str],
    deprecated_since: &'static str,
    replaced_by: &'static str,
    history: &'static [(&'static str, &'static str)],
) -> RedisDoc {
    RedisDoc {
        name,
        flags,
        categories,
        tips,
        summary,
        since,
        group,
        complexity,
        doc_flags,
        deprecated_since,
        replaced_by,
        history,
    }
}

/// The description of the command named `name` (lower case).
pub(crate) fn of(name: &str) -> Option<&'static RedisDoc> {
    DOCS.binary_search_by_key(&name, |d| d.name)
        .ok()
        .and_then(|i| DOCS.get(i))
}

/// Sorted by name.
#[rustfmt::skip]
static DOCS: &[RedisDoc] = &[
    doc("append", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Adds bytes to the end of a string key", "2.0.0", "string", "O(N), N the new length of the value (it is copied)", &[], "", "", &[]),
    doc("auth", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Proves the connection knows the server's password", "1.0.0", "connection", "O(1)", &[], "", "", &[("6.0.0", "username argument accepted")]),
    doc("bgsave", &["admin", "noscript", "no_async_loading"], &["@admin", "@slow", "@dangerous"], &[], "Starts a save to disk on a background thread", "1.0.0", "server", "O(1); the save itself runs elsewhere", &[], "", "", &[("3.2.2", "SCHEDULE option")]),
    doc("blmove", &["write", "denyoom", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Moves an element from one list's end to another's, waiting while the source is empty", "6.2.0", "list", "O(1)", &[], "", "", &[]),
    doc("blmpop", &["write", "blocking", "movablekeys"], &["@write", "@list", "@slow", "@blocking"], &[], "Pops elements from the first non-empty list named, waiting while all are empty", "7.0.0", "list", "O(N+M), N the keys given, M the elements popped", &[], "", "", &[]),
    doc("blpop", &["write", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Pops the head of the first non-empty list named, waiting while all are empty", "2.0.0", "list", "O(N), N the number of keys given", &[], "", "", &[("6.0.0", "timeout may be fractional")]),
    doc("brpop", &["write", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Pops the tail of the first non-empty list named, waiting while all are empty", "2.0.0", "list", "O(N), N the number of keys given", &[], "", "", &[("6.0.0", "timeout may be fractional")]),
    doc("brpoplpush", &["write", "denyoom", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Moves a list's tail to another list's head, waiting while the source is empty", "2.2.0", "list", "O(1)", &["deprecated"], "6.2.0", "BLMOVE with RIGHT and LEFT", &[("6.0.0", "timeout may be fractional")]),
    doc("client", &[], &["@slow"], &[], "Subcommands about client connections", "2.4.0", "connection", "Per subcommand", &[], "", "", &[]),
    doc("command", &["loading", "stale"], &["@slow", "@connection"], &["nondeterministic_output_order"], "Describes the commands this server knows", "2.8.13", "server", "O(N), N the commands described", &[], "", "", &[]),
    doc("config", &[], &["@slow"], &[], "Subcommands that read and change server settings", "2.0.0", "server", "Per subcommand", &[], "", "", &[]),
    doc("copy", &["write", "denyoom"], &["@keyspace", "@write", "@slow"], &[], "Duplicates a key's value under another name", "6.2.0", "generic", "O(1) for a string, O(N) for a list of N elements", &[], "", "", &[]),
    doc("dbsize", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["request_policy:all_shards", "response_policy:agg_sum"], "Counts the keys of the selected database", "1.0.0", "server", "O(1)", &[], "", "", &[]),
    doc("decr", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Subtracts 1 from an integer key", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("decrby", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Subtracts an amount from an integer key", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("del", &["write"], &["@keyspace", "@write", "@slow"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Removes keys", "1.0.0", "generic", "O(N), N the number of keys given", &[], "", "", &[]),
    doc("delete", &["write"], &["@keyspace", "@write", "@slow"], &[], "Removes keys (tidekv's alias of DEL)", "1.0.0", "generic", "O(N), N the number of keys given", &[], "", "", &[]),
    doc("discard", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Drops the commands queued since MULTI", "2.0.0", "transactions", "O(N), N the commands queued", &[], "", "", &[]),
    doc("echo", &["loading", "stale", "fast"], &["@fast", "@connection"], &[], "Replies with its argument", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("exec", &["noscript", "loading", "stale", "skip_slowlog"], &["@slow", "@transaction"], &[], "Runs the commands queued since MULTI", "1.2.0", "transactions", "The sum of the queued commands' costs", &[], "", "", &[]),
    doc("exists", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Counts how many of the keys given exist", "1.0.0", "generic", "O(N), N the number of keys given", &[], "", "", &[("3.0.3", "several keys allowed")]),
    doc("expire", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Gives a key a lifetime in seconds", "1.0.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "NX, XX, GT and LT options")]),
    doc("expireat", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Makes a key expire at a Unix time in seconds", "1.2.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "NX, XX, GT and LT options")]),
    doc("expiretime", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &[], "Tells when a key expires, in Unix seconds", "7.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("flushall", &["write"], &["@keyspace", "@write", "@slow", "@dangerous"], &["request_policy:all_shards", "response_policy:all_succeeded"], "Empties every database", "1.0.0", "server", "O(N), N the keys removed", &[], "", "", &[("4.0.0", "ASYNC option"), ("6.2.0", "SYNC option")]),
    doc("flushdb", &["write"], &["@keyspace", "@write", "@slow", "@dangerous"], &["request_policy:all_shards", "response_policy:all_succeeded"], "Empties the selected database", "1.0.0", "server", "O(N), N the keys removed", &[], "", "", &[("4.0.0", "ASYNC option"), ("6.2.0", "SYNC option")]),
    doc("get", &["readonly", "fast"], &["@read", "@string", "@fast"], &[], "Reads a string key's value", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("getdel", &["write", "fast"], &["@write", "@string", "@fast"], &[], "Reads a string key's value and removes the key", "6.2.0", "string", "O(1)", &[], "", "", &[]),
    doc("getex", &["write", "fast"], &["@write", "@string", "@fast"], &[], "Reads a string key's value, optionally changing its expiry", "6.2.0", "string", "O(1)", &[], "", "", &[]),
    doc("getrange", &["readonly"], &["@read", "@string", "@slow"], &[], "Reads the bytes of a string key between two offsets", "2.4.0", "string", "O(N), N the bytes returned", &[], "", "", &[]),
    doc("getset", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Writes a string key and returns what it held before", "1.0.0", "string", "O(1)", &["deprecated"], "6.2.0", "SET with the GET option", &[]),
    doc("hello", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Chooses the protocol, optionally logs in, and describes the server", "6.0.0", "connection", "O(1)", &[], "", "", &[("6.2.0", "protocol version may be left out")]),
    doc("incr", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Adds 1 to an integer key", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("incrby", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Adds an amount to an integer key", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("incrbyfloat", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Adds a decimal amount to a numeric key", "2.6.0", "string", "O(1)", &[], "", "", &[]),
    doc("info", &["loading", "stale"], &["@slow", "@dangerous"], &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], "Reports the server's state and counters, by section", "1.0.0", "server", "O(1)", &[], "", "", &[("7.0.0", "several sections at once")]),
    doc("keys", &["readonly"], &["@keyspace", "@read", "@slow", "@dangerous"], &["request_policy:all_shards", "nondeterministic_output_order"], "Lists the keys that match a glob pattern", "1.0.0", "generic", "O(N), N the keys walked (a literal prefix of the pattern narrows the walk)", &[], "", "", &[]),
    doc("lastsave", &["loading", "stale", "fast"], &["@admin", "@fast", "@dangerous"], &["nondeterministic_output"], "Tells when the last save to disk succeeded, in Unix seconds", "1.0.0", "server", "O(1)", &[], "", "", &[]),
    doc("lindex", &["readonly"], &["@read", "@list", "@slow"], &[], "Reads the list element at a position", "1.0.0", "list", "O(log N) at most, N the list's length", &[], "", "", &[]),
    doc("linsert", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Adds an element before or after a given element of a list", "2.2.0", "list", "O(N), N the list's length (the list is rewritten)", &[], "", "", &[]),
    doc("llen", &["readonly", "fast"], &["@read", "@list", "@fast"], &[], "Counts a list's elements", "1.0.0", "list", "O(1)", &[], "", "", &[]),
    doc("lmove", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Moves an element from one list's end to another's", "6.2.0", "list", "O(1)", &[], "", "", &[]),
    doc("lmpop", &["write", "movablekeys"], &["@write", "@list", "@slow"], &[], "Pops elements from the first non-empty list named", "7.0.0", "list", "O(N+M), N the keys given, M the elements popped", &[], "", "", &[]),
    doc("lpop", &["write", "fast"], &["@write", "@list", "@fast"], &[], "Takes elements off a list's head", "1.0.0", "list", "O(N), N the elements popped", &[], "", "", &[("6.2.0", "count argument")]),
    doc("lpos", &["readonly"], &["@read", "@list", "@slow"], &[], "Finds where an element occurs in a list", "6.0.6", "list", "O(N), N the list's length", &[], "", "", &[]),
    doc("lpush", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Adds elements at a list's head", "1.0.0", "list", "O(N), N the elements pushed", &[], "", "", &[("2.4.0", "several elements allowed")]),
    doc("lpushx", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Adds elements at the head of a list that exists", "2.2.0", "list", "O(N), N the elements pushed", &[], "", "", &[("4.0.0", "several elements allowed")]),
    doc("lrange", &["readonly"], &["@read", "@list", "@slow"], &[], "Reads the elements of a list between two positions", "1.0.0", "list", "O(N), N the elements returned", &[], "", "", &[]),
    doc("lrem", &["write"], &["@write", "@list", "@slow"], &[], "Deletes occurrences of an element from a list", "1.0.0", "list", "O(N), N the list's length (the list is rewritten)", &[], "", "", &[]),
    doc("lset", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Overwrites the list element at a position", "1.0.0", "list", "O(log N) at most, N the list's length", &[], "", "", &[]),
    doc("ltrim", &["write"], &["@write", "@list", "@slow"], &[], "Keeps only the elements of a list between two positions", "1.0.0", "list", "O(N), N the list's length (the list is rewritten)", &[], "", "", &[]),
    doc("mget", &["readonly", "fast"], &["@read", "@string", "@fast"], &["request_policy:multi_shard"], "Reads several string keys at once", "1.0.0", "string", "O(N), N the number of keys given", &[], "", "", &[]),
    doc("move", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Moves a key into another database", "1.0.0", "generic", "O(1) for a string, O(N) for a list of N elements", &[], "", "", &[]),
    doc("mset", &["write", "denyoom"], &["@write", "@string", "@slow"], &["request_policy:multi_shard", "response_policy:all_succeeded"], "Writes several string keys as one step", "1.0.1", "string", "O(N), N the keys written", &[], "", "", &[]),
    doc("msetnx", &["write", "denyoom"], &["@write", "@string", "@slow"], &["request_policy:multi_shard", "response_policy:agg_min"], "Writes several string keys as one step, unless any of them exists", "1.0.1", "string", "O(N), N the keys written", &[], "", "", &[]),
    doc("multi", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Starts queueing a transaction", "1.2.0", "transactions", "O(1)", &[], "", "", &[]),
    doc("object", &[], &["@slow"], &[], "Subcommands that show how a key's value is held", "2.2.3", "generic", "Per subcommand", &[], "", "", &[]),
    doc("persist", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Drops a key's expiry, so it lives on", "2.2.0", "generic", "O(1)", &[], "", "", &[]),
    doc("pexpire", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Gives a key a lifetime in milliseconds", "2.6.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "NX, XX, GT and LT options")]),
    doc("pexpireat", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Makes a key expire at a Unix time in milliseconds", "2.6.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "NX, XX, GT and LT options")]),
    doc("pexpiretime", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &[], "Tells when a key expires, in Unix milliseconds", "7.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("ping", &["fast"], &["@fast", "@connection"], &["request_policy:all_shards", "response_policy:all_succeeded"], "Checks that the server answers", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("psetex", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Writes a string key with a lifetime in milliseconds", "2.6.0", "string", "O(1)", &[], "", "", &[]),
    doc("pttl", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["nondeterministic_output"], "Tells how long a key has left to live, in milliseconds", "2.6.0", "generic", "O(1)", &[], "", "", &[("2.8.0", "-2 for a missing key")]),
    doc("quit", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Asks the server to close the connection", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("randomkey", &["readonly"], &["@keyspace", "@read", "@slow"], &["request_policy:all_shards", "nondeterministic_output"], "Picks a key of the database at random", "1.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("rename", &["write"], &["@keyspace", "@write", "@slow"], &[], "Gives a key a new name", "1.0.0", "generic", "O(1) for a string, O(N) for a list of N elements", &[], "", "", &[]),
    doc("renamenx", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Gives a key a new name, unless that name is taken", "1.0.0", "generic", "O(1) for a string, O(N) for a list of N elements", &[], "", "", &[("3.2.0", "renaming a key to itself is no longer an error")]),
    doc("reset", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Puts the connection back in its initial state", "6.2.0", "connection", "O(1)", &[], "", "", &[]),
    doc("rpop", &["write", "fast"], &["@write", "@list", "@fast"], &[], "Takes elements off a list's tail", "1.0.0", "list", "O(N), N the elements popped", &[], "", "", &[("6.2.0", "count argument")]),
    doc("rpoplpush", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Moves a list's tail element to another list's head", "1.2.0", "list", "O(1)", &["deprecated"], "6.2.0", "LMOVE with RIGHT and LEFT", &[]),
    doc("rpush", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Adds elements at a list's tail", "1.0.0", "list", "O(N), N the elements pushed", &[], "", "", &[("2.4.0", "several elements allowed")]),
    doc("rpushx", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Adds elements at the tail of a list that exists", "2.2.0", "list", "O(N), N the elements pushed", &[], "", "", &[("4.0.0", "several elements allowed")]),
    doc("save", &["admin", "noscript", "no_async_loading", "no_multi"], &["@admin", "@slow", "@dangerous"], &[], "Saves to disk before replying", "1.0.0", "server", "O(N) at most, N the keys in all databases", &[], "", "", &[]),
    doc("scan", &["readonly"], &["@keyspace", "@read", "@slow"], &["nondeterministic_output", "request_policy:special"], "Walks the keys a page at a time, resuming from a cursor", "2.8.0", "generic", "O(COUNT) a call; O(N) for a whole walk, N the keys", &[], "", "", &[("6.0.0", "TYPE option")]),
    doc("select", &["loading", "stale", "fast"], &["@fast", "@connection"], &[], "Switches the connection to another database", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("set", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Writes a string key, with options for expiry and conditions", "1.0.0", "string", "O(1)", &[], "", "", &[("2.6.12", "EX, PX, NX and XX options"), ("6.0.0", "KEEPTTL option"), ("6.2.0", "GET, EXAT and PXAT options"), ("7.0.0", "NX may be combined with GET")]),
    doc("setex", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Writes a string key with a lifetime in seconds", "2.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("setnx", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Writes a string key only if it does not exist", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("setrange", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Overwrites a string key's bytes from an offset on", "2.2.0", "string", "O(N), N the new length of the value (it is copied)", &[], "", "", &[]),
    doc("shutdown", &["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"], &["@admin", "@slow", "@dangerous"], &[], "Stops the server, closing the store cleanly", "1.0.0", "server", "O(N) at most, N the keys saved on closing", &[], "", "", &[("7.0.0", "NOW, FORCE and ABORT options")]),
    doc("slowlog", &[], &["@slow"], &[], "Subcommands that read and reset the log of slow commands", "2.2.12", "server", "Per subcommand", &[], "", "", &[]),
    doc("strlen", &["readonly", "fast"], &["@read", "@string", "@fast"], &[], "Tells the length in bytes of a string key's value", "2.2.0", "string", "O(1)", &[], "", "", &[]),
    doc("substr", &["readonly"], &["@read", "@string", "@slow"], &[], "Reads the bytes of a string key between two offsets (GETRANGE's old name)", "1.0.0", "string", "O(N), N the bytes returned", &["deprecated"], "2.0.0", "GETRANGE", &[]),
    doc("swapdb", &["write", "fast"], &["@keyspace", "@write", "@fast", "@dangerous"], &[], "Exchanges the contents of two databases", "4.0.0", "server", "O(N) at most, N the keys of both databases", &[], "", "", &[]),
    doc("time", &["loading", "stale", "fast"], &["@fast"], &["nondeterministic_output"], "Tells the server's clock time", "2.6.0", "server", "O(1)", &[], "", "", &[]),
    doc("touch", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Counts how many of the keys given exist (tidekv keeps no access times)", "3.2.1", "generic", "O(N), N the number of keys given", &[], "", "", &[]),
    doc("ttl", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["nondeterministic_output"], "Tells how long a key has left to live, in seconds", "1.0.0", "generic", "O(1)", &[], "", "", &[("2.8.0", "-2 for a missing key")]),
    doc("type", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &[], "Names the kind of value a key holds", "1.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("unlink", &["write", "fast"], &["@keyspace", "@write", "@fast"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Removes keys (on tidekv, the same as DEL)", "4.0.0", "generic", "O(N), N the number of keys given", &[], "", "", &[]),
    doc("unwatch", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Stops watching the keys this connection watches", "2.2.0", "transactions", "O(1)", &[], "", "", &[]),
    doc("watch", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Makes the next EXEC fail if any of these keys change first", "2.2.0", "transactions", "O(N), N the number of keys given", &[], "", "", &[]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_description_and_the_table_is_sorted() {
        assert!(DOCS.windows(2).all(|w| w[0].name < w[1].name));
        for spec in super::super::table::all() {
            assert!(of(spec.name).is_some(), "{} has no description", spec.name);
        }
        assert_eq!(DOCS.len(), super::super::table::all().len());
    }
}
