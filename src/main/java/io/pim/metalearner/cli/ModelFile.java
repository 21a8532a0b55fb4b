package io.pim.metalearner.cli;

import io.pim.metalearner.learn.dl4j.Dl4jExport;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.predict.ModelSpec;
import io.pim.metalearner.learn.net.Network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * An exported model: one zip holding {@value #DL4J} (a DL4J {@code ModelSerializer} file: the
 * network, its parameters and Adam state, for DL4J tooling) and {@value #STATE} (the whole learner:
 * what {@code import} restores, byte for byte, so the fingerprint survives the round trip). A
 * learner variant that is not the seed's network (ridge, another net, an ensemble) has no DL4J
 * form: its file holds {@value #STATE} only.
 */
final class ModelFile {
    static final String DL4J = "model.dl4j.zip";
    static final String STATE = "learner.state";

    private ModelFile() {
    }

    static void write(byte[] state, Path file) throws IOException {
        Learner learner = LearnerCodec.decode(state);
        boolean seedNetwork = learner.config().model().equals(ModelSpec.SEED_NET);
        Path dl4j = seedNetwork ? Files.createTempFile("metalearner-export", ".zip") : null;
        try {
            if (seedNetwork) Dl4jExport.write(new Network(learner.config().roster().size()), learner.adamState(), dl4j);
            try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
                if (seedNetwork) {
                    zip.putNextEntry(new ZipEntry(DL4J));
                    Files.copy(dl4j, zip);
                    zip.closeEntry();
                }
                zip.putNextEntry(new ZipEntry(STATE));
                zip.write(state);
                zip.closeEntry();
            }
        } finally {
            if (dl4j != null) Files.deleteIfExists(dl4j);
        }
    }

    /** The learner state in an exported file. */
    static byte[] readState(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals(STATE)) return zip.readAllBytes();
            }
        }
        throw new IOException(file + " has no " + STATE + " entry: not a file written by export");
    }
}
