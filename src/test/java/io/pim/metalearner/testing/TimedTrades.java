package io.pim.metalearner.testing;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Trade files whose trades carry the instants they were decided and closed at, the {@code learn}
 * input format as {@code simulate --prices} writes it, for tests of the order offline runs learn in.
 */
public final class TimedTrades {
    private static final JsonMapper JSON = new JsonMapper();
    public static final Instant DAY_0 = Instant.parse("2020-01-01T00:00:00Z");

    /** An agent's vote: direction +1 (LONG), −1 (SHORT) or 0 (NEUTRAL). */
    public record Vote(String agent, int direction, double confidence) {
    }

    public record Trade(String decisionId, double entry, double exit, Instant decidedAt, Instant closedAt, List<Vote> votes) {
        public double priceMove() {
            return (exit - entry) / entry;
        }

        /** The committee's action: the uniform vote, BUY when Σ direction·confidence ≥ 0. */
        public String action() {
            return votes.stream().mapToDouble(v -> v.direction * v.confidence).sum() >= 0 ? "BUY" : "SELL";
        }

        /** The feedback body, with {@code decided_at} and {@code closed_at} or without them. */
        public String json(boolean withTimes) {
            ObjectNode o = JSON.createObjectNode();
            o.put("decision_id", decisionId);
            o.put("symbol", decisionId.substring(0, decisionId.indexOf('@')));
            o.put("action", action());
            o.put("entry_price", entry);
            o.put("exit_price", exit);
            if (withTimes) {
                o.put("decided_at", decidedAt.toString());
                o.put("closed_at", closedAt.toString());
            }
            ObjectNode votesNode = o.putObject("agent_votes");
            for (Vote v : votes) {
                ObjectNode n = votesNode.putObject(v.agent);
                n.put("direction", v.direction > 0 ? "LONG" : v.direction < 0 ? "SHORT" : "NEUTRAL");
                n.put("confidence", v.confidence);
                n.put("position_size", 10 * v.confidence);
            }
            return o.toString();
        }
    }

    private TimedTrades() {
    }

    /**
     * A market where hindsight pays and skill does not exist: every day {@code symbols} symbols are
     * decided at the same instant (midnight) and held {@code hold} days; each moves by the sum of one
     * market factor per day of its hold (σ 2 %) and a little noise of its own. Two agents, A and B,
     * take opposite sides for the whole day (all symbols alike) with the same confidence, by a coin
     * toss: one of them is right, by chance, and the uniform committee is flat (its score is 0).
     * Lines come in decision order (day, then symbol).
     */
    public static List<Trade> commonFactorMarket(long seed, int days, int symbols, int hold) {
        Random random = new Random(seed);
        double[] factor = new double[days + hold + 1];
        for (int d = 0; d < factor.length; d++) factor[d] = 0.02 * random.nextGaussian();
        List<Trade> trades = new ArrayList<>();
        for (int d = 0; d < days; d++) {
            int a = random.nextBoolean() ? 1 : -1;
            double confidence = 0.5 + 0.5 * random.nextDouble();
            List<Vote> votes = List.of(new Vote("A", a, confidence), new Vote("B", -a, confidence));
            double market = 0;
            for (int k = 1; k <= hold; k++) market += factor[d + k];
            for (int s = 0; s < symbols; s++) {
                double exit = 100 * (1 + market + 0.002 * random.nextGaussian());
                trades.add(new Trade("S" + s + "@" + d, 100, exit, day(d), day(d + hold), votes));
            }
        }
        return trades;
    }

    public static Instant day(int d) {
        return DAY_0.plus(Duration.ofDays(d));
    }

    public static Path write(Path file, List<Trade> trades, boolean withTimes) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Trade t : trades) lines.add(t.json(withTimes));
        return Files.write(file, lines);
    }
}
