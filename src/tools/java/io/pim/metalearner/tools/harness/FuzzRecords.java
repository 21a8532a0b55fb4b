package io.pim.metalearner.tools.harness;

import io.pim.metalearner.avro.AgentVote;
import io.pim.metalearner.avro.DecisionVotes;
import io.pim.metalearner.avro.Direction;
import io.pim.metalearner.avro.TradeClosed;
import io.pim.metalearner.kafka.Topics;
import org.apache.kafka.common.serialization.Serializer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The fuzzer's input, from one seed: what goes to the two input topics and to the feedback
 * endpoint, record by record, each tagged with the kind of damage it carries. Valid records are
 * Avro with the registry's wire framing (the service's own serializers); the damaged ones are made
 * from them (truncated, bit-flipped, sent to the other topic) or from nothing (random bytes), and
 * the hostile ones are valid Avro or JSON with values a service must survive (huge strings and
 * maps, NaN and infinite numbers, prices of zero or below, thousands of unknown agents). The same
 * seed gives the same kinds, ids and bytes (content ids aside: they are the registry's).
 */
final class FuzzRecords {
    /** Where a record goes. */
    enum Target { VOTES, CLOSE, HTTP }

    /** One record to send: its kind, where it goes, its key and value (null value: a tombstone; HTTP: the body). */
    record Shot(String kind, Target target, String decisionId, byte[] key, byte[] value) {
    }

    /** The kinds, with how often each is drawn (out of the sum of the weights). */
    static final Map<String, Integer> KINDS = kinds();

    private static final List<String> ROSTER = List.of("TradingAgent", "TechnicalAgent", "FundamentalAgent", "SentimentAgent",
            "RiskAgent", "MacroAgent", "MomentumAgent", "VolatilityAgent", "NewsAgent");
    private static final int HUGE_STRING = 200_000;
    private static final int UNKNOWN_AGENTS = 5_000;

    private final SplittableRandom random;
    private final String prefix;
    private final int models;
    private final Serializer<DecisionVotes> votes;
    private final Serializer<TradeClosed> closes;
    private final String votesTopic;
    private final String closesTopic;
    private int next;

    FuzzRecords(long seed, int models, Topics topics) {
        this.random = new SplittableRandom(seed);
        this.prefix = "fz" + seed + "-";
        this.models = models;
        this.votes = topics.decisionVotes().valueSerde().serializer();
        this.closes = topics.tradeClosed().valueSerde().serializer();
        this.votesTopic = topics.decisionVotes().name();
        this.closesTopic = topics.tradeClosed().name();
    }

    private static Map<String, Integer> kinds() {
        Map<String, Integer> k = new LinkedHashMap<>();
        k.put("valid-trade", 20);
        k.put("random-bytes", 8);
        k.put("random-bytes-framed", 6);
        k.put("truncated", 8);
        k.put("bit-flipped", 10);
        k.put("other-topic-schema", 3);
        k.put("tombstone", 2);
        k.put("key-mismatch", 3);
        k.put("huge-strings", 3);
        k.put("unknown-agents-by-the-thousand", 3);
        k.put("hostile-price", 8);
        k.put("hostile-vote", 8);
        k.put("duplicate-trade", 3);
        k.put("votes-never-closed", 3);
        k.put("close-without-votes", 2);
        k.put("http-valid", 4);
        k.put("http-random-bytes", 2);
        k.put("http-truncated-json", 2);
        k.put("http-hostile-values", 4);
        k.put("http-unknown-agents", 1);
        k.put("http-duplicate", 1);
        k.put("http-oversized", 1);
        return k;
    }

    /** The records of the next draw: one kind, one to four records. */
    List<Shot> next() {
        int total = KINDS.values().stream().mapToInt(Integer::intValue).sum();
        int pick = random.nextInt(total);
        String kind = null;
        for (var e : KINDS.entrySet()) {
            pick -= e.getValue();
            if (pick < 0) {
                kind = e.getKey();
                break;
            }
        }
        String id = prefix + (++next);
        return switch (kind) {
            case "valid-trade" -> pair(kind, validVotes(id), validClose(id));
            case "random-bytes" -> List.of(kafka(kind, anyInput(), id, randomBytes(random.nextInt(0, 600), false)));
            case "random-bytes-framed" -> List.of(kafka(kind, anyInput(), id, randomBytes(random.nextInt(5, 600), true)));
            case "truncated" -> {
                boolean v = random.nextBoolean();
                byte[] whole = v ? encode(validVotes(id)) : encode(validClose(id));
                yield List.of(kafka(kind, v ? Target.VOTES : Target.CLOSE, id, Arrays.copyOf(whole, random.nextInt(whole.length))));
            }
            case "bit-flipped" -> {
                boolean v = random.nextBoolean();
                byte[] bytes = v ? encode(validVotes(id)) : encode(validClose(id));
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield List.of(kafka(kind, v ? Target.VOTES : Target.CLOSE, id, bytes));
            }
            // a close where votes belong and the other way round: valid Avro of a registered schema
            case "other-topic-schema" -> random.nextBoolean()
                    ? List.of(kafka(kind, Target.VOTES, id, encode(validClose(id))))
                    : List.of(kafka(kind, Target.CLOSE, id, encode(validVotes(id))));
            case "tombstone" -> List.of(kafka(kind, anyInput(), id, null));
            case "key-mismatch" -> {
                boolean v = random.nextBoolean();
                byte[] bytes = v ? encode(validVotes(id)) : encode(validClose(id));
                yield List.of(new Shot(kind, v ? Target.VOTES : Target.CLOSE, id, utf8(id + "-other"), bytes));
            }
            case "huge-strings" -> {
                DecisionVotes v = validVotes(id);
                v.setSymbol(hugeString());
                v.setWorkflowId(hugeString());
                TradeClosed c = validClose(id);
                c.setSymbol(hugeString());
                yield pair(kind, v, c);
            }
            case "unknown-agents-by-the-thousand" -> {
                DecisionVotes v = validVotes(id);
                for (int a = 0; a < UNKNOWN_AGENTS; a++) v.getAgentVotes().put("Agent-" + random.nextInt(1_000_000), vote());
                yield pair(kind, v, validClose(id));
            }
            case "hostile-price" -> {
                TradeClosed c = validClose(id);
                double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, -150.0,
                        Double.MIN_VALUE, Double.MAX_VALUE};
                if (random.nextBoolean()) c.setEntryPrice(bad[random.nextInt(bad.length)]);
                else c.setExitPrice(bad[random.nextInt(bad.length)]);
                yield pair(kind, validVotes(id), c);
            }
            case "hostile-vote" -> pair(kind, hostileVotes(id), validClose(id));
            case "duplicate-trade" -> {
                DecisionVotes v = validVotes(id);
                TradeClosed c = validClose(id);
                List<Shot> shots = new ArrayList<>(pair(kind, v, c));
                shots.addAll(pair(kind, v, c));
                yield shots;
            }
            case "votes-never-closed" -> List.of(kafka(kind, Target.VOTES, id, encode(validVotes(id))));
            case "close-without-votes" -> List.of(kafka(kind, Target.CLOSE, id, encode(validClose(id))));
            case "http-valid" -> List.of(http(kind, id, FuzzJson.body(id, model(), "BUY", 100.0, price(), validAgents())));
            case "http-random-bytes" -> List.of(new Shot(kind, Target.HTTP, id, null, randomBytes(random.nextInt(0, 600), false)));
            case "http-truncated-json" -> {
                byte[] body = FuzzJson.body(id, model(), "SELL", 100.0, price(), validAgents()).getBytes(StandardCharsets.UTF_8);
                yield List.of(new Shot(kind, Target.HTTP, id, null, Arrays.copyOf(body, random.nextInt(body.length))));
            }
            case "http-hostile-values" -> List.of(http(kind, id, hostileJson(id)));
            case "http-unknown-agents" -> {
                Map<String, String> agents = new LinkedHashMap<>(validAgents());
                for (int a = 0; a < UNKNOWN_AGENTS; a++) {
                    agents.put("Agent-" + random.nextInt(1_000_000), "{\"direction\":\"LONG\",\"confidence\":0.5}");
                }
                yield List.of(http(kind, id, FuzzJson.body(id, model(), "BUY", 100.0, price(), agents)));
            }
            case "http-duplicate" -> {
                String body = FuzzJson.body(id, model(), "BUY", 100.0, price(), validAgents());
                yield List.of(http(kind, id, body), http(kind, id, body));
            }
            // over the endpoint's 4 MB limit
            case "http-oversized" -> List.of(http(kind, id, FuzzJson.body(id, model(), "BUY", 100.0, price(),
                    Map.of("TradingAgent", "{\"direction\":\"LONG\",\"confidence\":0.5,\"note\":\"" + "x".repeat(5 << 20) + "\"}"))));
            default -> throw new IllegalStateException(kind);
        };
    }

    private List<Shot> pair(String kind, DecisionVotes v, TradeClosed c) {
        return List.of(kafka(kind, Target.VOTES, v.getDecisionId(), encode(v)), kafka(kind, Target.CLOSE, c.getDecisionId(), encode(c)));
    }

    private Shot kafka(String kind, Target target, String id, byte[] value) {
        return new Shot(kind, target, id, utf8(id), value);
    }

    private Shot http(String kind, String id, String body) {
        return new Shot(kind, Target.HTTP, id, null, utf8(body));
    }

    private Target anyInput() {
        return random.nextBoolean() ? Target.VOTES : Target.CLOSE;
    }

    private String model() {
        return "fuzz-" + (1 + random.nextInt(models));
    }

    private DecisionVotes validVotes(String id) {
        Map<String, AgentVote> agents = new LinkedHashMap<>();
        for (String agent : ROSTER) if (random.nextInt(4) > 0) agents.put(agent, vote());
        return DecisionVotes.newBuilder().setDecisionId(id).setWorkflowId("wf-" + id).setSymbol("SYM" + random.nextInt(20))
                .setAction(random.nextBoolean() ? "BUY" : "SELL").setDecidedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setModelId(model()).setAgentVotes(agents).build();
    }

    private AgentVote vote() {
        Direction[] d = {Direction.LONG, Direction.SHORT, Direction.NEUTRAL};
        return AgentVote.newBuilder().setDirection(d[random.nextInt(3)]).setConfidence(random.nextDouble())
                .setPositionSize(random.nextDouble() * 100).build();
    }

    private DecisionVotes hostileVotes(String id) {
        DecisionVotes v = validVotes(id);
        AgentVote a = vote();
        double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1.0, 1.5, 1e300, -1e300};
        switch (random.nextInt(5)) {
            case 0 -> a.setConfidence(bad[random.nextInt(bad.length)]);
            case 1 -> a.setPositionSize(bad[random.nextInt(bad.length)]);
            case 2 -> a.setDirection(Direction.UNKNOWN);
            case 3 -> v.setAction(random.nextBoolean() ? "HOLD" : " ");
            default -> a.setPositionSize(-random.nextDouble() * 1000); // a negative size
        }
        v.getAgentVotes().put(ROSTER.get(random.nextInt(ROSTER.size())), a);
        return v;
    }

    private TradeClosed validClose(String id) {
        double entry = 50 + random.nextDouble() * 100;
        return TradeClosed.newBuilder().setDecisionId(id).setSymbol("SYM").setEntryPrice(entry)
                .setExitPrice(entry * (0.9 + random.nextDouble() * 0.2)).setActualProfit(1.0).setHoldDuration(3.0)
                .setClosedAt(Instant.ofEpochMilli(1_700_000_100_000L)).build();
    }

    private double price() {
        return 90 + random.nextDouble() * 20;
    }

    private Map<String, String> validAgents() {
        Map<String, String> agents = new LinkedHashMap<>();
        String[] d = {"LONG", "SHORT", "NEUTRAL"};
        for (String agent : ROSTER) {
            if (random.nextInt(4) == 0) continue;
            agents.put(agent, String.format(Locale.ROOT, "{\"direction\":\"%s\",\"confidence\":%.4f,\"position_size\":%.2f}",
                    d[random.nextInt(3)], random.nextDouble(), random.nextDouble() * 100));
        }
        return agents;
    }

    private String hostileJson(String id) {
        Map<String, String> agents = validAgents();
        return switch (random.nextInt(8)) {
            case 0 -> FuzzJson.body(id, model(), "BUY", Double.NaN, 100.0, agents);
            case 1 -> FuzzJson.body(id, model(), "BUY", 100.0, Double.POSITIVE_INFINITY, agents);
            case 2 -> FuzzJson.body(id, model(), "BUY", -100.0, 100.0, agents);
            case 3 -> FuzzJson.body(id, model(), "BUY", 0.0, 100.0, agents);
            case 4 -> FuzzJson.body(id, model(), "HOLD", 100.0, 101.0, agents);
            case 5 -> FuzzJson.body(id, model(), "BUY", 100.0, 101.0,
                    Map.of("TradingAgent", "{\"direction\":\"LONG\",\"confidence\":NaN}"));
            case 6 -> FuzzJson.body(id, model(), "BUY", 100.0, 101.0,
                    Map.of("TradingAgent", "{\"direction\":\"UP\",\"confidence\":0.5}"));
            default -> FuzzJson.body(hugeString(), model(), "BUY", 100.0, 101.0, agents); // a 200 KB decision id
        };
    }

    private String hugeString() {
        char[] c = new char[HUGE_STRING];
        for (int i = 0; i < c.length; i++) c[i] = (char) ('a' + random.nextInt(26));
        return new String(c);
    }

    private byte[] randomBytes(int n, boolean framed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) random.nextInt(256);
        if (framed) { // the Confluent frame: magic 0 and a small content id, so the registry is asked
            b[0] = 0;
            b[1] = 0;
            b[2] = 0;
            b[3] = 0;
            b[4] = (byte) (1 + random.nextInt(40));
        }
        return b;
    }

    private byte[] encode(DecisionVotes v) {
        return votes.serialize(votesTopic, v);
    }

    private byte[] encode(TradeClosed c) {
        return closes.serialize(closesTopic, c);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The seed's feedback body as text, with any number (NaN and infinities as JSON's non-standard tokens). */
    static final class FuzzJson {
        private FuzzJson() {
        }

        static String body(String id, String model, String action, double entry, double exit, Map<String, String> agents) {
            StringBuilder votes = new StringBuilder();
            agents.forEach((agent, vote) -> votes.append(votes.isEmpty() ? "" : ",").append('"').append(agent).append("\":").append(vote));
            return "{\"decision_id\":\"" + id + "\",\"model_id\":\"" + model + "\",\"workflow_id\":\"wf\",\"symbol\":\"SYM\","
                    + "\"action\":\"" + action + "\",\"entry_price\":" + number(entry) + ",\"exit_price\":" + number(exit)
                    + ",\"actual_profit\":1.0,\"hold_duration\":3,\"agent_votes\":{" + votes + "}}";
        }

        private static String number(double d) {
            if (Double.isNaN(d)) return "NaN";
            if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
            return Double.toString(d);
        }
    }
}
