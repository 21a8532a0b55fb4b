package io.pim.metalearner.learn;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Network;
import io.pim.metalearner.learn.net.Rng;
import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.regime.Regime;
import io.pim.metalearner.learn.regime.RegimeResponse;
import io.pim.metalearner.learn.score.RollingWindow;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The whole learner as one versioned binary: what the state store holds and what a checkpoint is.
 * Big-endian, fixed layout, no maps or timestamps, so equal learners encode to equal bytes.
 * The engine is not part of it: both engines compute the same math on the same layout, so a state
 * (and its fingerprint) does not say, or depend on, which engine produced it; whoever decodes it
 * picks the engine that continues it.
 * <pre>
 * "PIML" version:int                          (strings: length:int + UTF-8 bytes)
 * config:   roster(n:int, n × string) rule:string hedgeRate:double seed:long window:int
 * adam:     count:int params[count]:float m[count]:float v[count]:float adamStep:long
 * learner:  step:long rng:long
 * agents:   n × (weight:double decisions:long correct:long contribution:double)
 * window:   size:int next:int predicted[window]:double actual[window]:double
 * pnl:      learned:double uniform:double
 * </pre>
 * That is version 2, the original learner's (the seed's network with a per-agent weight rule),
 * unchanged, so its bytes and fingerprints are too. A variant ({@link ModelSpec}, or the
 * {@code linear} rule) is version 3: its spec, then its predictor's and rule's own state:
 * <pre>
 * "PIML" 3
 * config:   roster rule:string hedgeRate:double seed:long window:int model:string
 * learner:  step:long
 * model:    size:int bytes[size]       (the predictor's, random state included)
 * rule:     size:int bytes[size]
 * agents, window, pnl as in version 2
 * </pre>
 * A learner with a regime response ({@link RegimeResponse}, none by default) is version 4: the
 * response, the learner without it in version 2 or 3, then the response's state ({@link Regime}):
 * <pre>
 * "PIML" 4
 * response: resetMoments:byte boostFactor:double boostSteps:int
 *           drift(delta:double threshold:double alpha:double minInstances:int clearSteps:int)
 * learner:  size:int bytes[size]      (version 2 or 3, as above)
 * regime:   pageHinkley(count:long mean:double sum:double min:double detected:byte) episode:byte
 *           stepsSinceDrift:long boostedUntil:long responses:long lastResponseStep:long
 * </pre>
 * A learner its divergence guard stopped ({@link Learner#diverged}) is version 5: when and why,
 * then the learner as it would be written otherwise (version 2, 3 or 4). A learner that never
 * diverged is written as before, so its bytes and fingerprint do not change, and every older
 * state still decodes (as a learner that has not diverged):
 * <pre>
 * "PIML" 5
 * diverged: step:long reason:string
 * learner:  size:int bytes[size]      (version 2, 3 or 4, as above)
 * </pre>
 */
public final class LearnerCodec {
    static final int MAGIC = 0x50494D4C; // "PIML"
    public static final int VERSION = 2;
    /** The layout of a variant learner. */
    public static final int VARIANT_VERSION = 3;
    /** The layout of a learner with a regime response. */
    public static final int RESPONSE_VERSION = 4;
    /** The layout of a learner its divergence guard stopped. */
    public static final int DIVERGED_VERSION = 5;
    private static final int RESPONSE_SIZE = 1 + 8 + 4 + 8 + 8 + 8 + 4 + 4;

    private LearnerCodec() {
    }

    public static byte[] encode(Learner l) {
        if (l.divergedAt != 0) return encodeDiverged(l);
        return encodeUnguarded(l);
    }

    private static byte[] encodeUnguarded(Learner l) {
        if (l.regime != null) return encodeWithResponse(l);
        return l.config().isSeedLayout() ? encodeSeed(l) : VariantCodec.encode(l);
    }

    private static byte[] encodeDiverged(Learner l) {
        byte[] inner = encodeUnguarded(l);
        byte[] reason = l.divergence.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(4 + 4 + 8 + 4 + reason.length + 4 + inner.length);
        out.putInt(MAGIC).putInt(DIVERGED_VERSION).putLong(l.divergedAt);
        putBytes(out, reason);
        putBytes(out, inner);
        return out.array();
    }

    private static byte[] encodeWithResponse(Learner l) {
        byte[] inner = l.config().isSeedLayout() ? encodeSeed(l) : VariantCodec.encode(l);
        ByteBuffer out = ByteBuffer.allocate(4 + 4 + Regime.ENCODED_SIZE + 4 + inner.length);
        out.putInt(MAGIC).putInt(RESPONSE_VERSION);
        ByteBuffer regime = ByteBuffer.allocate(Regime.ENCODED_SIZE);
        l.regime.encode(regime);
        out.put(regime.array(), 0, RESPONSE_SIZE);
        putBytes(out, inner);
        out.put(regime.array(), RESPONSE_SIZE, Regime.ENCODED_SIZE - RESPONSE_SIZE);
        if (out.hasRemaining()) throw new IllegalStateException("state size miscounted by " + out.remaining());
        return out.array();
    }

    private static byte[] encodeSeed(Learner l) {
        LearnerConfig c = l.config();
        List<byte[]> names = new ArrayList<>();
        for (String agent : c.roster()) names.add(agent.getBytes(StandardCharsets.UTF_8));
        byte[] rule = c.rule().getBytes(StandardCharsets.UTF_8);
        AdamState adam = l.adamStateView();
        int n = names.size(), count = adam.params().length, window = l.window.predicted.length;
        int size = 4 + 4
                + 4 + names.stream().mapToInt(b -> 4 + b.length).sum() + 4 + rule.length + 8 + 8 + 4
                + 4 + 3 * 4 * count + 8
                + 8 + 8
                + n * (8 + 8 + 8 + 8)
                + 4 + 4 + 2 * 8 * window
                + 8 + 8;
        ByteBuffer out = ByteBuffer.allocate(size); // big-endian
        out.putInt(MAGIC).putInt(VERSION);
        out.putInt(n);
        for (byte[] name : names) putBytes(out, name);
        putBytes(out, rule);
        out.putDouble(c.hedgeRate()).putLong(c.seed()).putInt(c.window());

        out.putInt(count);
        putFloats(out, adam.params());
        putFloats(out, adam.m());
        putFloats(out, adam.v());
        out.putLong(adam.step());

        out.putLong(l.step).putLong(l.rng.state());
        putRecord(out, l);
        if (out.hasRemaining()) throw new IllegalStateException("state size miscounted by " + out.remaining());
        return out.array();
    }

    /** Decodes a state to continue on the default ({@code fast}) engine. */
    public static Learner decode(byte[] bytes) {
        return decode(bytes, LearnerConfig.defaults().engine());
    }

    /**
     * Decodes a state to continue on {@code engine}.
     *
     * @throws IllegalArgumentException if the bytes are not a learner state this version can read
     */
    public static Learner decode(byte[] bytes, String engine) {
        return decode(bytes, engine, null);
    }

    /** {@code response} is null at the top level, the one read from a version 4 header inside it. */
    private static Learner decode(byte[] bytes, String engine, RegimeResponse response) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (bytes.length < 8 || in.getInt() != MAGIC) {
                throw new IllegalArgumentException("not a metalearner state (bad magic)");
            }
            int version = in.getInt();
            if (version == DIVERGED_VERSION && response == null) return decodeDiverged(in, engine);
            if (version == RESPONSE_VERSION && response == null) return decodeWithResponse(in, engine);
            if (version == VARIANT_VERSION) return VariantCodec.decode(in, engine, response);
            if (version != VERSION) {
                throw new IllegalArgumentException("learner state version " + version
                        + " is not supported; this build reads version " + VERSION + " (the original learner), "
                        + VARIANT_VERSION + " (variants), " + RESPONSE_VERSION + " (with a regime response) and "
                        + DIVERGED_VERSION + " (diverged)");
            }
            int agents = in.getInt();
            List<String> roster = new ArrayList<>(agents);
            for (int i = 0; i < agents; i++) roster.add(getString(in));
            var config = new LearnerConfig(roster, engine, getString(in), in.getDouble(),
                    in.getLong(), in.getInt(), ModelSpec.SEED_NET, response);

            int count = in.getInt();
            int expected = new Network(agents).paramCount;
            if (count != expected) {
                throw new IllegalArgumentException("learner state has " + count + " parameters, "
                        + agents + " agents need " + expected);
            }
            float[] params = getFloats(in, count), m = getFloats(in, count), v = getFloats(in, count);
            var adam = new AdamState(params, m, v, in.getLong());

            long step = in.getLong();
            var learner = new Learner(config, adam, new Rng(in.getLong()));
            learner.step = step;
            getRecord(in, learner);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("learner state has " + in.remaining() + " trailing bytes");
            }
            return learner;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("learner state is truncated", e);
        }
    }

    private static Learner decodeDiverged(ByteBuffer in, String engine) {
        long divergedAt = in.getLong();
        String reason = getString(in);
        if (divergedAt <= 0) throw new IllegalArgumentException("learner state version 5 names no divergence step");
        int size = in.getInt();
        if (size < 0 || size > in.remaining()) throw new IllegalArgumentException("learner state is corrupt");
        byte[] inner = new byte[size];
        in.get(inner);
        if (in.hasRemaining()) throw new IllegalArgumentException("learner state has " + in.remaining() + " trailing bytes");
        if (inner.length >= 8 && ByteBuffer.wrap(inner).getInt(4) == DIVERGED_VERSION) {
            throw new IllegalArgumentException("learner state version 5 inside version 5");
        }
        Learner learner = decode(inner, engine, null);
        learner.divergedAt = divergedAt;
        learner.divergence = reason;
        return learner;
    }

    private static Learner decodeWithResponse(ByteBuffer in, String engine) {
        RegimeResponse response = Regime.decodeResponse(in);
        if (response.isNone()) throw new IllegalArgumentException("learner state version 4 names no regime response");
        int size = in.getInt();
        if (size < 0 || size > in.remaining()) throw new IllegalArgumentException("learner state is corrupt");
        byte[] inner = new byte[size];
        in.get(inner);
        Learner learner = decode(inner, engine, response);
        learner.regime.decodeState(in);
        if (in.hasRemaining()) throw new IllegalArgumentException("learner state has " + in.remaining() + " trailing bytes");
        return learner;
    }

    /** Bytes of {@link #putRecord}: agents, window and P&L, the part every layout shares. */
    static int recordSize(Learner l) {
        return l.weights.length * (8 + 8 + 8 + 8) + 4 + 4 + 2 * 8 * l.window.predicted.length + 8 + 8;
    }

    static void putRecord(ByteBuffer out, Learner l) {
        for (int i = 0; i < l.weights.length; i++) {
            out.putDouble(l.weights[i]).putLong(l.decisions[i]).putLong(l.correct[i]).putDouble(l.contribution[i]);
        }
        RollingWindow w = l.window;
        out.putInt(w.size).putInt(w.next);
        for (double p : w.predicted) out.putDouble(p);
        for (double a : w.actual) out.putDouble(a);
        out.putDouble(l.pnlLearned).putDouble(l.pnlUniform);
    }

    static void getRecord(ByteBuffer in, Learner learner) {
        for (int i = 0; i < learner.weights.length; i++) {
            learner.weights[i] = in.getDouble();
            learner.decisions[i] = in.getLong();
            learner.correct[i] = in.getLong();
            learner.contribution[i] = in.getDouble();
        }
        RollingWindow w = learner.window;
        w.size = in.getInt();
        w.next = in.getInt();
        for (int i = 0; i < w.predicted.length; i++) w.predicted[i] = in.getDouble();
        for (int i = 0; i < w.actual.length; i++) w.actual[i] = in.getDouble();
        learner.pnlLearned = in.getDouble();
        learner.pnlUniform = in.getDouble();
    }

    /** The fingerprint of a learner: SHA-256 (hex) of its encoded state. */
    public static String fingerprint(Learner l) {
        return fingerprint(encode(l));
    }

    /**
     * The one fingerprint function: SHA-256 (hex) of an encoded state, so a caller that holds the
     * bytes already (the training processor, on every step) need not encode them twice. Equal
     * fingerprints mean byte-identical learners.
     */
    public static String fingerprint(byte[] state) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(state));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void putFloats(ByteBuffer out, float[] values) {
        // a bulk put through a big-endian float view: one bounds check instead of one per value
        out.asFloatBuffer().put(values);
        out.position(out.position() + 4 * values.length);
    }

    static void putBytes(ByteBuffer out, byte[] b) {
        out.putInt(b.length).put(b);
    }

    static String getString(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) throw new IllegalArgumentException("learner state is corrupt");
        byte[] b = new byte[length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static float[] getFloats(ByteBuffer in, int count) {
        float[] values = new float[count];
        in.asFloatBuffer().get(values);
        in.position(in.position() + 4 * count);
        return values;
    }
}
