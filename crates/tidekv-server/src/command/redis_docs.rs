//! What Redis 7.0.15 says of each command in `COMMAND INFO` and `COMMAND DOCS`: flags, ACL
//! categories, tips, summary, version, group, complexity, deprecation and history — taken from
//! the replies of `redis-server` 7.0.15 to `COMMAND INFO <name>` and `COMMAND DOCS <name>`, so
//! that tidekv describes its commands with Redis's words. `DELETE` is tidekv's own.
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
    doc("append", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Append a value to a key", "2.0.0", "string", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", &[], "", "", &[]),
    doc("auth", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Authenticate to the server", "1.0.0", "connection", "O(N) where N is the number of passwords defined for the user", &[], "", "", &[("6.0.0", "Added ACL style (username and password).")]),
    doc("bgsave", &["admin", "noscript", "no_async_loading"], &["@admin", "@slow", "@dangerous"], &[], "Asynchronously save the dataset to disk", "1.0.0", "server", "O(1)", &[], "", "", &[("3.2.2", "Added the `SCHEDULE` option.")]),
    doc("blmove", &["write", "denyoom", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0", "list", "O(1)", &[], "", "", &[]),
    doc("blmpop", &["write", "blocking", "movablekeys"], &["@write", "@list", "@slow", "@blocking"], &[], "Pop elements from a list, or block until one is available", "7.0.0", "list", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", &[], "", "", &[]),
    doc("blpop", &["write", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Remove and get the first element in a list, or block until one is available", "2.0.0", "list", "O(N) where N is the number of provided keys.", &[], "", "", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
    doc("brpop", &["write", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Remove and get the last element in a list, or block until one is available", "2.0.0", "list", "O(N) where N is the number of provided keys.", &[], "", "", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
    doc("brpoplpush", &["write", "denyoom", "noscript", "blocking"], &["@write", "@list", "@slow", "@blocking"], &[], "Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0", "list", "O(1)", &["deprecated"], "6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")]),
    doc("client", &[], &["@slow"], &[], "A container for client connection commands", "2.4.0", "connection", "Depends on subcommand.", &[], "", "", &[]),
    doc("command", &["loading", "stale"], &["@slow", "@connection"], &["nondeterministic_output_order"], "Get array of Redis command details", "2.8.13", "server", "O(N) where N is the total number of Redis commands", &[], "", "", &[]),
    doc("config", &[], &["@slow"], &[], "A container for server configuration commands", "2.0.0", "server", "Depends on subcommand.", &[], "", "", &[]),
    doc("copy", &["write", "denyoom"], &["@keyspace", "@write", "@slow"], &[], "Copy a key", "6.2.0", "generic", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", &[], "", "", &[]),
    doc("dbsize", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["request_policy:all_shards", "response_policy:agg_sum"], "Return the number of keys in the selected database", "1.0.0", "server", "O(1)", &[], "", "", &[]),
    doc("decr", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Decrement the integer value of a key by one", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("decrby", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Decrement the integer value of a key by the given number", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("del", &["write"], &["@keyspace", "@write", "@slow"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Delete a key", "1.0.0", "generic", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", &[], "", "", &[]),
    doc("delete", &["write"], &["@keyspace", "@write", "@slow"], &[], "Delete a key (tidekv: DEL under another name)", "1.0.0", "generic", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", &[], "", "", &[]),
    doc("discard", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Discard all commands issued after MULTI", "2.0.0", "transactions", "O(N), when N is the number of queued commands", &[], "", "", &[]),
    doc("echo", &["loading", "stale", "fast"], &["@fast", "@connection"], &[], "Echo the given string", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("exec", &["noscript", "loading", "stale", "skip_slowlog"], &["@slow", "@transaction"], &[], "Execute all commands issued after MULTI", "1.2.0", "transactions", "Depends on commands in the transaction", &[], "", "", &[]),
    doc("exists", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Determine if a key exists", "1.0.0", "generic", "O(N) where N is the number of keys to check.", &[], "", "", &[("3.0.3", "Accepts multiple `key` arguments.")]),
    doc("expire", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Set a key's time to live in seconds", "1.0.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    doc("expireat", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Set the expiration for a key as a UNIX timestamp", "1.2.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    doc("expiretime", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &[], "Get the expiration Unix timestamp for a key", "7.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("flushall", &["write"], &["@keyspace", "@write", "@slow", "@dangerous"], &["request_policy:all_shards", "response_policy:all_succeeded"], "Remove all keys from all databases", "1.0.0", "server", "O(N) where N is the total number of keys in all databases", &[], "", "", &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")]),
    doc("flushdb", &["write"], &["@keyspace", "@write", "@slow", "@dangerous"], &["request_policy:all_shards", "response_policy:all_succeeded"], "Remove all keys from the current database", "1.0.0", "server", "O(N) where N is the number of keys in the selected database", &[], "", "", &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")]),
    doc("get", &["readonly", "fast"], &["@read", "@string", "@fast"], &[], "Get the value of a key", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("getdel", &["write", "fast"], &["@write", "@string", "@fast"], &[], "Get the value of a key and delete the key", "6.2.0", "string", "O(1)", &[], "", "", &[]),
    doc("getex", &["write", "fast"], &["@write", "@string", "@fast"], &[], "Get the value of a key and optionally set its expiration", "6.2.0", "string", "O(1)", &[], "", "", &[]),
    doc("getrange", &["readonly"], &["@read", "@string", "@slow"], &[], "Get a substring of the string stored at a key", "2.4.0", "string", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", &[], "", "", &[]),
    doc("getset", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Set the string value of a key and return its old value", "1.0.0", "string", "O(1)", &["deprecated"], "6.2.0", "`SET` with the `!GET` argument", &[]),
    doc("hello", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Handshake with Redis", "6.0.0", "connection", "O(1)", &[], "", "", &[("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")]),
    doc("incr", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Increment the integer value of a key by one", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("incrby", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Increment the integer value of a key by the given amount", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("incrbyfloat", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Increment the float value of a key by the given amount", "2.6.0", "string", "O(1)", &[], "", "", &[]),
    doc("info", &["loading", "stale"], &["@slow", "@dangerous"], &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], "Get information and statistics about the server", "1.0.0", "server", "O(1)", &[], "", "", &[("7.0.0", "Added support for taking multiple section arguments.")]),
    doc("keys", &["readonly"], &["@keyspace", "@read", "@slow", "@dangerous"], &["request_policy:all_shards", "nondeterministic_output_order"], "Find all keys matching the given pattern", "1.0.0", "generic", "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", &[], "", "", &[]),
    doc("lastsave", &["loading", "stale", "fast"], &["@admin", "@fast", "@dangerous"], &["nondeterministic_output"], "Get the UNIX time stamp of the last successful save to disk", "1.0.0", "server", "O(1)", &[], "", "", &[]),
    doc("lindex", &["readonly"], &["@read", "@list", "@slow"], &[], "Get an element from a list by its index", "1.0.0", "list", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", &[], "", "", &[]),
    doc("linsert", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Insert an element before or after another element in a list", "2.2.0", "list", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", &[], "", "", &[]),
    doc("llen", &["readonly", "fast"], &["@read", "@list", "@fast"], &[], "Get the length of a list", "1.0.0", "list", "O(1)", &[], "", "", &[]),
    doc("lmove", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Pop an element from a list, push it to another list and return it", "6.2.0", "list", "O(1)", &[], "", "", &[]),
    doc("lmpop", &["write", "movablekeys"], &["@write", "@list", "@slow"], &[], "Pop elements from a list", "7.0.0", "list", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", &[], "", "", &[]),
    doc("lpop", &["write", "fast"], &["@write", "@list", "@fast"], &[], "Remove and get the first elements in a list", "1.0.0", "list", "O(N) where N is the number of elements returned", &[], "", "", &[("6.2.0", "Added the `count` argument.")]),
    doc("lpos", &["readonly"], &["@read", "@list", "@slow"], &[], "Return the index of matching elements on a list", "6.0.6", "list", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", &[], "", "", &[]),
    doc("lpush", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Prepend one or multiple elements to a list", "1.0.0", "list", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", &[], "", "", &[("2.4.0", "Accepts multiple `element` arguments.")]),
    doc("lpushx", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Prepend an element to a list, only if the list exists", "2.2.0", "list", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", &[], "", "", &[("4.0.0", "Accepts multiple `element` arguments.")]),
    doc("lrange", &["readonly"], &["@read", "@list", "@slow"], &[], "Get a range of elements from a list", "1.0.0", "list", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", &[], "", "", &[]),
    doc("lrem", &["write"], &["@write", "@list", "@slow"], &[], "Remove elements from a list", "1.0.0", "list", "O(N+M) where N is the length of the list and M is the number of elements removed.", &[], "", "", &[]),
    doc("lset", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Set the value of an element in a list by its index", "1.0.0", "list", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", &[], "", "", &[]),
    doc("ltrim", &["write"], &["@write", "@list", "@slow"], &[], "Trim a list to the specified range", "1.0.0", "list", "O(N) where N is the number of elements to be removed by the operation.", &[], "", "", &[]),
    doc("mget", &["readonly", "fast"], &["@read", "@string", "@fast"], &["request_policy:multi_shard"], "Get the values of all the given keys", "1.0.0", "string", "O(N) where N is the number of keys to retrieve.", &[], "", "", &[]),
    doc("move", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Move a key to another database", "1.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("mset", &["write", "denyoom"], &["@write", "@string", "@slow"], &["request_policy:multi_shard", "response_policy:all_succeeded"], "Set multiple keys to multiple values", "1.0.1", "string", "O(N) where N is the number of keys to set.", &[], "", "", &[]),
    doc("msetnx", &["write", "denyoom"], &["@write", "@string", "@slow"], &["request_policy:multi_shard", "response_policy:agg_min"], "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", "string", "O(N) where N is the number of keys to set.", &[], "", "", &[]),
    doc("multi", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Mark the start of a transaction block", "1.2.0", "transactions", "O(1)", &[], "", "", &[]),
    doc("object", &[], &["@slow"], &[], "A container for object introspection commands", "2.2.3", "generic", "Depends on subcommand.", &[], "", "", &[]),
    doc("persist", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Remove the expiration from a key", "2.2.0", "generic", "O(1)", &[], "", "", &[]),
    doc("pexpire", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Set a key's time to live in milliseconds", "2.6.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    doc("pexpireat", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", "generic", "O(1)", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")]),
    doc("pexpiretime", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &[], "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("ping", &["fast"], &["@fast", "@connection"], &["request_policy:all_shards", "response_policy:all_succeeded"], "Ping the server", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("psetex", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Set the value and expiration in milliseconds of a key", "2.6.0", "string", "O(1)", &[], "", "", &[]),
    doc("pttl", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["nondeterministic_output"], "Get the time to live for a key in milliseconds", "2.6.0", "generic", "O(1)", &[], "", "", &[("2.8.0", "Added the -2 reply.")]),
    doc("quit", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Close the connection", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("randomkey", &["readonly"], &["@keyspace", "@read", "@slow"], &["request_policy:all_shards", "nondeterministic_output"], "Return a random key from the keyspace", "1.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("rename", &["write"], &["@keyspace", "@write", "@slow"], &[], "Rename a key", "1.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("renamenx", &["write", "fast"], &["@keyspace", "@write", "@fast"], &[], "Rename a key, only if the new key does not exist", "1.0.0", "generic", "O(1)", &[], "", "", &[("3.2.0", "The command no longer returns an error when source and destination names are the same.")]),
    doc("reset", &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], &["@fast", "@connection"], &[], "Reset the connection", "6.2.0", "connection", "O(1)", &[], "", "", &[]),
    doc("rpop", &["write", "fast"], &["@write", "@list", "@fast"], &[], "Remove and get the last elements in a list", "1.0.0", "list", "O(N) where N is the number of elements returned", &[], "", "", &[("6.2.0", "Added the `count` argument.")]),
    doc("rpoplpush", &["write", "denyoom"], &["@write", "@list", "@slow"], &[], "Remove the last element in a list, prepend it to another list and return it", "1.2.0", "list", "O(1)", &["deprecated"], "6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments", &[]),
    doc("rpush", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Append one or multiple elements to a list", "1.0.0", "list", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", &[], "", "", &[("2.4.0", "Accepts multiple `element` arguments.")]),
    doc("rpushx", &["write", "denyoom", "fast"], &["@write", "@list", "@fast"], &[], "Append an element to a list, only if the list exists", "2.2.0", "list", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", &[], "", "", &[("4.0.0", "Accepts multiple `element` arguments.")]),
    doc("save", &["admin", "noscript", "no_async_loading", "no_multi"], &["@admin", "@slow", "@dangerous"], &[], "Synchronously save the dataset to disk", "1.0.0", "server", "O(N) where N is the total number of keys in all databases", &[], "", "", &[]),
    doc("scan", &["readonly"], &["@keyspace", "@read", "@slow"], &["nondeterministic_output", "request_policy:special"], "Incrementally iterate the keys space", "2.8.0", "generic", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", &[], "", "", &[("6.0.0", "Added the `TYPE` subcommand.")]),
    doc("select", &["loading", "stale", "fast"], &["@fast", "@connection"], &[], "Change the selected database for the current connection", "1.0.0", "connection", "O(1)", &[], "", "", &[]),
    doc("set", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Set the string value of a key", "1.0.0", "string", "O(1)", &[], "", "", &[("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."), ("6.0.0", "Added the `KEEPTTL` option."), ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."), ("7.0.0", "Allowed the `NX` and `GET` options to be used together.")]),
    doc("setex", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Set the value and expiration of a key", "2.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("setnx", &["write", "denyoom", "fast"], &["@write", "@string", "@fast"], &[], "Set the value of a key, only if the key does not exist", "1.0.0", "string", "O(1)", &[], "", "", &[]),
    doc("setrange", &["write", "denyoom"], &["@write", "@string", "@slow"], &[], "Overwrite part of a string at key starting at the specified offset", "2.2.0", "string", "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", &[], "", "", &[]),
    doc("shutdown", &["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"], &["@admin", "@slow", "@dangerous"], &[], "Synchronously save the dataset to disk and then shut down the server", "1.0.0", "server", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", &[], "", "", &[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")]),
    doc("strlen", &["readonly", "fast"], &["@read", "@string", "@fast"], &[], "Get the length of the value stored in a key", "2.2.0", "string", "O(1)", &[], "", "", &[]),
    doc("substr", &["readonly"], &["@read", "@string", "@slow"], &[], "Get a substring of the string stored at a key", "1.0.0", "string", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", &["deprecated"], "2.0.0", "`GETRANGE`", &[]),
    doc("swapdb", &["write", "fast"], &["@keyspace", "@write", "@fast", "@dangerous"], &[], "Swaps two Redis databases", "4.0.0", "server", "O(N) where N is the count of clients watching or blocking on keys from both databases.", &[], "", "", &[]),
    doc("time", &["loading", "stale", "fast"], &["@fast"], &["nondeterministic_output"], "Return the current server time", "2.6.0", "server", "O(1)", &[], "", "", &[]),
    doc("touch", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", "generic", "O(N) where N is the number of keys that will be touched.", &[], "", "", &[]),
    doc("ttl", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &["nondeterministic_output"], "Get the time to live for a key in seconds", "1.0.0", "generic", "O(1)", &[], "", "", &[("2.8.0", "Added the -2 reply.")]),
    doc("type", &["readonly", "fast"], &["@keyspace", "@read", "@fast"], &[], "Determine the type stored at key", "1.0.0", "generic", "O(1)", &[], "", "", &[]),
    doc("unlink", &["write", "fast"], &["@keyspace", "@write", "@fast"], &["request_policy:multi_shard", "response_policy:agg_sum"], "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0", "generic", "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", &[], "", "", &[]),
    doc("unwatch", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Forget about all watched keys", "2.2.0", "transactions", "O(1)", &[], "", "", &[]),
    doc("watch", &["noscript", "loading", "stale", "fast", "allow_busy"], &["@fast", "@transaction"], &[], "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0", "transactions", "O(1) for every key.", &[], "", "", &[]),
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
