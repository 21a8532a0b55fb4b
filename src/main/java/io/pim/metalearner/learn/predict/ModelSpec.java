package io.pim.metalearner.learn.predict;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What predicts a trade's return, as text: {@code family} or {@code family(key=value,...)}.
 * <ul>
 * <li>{@code seed-net}: the original network, exactly (no parameters: its maths is fixed);</li>
 * <li>{@code net(features, hidden, lr, dropout, batch)}: a network of any hidden sizes
 *     ({@code hidden=32x16}), learning rate, dropout, and mini-batch size K (one Adam step per K
 *     trades, on their mean gradient);</li>
 * <li>{@code ensemble(members, ...net parameters)}: that many networks, each from its own seed,
 *     predicting their mean;</li>
 * <li>{@code ridge(features, forget, delta)}: online ridge regression by recursive least squares,
 *     forgetting factor λ ({@code forget=1} keeps all history) and prior precision δ.</li>
 * </ul>
 * {@code features=side} (the default of the new families) encodes the votes relative to the
 * position's side ({@link SideFeatures}); {@code features=votes} is the original encoding.
 * {@link #canonical()} names every parameter, so a stored spec means the same whatever later
 * defaults become.
 */
public record ModelSpec(String family, String features, List<Integer> hidden, double lr, double dropout,
                        int batch, int members, double forget, double delta) {
    public static final String SEED_NET = "seed-net";
    public static final List<String> FAMILIES = List.of(SEED_NET, "net", "ensemble", "ridge");
    public static final List<String> FEATURES = List.of("side", "votes");
    private static final Map<String, Set<String>> KEYS = Map.of(
            SEED_NET, Set.of(),
            "net", Set.of("features", "hidden", "lr", "dropout", "batch"),
            "ensemble", Set.of("members", "features", "hidden", "lr", "dropout", "batch"),
            "ridge", Set.of("features", "forget", "delta"));

    public ModelSpec {
        hidden = List.copyOf(hidden);
        if (!FAMILIES.contains(family)) {
            throw new IllegalArgumentException("model: family '" + family + "' is not one of " + String.join(", ", FAMILIES));
        }
        if (!FEATURES.contains(features)) {
            throw new IllegalArgumentException("model: features '" + features + "' is not one of side, votes");
        }
        if (hidden.isEmpty() || hidden.stream().anyMatch(h -> h < 1 || h > 4096)) {
            throw new IllegalArgumentException("model: hidden must be 1 to 4096 units per layer, like 32x16; was " + hidden);
        }
        if (!(lr > 0 && lr < 1)) throw new IllegalArgumentException("model: lr must be in (0, 1), was " + lr);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("model: dropout must be in [0, 1), was " + dropout);
        if (batch < 1 || batch > 100_000) throw new IllegalArgumentException("model: batch must be 1 to 100000 trades, was " + batch);
        if (members < 1 || members > 64) throw new IllegalArgumentException("model: members must be 1 to 64, was " + members);
        if (!(forget > 0.5 && forget <= 1)) throw new IllegalArgumentException("model: forget must be in (0.5, 1], was " + forget);
        if (!(delta > 0) || Double.isInfinite(delta)) throw new IllegalArgumentException("model: delta must be a finite number > 0, was " + delta);
    }

    /** The family's defaults: the original network's hyperparameters, side-relative features. */
    static ModelSpec defaults(String family) {
        return new ModelSpec(family, family.equals(SEED_NET) ? "votes" : "side", List.of(64, 32), 1e-3, 0.2, 1,
                family.equals("ensemble") ? 5 : 1, 1.0, 1.0);
    }

    /**
     * Parses {@code family} or {@code family(key=value,...)}.
     *
     * @throws IllegalArgumentException {@code model: ...} naming what is wrong and what is allowed
     */
    public static ModelSpec parse(String text) {
        String t = text.trim();
        int open = t.indexOf('(');
        String family = (open < 0 ? t : t.substring(0, open)).trim().toLowerCase(Locale.ROOT);
        Map<String, String> params = open < 0 ? Map.of() : params("model", t.substring(open));
        if (!FAMILIES.contains(family)) {
            throw new IllegalArgumentException("model: family '" + family + "' is not one of " + String.join(", ", FAMILIES));
        }
        for (String key : params.keySet()) {
            if (!KEYS.get(family).contains(key)) {
                throw new IllegalArgumentException("model: " + family + " has no parameter '" + key + "'"
                        + (family.equals(SEED_NET) ? " (the original network is fixed; net(...) takes hyperparameters)"
                        : "; it takes " + String.join(", ", KEYS.get(family).stream().sorted().toList())));
            }
        }
        ModelSpec d = defaults(family);
        try {
            return new ModelSpec(family, params.getOrDefault("features", d.features),
                    params.containsKey("hidden") ? hidden(params.get("hidden")) : d.hidden,
                    number(params, "lr", d.lr), number(params, "dropout", d.dropout),
                    (int) number(params, "batch", d.batch), (int) number(params, "members", d.members),
                    number(params, "forget", d.forget), number(params, "delta", d.delta));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model: '" + text + "' has a value that is not a number: " + e.getMessage());
        }
    }

    /** Every parameter of the family, in a fixed order: equal specs have equal text. */
    public String canonical() {
        var p = new ArrayList<String>();
        switch (family) {
            case SEED_NET -> {
                return SEED_NET;
            }
            case "ridge" -> {
                p.add("features=" + features);
                p.add("forget=" + number(forget));
                p.add("delta=" + number(delta));
            }
            default -> {
                if (family.equals("ensemble")) p.add("members=" + members);
                p.add("features=" + features);
                p.add("hidden=" + String.join("x", hidden.stream().map(String::valueOf).toList()));
                p.add("lr=" + number(lr));
                p.add("dropout=" + number(dropout));
                p.add("batch=" + batch);
            }
        }
        return family + "(" + String.join(",", p) + ")";
    }

    public boolean sideFeatures() {
        return features.equals("side");
    }

    /** Shortest plain decimal (no exponent), so canonical text is stable and readable. */
    public static String number(double x) {
        return BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
    }

    /** {@code (k=v,k=v)} → an ordered map; what is wrong is reported under {@code field}. */
    public static Map<String, String> params(String field, String parenthesized) {
        String t = parenthesized.trim();
        if (!t.startsWith("(") || !t.endsWith(")")) {
            throw new IllegalArgumentException(field + ": parameters go in parentheses, like (lr=0.003,batch=4); was " + t);
        }
        Map<String, String> out = new LinkedHashMap<>();
        String body = t.substring(1, t.length() - 1).trim();
        if (body.isEmpty()) return out;
        for (String pair : body.split(",")) {
            int eq = pair.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException(field + ": '" + pair.trim() + "' is not key=value");
            String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (out.put(key, pair.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException(field + ": '" + key + "' is given twice");
            }
        }
        return out;
    }

    private static double number(Map<String, String> params, String key, double fallback) {
        String v = params.get(key);
        if (v == null) return fallback;
        double x = Double.parseDouble(v);
        if ((key.equals("batch") || key.equals("members")) && x != Math.rint(x)) {
            throw new IllegalArgumentException("model: " + key + " must be a whole number, was " + v);
        }
        return x;
    }

    private static List<Integer> hidden(String text) {
        var out = new ArrayList<Integer>();
        for (String part : text.toLowerCase(Locale.ROOT).split("x")) out.add(Integer.parseInt(part.trim()));
        return out;
    }
}
