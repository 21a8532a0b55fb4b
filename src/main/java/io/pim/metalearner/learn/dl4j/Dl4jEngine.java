package io.pim.metalearner.learn.dl4j;

import io.pim.metalearner.learn.net.AdamState;
import io.pim.metalearner.learn.net.Engine;
import io.pim.metalearner.learn.net.GlobalNorm;
import io.pim.metalearner.learn.net.Network;
import java.nio.FloatBuffer;
import java.util.function.Supplier;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The seed's network as a DL4J {@link MultiLayerNetwork}, trained with a custom step instead of
 * {@code fit()}: DL4J computes the gradient (with dropout masks the engine supplies), the gradient is
 * clipped by its global L2 norm (DL4J only clips per layer or per parameter), then DL4J's own Adam
 * updater turns it into the update that is subtracted from the parameters, as {@code fit()} does.
 *
 * <p>Parameters, gradient and Adam moments live in DL4J's flat views, laid out as {@link Network}
 * says; the one Adam updater block's state view is [m..., v...] and the Adam step is DL4J's
 * iteration count, so {@link #state()} and {@link #load} map to {@link AdamState} exactly.
 */
public final class Dl4jEngine implements Engine {
    private final Network net;
    private final MultiLayerNetwork model;
    private final INDArray params, gradient;
    private float lrScale = 1f;
    private final INDArray update; // the gradient view in params' shape: after the updater it holds Adam's update
    private final FloatBuffer gradientFloats; // DL4J's gradient memory, readable from Java
    private final float[] gradientCopy;
    private final INDArray input, label, mask1, mask2; // reused every step
    private final SuppliedMaskDropout dropout1, dropout2;
    private final LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();

    /** Loads ND4J's native libraries, or throws the {@link LinkageError} that says why they cannot load. */
    public static void loadNatives() {
        Nd4j.scalar(0.0);
    }

    public Dl4jEngine(Network net, AdamState state) {
        this.net = net;
        singleThreaded();
        model = newModel(net, SuppliedMaskDropout::new);
        params = model.params();
        gradient = model.getFlattenedGradients();
        gradientFloats = gradient.data().asNioFloat();
        gradientCopy = new float[net.paramCount];
        update = gradient.reshape(params.shape());
        if (gradient.data().offset() != 0 || gradient.length() != net.paramCount
                || update.data().address() != gradient.data().address()) {
            throw new IllegalStateException("DL4J's gradient view is not the flat layout");
        }
        // DL4J applies a layer's dropout to its input: layer 1's input is hidden layer 1's output.
        dropout1 = (SuppliedMaskDropout) model.getLayer(1).conf().getLayer().getIDropout();
        dropout2 = (SuppliedMaskDropout) model.getLayer(2).conf().getLayer().getIDropout();
        input = Nd4j.create(DataType.FLOAT, 1, net.inputs);
        label = Nd4j.create(DataType.FLOAT, 1, 1);
        mask1 = Nd4j.create(DataType.FLOAT, 1, Network.HIDDEN1);
        mask2 = Nd4j.create(DataType.FLOAT, 1, Network.HIDDEN2);
        load(state);
    }

    /**
     * One example per step makes every op tiny (at most 64×64), far below what pays for a second
     * thread, and on a busy machine OpenMP's waiting threads cost more than the work: measured here
     * with other processes running, a step took ~40 ms with ND4J's default threads and ~2 ms with
     * one. The setting is process-wide; DL4J is used only by this engine and the export.
     */
    static void singleThreaded() {
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
    }

    /**
     * A freshly initialised DL4J network of this shape: float, Adam(1e-3, 0.9, 0.999, 1e-8), MSE,
     * the given dropout on the two hidden layers' outputs. Its updater is created eagerly, so loaded
     * moments are not zeroed by a lazy initialisation at the first update.
     */
    static MultiLayerNetwork newModel(Network net, Supplier<IDropout> dropout) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .seed(0) // the random init is overwritten by load(); the seed only keeps it quiet
                .updater(new Adam(1e-3, 0.9, 0.999, 1e-8))
                .list()
                .layer(new DenseLayer.Builder().nIn(net.inputs).nOut(Network.HIDDEN1)
                        .activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(Network.HIDDEN1).nOut(Network.HIDDEN2)
                        .activation(Activation.RELU).dropOut(dropout.get()).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(Network.HIDDEN2).nOut(1)
                        .activation(new ScaledTanh()).dropOut(dropout.get()).build())
                .build();
        MultiLayerNetwork model = new MultiLayerNetwork(conf);
        model.init();
        adamOf(model);
        return model;
    }

    /** The network's only updater block, initialised; fails if DL4J split the parameters. */
    static AdamUpdater adamOf(MultiLayerNetwork model) {
        var blocks = ((BaseMultiLayerUpdater<?>) model.getUpdater()).getUpdaterBlocks();
        if (blocks.size() != 1) {
            throw new IllegalStateException("expected one Adam block over all parameters, DL4J made " + blocks.size());
        }
        UpdaterBlock block = blocks.get(0);
        block.init();
        return (AdamUpdater) block.getGradientUpdater();
    }

    /** Copies params, moments and step into a DL4J network built by {@link #newModel}. */
    static void write(AdamState s, MultiLayerNetwork model, Network net) {
        if (s.params().length != net.paramCount) {
            throw new IllegalArgumentException("state has " + s.params().length + " parameters, the network "
                    + net.paramCount + " (was the roster changed?)");
        }
        AdamUpdater adam = adamOf(model);
        model.params().assign(row(s.params()));
        adam.getM().assign(row(s.m()));
        adam.getV().assign(row(s.v()));
        // Adam's t for the next update is iteration + 1, so the iteration count is the steps taken.
        model.setIterationCount(Math.toIntExact(s.step()));
    }

    /** Params, moments and step of a DL4J network built like {@link #newModel}. */
    static AdamState read(MultiLayerNetwork model) {
        AdamUpdater adam = adamOf(model);
        return new AdamState(model.params().toFloatVector(), adam.getM().toFloatVector(),
                adam.getV().toFloatVector(), model.getIterationCount());
    }

    private static INDArray row(float[] values) {
        return Nd4j.createFromArray(values).reshape(1, values.length);
    }

    @Override
    public Network network() {
        return net;
    }

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public float predict(float[] features) {
        setInput(features);
        return model.output(input, false).getFloat(0);
    }

    @Override
    public float trainStep(float[] features, float target, float[] m1, float[] m2) {
        computeGradient(features, target, m1, m2);
        float loss = (float) model.score();
        // the global-norm clip, on a Java copy of the gradient, exactly as FastEngine computes it
        gradientFloats.get(0, gradientCopy);
        double norm = GlobalNorm.of(gradientCopy);
        GlobalNorm.requireFinite(loss, norm);
        float coef = GlobalNorm.clipCoefficient(norm);
        if (coef < 1f) gradient.muli(coef);
        int iteration = model.getIterationCount();
        model.getUpdater().update(model, model.gradient(), iteration, model.getEpochCount(), 1, noWorkspaces);
        // Adam's update is linear in the learning rate: a boost scales it (the seed's rate leaves it alone)
        if (lrScale != 1f) update.muli(lrScale);
        params.subi(update); // as DL4J's fit() does
        model.setIterationCount(iteration + 1);
        return loss;
    }

    /** Forward and backward in training mode; leaves the raw gradient in DL4J's flat view. */
    public void computeGradient(float[] features, float target, float[] m1, float[] m2) {
        setInput(features);
        label.putScalar(0, target);
        copy(m1, mask1, "dropout mask 1");
        copy(m2, mask2, "dropout mask 2");
        dropout1.setMask(mask1);
        dropout2.setMask(mask2);
        model.setInput(input);
        model.setLabels(label);
        model.computeGradientAndScore();
    }

    private void setInput(float[] features) {
        copy(features, input, "features");
    }

    /** Copies into native memory, so a wrong length must not get that far. */
    private static void copy(float[] from, INDArray to, String what) {
        if (from.length != to.length()) {
            throw new IllegalArgumentException(from.length + " " + what + " where the network takes " + to.length());
        }
        to.data().setData(from);
    }

    /** A copy of the flat gradient view (tests compare it with FastEngine's). */
    public float[] gradient() {
        return gradient.toFloatVector();
    }

    @Override
    public void learningRateScale(float scale) {
        lrScale = scale;
    }

    @Override
    public AdamState state() {
        return read(model);
    }

    @Override
    public void load(AdamState s) {
        write(s, model, net);
    }

    /** The DL4J network itself, for export and inspection. */
    public MultiLayerNetwork model() {
        return model;
    }
}
