package io.pim.metalearner.kafka;

import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashMap;
import java.util.Map;
import java.util.function.ObjLongConsumer;

/**
 * Counters kept in a changelogged store, so they are exactly-once like the state they describe
 * and survive restarts: what lets "records in = trained + dead-lettered + pending" reconcile.
 * Each processor has its own store; {@link CountSnapshot} adds them up. Every change is also told
 * to a tally of this process (metrics): the store's counts move with the partitions, the tally's
 * only grow.
 */
public final class CountStore {
    public static final String VOTES_IN = "votes-in";
    public static final String TRADES_IN = "trades-in";
    public static final String JOINED = "joined";
    public static final String EXPIRED = "votes-expired";
    public static final String PENDING_VOTES = "pending-votes";
    public static final String PENDING_TRADES = "pending-trades";
    public static final String UNKNOWN_AGENTS = "unknown-agent-votes";
    public static final String TRAINING_IN = "training-in";
    public static final String TRAINED = "trained";
    public static final String COMMANDS_IN = "commands-in";
    public static final String COMMANDS_APPLIED = "commands-applied";
    /** Votes on the training topic scored (each published one decision-scores record). */
    public static final String SCORED = "scored";
    /** Trades trained whose decision had no vote-time score (votes never scored, or dropped with a replaced learner). */
    public static final String UNSCORED = "trained-unscored";
    /** Vote-time scores dropped after votes.ttl because their trade never trained. */
    public static final String SCORES_EXPIRED = "scores-expired";
    public static final String DEAD_LETTER_PREFIX = "dead-letter:";

    private final KeyValueStore<String, Long> store;
    private final ObjLongConsumer<String> tally;
    // What the store holds, so a count bumped several times per record is read from the store once
    // per task start, not once per bump. Only ever what was put: a failed record's task restarts,
    // and a new CountStore with it.
    private final Map<String, Long> known = new HashMap<>();

    public CountStore(KeyValueStore<String, Long> store) {
        this(store, (name, delta) -> { });
    }

    /** @param tally told of every change (name, delta) after the store has it */
    public CountStore(KeyValueStore<String, Long> store, ObjLongConsumer<String> tally) {
        this.store = store;
        this.tally = tally;
    }

    public void add(String name, long delta) {
        Long now = known.get(name);
        if (now == null) {
            now = store.get(name);
            if (now == null) now = 0L;
        }
        long next = now + delta;
        store.put(name, next);
        known.put(name, next);
        tally.accept(name, delta);
    }

    public void increment(String name) {
        add(name, 1);
    }
}
