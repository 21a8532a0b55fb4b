package io.pim.metalearner.deploy;

import io.pim.metalearner.testing.ManifestSchemas;
import io.pim.metalearner.testing.PodSecurityRestricted;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.pim.metalearner.testing.DeployFiles.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The offline manifest checks catch what they are for: each runs on a copy of the rendered
 * example overlay broken in one way, and must name the break (DeploymentFilesTest runs them on the
 * manifests as they are).
 */
class ManifestChecksTest {
    private static List<Map<String, Object>> example;
    private static ManifestSchemas schemas;

    @BeforeAll
    static void render() throws Exception {
        var rendered = rendered("example");
        Assumptions.assumeTrue(rendered.isPresent(), "kubectl is not installed: deploy/k8s is not rendered");
        example = rendered.get();
        schemas = ManifestSchemas.load();
    }

    static Stream<Arguments> schemaBreaks() {
        return Stream.of(
                Arguments.of("a misspelt container field", (Consumer<List<Map<String, Object>>>) o ->
                        service(o).put("securityContex", Map.of()), "StatefulSet/metalearner: $.spec.template.spec.containers[0]: property 'securityContex' is not defined"),
                Arguments.of("replicas as a word", (Consumer<List<Map<String, Object>>>) o ->
                        mutable(at(only(o, "StatefulSet", "metalearner"), "spec")).put("replicas", "two"), "$.spec.replicas: string found, integer expected"),
                Arguments.of("an ACL operation Kafka does not have", (Consumer<List<Map<String, Object>>>) o ->
                        firstAcl(o).put("operations", List.of("Wrte")), "KafkaUser/metalearner: $.spec.authorization.acls[0].operations[0]: does not have a value in the enumeration"),
                Arguments.of("a field of KafkaTopic's spec that does not exist", (Consumer<List<Map<String, Object>>>) o ->
                        mutable(at(ofKind(o, "KafkaTopic").get(0), "spec")).put("replicationFactor", 3), "property 'replicationFactor' is not defined"),
                Arguments.of("a PodMonitor with a misspelt endpoint field", (Consumer<List<Map<String, Object>>>) o ->
                        o.add(podMonitor("pathh")), "PodMonitor/metalearner: $.spec.podMetricsEndpoints[0]: property 'pathh' is not defined"),
                Arguments.of("a kind no schema knows", (Consumer<List<Map<String, Object>>>) o ->
                        o.add(Map.of("apiVersion", "example.com/v1", "kind", "Widget", "metadata", Map.of("name", "w"))), "Widget/w: no schema for example.com/v1 Widget"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaBreaks")
    void theSchemaCheckNamesEachBreak(String what, Consumer<List<Map<String, Object>>> breakIt, String expected) {
        // given a copy of the example overlay, broken in one way
        List<Map<String, Object>> broken = copy();
        breakIt.accept(broken);

        // then the schema check names it
        assertThat(schemas.violations(broken)).anySatisfy(v -> assertThat(v).contains(expected));
    }

    @Test
    void theSchemaCheckKnowsThePrometheusOperatorsKinds() {
        List<Map<String, Object>> withMonitor = copy();
        withMonitor.add(podMonitor("path"));
        assertThat(schemas.violations(withMonitor)).isEmpty();
    }

    static Stream<Arguments> restrictedBreaks() {
        return Stream.of(
                Arguments.of("root allowed", (Consumer<List<Map<String, Object>>>) o ->
                        mutable(at(only(o, "StatefulSet", "metalearner"), "spec", "template", "spec", "securityContext")).put("runAsNonRoot", false), "runAsNonRoot is not true"),
                Arguments.of("running as root", (Consumer<List<Map<String, Object>>>) o ->
                        security(o).put("runAsUser", 0), "runAsUser 0"),
                Arguments.of("privileged", (Consumer<List<Map<String, Object>>>) o ->
                        security(o).put("privileged", true), "container metalearner: privileged"),
                Arguments.of("privilege escalation", (Consumer<List<Map<String, Object>>>) o ->
                        security(o).remove("allowPrivilegeEscalation"), "allowPrivilegeEscalation is not false"),
                Arguments.of("capabilities kept", (Consumer<List<Map<String, Object>>>) o ->
                        security(o).remove("capabilities"), "capabilities.drop lacks ALL"),
                Arguments.of("a capability added", (Consumer<List<Map<String, Object>>>) o ->
                        security(o).put("capabilities", Map.of("drop", List.of("ALL"), "add", List.of("SYS_ADMIN"))), "capabilities.add SYS_ADMIN"),
                Arguments.of("seccomp off", (Consumer<List<Map<String, Object>>>) o ->
                        security(o).put("seccompProfile", Map.of("type", "Unconfined")), "seccompProfile Unconfined"),
                Arguments.of("the node's network", (Consumer<List<Map<String, Object>>>) o ->
                        mutable(at(only(o, "StatefulSet", "metalearner"), "spec", "template", "spec")).put("hostNetwork", true), "StatefulSet/metalearner: hostNetwork"),
                Arguments.of("a host port", (Consumer<List<Map<String, Object>>>) o ->
                        mutable(list(service(o).get("ports")).get(0)).put("hostPort", 8080), "hostPort 8080"),
                Arguments.of("a hostPath volume for /tmp", (Consumer<List<Map<String, Object>>>) o -> {
                    for (Object v : list(at(only(o, "StatefulSet", "metalearner"), "spec", "template", "spec", "volumes"))) {
                        if ("tmp".equals(map(v).get("name"))) {
                            mutable(v).remove("emptyDir");
                            mutable(v).put("hostPath", Map.of("path", "/tmp"));
                        }
                    }
                }, "volume tmp of type hostPath"),
                Arguments.of("a writable root file system", (Consumer<List<Map<String, Object>>>) o ->
                        security(o).put("readOnlyRootFilesystem", false), "readOnlyRootFilesystem is not true"),
                Arguments.of("no volume on /tmp", (Consumer<List<Map<String, Object>>>) o ->
                        service(o).put("volumeMounts", list(service(o).get("volumeMounts")).stream()
                                .filter(m -> !"/tmp".equals(map(m).get("mountPath"))).toList()), "/tmp is not an emptyDir"),
                Arguments.of("the state directory read-only", (Consumer<List<Map<String, Object>>>) o -> {
                    for (Object m : list(service(o).get("volumeMounts"))) if ("state".equals(map(m).get("name"))) mutable(m).put("readOnly", true);
                }, "state.dir /var/lib/metalearner/streams is on no writable volume"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("restrictedBreaks")
    void theRestrictedCheckNamesEachBreak(String what, Consumer<List<Map<String, Object>>> breakIt, String expected) {
        // given a copy of the example overlay, broken in one way
        List<Map<String, Object>> broken = copy();
        assertThat(PodSecurityRestricted.violations(broken)).isEmpty();
        breakIt.accept(broken);

        // then the restricted check names it
        assertThat(PodSecurityRestricted.violations(broken)).anySatisfy(v -> assertThat(v).contains(expected));
    }

    /** A deep, mutable copy of the rendered example. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> copy() {
        Yaml yaml = new Yaml();
        return new ArrayList<>((List<Map<String, Object>>) yaml.load(yaml.dump(example)));
    }

    private static Map<String, Object> only(List<Map<String, Object>> objects, String kind, String name) {
        return ofKind(objects, kind).stream().filter(o -> name(o).equals(name)).findFirst().orElseThrow();
    }

    private static Map<String, Object> service(List<Map<String, Object>> objects) {
        return mutable(podContainers(only(objects, "StatefulSet", "metalearner")).get(0));
    }

    private static Map<String, Object> security(List<Map<String, Object>> objects) {
        return mutable(service(objects).get("securityContext"));
    }

    private static Map<String, Object> firstAcl(List<Map<String, Object>> objects) {
        return mutable(list(at(only(objects, "KafkaUser", "metalearner"), "spec", "authorization", "acls")).get(0));
    }

    private static Map<String, Object> podMonitor(String pathField) {
        Map<String, Object> endpoint = new LinkedHashMap<>(Map.of("port", "http", pathField, "/metrics"));
        return Map.of("apiVersion", "monitoring.coreos.com/v1", "kind", "PodMonitor", "metadata", Map.of("name", "metalearner"),
                "spec", Map.of("selector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "metalearner")),
                        "podMetricsEndpoints", List.of(endpoint)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mutable(Object o) {
        return (Map<String, Object>) o;
    }
}
