package io.pim.metalearner.testing;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Reads what a user deploys: docker-compose.yml (SnakeYAML, which resolves its anchors and merge
 * keys as Compose does) and the Kubernetes manifests as {@code kubectl kustomize} renders them.
 */
public final class DeployFiles {
    public static final Path ROOT = Path.of(System.getProperty("user.dir"));
    public static final String IMAGE = "metalearner";

    private DeployFiles() {
    }

    /**
     * A container of the metalearner image, from Compose or Kubernetes.
     *
     * @param where  "compose service x" or "Kind/name", for messages
     * @param args   its arguments: the subcommand first
     * @param env    its environment; a value from a Secret or the pod is a placeholder
     * @param config the properties file its {@code --config} names, as the container sees it
     */
    public record Container(String where, List<String> args, Map<String, String> env, Properties config) {
        public String subcommand() {
            return args.isEmpty() ? "" : args.get(0);
        }
    }

    public static Map<String, Object> compose() throws IOException {
        return new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    }

    /** The overlay rendered by kubectl, or empty when kubectl is not installed. */
    public static Optional<List<Map<String, Object>>> rendered(String overlay) throws Exception {
        return render(ROOT.resolve("deploy/k8s"), overlay);
    }

    /**
     * The overlay rendered from a copy of deploy/k8s in which one property was added to each of
     * the base's config files (a user's day-two change), or empty when kubectl is not installed.
     */
    public static Optional<List<Map<String, Object>>> renderedWithAChangedProperty(String overlay) throws Exception {
        Path copy = Files.createTempDirectory("k8s");
        try (var files = Files.walk(ROOT.resolve("deploy/k8s"))) {
            for (Path from : files.toList()) {
                Path to = copy.resolve(ROOT.resolve("deploy/k8s").relativize(from).toString());
                if (Files.isDirectory(from)) Files.createDirectories(to);
                else Files.copy(from, to);
            }
        }
        for (String file : List.of("service.properties", "writer.properties")) {
            Files.writeString(copy.resolve("base/config/" + file), "kafka.client.dns.lookup=use_all_dns_ips\n",
                    java.nio.file.StandardOpenOption.APPEND);
        }
        try {
            return render(copy, overlay);
        } finally {
            try (var files = Files.walk(copy)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    private static Optional<List<Map<String, Object>>> render(Path k8s, String overlay) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("kubectl", "kustomize", k8s.resolve("overlays/" + overlay).toString())
                    .redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return Optional.empty();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("kubectl kustomize " + overlay + " failed:\n" + out);
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(out)) if (doc != null) objects.add(map(doc));
        return Optional.of(objects);
    }

    public static List<Map<String, Object>> ofKind(List<Map<String, Object>> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    public static String name(Map<String, Object> object) {
        return (String) map(object.get("metadata")).get("name");
    }

    /** The containers of the metalearner image in Compose, with the config files they mount. */
    public static List<Container> composeContainers(Map<String, Object> compose) throws IOException {
        List<Container> containers = new ArrayList<>();
        for (var e : map(compose.get("services")).entrySet()) {
            Map<String, Object> service = map(e.getValue());
            if (!String.valueOf(service.get("image")).startsWith(IMAGE + ":")) continue;
            List<String> args = strings(service.get("command"));
            Map<String, String> env = new LinkedHashMap<>();
            map(service.getOrDefault("environment", Map.of())).forEach((k, v) -> env.put(k, String.valueOf(v)));
            Properties config = new Properties();
            int at = args.indexOf("--config");
            if (at >= 0) {
                for (String volume : strings(service.getOrDefault("volumes", List.of()))) {
                    String[] parts = volume.split(":");
                    if (parts[1].equals(args.get(at + 1))) config = properties(Files.readString(ROOT.resolve(parts[0])));
                }
            }
            containers.add(new Container("compose service " + e.getKey(), args, env, config));
        }
        return containers;
    }

    /** The containers of the metalearner image in the rendered manifests, their config from its ConfigMap. */
    public static List<Container> kubernetesContainers(List<Map<String, Object>> objects) {
        Map<String, Object> configMap = objects.stream()
                .filter(o -> "ConfigMap".equals(o.get("kind")) && name(o).startsWith("metalearner-config"))
                .findFirst().map(o -> map(o.get("data"))).orElseThrow();
        List<Container> containers = new ArrayList<>();
        for (Map<String, Object> workload : workloads(objects)) {
            for (Map<String, Object> c : podContainers(workload)) {
                if (!String.valueOf(c.get("image")).contains("/" + IMAGE + ":")) continue;
                List<String> args = strings(c.getOrDefault("args", List.of()));
                Map<String, String> env = new LinkedHashMap<>();
                for (Object o : list(c.getOrDefault("env", List.of()))) {
                    Map<String, Object> var = map(o);
                    env.put((String) var.get("name"), var.containsKey("value") ? String.valueOf(var.get("value"))
                            : "from-a-secret-or-the-pod-0123456789");
                }
                containers.add(new Container(workload.get("kind") + "/" + name(workload), args, env, configOf(configMap, c)));
            }
        }
        return containers;
    }

    /** The properties file a container's {@code --config} names, from the ConfigMap's data. */
    public static Properties configOf(Map<String, Object> configMapData, Map<String, Object> container) {
        List<String> args = strings(container.getOrDefault("args", List.of()));
        int at = args.indexOf("--config");
        Object file = at < 0 ? null : configMapData.get(Path.of(args.get(at + 1)).getFileName().toString());
        // no such file in the ConfigMap (e.g. --config /dev/null): the environment holds the config
        return file == null ? new Properties() : properties((String) file);
    }

    public static List<Map<String, Object>> workloads(List<Map<String, Object>> objects) {
        return objects.stream().filter(o -> List.of("Deployment", "StatefulSet", "Job").contains(o.get("kind"))).toList();
    }

    public static List<Map<String, Object>> podContainers(Map<String, Object> workload) {
        return list(podSpec(workload).get("containers")).stream().map(DeployFiles::map).toList();
    }

    /** The init containers, then the containers. */
    public static List<Map<String, Object>> allContainers(Map<String, Object> workload) {
        List<Map<String, Object>> all = new ArrayList<>();
        list(podSpec(workload).get("initContainers")).forEach(c -> all.add(map(c)));
        all.addAll(podContainers(workload));
        return all;
    }

    public static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(at(workload, "spec", "template", "spec"));
    }

    public static Properties properties(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }

    public static List<String> strings(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }

    /** Object at a path of keys, e.g. {@code at(pod, "spec", "template")}; null when absent. */
    public static Object at(Object root, String... keys) {
        Object o = root;
        for (String k : keys) {
            if (!(o instanceof Map<?, ?> m)) return null;
            o = m.get(k);
        }
        return o;
    }
}
