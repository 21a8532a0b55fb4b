package io.pim.metalearner.ops;

import io.pim.metalearner.learn.Dl4jExport;
import io.pim.metalearner.learn.Learner;
import io.pim.metalearner.learn.LearnerCodec;
import io.pim.metalearner.learn.Network;

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
 * what {@code import} restores, byte for byte, so the fingerprint survives the round trip).
 */
final class ModelFile {
    static final String DL4J = "model.dl4j.zip";
    static final String STATE = "learner.state";

    private ModelFile() {
    }

    static void write(byte[] state, Path file) throws IOException {
        Learner learner = LearnerCodec.decode(state);
        Path dl4j = Files.createTempFile("metalearner-export", ".zip");
        try {
            Dl4jExport.write(new Network(learner.config().roster().size()), learner.adamState(), dl4j);
            try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry(DL4J));
                Files.copy(dl4j, zip);
                zip.closeEntry();
                zip.putNextEntry(new ZipEntry(STATE));
                zip.write(state);
                zip.closeEntry();
            }
        } finally {
            Files.deleteIfExists(dl4j);
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
