package io.pim.metalearner.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.pim.metalearner.testing.DeployFiles.ROOT;
import static io.pim.metalearner.testing.DeployFiles.name;

/**
 * Validates Kubernetes objects against the schemas of their kinds, offline: Kubernetes' own kinds
 * and the Prometheus Operator's against the JSON schemas of fabric8's model jars, Strimzi's
 * against the CRDs of the Strimzi release the manifests need (all kept in
 * {@code src/test/resources/k8s-schemas}, written by its {@code update.sh} from pinned Maven
 * Central artifacts). Validation is strict, as {@code kubectl apply}'s default
 * ({@code --validate=strict}) is: a field the schema does not define is an error, not dropped.
 */
public final class ManifestSchemas {
    public static final Path DIR = ROOT.resolve("src/test/resources/k8s-schemas");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    /** fabric8's keywords for its Java code generator; no JSON schema meaning. */
    private static final List<String> LOGIC_KEYWORDS = List.of("oneOf", "anyOf", "allOf", "not");
    private static final List<String> JAVA_KEYWORDS = List.of("javaType", "existingJavaType", "javaInterfaces", "javaOmitEmpty");

    /** "apiVersion kind" to its schema. */
    private final Map<String, JsonSchema> schemas;

    private ManifestSchemas(Map<String, JsonSchema> schemas) {
        this.schemas = schemas;
    }

    public static ManifestSchemas load() throws IOException {
        Map<String, JsonSchema> schemas = new TreeMap<>();
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path file : files.sorted().toList()) {
                String f = file.getFileName().toString();
                if (f.endsWith(".json")) addModel(schemas, JSON.readTree(file.toFile()));
                else if (f.endsWith(".yaml")) addCrd(schemas, JSON.valueToTree(new Yaml().load(Files.readString(file))));
            }
        }
        return new ManifestSchemas(schemas);
    }

    /** "Kind/name: what is wrong", one per problem; empty when every object is valid. */
    public List<String> violations(List<Map<String, Object>> objects) {
        List<String> violations = new ArrayList<>();
        for (Map<String, Object> o : objects) {
            String where = o.get("kind") + "/" + name(o);
            JsonSchema schema = schemas.get(o.get("apiVersion") + " " + o.get("kind"));
            if (schema == null) {
                violations.add(where + ": no schema for " + o.get("apiVersion") + " " + o.get("kind"));
                continue;
            }
            for (ValidationMessage m : schema.validate(JSON.valueToTree(o))) violations.add(where + ": " + m.getMessage());
        }
        return violations;
    }

    /** A fabric8 model schema: one definition per type, a resource's carrying its apiVersion and kind as defaults. */
    private static void addModel(Map<String, JsonSchema> schemas, JsonNode model) {
        ObjectNode definitions = (ObjectNode) model.get("definitions");
        definitions.forEach(ManifestSchemas::strictModel);
        // fabric8 models these as Java types; on the wire they are scalars
        definitions.set("kubernetes_apimachinery_pkg_util_intstr_IntOrString", types("integer", "string"));
        definitions.set("k8s_io_apimachinery_pkg_api_resource_Quantity", types("string", "number"));
        definitions.fields().forEachRemaining(d -> {
            JsonNode kind = d.getValue().at("/properties/kind/default");
            JsonNode apiVersion = d.getValue().at("/properties/apiVersion/default");
            if (kind.isMissingNode() || apiVersion.isMissingNode()) return;
            ObjectNode root = JSON.createObjectNode();
            root.set("definitions", definitions);
            root.put("$ref", "#/definitions/" + d.getKey());
            schemas.put(apiVersion.asText() + " " + kind.asText(), FACTORY.getSchema(root));
        });
    }

    /** A CustomResourceDefinition: one schema per served version. */
    private static void addCrd(Map<String, JsonSchema> schemas, JsonNode crd) {
        String group = crd.at("/spec/group").asText();
        String kind = crd.at("/spec/names/kind").asText();
        for (JsonNode version : crd.at("/spec/versions")) {
            JsonNode schema = version.at("/schema/openAPIV3Schema").deepCopy();
            strictCrd(schema);
            schemas.put(group + "/" + version.get("name").asText() + " " + kind, FACTORY.getSchema(schema));
        }
    }

    /**
     * fabric8: closes objects (they allow anything, for Java's sake), and drops the
     * {@code required: true} it puts on apiVersion and kind (defaults in Java; an embedded
     * template, a StatefulSet's claim template, has neither).
     */
    private static void strictModel(JsonNode node) {
        if (node instanceof ArrayNode array) {
            array.forEach(ManifestSchemas::strictModel);
            return;
        }
        if (!(node instanceof ObjectNode object)) return;
        object.remove(JAVA_KEYWORDS);
        if (object.path("required").isBoolean()) object.remove("required");
        if (object.has("properties") && object.path("additionalProperties").isBoolean()) object.put("additionalProperties", false);
        object.forEach(ManifestSchemas::strictModel);
    }

    /** OpenAPI v3 (a CRD's structural schema) as JSON schema: the API server's pruning as an error, its extensions as types. */
    private static void strictCrd(JsonNode node) {
        if (node instanceof ArrayNode array) {
            array.forEach(ManifestSchemas::strictCrd);
            return;
        }
        if (!(node instanceof ObjectNode object)) return;
        boolean preserve = object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (object.has("properties") && !object.has("additionalProperties") && !preserve) object.put("additionalProperties", false);
        if (object.path("x-kubernetes-int-or-string").asBoolean(false)) object.set("type", types("integer", "string").get("type"));
        if (object.path("nullable").asBoolean(false) && object.path("type").isTextual()) {
            object.set("type", types(object.get("type").asText(), "null").get("type"));
        }
        // oneOf/anyOf/allOf/not only constrain the fields the schema around them defines (a
        // structural schema's rule), so their own "properties" do not close the object
        object.fields().forEachRemaining(f -> {
            if (!LOGIC_KEYWORDS.contains(f.getKey())) strictCrd(f.getValue());
        });
    }

    private static ObjectNode types(String... types) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode array = node.putArray("type");
        for (String t : types) array.add(t);
        return node;
    }
}
