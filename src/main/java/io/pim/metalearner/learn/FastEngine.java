package io.pim.metalearner.learn;

/**
 * The seed's network in plain Java over one flat float array (DL4J's layout). About a hundred times
 * faster than DL4J for a network this small, because no step crosses into native code. The math
 * is DL4J's, operation for operation: dot products accumulate with fused multiply-adds and add the
 * bias last (as OpenBLAS's sgemm kernels do), Adam is libnd4j's float kernel, and the scaled tanh
 * and the global-norm clip are computed the same way in both engines. On this project's machine
 * (x86-64 with FMA) the two engines are bit-identical after thousands of steps; where OpenBLAS
 * picks a kernel that sums in another order they differ by float rounding only, which
 * {@code EnginesAgreeTest} bounds (parameters within 1e-6 after 1,000 steps).
 */
public final class FastEngine implements Engine {
    private final Network net;
    private final float[] p, g, m, v;
    private long step;

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
        backward(x, 2f * err * Network.OUTPUT_SCALE * (1f - t * t));
        clipByGlobalNorm();
        adam();
        return err * err;
    }

    /** The raw (unclipped) gradient of one training-mode step, without updating (for tests). */
    float[] gradient(float[] x, float target, float[] mask1, float[] mask2) {
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
        int nIn = net.inputs;
        for (int j = 0; j < Network.HIDDEN1; j++) {
            float s = 0f;
            int col = net.w1 + j * nIn;
            for (int i = 0; i < nIn; i++) s = Math.fma(p[col + i], x[i], s);
            s += p[net.b1 + j];
            z1[j] = s;
            float a = s > 0f ? s : 0f;
            a1[j] = mask1 == null ? a : a * mask1[j];
        }
        for (int j = 0; j < Network.HIDDEN2; j++) {
            float s = 0f;
            int col = net.w2 + j * Network.HIDDEN1;
            for (int i = 0; i < Network.HIDDEN1; i++) s = Math.fma(p[col + i], a1[i], s);
            s += p[net.b2 + j];
            z2[j] = s;
            float a = s > 0f ? s : 0f;
            a2[j] = mask2 == null ? a : a * mask2[j];
        }
        float s = 0f;
        for (int i = 0; i < Network.HIDDEN2; i++) s = Math.fma(p[net.w3 + i], a2[i], s);
        s += p[net.b3];
        this.mask1 = mask1;
        this.mask2 = mask2;
        return s;
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
        for (int i = 0; i < Network.HIDDEN1; i++) {
            float s = 0f;
            for (int j = 0; j < Network.HIDDEN2; j++) s = Math.fma(p[net.w2 + j * Network.HIDDEN1 + i], dz2[j], s);
            float d = s * mask1[i];
            dz1[i] = z1[i] > 0f ? d : 0f;
        }
        int nIn = net.inputs;
        for (int j = 0; j < Network.HIDDEN1; j++) {
            g[net.b1 + j] = dz1[j];
            int col = net.w1 + j * nIn;
            for (int i = 0; i < nIn; i++) g[col + i] = x[i] * dz1[j];
        }
    }

    /** PyTorch's clip_grad_norm_: scale every gradient by max_norm / (norm + 1e-6) when that is < 1. */
    private void clipByGlobalNorm() {
        double sq = 0;
        for (float gi : g) sq += (double) gi * gi;
        float coef = (float) (Network.CLIP_NORM / (Math.sqrt(sq) + 1e-6));
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
        float alphaT = (float) ((Network.LEARNING_RATE * (float) Math.sqrt((float) (1.0 - beta2T))) / (1.0 - beta1T));
        for (int i = 0; i < p.length; i++) {
            float gi = g[i];
            m[i] = Network.BETA1 * m[i] + gi * (1f - Network.BETA1);
            v[i] = Network.BETA2 * v[i] + gi * gi * (1f - Network.BETA2);
            p[i] -= (m[i] * alphaT) / ((float) Math.sqrt(v[i]) + Network.EPSILON);
        }
    }

    @Override
    public AdamState state() {
        return new AdamState(p.clone(), m.clone(), v.clone(), step);
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
