package io.pim.metalearner.learn.net;

/**
 * The seed's network in plain Java over one flat float array (DL4J's layout). About a hundred times
 * faster than DL4J for a network this small, because no step crosses into native code. The math
 * is DL4J's, operation for operation: dot products accumulate with fused multiply-adds and add the
 * bias last (as OpenBLAS's sgemm kernels do), Adam is libnd4j's float kernel, and the scaled tanh
 * and the global-norm clip are computed the same way in both engines. That makes them agree within
 * float rounding, not bit for bit: OpenBLAS picks its kernel by CPU at run time and may sum in
 * another order, and a rounding difference carries into every later step. What holds, and what
 * {@code EnginesAgreeTest} checks (docs/DESIGN.md §4), is parameters within 1e-6 after 1,000 steps and
 * predictions within 1e-4 over 3,000 trades. (On this project's x86-64 machine the test happens
 * to measure no difference at all; nothing may rely on that.)
 */
public final class FastEngine implements Engine {
    private final Network net;
    private final float[] p, g, m, v;
    private long step;
    private float lrScale = 1f;

    // per-step scratch, allocated once
    private final float[] z1 = new float[Network.HIDDEN1], a1 = new float[Network.HIDDEN1], dz1 = new float[Network.HIDDEN1];
    private final float[] z2 = new float[Network.HIDDEN2], a2 = new float[Network.HIDDEN2], dz2 = new float[Network.HIDDEN2];
    private float[] mask1, mask2; // this step's dropout masks, for backward

    public FastEngine(Network net, AdamState state) {
        this.net = net;
        int n = net.paramCount;
        p = new float[n];
        g = new float[n];
        m = new float[n];
        v = new float[n];
        load(state);
    }

    @Override
    public Network network() {
        return net;
    }

    @Override
    public String name() {
        return "fast";
    }

    @Override
    public float predict(float[] x) {
        return Network.OUTPUT_SCALE * (float) Math.tanh(forward(x, null, null));
    }

    @Override
    public float trainStep(float[] x, float target, float[] mask1, float[] mask2) {
        float t = (float) Math.tanh(forward(x, mask1, mask2));
        float y = Network.OUTPUT_SCALE * t;
        float err = y - target;
        float loss = err * err;
        backward(x, 2f * err * Network.OUTPUT_SCALE * (1f - t * t));
        double norm = GlobalNorm.of(g);
        GlobalNorm.requireFinite(loss, norm);
        clip(GlobalNorm.clipCoefficient(norm));
        adam();
        return loss;
    }

    /** The raw (unclipped) gradient of one training-mode step, without updating (for tests). */
    public float[] gradient(float[] x, float target, float[] mask1, float[] mask2) {
        float t = (float) Math.tanh(forward(x, mask1, mask2));
        float err = Network.OUTPUT_SCALE * t - target;
        backward(x, 2f * err * Network.OUTPUT_SCALE * (1f - t * t));
        return g.clone();
    }

    /**
     * Returns the pre-activation of the output unit; leaves hidden activations in a1/a2. Each dot
     * product is accumulated from zero with fused multiply-adds and the bias is added last: that
     * is the order DL4J's BLAS (OpenBLAS sgemm) computes {@code x·W + b} in, so both engines round
     * alike.
     */
    private float forward(float[] x, float[] mask1, float[] mask2) {
        dense(net.w1, net.b1, x, net.inputs, z1, Network.HIDDEN1);
        reluDropout(z1, mask1, a1);
        dense(net.w2, net.b2, a1, Network.HIDDEN1, z2, Network.HIDDEN2);
        reluDropout(z2, mask2, a2);
        float s = 0f;
        for (int i = 0; i < Network.HIDDEN2; i++) s = Math.fma(p[net.w3 + i], a2[i], s);
        s += p[net.b3];
        this.mask1 = mask1;
        this.mask2 = mask2;
        return s;
    }

    /**
     * z = in·W + b for a layer whose width is a multiple of 4. Four units at a time: their FMA
     * chains are independent, so the CPU overlaps them instead of waiting on one chain's latency;
     * each unit still sums in DL4J's order.
     */
    private void dense(int w, int b, float[] in, int nIn, float[] z, int nOut) {
        for (int j = 0; j < nOut; j += 4) {
            int c0 = w + j * nIn, c1 = c0 + nIn, c2 = c1 + nIn, c3 = c2 + nIn;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int i = 0; i < nIn; i++) {
                float xi = in[i];
                s0 = Math.fma(p[c0 + i], xi, s0);
                s1 = Math.fma(p[c1 + i], xi, s1);
                s2 = Math.fma(p[c2 + i], xi, s2);
                s3 = Math.fma(p[c3 + i], xi, s3);
            }
            z[j] = s0 + p[b + j];
            z[j + 1] = s1 + p[b + j + 1];
            z[j + 2] = s2 + p[b + j + 2];
            z[j + 3] = s3 + p[b + j + 3];
        }
    }

    private static void reluDropout(float[] z, float[] mask, float[] a) {
        for (int j = 0; j < z.length; j++) {
            float r = z[j] > 0f ? z[j] : 0f;
            a[j] = mask == null ? r : r * mask[j];
        }
    }

    private void backward(float[] x, float dz3) {
        g[net.b3] = dz3;
        for (int i = 0; i < Network.HIDDEN2; i++) {
            g[net.w3 + i] = a2[i] * dz3;
            float d = p[net.w3 + i] * dz3 * mask2[i];
            dz2[i] = z2[i] > 0f ? d : 0f;
        }
        for (int j = 0; j < Network.HIDDEN2; j++) {
            g[net.b2 + j] = dz2[j];
            int col = net.w2 + j * Network.HIDDEN1;
            for (int i = 0; i < Network.HIDDEN1; i++) g[col + i] = a1[i] * dz2[j];
        }
        // dL/da1 = W2·dz2, four rows at a time for the same reason as dense()
        for (int i = 0; i < Network.HIDDEN1; i += 4) {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int j = 0; j < Network.HIDDEN2; j++) {
                int at = net.w2 + j * Network.HIDDEN1 + i;
                float d = dz2[j];
                s0 = Math.fma(p[at], d, s0);
                s1 = Math.fma(p[at + 1], d, s1);
                s2 = Math.fma(p[at + 2], d, s2);
                s3 = Math.fma(p[at + 3], d, s3);
            }
            dz1[i] = z1[i] > 0f ? s0 * mask1[i] : 0f;
            dz1[i + 1] = z1[i + 1] > 0f ? s1 * mask1[i + 1] : 0f;
            dz1[i + 2] = z1[i + 2] > 0f ? s2 * mask1[i + 2] : 0f;
            dz1[i + 3] = z1[i + 3] > 0f ? s3 * mask1[i + 3] : 0f;
        }
        int nIn = net.inputs;
        for (int j = 0; j < Network.HIDDEN1; j++) {
            g[net.b1 + j] = dz1[j];
            int col = net.w1 + j * nIn;
            for (int i = 0; i < nIn; i++) g[col + i] = x[i] * dz1[j];
        }
    }

    private void clip(float coef) {
        if (coef < 1f) {
            for (int i = 0; i < g.length; i++) g[i] *= coef;
        }
    }

    /**
     * DL4J's Adam: alpha_t = lr·√(1−β2^t)/(1−β1^t), update = alpha_t·m/(√v + ε), evaluated as
     * libnd4j's float kernel does (β^t and √ in float, the bias-correction division in double, the
     * same operand order), so a step from the same gradient gives DL4J's parameters bit for bit.
     */
    private void adam() {
        step++;
        float beta1T = (float) Math.pow(Network.BETA1, (float) step);
        float beta2T = (float) Math.pow(Network.BETA2, (float) step);
        // LEARNING_RATE * 1f is LEARNING_RATE exactly: unboosted, the seed's numbers bit for bit
        float alphaT = (float) ((Network.LEARNING_RATE * lrScale * (float) Math.sqrt((float) (1.0 - beta2T))) / (1.0 - beta1T));
        for (int i = 0; i < p.length; i++) {
            float gi = g[i];
            m[i] = Network.BETA1 * m[i] + gi * (1f - Network.BETA1);
            v[i] = Network.BETA2 * v[i] + gi * gi * (1f - Network.BETA2);
            p[i] -= (m[i] * alphaT) / ((float) Math.sqrt(v[i]) + Network.EPSILON);
        }
    }

    @Override
    public void learningRateScale(float scale) {
        lrScale = scale;
    }

    @Override
    public AdamState state() {
        return new AdamState(p.clone(), m.clone(), v.clone(), step);
    }

    @Override
    public AdamState stateView() {
        return new AdamState(p, m, v, step);
    }

    @Override
    public void load(AdamState s) {
        if (s.params().length != net.paramCount) {
            throw new IllegalArgumentException("state has " + s.params().length + " parameters, the network "
                    + net.paramCount + " (was the roster changed?)");
        }
        System.arraycopy(s.params(), 0, p, 0, p.length);
        System.arraycopy(s.m(), 0, m, 0, m.length);
        System.arraycopy(s.v(), 0, v, 0, v.length);
        step = s.step();
    }
}
