package io.pim.metalearner.tools.simulate;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulated desks: the decisions spread round-robin over models {@code model-1} … {@code model-N},
 * each a {@link TradeSimulator} of its own, so each model's agents have their own hidden skills.
 * Model 1 uses the seed as given and model k the seed plus {@code (k-1)·}{@value #SEED_STRIDE}
 * (their decision ids, {@code sim-<seed>-<n>}, differ too). With one model the stream is the
 * plain simulator's, byte for byte (no {@code model_id}: the service's default model).
 */
public final class DeskSimulator {
    public static final String MODEL_PREFIX = "model-";
    /** Far apart seeds: desk k of seed s is not desk 1 of seed s+1. */
    static final long SEED_STRIDE = 1_000_003L;
    private static final JsonMapper MAPPER = new JsonMapper();

    private final List<TradeSimulator> models = new ArrayList<>();
    private final int trades;
    private int produced;

    /** {@code trades} in all; model k (1-based) gets trades k, k+N, k+2N, … */
    public DeskSimulator(List<String> agents, long seed, TradeSimulator.Scenario scenario, int trades, int models) {
        if (models < 1) throw new IllegalArgumentException("--models: at least 1, was " + models);
        this.trades = trades;
        for (int k = 1; k <= models; k++) {
            int own = trades / models + (k - 1 < trades % models ? 1 : 0);
            this.models.add(new TradeSimulator(agents, seedOf(seed, k), scenario, own));
        }
    }

    public static String modelId(int k) {
        return MODEL_PREFIX + k;
    }

    static long seedOf(long seed, int k) {
        return seed + (k - 1) * SEED_STRIDE;
    }

    public int models() {
        return models.size();
    }

    /** The simulator of model {@code k} (1-based), e.g. to print its agents' skills. */
    public TradeSimulator model(int k) {
        return models.get(k - 1);
    }

    public boolean hasNext() {
        return produced < trades;
    }

    /** The next trade as one JSON line (no newline), naming its model when there are several. */
    public String next() {
        int k = produced++ % models.size();
        String line = models.get(k).next();
        if (models.size() == 1) return line;
        try {
            ObjectNode trade = (ObjectNode) MAPPER.readTree(line);
            trade.put("model_id", modelId(k + 1));
            return trade.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("the simulator writes JSON", e);
        }
    }
}
