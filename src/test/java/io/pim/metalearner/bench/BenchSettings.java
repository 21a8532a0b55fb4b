package io.pim.metalearner.bench;

import java.util.Properties;

/** {@code -Dbench.settings=key=value,key=value}: extra service settings for a benchmark's embedded stack. */
final class BenchSettings {
    private BenchSettings() {
    }

    static Properties addTo(Properties settings) {
        for (String kv : System.getProperty("bench.settings", "").split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) settings.setProperty(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return settings;
    }
}
