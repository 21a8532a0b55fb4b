package io.pim.metalearner.stream;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Counters kept in a changelogged store, so they are exactly-once like the state they describe
 * and survive restarts: what lets "records in = trained + dead-lettered + pending" reconcile.
 * Each processor has its own store; {@link StreamCounts} adds them up.
 */
final class Counts {
    static final String VOTES_IN = "votes-in";
    static final String TRADES_IN = "trades-in";
    static final String JOINED = "joined";
    static final String EXPIRED = "votes-expired";
    static final String PENDING_VOTES = "pending-votes";
    static final String PENDING_TRADES = "pending-trades";
    static final String UNKNOWN_AGENTS = "unknown-agent-votes";
    static final String TRAINING_IN = "training-in";
    static final String TRAINED = "trained";
    static final String COMMANDS_IN = "commands-in";
    static final String COMMANDS_APPLIED = "commands-applied";
    static final String DEAD_LETTER_PREFIX = "dead-letter:";

    private final KeyValueStore<String, Long> store;

    Counts(KeyValueStore<String, Long> store) {
        this.store = store;
    }

    void add(String name, long delta) {
        Long now = store.get(name);
        store.put(name, (now == null ? 0 : now) + delta);
    }

    void increment(String name) {
        add(name, 1);
    }
}
