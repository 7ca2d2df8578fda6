#!/usr/bin/env bash
# Fetches the Kafka broker the Kafka integration tests start (single-node KRaft, Java 17):
# Maven Central's kafka_2.13 and kafka-tools jars with an slf4j 1.x binding, into
# ~/.cache/floodwatch-test/kafka/libs. Does nothing when they are there already.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
dir="${FLOODWATCH_TEST_CACHE:-$HOME/.cache/floodwatch-test}/kafka"
libs="$dir/libs"
if compgen -G "$libs/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
  exit 0
fi

if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>floodwatch.test</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- Kafka logs through slf4j 1.x: a 2.x binding would log nothing. -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
mkdir -p "$dir"
(cd "$work" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$work/libs")
rm -rf "$libs"
mv "$work/libs" "$libs"
echo "Kafka $KAFKA_VERSION jars in $libs"
