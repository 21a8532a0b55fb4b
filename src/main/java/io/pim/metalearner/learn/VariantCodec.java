package io.pim.metalearner.learn;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.regime.RegimeResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Version 3 of {@link LearnerCodec}: a variant learner (layout there). */
final class VariantCodec {
    private VariantCodec() {
    }

    static byte[] encode(Learner l) {
        LearnerConfig c = l.config();
        List<byte[]> names = new ArrayList<>();
        for (String agent : c.roster()) names.add(agent.getBytes(StandardCharsets.UTF_8));
        byte[] rule = c.rule().getBytes(StandardCharsets.UTF_8);
        byte[] model = c.model().getBytes(StandardCharsets.UTF_8);
        int modelSize = l.variant == null ? 0 : l.variant.stateSize();
        int ruleSize = l.rule().stateSize();
        int size = 4 + 4
                + 4 + names.stream().mapToInt(b -> 4 + b.length).sum() + 4 + rule.length + 8 + 8 + 4 + 4 + model.length
                + 8
                + 4 + modelSize + 4 + ruleSize
                + LearnerCodec.recordSize(l);
        if (l.variant == null) {
            // the seed's network with a variant rule: the network's part in version 2's form
            size += 4 + 3 * 4 * l.adamStateView().params().length + 8 + 8;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(LearnerCodec.MAGIC).putInt(LearnerCodec.VARIANT_VERSION);
        out.putInt(names.size());
        for (byte[] name : names) LearnerCodec.putBytes(out, name);
        LearnerCodec.putBytes(out, rule);
        out.putDouble(c.hedgeRate()).putLong(c.seed()).putInt(c.window());
        LearnerCodec.putBytes(out, model);
        out.putLong(l.step);
        if (l.variant == null) {
            AdamState adam = l.adamStateView();
            out.putInt(adam.params().length);
            out.asFloatBuffer().put(adam.params()).put(adam.m()).put(adam.v());
            out.position(out.position() + 3 * 4 * adam.params().length);
            out.putLong(adam.step()).putLong(l.rng.state());
        }
        out.putInt(modelSize);
        if (l.variant != null) l.variant.encode(out);
        out.putInt(ruleSize);
        l.rule().encode(out);
        LearnerCodec.putRecord(out, l);
        if (out.hasRemaining()) throw new IllegalStateException("state size miscounted by " + out.remaining());
        return out.array();
    }

    /** Continues after magic and version. */
    static Learner decode(ByteBuffer in, String engine, RegimeResponse response) {
        int agents = in.getInt();
        List<String> roster = new ArrayList<>(agents);
        for (int i = 0; i < agents; i++) roster.add(LearnerCodec.getString(in));
        String rule = LearnerCodec.getString(in);
        double hedgeRate = in.getDouble();
        long seed = in.getLong();
        int window = in.getInt();
        var config = new LearnerConfig(roster, engine, rule, hedgeRate, seed, window, LearnerCodec.getString(in), response);
        long step = in.getLong();
        Learner learner;
        if (config.modelSpec().family().equals(ModelSpec.SEED_NET)) {
            int count = in.getInt();
            int expected = new Network(agents).paramCount;
            if (count != expected) {
                throw new IllegalArgumentException("learner state has " + count + " parameters, " + agents + " agents need " + expected);
            }
            float[] p = new float[count], m = new float[count], v = new float[count];
            in.asFloatBuffer().get(p).get(m).get(v);
            in.position(in.position() + 3 * 4 * count);
            var adam = new AdamState(p, m, v, in.getLong());
            learner = new Learner(config, adam, new Rng(in.getLong()));
        } else {
            learner = new Learner(config, null, new Rng(seed));
        }
        learner.step = step;
        int modelSize = in.getInt();
        int expectedModel = learner.variant == null ? 0 : learner.variant.stateSize();
        if (modelSize != expectedModel) {
            throw new IllegalArgumentException("learner state has " + modelSize + " bytes of model '" + config.model()
                    + "', which needs " + expectedModel);
        }
        if (learner.variant != null) learner.variant.decode(in);
        int ruleSize = in.getInt();
        if (ruleSize != learner.rule().stateSize()) {
            throw new IllegalArgumentException("learner state has " + ruleSize + " bytes of rule '" + rule + "'");
        }
        learner.rule().decode(in);
        LearnerCodec.getRecord(in, learner);
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("learner state has " + in.remaining() + " trailing bytes");
        }
        return learner;
    }
}
