//! Blocking list commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP — served at once when a list
//! has data, timing out on empty lists, woken by a push from another connection, and their
//! argument errors.

use std::time::{Duration, Instant};

use crate::support::{for_each_engine, v, Client};

#[test]
fn blocking_pops_with_data_present_answer_at_once() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RPUSH a 1 2 3",
            "RPUSH b x y z",
            "BLPOP a 0",
            "BRPOP a 0",
            "BLPOP missing b a 1",
            "BRPOP missing b 1",
            "BLMOVE a dst LEFT RIGHT 0",
            "EXISTS a",
            "BRPOPLPUSH b dst 0",
            "LRANGE dst 0 -1",
            "BLMPOP 0 2 missing dst LEFT",
            "BLMPOP 0 1 dst RIGHT COUNT 5",
            "EXISTS dst",
            "RPUSH c 1 2 3",
            "BLMPOP 0.5 1 c left count 2",
            "BLMOVE c c RIGHT LEFT 0",
            "LRANGE c 0 -1",
        ]);
    });
}

#[test]
fn blocking_pops_on_empty_lists_time_out_with_null() {
    for_each_engine(|d| {
        let mut p = d.pair();
        for line in [
            "BLPOP empty 0.1",
            "BRPOP empty other 0.1",
            "BLMOVE empty dst LEFT RIGHT 0.1",
            "BRPOPLPUSH empty dst 0.1",
            "BLMPOP 0.1 2 empty other LEFT",
            "BLMPOP 0.1 1 empty RIGHT COUNT 3",
        ] {
            let started = Instant::now();
            p.same(line);
            let took = started.elapsed();
            p.check(
                took >= Duration::from_millis(150) && took < Duration::from_secs(3),
                format!("{line}: both timeouts together took {took:?}"),
            );
        }
        p.same("EXISTS dst");
    });
}

#[test]
fn a_push_from_another_connection_wakes_a_blocked_pop() {
    for_each_engine(|d| {
        let mut p = d.pair();
        let mut pushers = [
            Client::connect(d.redis.addr),
            Client::connect(d.tidekv.addr),
        ];
        for (waiter, pusher) in [&mut p.redis, &mut p.tidekv].into_iter().zip(&mut pushers) {
            waiter.send(&["BLPOP", "q", "5"]);
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(pusher.cmd("RPUSH q hello"), v::int(1));
        }
        let (redis, tidekv) = (p.redis.read(), p.tidekv.read());
        p.check(
            redis == tidekv && redis == v::bulks(&["q", "hello"]),
            format!("woken BLPOP\n    redis:  {redis}\n    tidekv: {tidekv}"),
        );
        for (waiter, pusher) in [&mut p.redis, &mut p.tidekv].into_iter().zip(&mut pushers) {
            waiter.send(&["BLMOVE", "q2", "dst", "RIGHT", "LEFT", "5"]);
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(pusher.cmd("RPUSH q2 a b"), v::int(2));
        }
        let (redis, tidekv) = (p.redis.read(), p.tidekv.read());
        p.check(
            redis == tidekv && redis == v::bulk("b"),
            format!("woken BLMOVE\n    redis:  {redis}\n    tidekv: {tidekv}"),
        );
        p.run(&["LRANGE q2 0 -1", "LRANGE dst 0 -1"]);
    });
}

#[test]
fn blocking_pops_refuse_bad_timeouts_and_wrong_types() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "SET s v",
            "RPUSH l a",
            "BLPOP s 0.1",
            "BLPOP empty s l 0.1",
            "BLPOP l s 0.1",
            "BRPOP s 0",
            "BLMOVE s dst LEFT RIGHT 0.1",
            "RPUSH full x",
            "BLMOVE full s LEFT RIGHT 0.1",
            "BRPOPLPUSH full s 0",
            "LRANGE full 0 -1",
            "BLMOVE l s LEFT RIGHT 0.1",
            "BRPOPLPUSH s dst 0.1",
            "BLMPOP 0.1 2 empty s LEFT",
            "BLPOP l -1",
            "BLPOP l abc",
            "BLPOP l \"\"",
            "BLPOP l nan",
            "BRPOP l -1",
            "BLMOVE l dst LEFT RIGHT -1",
            "BLMOVE l dst LEFT RIGHT abc",
            "BLMOVE l dst UP RIGHT 0",
            "BLMOVE l dst UP RIGHT abc",
            "BLMOVE l dst LEFT DOWN 0",
            "BRPOPLPUSH l dst -1",
            "BRPOPLPUSH l dst abc",
            "BLMPOP -1 1 l LEFT",
            "BLMPOP abc 1 l LEFT",
            "BLMPOP 0 0 l LEFT",
            "BLMPOP -1 0 l LEFT",
            "BLMPOP abc 0 l LEFT",
            "BLMPOP abc 1 l MIDDLE",
            "BLMPOP 0 1 l MIDDLE",
            "BLMPOP 0 2 l LEFT",
            "BLMPOP 0 1 l LEFT COUNT 0",
            "BLMPOP 0 1 l LEFT COUNT",
            "BLMPOP 0 1 l LEFT FOO",
            "BLMPOP 0 1 l LEFT COUNT 1 COUNT 2",
            "BLPOP l",
            "BLPOP",
            "BRPOP l",
            "BLMOVE l dst LEFT RIGHT",
            "BRPOPLPUSH l dst",
            "BLMPOP 0 1 l",
            "LRANGE l 0 -1",
        ]);
    });
}
