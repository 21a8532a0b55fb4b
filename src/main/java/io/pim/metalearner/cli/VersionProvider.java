package io.pim.metalearner.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the Implementation-Version the jar plugin writes into the jar's manifest (the
 * pom's version), so the number lives in the pom alone. Run from classes (an IDE, the tests) there
 * is no manifest, and it says so rather than guess.
 */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {describe(Main.class.getPackage().getImplementationVersion())};
    }

    static String describe(String implementationVersion) {
        return implementationVersion == null ? "metalearner (development build, not run from its jar)"
                : "metalearner " + implementationVersion;
    }
}
