# Sourced by the benchmarks: moves to the project, builds the package (the service and the demo jar with its
# classpath) when it is missing, and sets CP to the benchmark classpath: the demo jar, the service's classes and the
# demo's run-time dependencies, and LAUNCHER_JVM_OPTS to the JVM options bin/pgactive-server starts the service with.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEMO_JAR="$(ls -t target/pgactive-tools-demo-*.jar 2>/dev/null | head -n 1 || true)"
if [[ ! -f target/quarkus-app/quarkus-run.jar || -z "$DEMO_JAR" || ! -f target/demo-classpath.txt ]]; then
  echo "$(basename "$0"): building the service and the demo jar (./mvnw -q -B package -DskipTests)..." >&2
  ./mvnw -q -B package -DskipTests
  DEMO_JAR="$(ls -t target/pgactive-tools-demo-*.jar | head -n 1)"
fi
CP="$DEMO_JAR:target/classes:$(cat target/demo-classpath.txt)"
LAUNCHER_JVM_OPTS=$(bin/pgactive-server --print-jvm-options)
