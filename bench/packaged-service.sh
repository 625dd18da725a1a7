# Sourced by the benchmarks that start the packaged service: moves to the project, builds the package and the test
# classpath when they are missing, and sets CP to the benchmark classpath.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ ! -f target/quarkus-app/quarkus-run.jar || ! -f target/test-classpath.txt ]]; then
  ./mvnw -q -B package -DskipTests
fi
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
