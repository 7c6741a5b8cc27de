"""A short redis-py session against a tidekv server: strings, TTLs, lists, a blocking pop fed by
another connection, and MULTI/EXEC. Exits non-zero (an AssertionError) on any wrong answer."""

import sys
import threading
import time

import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)

assert r.ping() is True
assert r.set("greeting", "hello") is True
assert r.get("greeting") == "hello"
assert r.set("greeting", "again", nx=True) is None
assert r.incr("counter") == 1
assert r.incrby("counter", 41) == 42
assert r.incrbyfloat("float", 1.5) == 1.5
assert r.append("greeting", " world") == 11
assert r.getrange("greeting", 0, 4) == "hello"
assert r.mset({"a": "1", "b": "2"}) is True
assert r.mget("a", "b", "missing") == ["1", "2", None]

assert r.set("session", "x", ex=100) is True
assert 98 <= r.ttl("session") <= 100
assert r.persist("session") is True
assert r.ttl("session") == -1
assert r.pexpire("session", 50) is True
time.sleep(0.2)
assert r.get("session") is None

assert r.rpush("jobs", "j1", "j2", "j3") == 3
assert r.lrange("jobs", 0, -1) == ["j1", "j2", "j3"]
assert r.lpop("jobs") == "j1"
assert r.lmove("jobs", "done", "LEFT", "RIGHT") == "j2"
assert r.llen("jobs") == 1

other = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
def produce():
    time.sleep(0.2)
    other.rpush("inbox", "message")
threading.Thread(target=produce).start()
assert r.blpop(["inbox"], timeout=5) == ("inbox", "message")
assert r.blpop(["inbox"], timeout=0.1) is None

with r.pipeline(transaction=True) as p:
    p.set("tx", "1").incr("tx").lpush("tx-list", "a").get("tx")
    assert p.execute() == [True, 2, 1, "2"]

with r.pipeline(transaction=True) as p:
    p.watch("watched")
    other.set("watched", "changed")
    p.multi()
    p.set("watched", "mine")
    try:
        p.execute()
        raise AssertionError("EXEC ran although a watched key changed")
    except redis.WatchError:
        pass

r3 = redis.Redis(host="127.0.0.1", port=port, protocol=3, decode_responses=True)
assert r3.get("greeting") == "hello world"
assert r3.get("missing") is None
print("redis-py session ok")
