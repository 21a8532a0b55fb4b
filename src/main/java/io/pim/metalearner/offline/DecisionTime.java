package io.pim.metalearner.offline;

import io.pim.metalearner.learn.trade.Trade;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A file's trades as the stream sees them: each is a decision at its {@code decided_at} and a close
 * at its {@code closed_at}. {@link #events} puts them in that order: by instant; at one instant the
 * closes before the decisions (a close at a decision's instant is known when it is decided), and
 * among equals the file's order. A trade closed at the instant it was decided is learned after that
 * instant's decisions, its own among them.
 * {@link DecisionFigures} judges each trade by its score at its decision.
 */
final class DecisionTime {
    /** A trade read from line {@code line}, waiting for its turn. */
    record Pending(long line, Trade trade, Instant decidedAt, Instant closedAt) {
    }

    /** The decision ({@code close} false) or the close of the trade at {@code index} in file order. */
    record Event(int index, boolean close) {
    }

    private static final int CLOSE = 0, DECISION = 1, CLOSE_AT_ITS_DECISION = 2;

    private final List<Pending> trades = new ArrayList<>();

    void add(Pending trade) {
        trades.add(trade);
    }

    Pending get(int index) {
        return trades.get(index);
    }

    List<Event> events() {
        record Timed(Instant at, int rank, Event event) {
        }
        List<Timed> timed = new ArrayList<>(2 * trades.size());
        for (int i = 0; i < trades.size(); i++) {
            Pending p = trades.get(i);
            timed.add(new Timed(p.decidedAt, DECISION, new Event(i, false)));
            timed.add(new Timed(p.closedAt, p.closedAt.equals(p.decidedAt) ? CLOSE_AT_ITS_DECISION : CLOSE, new Event(i, true)));
        }
        timed.sort(Comparator.comparing(Timed::at).thenComparingInt(Timed::rank).thenComparingInt(t -> t.event.index));
        return timed.stream().map(Timed::event).toList();
    }
}
