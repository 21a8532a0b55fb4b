#!/usr/bin/env bash
# Writes the schemas the rendered manifests are validated against (ManifestSchemas), from pinned
# Maven Central artifacts:
#   - Kubernetes' kinds and the Prometheus Operator's: the JSON schemas that fabric8's model jars
#     carry (schema/kube-schema.json), FABRIC8 below;
#   - Strimzi's kinds: the CRDs, generated from io.strimzi:api by io.strimzi:crd-generator with the
#     arguments Strimzi's own build uses for its install files, STRIMZI below. Strimzi 1.x is built
#     for Java 21: set JAVA21 to a java of 21 or later (the project itself runs on 17).
# Usage: src/test/resources/k8s-schemas/update.sh   (from anywhere; needs network to Maven Central)
set -euo pipefail
FABRIC8=6.13.4
STRIMZI=1.2.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
java21="${JAVA21:-$( (ls -d /usr/lib/jvm/*-2[1-9]-* 2>/dev/null || true) | head -1)/bin/java}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fabric8_modules="kubernetes-model-core kubernetes-model-apps kubernetes-model-batch kubernetes-model-policy openshift-model-monitoring"
{
  echo '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
  echo '<groupId>schemas</groupId><artifactId>schemas</artifactId><version>1</version><dependencies>'
  echo "<dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>$STRIMZI</version></dependency>"
  echo "<dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>$STRIMZI</version>"
  echo '<exclusions><exclusion><groupId>org.apache.logging.log4j</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>'
  echo '</dependencies></project>'
} > "$work/pom.xml"
"$root/mvnw" -q -B -f "$work/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/cp.txt"
for m in $fabric8_modules; do
  "$root/mvnw" -q -B -f "$work/pom.xml" dependency:get -Dtransitive=false -Dartifact="io.fabric8:$m:$FABRIC8"
done

rm -rf "$here/fabric8-"* "$here/strimzi-"*
mkdir -p "$here/fabric8-$FABRIC8" "$here/strimzi-$STRIMZI"
repo="$("$root/mvnw" -q -B -f "$work/pom.xml" help:evaluate -Dexpression=settings.localRepository -DforceStdout)"
for m in $fabric8_modules; do
  unzip -p "$repo/io/fabric8/$m/$FABRIC8/$m-$FABRIC8.jar" schema/kube-schema.json > "$here/fabric8-$FABRIC8/$m.json"
done
crd=io.strimzi.api.kafka.model
out="$here/strimzi-$STRIMZI"
"$java21" -cp "$(cat "$work/cp.txt")" io.strimzi.crdgenerator.CrdGenerator \
  --label app:strimzi --label strimzi.io/crd-install:true --target-kube 1.16+ \
  --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
  "$crd.kafka.Kafka=$out/040-Crd-kafka.yaml" \
  "$crd.connect.KafkaConnect=$out/041-Crd-kafkaconnect.yaml" \
  "$crd.topic.KafkaTopic=$out/043-Crd-kafkatopic.yaml" \
  "$crd.user.KafkaUser=$out/044-Crd-kafkauser.yaml" \
  "$crd.nodepool.KafkaNodePool=$out/045-Crd-kafkanodepool.yaml" \
  "$crd.connector.KafkaConnector=$out/047-Crd-kafkaconnector.yaml"
echo "schemas written to $here"
