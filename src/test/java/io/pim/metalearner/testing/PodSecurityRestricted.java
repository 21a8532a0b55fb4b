package io.pim.metalearner.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import static io.pim.metalearner.testing.DeployFiles.*;

/**
 * The Pod Security Standard "restricted" (the rules a namespace labelled
 * {@code pod-security.kubernetes.io/enforce=restricted} admits by), checked on every pod template
 * of rendered manifests, plus what this image needs to run under it: a read-only root file system
 * with {@code /tmp} (JNI libraries, RocksDB) on an emptyDir and the Kafka Streams state directory
 * on a writable volume.
 */
public final class PodSecurityRestricted {
    /** The volume types "restricted" admits. */
    private static final List<String> VOLUME_TYPES = List.of("name", "configMap", "secret", "emptyDir",
            "persistentVolumeClaim", "projected", "downwardAPI", "csi", "ephemeral");

    private PodSecurityRestricted() {
    }

    /** "Kind/name container c: what breaks the rule", one per problem; empty when every pod is admitted. */
    public static List<String> violations(List<Map<String, Object>> objects) {
        List<String> violations = new ArrayList<>();
        for (Map<String, Object> w : workloads(objects)) {
            Map<String, Object> pod = podSpec(w);
            String where = w.get("kind") + "/" + name(w);
            // the pod shares nothing with its node
            for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
                if (Boolean.TRUE.equals(pod.get(host))) violations.add(where + ": " + host);
            }
            for (Object v : list(pod.get("volumes"))) {
                for (String type : map(v).keySet()) {
                    if (!VOLUME_TYPES.contains(type)) violations.add(where + ": volume " + map(v).get("name") + " of type " + type);
                }
            }
            Map<String, Object> podSecurity = map(pod.get("securityContext"));
            for (Map<String, Object> c : allContainers(w)) {
                violations.addAll(container(objects, w, where + " container " + c.get("name"), c, podSecurity));
            }
        }
        return violations;
    }

    private static List<String> container(List<Map<String, Object>> objects, Map<String, Object> w, String where,
                                          Map<String, Object> c, Map<String, Object> podSecurity) {
        List<String> v = new ArrayList<>();
        Map<String, Object> security = map(c.get("securityContext"));
        // non-root, unprivileged, no capabilities, seccomp on (the container's setting wins over the pod's)
        if (!Boolean.TRUE.equals(security.getOrDefault("runAsNonRoot", podSecurity.get("runAsNonRoot")))) {
            v.add(where + ": runAsNonRoot is not true");
        }
        if (Objects.equals(security.getOrDefault("runAsUser", podSecurity.get("runAsUser")), 0)) v.add(where + ": runAsUser 0");
        if (Boolean.TRUE.equals(security.get("privileged"))) v.add(where + ": privileged");
        if (!Boolean.FALSE.equals(security.get("allowPrivilegeEscalation"))) v.add(where + ": allowPrivilegeEscalation is not false");
        if (!strings(at(security, "capabilities", "drop")).contains("ALL")) v.add(where + ": capabilities.drop lacks ALL");
        for (String added : strings(at(security, "capabilities", "add"))) {
            if (!added.equals("NET_BIND_SERVICE")) v.add(where + ": capabilities.add " + added);
        }
        Object seccomp = at(security, "seccompProfile", "type");
        if (seccomp == null) seccomp = at(podSecurity, "seccompProfile", "type");
        if (!List.of("RuntimeDefault", "Localhost").contains(seccomp)) v.add(where + ": seccompProfile " + seccomp);
        for (Object p : list(c.get("ports"))) {
            if (map(p).containsKey("hostPort")) v.add(where + ": hostPort " + map(p).get("hostPort"));
        }
        // the image's own containers write only to volumes
        if (String.valueOf(c.get("image")).contains("/" + IMAGE + ":")) {
            if (!Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) v.add(where + ": readOnlyRootFilesystem is not true");
            if (!"emptyDir".equals(writableVolume(w, c, "/tmp"))) v.add(where + ": /tmp is not an emptyDir");
            String stateDir = config(objects, c).getProperty("state.dir");
            if (stateDir != null && writableVolume(w, c, stateDir) == null) {
                v.add(where + ": state.dir " + stateDir + " is on no writable volume");
            }
        }
        return v;
    }

    /**
     * The type of the writable volume mounted at or above {@code path} ("emptyDir",
     * "persistentVolumeClaim" for a StatefulSet's claim template...), or null.
     */
    private static String writableVolume(Map<String, Object> w, Map<String, Object> c, String path) {
        for (Object o : list(c.get("volumeMounts"))) {
            Map<String, Object> mount = map(o);
            String at = (String) mount.get("mountPath");
            if (Boolean.TRUE.equals(mount.get("readOnly")) || !(path.equals(at) || path.startsWith(at + "/"))) continue;
            for (Object claim : list(at(w, "spec", "volumeClaimTemplates"))) {
                if (mount.get("name").equals(name(map(claim)))) return "persistentVolumeClaim";
            }
            for (Object volume : list(podSpec(w).get("volumes"))) {
                if (!mount.get("name").equals(map(volume).get("name"))) continue;
                return map(volume).keySet().stream().filter(k -> !k.equals("name")).findFirst().orElse(null);
            }
        }
        return null;
    }

    private static Properties config(List<Map<String, Object>> objects, Map<String, Object> container) {
        return objects.stream().filter(o -> "ConfigMap".equals(o.get("kind")) && name(o).startsWith("metalearner-config"))
                .findFirst().map(cm -> configOf(map(cm.get("data")), container)).orElseGet(Properties::new);
    }
}
