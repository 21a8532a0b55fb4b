package io.pim.metalearner.learn.dl4j;

import io.pim.metalearner.learn.net.Network;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The seed's output activation {@code scale·tanh(x)} (scale 0.2: a predicted return within ±20%),
 * which DL4J does not have. It is a plain bean so DL4J's JSON configuration (and so
 * {@code ModelSerializer}) can write it and read it back; the class must be on the reader's
 * classpath.
 */
public final class ScaledTanh extends BaseActivationFunction {
    @JsonProperty("scale")
    private double scale;

    public ScaledTanh() {
        this(Network.OUTPUT_SCALE);
    }

    public ScaledTanh(@JsonProperty("scale") double scale) {
        this.scale = scale;
    }

    public double getScale() {
        return scale;
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return tanh(in).muli(scale);
    }

    /** dL/dz = (dL/dy · scale) · (1 − tanh²z), in FastEngine's order of float operations. */
    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray t = tanh(in);
        t.muli(t).rsubi(1.0);
        return new Pair<>(epsilon.muli(scale).muli(t), null);
    }

    /**
     * tanh in place, with Java's {@link Math#tanh} rounded to float rather than libnd4j's float
     * tanh, which differs from it by an ulp about half the time: the FastEngine uses Java's, and
     * the output layer has one unit, so this costs nothing and removes a rounding difference.
     */
    private static INDArray tanh(INDArray in) {
        for (long i = 0, n = in.length(); i < n; i++) in.putScalar(i, (float) Math.tanh(in.getFloat(i)));
        return in;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaledTanh other && Double.compare(other.scale, scale) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(scale);
    }

    @Override
    public String toString() {
        return "scaledtanh(" + scale + ")";
    }
}
