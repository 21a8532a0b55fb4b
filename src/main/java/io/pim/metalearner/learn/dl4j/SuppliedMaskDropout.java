package io.pim.metalearner.learn.dl4j;

import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnoreProperties;

/**
 * DL4J dropout whose mask the engine supplies before each training step, instead of DL4J drawing
 * one from its own RNG: both engines then drop the same units, drawn from the learner's seeded RNG
 * ({@link Network#dropoutMask}), which is what makes them agree and the learner reproducible.
 * DL4J applies a layer's dropout to that layer's input, so the mask after hidden layer 1 belongs
 * to layer 2's dropout. The mask already holds the 1/keep scaling (inverted dropout).
 */
@JsonIgnoreProperties({"mask"})
public final class SuppliedMaskDropout implements IDropout {
    private transient INDArray mask;

    /** The mask for the next training forward pass; the array is read, not copied. */
    public void setMask(INDArray mask) {
        this.mask = mask;
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray result, int iteration, int epoch,
                                 LayerWorkspaceMgr workspaceMgr) {
        if (mask == null) {
            throw new IllegalStateException("a training step needs a dropout mask from the engine");
        }
        if (!mask.equalShapes(input)) {
            throw new IllegalStateException("dropout mask " + mask.shapeInfoToString() + " does not fit input "
                    + input.shapeInfoToString() + " (one example per step)");
        }
        return input.mul(mask, result);
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        return gradAtOutput.mul(mask, gradAtInput);
    }

    /** DL4J calls this between passes; the mask is the engine's, so it is kept. */
    @Override
    public void clear() {
    }

    @Override
    public SuppliedMaskDropout clone() {
        return new SuppliedMaskDropout();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SuppliedMaskDropout;
    }

    @Override
    public int hashCode() {
        return SuppliedMaskDropout.class.hashCode();
    }
}
