package io.pim.metalearner.learn.dl4j;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Network;
import java.io.IOException;
import java.nio.file.Path;

import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The learner's network as a DL4J {@code ModelSerializer} file (configuration, parameters, Adam
 * state, iteration count), so DL4J tooling can open, evaluate or keep training the model, and back.
 * Either engine's state can be exported: both use DL4J's parameter layout.
 *
 * <p>The file's dropout is DL4J's own {@link Dropout} with the same rate, not the engine's
 * supplied-mask dropout, so a plain DL4J {@code fit()} on the restored network works; the output
 * layer's {@link ScaledTanh} must be on the reader's classpath.
 */
public final class Dl4jExport {

    private Dl4jExport() {
    }

    public static void write(Network net, AdamState state, Path file) throws IOException {
        // DL4J's Dropout takes the probability of keeping a unit: 1 − 0.2
        MultiLayerNetwork model = Dl4jEngine.newModel(net, () -> new Dropout(0.8));
        Dl4jEngine.write(state, model, net);
        ModelSerializer.writeModel(model, file.toFile(), true);
    }

    /** Reads a file written by {@link #write} (or by DL4J from such a file) for a network of this shape. */
    public static AdamState read(Path file, Network net) throws IOException {
        MultiLayerNetwork model = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
        long inputs = ((FeedForwardLayer) model.getLayerWiseConfigurations().getConf(0).getLayer()).getNIn();
        if (inputs != net.inputs || model.numParams() != net.paramCount) {
            throw new IllegalArgumentException(file + " holds a network with " + inputs + " inputs and "
                    + model.numParams() + " parameters; the roster needs " + net.inputs + " and " + net.paramCount);
        }
        return Dl4jEngine.read(model);
    }
}
