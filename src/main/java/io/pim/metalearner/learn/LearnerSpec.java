package io.pim.metalearner.learn;

import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.regime.RegimeResponse;
import io.pim.metalearner.learn.rule.LinearRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A learner variant as one string, the same wherever a learner is made (the {@code learn} and
 * {@code replay --as} flag {@code --spec}, a {@code --candidates} list, and a config value):
 * <pre>
 *   MODEL[+RULE]      e.g.  ridge(forget=0.998)+linear     net(hidden=32x16,lr=0.003,batch=8)+hedge(eta=0.5)
 *   PRESET[@VERSION]  e.g.  original     ridge@1
 * </pre>
 * MODEL is a {@link ModelSpec}; RULE is {@code seed-ema}, {@code hedge(eta=η)} or
 * {@code linear(forget=λ)}; a part left out keeps the base config's. A preset is a name for a
 * whole spec, frozen per version: {@code ridge@1} means the same spec in every later build (a
 * better recipe gets a new version), and a bare name means its newest version. Roster, engine,
 * seed and window are not part of a spec: they belong to the desk, not to the variant.
 *
 * @param name the text it was given as (trimmed), to report it under
 * @param text the spec it stands for, with presets expanded
 */
public record LearnerSpec(String name, String text) {
    public static final String ORIGINAL = "original";
    /** Preset name → spec, version 1. */
    public static final Map<String, String> PRESETS_V1 = presets();
    /** What {@code --candidates default} races beside the main learner. */
    public static final List<String> DEFAULT_CANDIDATES = List.of("ridge", "ridge-tracking", "net-batch8");

    private static Map<String, String> presets() {
        var p = new LinkedHashMap<String, String>();
        p.put(ORIGINAL, "seed-net+seed-ema");
        p.put("ridge", "ridge(features=side,forget=1,delta=1)+linear(forget=1)");
        p.put("ridge-tracking", "ridge(features=side,forget=0.998,delta=1)+linear(forget=0.998)");
        p.put("net", "net(features=side,hidden=32x16,lr=0.003,dropout=0,batch=1)+linear(forget=1)");
        p.put("net-batch8", "net(features=side,hidden=32x16,lr=0.003,dropout=0,batch=8)+linear(forget=1)");
        p.put("ensemble", "ensemble(members=5,features=side,hidden=32x16,lr=0.003,dropout=0.1,batch=1)+linear(forget=1)");
        p.put("seed-hedge", "seed-net+hedge(eta=1)");
        return java.util.Collections.unmodifiableMap(p);
    }

    /**
     * @throws IllegalArgumentException {@code spec: ...} (or the {@code model:}/{@code rule:} part's
     *         message) when the text is not a spec
     */
    public static LearnerSpec parse(String given) {
        String name = given == null ? "" : given.trim();
        if (name.isEmpty()) throw new IllegalArgumentException("spec: is empty; give MODEL[+RULE] or a preset: " + presetNames());
        int at = name.indexOf('@');
        if (at > 0 && name.indexOf('(') < 0) {
            String preset = name.substring(0, at), version = name.substring(at + 1);
            if (!version.equals("1")) {
                throw new IllegalArgumentException("spec: preset version '" + version + "' of '" + preset + "' is unknown; this build has version 1");
            }
            String text = PRESETS_V1.get(preset);
            if (text == null) throw new IllegalArgumentException("spec: no preset '" + preset + "'; presets: " + presetNames());
            return new LearnerSpec(name, text);
        }
        String preset = PRESETS_V1.get(name);
        return new LearnerSpec(name, preset != null ? preset : name);
    }

    /**
     * A list of specs separated by commas or semicolons outside parentheses; {@code default} stands
     * for {@link #DEFAULT_CANDIDATES}.
     */
    public static List<LearnerSpec> parseList(String text) {
        var out = new ArrayList<LearnerSpec>();
        int depth = 0, from = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if ((c == ',' || c == ';') && depth == 0) {
                String part = text.substring(from, i).trim();
                from = i + 1;
                if (part.isEmpty()) continue;
                if (part.equals("default")) DEFAULT_CANDIDATES.forEach(p -> out.add(parse(p)));
                else out.add(parse(part));
            }
        }
        if (depth != 0) throw new IllegalArgumentException("spec: unbalanced parentheses in '" + text + "'");
        if (out.isEmpty()) throw new IllegalArgumentException("spec: the list '" + text + "' names no spec");
        return out;
    }

    /**
     * {@code base} with this spec's model and rule. The base's regime response is not carried over:
     * a spec is a recipe of its own, so a candidate races as its spec says (a ridge model could not
     * take a response at all); a response is given to it explicitly ({@link LearnerConfig#withResponse}).
     *
     * @throws IllegalArgumentException naming the part that is wrong
     */
    public LearnerConfig applyTo(LearnerConfig base) {
        String model = text, rule = null;
        int plus = topLevelPlus(text);
        if (plus >= 0) {
            model = text.substring(0, plus).trim();
            rule = text.substring(plus + 1).trim();
        }
        LearnerConfig c = base.withResponse(RegimeResponse.NONE).withModel(ModelSpec.parse(model).canonical());
        if (rule == null) return c;
        String ruleName = LinearRule.nameOf(rule).toLowerCase(java.util.Locale.ROOT);
        if (ruleName.equals("hedge")) {
            int open = rule.indexOf('(');
            Map<String, String> params = open < 0 ? Map.of() : ModelSpec.params("rule", rule.substring(open));
            for (String key : params.keySet()) {
                if (!key.equals("eta")) throw new IllegalArgumentException("rule: hedge has no parameter '" + key + "'; it takes eta");
            }
            c = c.withRule("hedge");
            if (params.containsKey("eta")) {
                try {
                    c = c.withHedgeRate(Double.parseDouble(params.get("eta")));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("rule: hedge eta is not a number: " + params.get("eta"));
                }
            }
            return c;
        }
        if (ruleName.equals("seed-ema") && rule.indexOf('(') >= 0) {
            throw new IllegalArgumentException("rule: seed-ema takes no parameters");
        }
        return c.withRule(ruleName.equals("linear") ? rule : ruleName);
    }

    private static int topLevelPlus(String text) {
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == '+' && depth == 0) return i;
        }
        return -1;
    }

    private static String presetNames() {
        return String.join(", ", PRESETS_V1.keySet());
    }
}
